//! corsgate-c (placeholder until its issue lands).

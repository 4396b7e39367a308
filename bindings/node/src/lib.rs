//! corsgate-node (placeholder until its issue lands).

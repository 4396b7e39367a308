//! corsgate-python (placeholder until its issue lands).

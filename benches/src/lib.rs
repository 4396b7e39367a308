//! corsgate-benches (placeholder until its issue lands).

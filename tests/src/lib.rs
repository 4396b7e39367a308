//! corsgate-conformance (placeholder until its issue lands).

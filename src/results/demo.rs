//! Demo results (filled in below).

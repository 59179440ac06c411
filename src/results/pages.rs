//! Rekap pages (filled in below).

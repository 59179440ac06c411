//! Situasi wilayah: one live picture of a region for its leaders (KPU, Bawaslu, Polres, Kodim,
//! Kejari, Pemda), gathered from every module's own figures: stage, logistics, security,
//! violations, results, coordination, budget and the viewer's alerts. This slice owns only the
//! gathering and its pages; each figure is computed by the module that owns the data.

pub mod api;
pub mod pages;
pub mod picture;

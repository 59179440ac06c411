//! Situasi wilayah: one live picture of a region for its leaders (KPU, Bawaslu, Polres, Kodim,
//! Kejari, Pemda), gathered from every module's own figures: stage, logistics, security,
//! violations, results, coordination, budget and the viewer's alerts. This slice owns only the
//! gathering and its pages; each figure is computed by the module that owns the data.
//!
//! The region's map (`map.rs`) is part of the picture: its child areas with their outlines and
//! names, coloured by a chosen layer (logistics readiness, vulnerability, open reports, results
//! in), TPS as points at village level, each area a link to its own map — the component the
//! vulnerability page and the security plan embed, and `/peta/{region}` on its own. The
//! outlines (`data/boundaries/*.bin`, MIT, made by `data/boundaries/compact.py` from the shared
//! boundary files) are embedded here; drawing them is platform machinery (`platform::map`).

pub mod api;
pub mod map;
pub mod pages;
pub mod picture;
pub mod report;

/// The credit line the outlines' licence asks for, drawn on every map (data/boundaries/README.md).
pub const CREDIT: &str = "Batas wilayah: cahyadsn/wilayah_boundaries © 2024–2025 Cahya DSN (MIT)";

const OUTLINES: [&[u8]; 4] = [
    include_bytes!("../../data/boundaries/provinces.bin"),
    include_bytes!("../../data/boundaries/regencies.bin"),
    include_bytes!("../../data/boundaries/districts.bin"),
    include_bytes!("../../data/boundaries/villages.bin"),
];

/// The outlines as a map atlas, for the server's state (frames are built by `warm`).
pub fn atlas() -> crate::platform::map::Atlas {
    crate::platform::map::Atlas::new(OUTLINES.to_vec())
}

/// A point inside each village's outline (longitude, latitude), by code: where the demo puts
/// its TPS.
pub fn village_points() -> std::collections::HashMap<String, (f64, f64)> {
    crate::platform::map::inside_points(OUTLINES[3])
}

/// The atlas the server registered at start-up.
pub fn atlas_of(state: &crate::platform::state::AppState) -> &crate::platform::map::Atlas {
    state.module::<crate::platform::map::Atlas>()
}

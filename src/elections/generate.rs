//! `sinergi gen tps`: a realistic synthetic national TPS file over the real hierarchy, for
//! load tests and benchmarks. Deterministic: the same election gives the same file.
//! Totals follow the 2024 figures (820,161 domestic TPS for Pemilu, 435,296 for Pilkada);
//! kelurahan (urban, code 1xxx) get about twice the voters of a desa; a TPS holds about the
//! national mean DPT per TPS (±15%); coordinates scatter around the province's centre.

use std::io::Write;

use super::{ElectionDef, ElectionKind};

/// Domestic TPS in 2024: Pemilu 820,161 (KPU, Feb 2024); Pilkada 435,296 (KPU, 7 Nov 2024).
pub fn national_tps_target(kind: ElectionKind) -> u64 {
    match kind {
        ElectionKind::Pemilu => 820_161,
        ElectionKind::Pilkada => 435_296,
    }
}

/// Domestic voters on the Pemilu 2024 DPT (KPU decision 857/2023: 203,056,748).
const DOMESTIC_DPT: u64 = 203_056_748;
const VILLAGE_SALT: u64 = 2024;

/// Approximate centre (latitude, longitude) of each province, for synthetic coordinates.
const CENTRES: &[(&str, f64, f64)] = &[
    ("11", 4.36, 96.9), ("12", 2.19, 99.05), ("13", -0.74, 100.8), ("14", 0.29, 101.7),
    ("15", -1.61, 103.6), ("16", -3.32, 104.0), ("17", -3.79, 102.26), ("18", -4.56, 105.4),
    ("19", -2.74, 106.44), ("21", 1.0, 104.5), ("31", -6.2, 106.82), ("32", -6.9, 107.6),
    ("33", -7.15, 110.14), ("34", -7.8, 110.36), ("35", -7.54, 112.24), ("36", -6.4, 106.06),
    ("51", -8.41, 115.19), ("52", -8.65, 117.36), ("53", -8.66, 121.08), ("61", -0.28, 111.48),
    ("62", -1.68, 113.38), ("63", -3.09, 115.28), ("64", 0.54, 116.42), ("65", 3.07, 116.04),
    ("71", 0.62, 123.97), ("72", -1.43, 121.45), ("73", -3.67, 119.97), ("74", -4.14, 122.17),
    ("75", 0.7, 122.45), ("76", -2.84, 119.23), ("81", -3.24, 130.15), ("82", 1.57, 127.81),
    ("91", -2.5, 139.5), ("92", -1.34, 133.17), ("93", -7.5, 139.5), ("94", -3.9, 136.4),
    ("95", -4.1, 138.9), ("96", -1.0, 131.8),
];

const STREETS: &[&str] = &[
    "Jl. Merdeka", "Jl. Diponegoro", "Jl. Sudirman", "Jl. Gajah Mada", "Jl. Ahmad Yani", "Jl. Pahlawan",
    "Jl. Kartini", "Jl. Imam Bonjol", "Jl. Veteran", "Jl. Hayam Wuruk", "Jl. Pemuda", "Jl. Raya",
    "Jl. Masjid", "Jl. Pasar", "Jl. Sekolah", "Jl. Melati", "Jl. Mawar", "Jl. Kenanga",
];
const PLACES: &[&str] = &["Balai Desa", "Halaman SDN", "Gedung Serbaguna", "Pos Kamling", "Lapangan", "Halaman Masjid"];

/// splitmix64: small, fast and good enough for synthetic data.
pub struct Rng(u64);

impl Rng {
    pub fn seeded(text: &str, salt: u64) -> Rng {
        let mut seed = salt ^ 0x9e37_79b9_7f4a_7c15;
        for b in text.bytes() {
            seed = (seed ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

pub struct Village<'a> {
    pub code: &'a str,
    pub name: &'a str,
    /// A point inside the village's outline (latitude, longitude), where one is known: its TPS
    /// are then placed around it, on the map inside their village.
    pub inside: Option<(f64, f64)>,
}

/// How many TPS each village gets so that the national total meets the target.
pub fn tps_per_village(villages: &[Village<'_>], target: u64, salt: u64) -> Vec<u16> {
    let weights: Vec<f64> = villages
        .iter()
        .map(|v| {
            let mut rng = Rng::seeded(v.code, salt);
            let urban = v.code.as_bytes().get(9) == Some(&b'1');
            (if urban { 2.0 } else { 1.0 }) * (0.4 + 1.2 * rng.unit())
        })
        .collect();
    let sum: f64 = weights.iter().sum();
    let mut counts: Vec<u16> = weights.iter().map(|w| ((w / sum) * target as f64).floor().clamp(1.0, 999.0) as u16).collect();
    // Hand out what flooring left over, one TPS per village, so the total is exact.
    let mut total: u64 = counts.iter().map(|&c| u64::from(c)).sum();
    let mut i = 0usize;
    while total < target && !counts.is_empty() {
        if counts[i] < 999 {
            counts[i] += 1;
            total += 1;
        }
        i = (i + 7919) % counts.len();
    }
    counts
}

/// Writes `target` TPS over `villages` as CSV; returns the number written.
pub fn write_tps_csv<W: Write>(out: W, election: &ElectionDef, villages: &[Village<'_>], target: u64) -> std::io::Result<u64> {
    // Village sizes are the same for both elections (the same people vote); only how many
    // TPS they are split into differs.
    let counts = tps_per_village(villages, target, VILLAGE_SALT);
    let salt: u64 = match election.kind {
        ElectionKind::Pemilu => 20_240_214,
        ElectionKind::Pilkada => 20_241_127,
    };
    let mean_dpt = DOMESTIC_DPT as f64 / national_tps_target(election.kind) as f64;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, out);
    writeln!(w, "code,address,dpt,lat,lon")?;
    let max = election.max_voters_per_tps;
    let mut written = 0u64;
    for (v, &n) in villages.iter().zip(&counts) {
        let mut rng = Rng::seeded(v.code, salt.wrapping_add(1));
        let (clat, clon) = CENTRES.iter().find(|c| v.code.starts_with(c.0)).map_or((-2.0, 118.0), |c| (c.1, c.2));
        // Villages cluster near their regency: offset the regency, then the village.
        let mut reg = Rng::seeded(&v.code[..5], salt);
        let vlat = clat + (reg.unit() - 0.5) * 1.2 + (rng.unit() - 0.5) * 0.2;
        let vlon = clon + (reg.unit() - 0.5) * 1.2 + (rng.unit() - 0.5) * 0.2;
        // Within a few hundred metres of a point inside the outline, else scattered over 2 km.
        let ((vlat, vlon), spread) = v.inside.map_or(((vlat, vlon), 0.02), |at| (at, 0.003));
        let name = v.name.replace('"', "'");
        for no in 1..=n {
            let dpt = ((mean_dpt * (0.85 + 0.3 * rng.unit())).round() as i64).min(max);
            let address = if rng.below(3) == 0 {
                format!("{} {}", PLACES[rng.below(PLACES.len() as u64) as usize], name)
            } else {
                format!(
                    "{} No. {}, RT {:02}/RW {:02}, {}",
                    STREETS[rng.below(STREETS.len() as u64) as usize],
                    1 + rng.below(120),
                    1 + rng.below(12),
                    1 + rng.below(8),
                    name
                )
            };
            let lat = (vlat + (rng.unit() - 0.5) * spread).clamp(super::LAT_RANGE.0, super::LAT_RANGE.1);
            let lon = (vlon + (rng.unit() - 0.5) * spread).clamp(super::LON_RANGE.0, super::LON_RANGE.1);
            writeln!(w, "{}.{:03},\"{}\",{},{:.5},{:.5}", v.code, no, address, dpt, lat, lon)?;
            written += 1;
        }
    }
    w.flush()?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn village_counts_meet_the_target_exactly() {
        let codes: Vec<String> = (0..1000).map(|i| format!("35.76.{:02}.{}{:03}", i % 90, 1 + i % 2, i)).collect();
        let villages: Vec<Village<'_>> = codes.iter().map(|c| Village { code: c, name: "X", inside: None }).collect();
        let counts = tps_per_village(&villages, 9_790, 1);
        assert_eq!(counts.iter().map(|&c| u64::from(c)).sum::<u64>(), 9_790);
        assert!(counts.iter().all(|&c| c >= 1));
        let urban: f64 = counts.iter().zip(&codes).filter(|(_, c)| c.as_bytes()[9] == b'1').map(|(&n, _)| f64::from(n)).sum();
        let rural: f64 = counts.iter().zip(&codes).filter(|(_, c)| c.as_bytes()[9] == b'2').map(|(&n, _)| f64::from(n)).sum();
        assert!(urban > rural * 1.5, "kelurahan get more TPS: {urban} vs {rural}");
    }
}

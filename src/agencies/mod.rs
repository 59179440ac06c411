//! Agencies, their units and users: who someone works for (KPU, Bawaslu, Polri, TNI,
//! Kejaksaan, Pemda, DKPP), at which tier (the unit's region), and with which role.

pub mod api;
pub mod devices;
pub mod pages;
pub mod store;

use crate::regions::Level;

pub use crate::platform::identity::{AgencyKind, Role};

/// The conventional name of an agency's unit at a region's tier, e.g. Polres Jombang for
/// Polri at Kabupaten Jombang, PPK Magersari for KPU at Kecamatan Magersari. `region_name` is
/// the region's display name (`Kabupaten Jombang`, `Magersari`); `None` level means national.
pub fn unit_name(agency: AgencyKind, level: Option<Level>, region_name: &str, province_code: &str) -> String {
    let bare = region_name
        .strip_prefix("Kabupaten ")
        .or_else(|| region_name.strip_prefix("Kota Administrasi "))
        .or_else(|| region_name.strip_prefix("Kota "))
        .unwrap_or(region_name);
    let is_city = region_name.starts_with("Kota ");
    let jakarta = province_code == "31";
    match (agency, level) {
        (AgencyKind::Kpu, None) => "KPU RI".into(),
        (AgencyKind::Kpu, Some(Level::Province)) => format!("KPU Provinsi {region_name}"),
        (AgencyKind::Kpu, Some(Level::Regency)) => format!("KPU {region_name}"),
        (AgencyKind::Kpu, Some(Level::District)) => format!("PPK {region_name}"),
        (AgencyKind::Kpu, Some(Level::Village)) => format!("PPS {region_name}"),
        (AgencyKind::Bawaslu, None) => "Bawaslu RI".into(),
        (AgencyKind::Bawaslu, Some(Level::Province)) => format!("Bawaslu Provinsi {region_name}"),
        (AgencyKind::Bawaslu, Some(Level::Regency)) => format!("Bawaslu {region_name}"),
        (AgencyKind::Bawaslu, Some(Level::District)) => format!("Panwaslu Kecamatan {region_name}"),
        (AgencyKind::Bawaslu, Some(Level::Village)) => format!("PKD {region_name}"),
        (AgencyKind::Polri, None) => "Mabes Polri".into(),
        (AgencyKind::Polri, Some(Level::Province)) if jakarta => "Polda Metro Jaya".into(),
        (AgencyKind::Polri, Some(Level::Province)) => format!("Polda {region_name}"),
        (AgencyKind::Polri, Some(Level::Regency)) if jakarta => format!("Polres Metro {bare}"),
        (AgencyKind::Polri, Some(Level::Regency)) if is_city => format!("Polres {bare} Kota"),
        (AgencyKind::Polri, Some(Level::Regency)) => format!("Polres {bare}"),
        (AgencyKind::Polri, Some(Level::District)) => format!("Polsek {region_name}"),
        (AgencyKind::Polri, Some(Level::Village)) => format!("Bhabinkamtibmas {region_name}"),
        (AgencyKind::Tni, None) => "Mabes TNI".into(),
        (AgencyKind::Tni, Some(Level::Province)) => format!("Kodam wilayah {region_name}"),
        (AgencyKind::Tni, Some(Level::Regency)) => format!("Kodim {region_name}"),
        (AgencyKind::Tni, Some(Level::District)) => format!("Koramil {region_name}"),
        (AgencyKind::Tni, Some(Level::Village)) => format!("Babinsa {region_name}"),
        (AgencyKind::Kejaksaan, None) => "Kejaksaan Agung".into(),
        (AgencyKind::Kejaksaan, Some(Level::Province)) => format!("Kejati {region_name}"),
        (AgencyKind::Kejaksaan, Some(Level::Regency)) if is_city => format!("Kejari Kota {bare}"),
        (AgencyKind::Kejaksaan, Some(Level::Regency)) => format!("Kejari {bare}"),
        (AgencyKind::Kejaksaan, Some(_)) => format!("Cabang Kejari {region_name}"),
        (AgencyKind::Pemda, None) => "Kemendagri".into(),
        (AgencyKind::Pemda, Some(Level::Province)) => format!("Pemprov {region_name}"),
        (AgencyKind::Pemda, Some(Level::Regency)) if is_city => format!("Pemkot {bare}"),
        (AgencyKind::Pemda, Some(Level::Regency)) => format!("Pemkab {bare}"),
        (AgencyKind::Pemda, Some(Level::District)) => format!("Kecamatan {region_name}"),
        (AgencyKind::Pemda, Some(Level::Village)) => format!("Pemerintah Desa/Kelurahan {region_name}"),
        (AgencyKind::Dkpp, _) => "DKPP".into(),
    }
}

/// The unit that works at one TPS: "KPPS TPS 001 Balongsari" (KPU's polling station committee)
/// or "PTPS TPS 001 Balongsari" (Bawaslu's polling station supervisor); other agencies have no
/// unit at a TPS.
pub fn tps_unit_name(agency: AgencyKind, number: u16, village_name: &str) -> Option<String> {
    let prefix = match agency {
        AgencyKind::Kpu => "KPPS",
        AgencyKind::Bawaslu => "PTPS",
        _ => return None,
    };
    Some(format!("{prefix} TPS {number:03} {village_name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_named_by_the_tier_convention() {
        assert_eq!(unit_name(AgencyKind::Polri, Some(Level::Regency), "Kabupaten Jombang", "35"), "Polres Jombang");
        assert_eq!(unit_name(AgencyKind::Polri, Some(Level::Regency), "Kota Mojokerto", "35"), "Polres Mojokerto Kota");
        assert_eq!(
            unit_name(AgencyKind::Polri, Some(Level::Regency), "Kota Administrasi Jakarta Pusat", "31"),
            "Polres Metro Jakarta Pusat"
        );
        assert_eq!(unit_name(AgencyKind::Kpu, Some(Level::District), "Magersari", "35"), "PPK Magersari");
        assert_eq!(unit_name(AgencyKind::Bawaslu, Some(Level::District), "Magersari", "35"), "Panwaslu Kecamatan Magersari");
        assert_eq!(unit_name(AgencyKind::Pemda, Some(Level::Regency), "Kota Madiun", "35"), "Pemkot Madiun");
        assert_eq!(unit_name(AgencyKind::Tni, Some(Level::Regency), "Kabupaten Bojonegoro", "35"), "Kodim Kabupaten Bojonegoro");
        assert_eq!(unit_name(AgencyKind::Kpu, None, "", ""), "KPU RI");
        assert_eq!(tps_unit_name(AgencyKind::Kpu, 1, "Balongsari").as_deref(), Some("KPPS TPS 001 Balongsari"));
        assert_eq!(tps_unit_name(AgencyKind::Bawaslu, 12, "Balongsari").as_deref(), Some("PTPS TPS 012 Balongsari"));
        assert_eq!(tps_unit_name(AgencyKind::Polri, 1, "Balongsari"), None);
    }

    #[test]
    fn roles_are_ordered() {
        assert!(Role::Viewer < Role::Operator && Role::Operator < Role::Supervisor && Role::Supervisor < Role::Admin);
        assert!(Role::parse("root").is_err());
        assert!(AgencyKind::parse("kpu").is_ok() && AgencyKind::parse("KPU").is_err());
    }
}

//! Elections and their TPS: the two 2024 elections as built-in data (each owns its TPS, since
//! Pemilu and Pilkada had different polling stations), the contests each region votes in,
//! and the parsing rules for a TPS record.

pub mod api;
pub mod generate;
pub mod import;
pub mod store;

use crate::platform::i18n::Text;
use serde::{Deserialize, Serialize};

use crate::regions::RegionCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ElectionKind {
    Pemilu,
    Pilkada,
}

/// Where a contest is held.
#[derive(Debug, Clone, Copy)]
pub enum Coverage {
    /// In every province but these.
    ExceptProvinces(&'static [&'static str]),
    /// In regencies (kabupaten, codes 01–69) outside these provinces.
    Kabupaten { except_provinces: &'static [&'static str] },
    /// In cities (kota, codes 71–99) outside these provinces.
    Kota { except_provinces: &'static [&'static str] },
}

impl Coverage {
    /// Whether the contest is held at `code` (a regency or anything below it, including a
    /// TPS); for a province, whether it is held anywhere in it.
    pub fn holds_at(self, code: &str) -> bool {
        let province = code.get(..2).unwrap_or("");
        let regency_no: Option<u8> = code.get(3..5).and_then(|s| s.parse().ok());
        match self {
            Coverage::ExceptProvinces(ex) => !ex.contains(&province),
            Coverage::Kabupaten { except_provinces } => {
                !except_provinces.contains(&province) && regency_no.is_none_or(|n| n < 70)
            }
            Coverage::Kota { except_provinces } => {
                !except_provinces.contains(&province) && regency_no.is_none_or(|n| n >= 70)
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct ContestDef {
    pub key: &'static str,
    pub name: &'static str,
    pub name_en: &'static str,
    pub coverage: Coverage,
    /// Why it is held where it is held.
    pub source: &'static str,
}

#[derive(Debug, Clone, Copy)]
pub struct ElectionDef {
    pub id: &'static str,
    pub name: &'static str,
    pub kind: ElectionKind,
    pub voting_day: &'static str,
    /// The most voters on the DPT of one TPS (KPU decision for the election).
    pub max_voters_per_tps: i64,
    /// The most voters one TPS may serve by statute, voters from outside its DPT included (a
    /// TPS lokasi khusus in a hospital or prison serves many moved voters): the bound of every
    /// count on a C.Hasil.
    pub max_voters_by_law: i64,
    pub contests: &'static [ContestDef],
    pub source: &'static str,
}

/// DKI Jakarta: its cities and regency are administrative (UU 29/2007), so no DPRD kab/kota
/// and no mayor or regent elections there. DI Yogyakarta: the Sultan is governor by law
/// (UU 13/2012), so no governor election.
const DKI: &[&str] = &["31"];
const DIY: &[&str] = &["34"];

pub const ELECTIONS: &[ElectionDef] = &[
    ElectionDef {
        id: "pemilu-2024",
        name: "Pemilu 2024",
        kind: ElectionKind::Pemilu,
        voting_day: "2024-02-14",
        max_voters_per_tps: 300,
        max_voters_by_law: 500,
        source: "UU 7/2017 (Ps 350(1): at most 500 voters per TPS); PKPU 3/2022 (voting day); KPU decision: at most 300 voters per TPS",
        contests: &[
            ContestDef { key: "presiden", name: "Presiden dan Wakil Presiden", name_en: "President and Vice President", coverage: Coverage::ExceptProvinces(&[]), source: "UU 7/2017" },
            ContestDef { key: "dpr", name: "DPR RI", name_en: "House of Representatives", coverage: Coverage::ExceptProvinces(&[]), source: "UU 7/2017" },
            ContestDef { key: "dpd", name: "DPD RI", name_en: "Regional Representative Council", coverage: Coverage::ExceptProvinces(&[]), source: "UU 7/2017" },
            ContestDef { key: "dprd_provinsi", name: "DPRD Provinsi", name_en: "Provincial Council", coverage: Coverage::ExceptProvinces(&[]), source: "UU 7/2017" },
            ContestDef { key: "dprd_kabkota", name: "DPRD Kabupaten/Kota", name_en: "Regency/City Council", coverage: Coverage::ExceptProvinces(DKI), source: "UU 29/2007: DKI Jakarta has no DPRD kabupaten/kota" },
        ],
    },
    ElectionDef {
        id: "pilkada-2024",
        name: "Pilkada Serentak 2024",
        kind: ElectionKind::Pilkada,
        voting_day: "2024-11-27",
        max_voters_per_tps: 600,
        max_voters_by_law: 800,
        source: "UU 10/2016 (at most 800 voters per TPS); PKPU 2/2024 (voting day); KPU decision: at most 600 voters per TPS",
        contests: &[
            ContestDef { key: "gubernur", name: "Gubernur dan Wakil Gubernur", name_en: "Governor and Vice Governor", coverage: Coverage::ExceptProvinces(DIY), source: "UU 13/2012: the governor of DI Yogyakarta is not elected" },
            ContestDef { key: "bupati", name: "Bupati dan Wakil Bupati", name_en: "Regent and Vice Regent", coverage: Coverage::Kabupaten { except_provinces: DKI }, source: "UU 29/2007: Kepulauan Seribu is an administrative regency" },
            ContestDef { key: "walikota", name: "Wali Kota dan Wakil Wali Kota", name_en: "Mayor and Vice Mayor", coverage: Coverage::Kota { except_provinces: DKI }, source: "UU 29/2007: Jakarta's cities are administrative" },
        ],
    },
];

pub fn election(id: &str) -> Option<&'static ElectionDef> {
    ELECTIONS.iter().find(|e| e.id == id)
}

impl ElectionDef {
    pub fn contests_at(&self, code: &str) -> Vec<&'static ContestDef> {
        self.contests.iter().filter(|c| c.coverage.holds_at(code)).collect()
    }
}

/// A TPS code: village code plus a three-digit number, `35.76.02.1008.001`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TpsCode {
    code: String,
}

impl TpsCode {
    pub fn parse(s: &str) -> Result<TpsCode, Text> {
        let bad = || {
            crate::tr!(
                "\"{s}\" bukan kode TPS (kode desa/kelurahan dan nomor TPS tiga angka, contoh: 35.76.02.1008.001)",
                "{s:?} is not a TPS code (expected village code and 3-digit number, e.g. 35.76.02.1008.001)"
            )
        };
        let (village, number) = s.rsplit_once('.').ok_or_else(bad)?;
        let village = RegionCode::parse(village).map_err(|_| bad())?;
        if village.level() != crate::regions::Level::Village
            || number.len() != 3
            || !number.bytes().all(|b| b.is_ascii_digit())
            || number == "000"
        {
            return Err(bad());
        }
        Ok(TpsCode { code: s.to_string() })
    }
    pub fn as_str(&self) -> &str {
        &self.code
    }
    pub fn village(&self) -> &str {
        &self.code[..self.code.len() - 4]
    }
    pub fn number(&self) -> u16 {
        self.code[self.code.len() - 3..].parse().unwrap_or(0)
    }
}

/// A TPS as submitted, before checks.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct TpsInput {
    /// `<village code>.<3-digit number>`, e.g. `35.76.02.1008.001`.
    pub code: String,
    /// Line breaks allowed: a spreadsheet cell may hold the address on several lines.
    pub address: crate::platform::text::FreeText<{ crate::platform::text::ADDRESS_MAX }>,
    /// Voters on the final list (DPT).
    pub dpt: i64,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// A TPS that passed every check but the village's existence (which needs the registry).
#[derive(Debug, Clone, PartialEq)]
pub struct Tps {
    pub code: TpsCode,
    pub address: String,
    pub dpt: i64,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// Indonesia's extent with a small margin: 6.1°N to 11.0°S, 95.0°E to 141.0°E.
pub const LAT_RANGE: (f64, f64) = (-11.5, 6.5);
pub const LON_RANGE: (f64, f64) = (94.5, 141.5);

impl TpsInput {
    /// Checks one TPS against the election's rules; the error names the field.
    pub fn parse(self, election: &ElectionDef) -> Result<Tps, (&'static str, Text)> {
        let code = TpsCode::parse(self.code.trim()).map_err(|m| ("code", m))?;
        let address = self.address.into_string();
        if address.is_empty() {
            return Err(("address", crate::tr!("alamat TPS wajib diisi", "address is empty")));
        }
        let (dpt, max, name) = (self.dpt, election.max_voters_per_tps, election.name);
        if dpt < 0 {
            return Err(("dpt", crate::tr!("DPT {dpt} tidak boleh negatif", "DPT {dpt} is negative")));
        }
        if dpt > max {
            return Err((
                "dpt",
                crate::tr!(
                    "DPT {dpt} melebihi {max} pemilih, batas satu TPS pada {name}",
                    "DPT {dpt} is above {max} voters, the most a TPS may have in {name}"
                ),
            ));
        }
        let ((lat_lo, lat_hi), (lon_lo, lon_hi)) = (LAT_RANGE, LON_RANGE);
        match (self.lat, self.lon) {
            (Some(lat), Some(lon)) => {
                if !(lat_lo..=lat_hi).contains(&lat) {
                    return Err((
                        "lat",
                        crate::tr!(
                            "lintang {lat} di luar wilayah Indonesia ({lat_lo} sampai {lat_hi})",
                            "latitude {lat} is outside Indonesia ({lat_lo} to {lat_hi})"
                        ),
                    ));
                }
                if !(lon_lo..=lon_hi).contains(&lon) {
                    return Err((
                        "lon",
                        crate::tr!(
                            "bujur {lon} di luar wilayah Indonesia ({lon_lo} sampai {lon_hi})",
                            "longitude {lon} is outside Indonesia ({lon_lo} to {lon_hi})"
                        ),
                    ));
                }
            }
            (None, None) => {}
            (Some(_), None) => return Err(("lon", crate::tr!("lintang diisi tanpa bujur; isi keduanya atau kosongkan keduanya", "latitude given without longitude"))),
            (None, Some(_)) => return Err(("lat", crate::tr!("bujur diisi tanpa lintang; isi keduanya atau kosongkan keduanya", "longitude given without latitude"))),
        }
        Ok(Tps { code, address, dpt: self.dpt, lat: self.lat, lon: self.lon })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pemilu() -> &'static ElectionDef {
        election("pemilu-2024").expect("built in")
    }
    fn pilkada() -> &'static ElectionDef {
        election("pilkada-2024").expect("built in")
    }
    fn keys(e: &ElectionDef, code: &str) -> Vec<&'static str> {
        e.contests_at(code).iter().map(|c| c.key).collect()
    }

    #[test]
    fn contests_follow_the_law_of_each_region() {
        assert_eq!(keys(pilkada(), "35.76.02.1008.001"), ["gubernur", "walikota"]);
        assert_eq!(keys(pilkada(), "35.17.01.2001.003"), ["gubernur", "bupati"]);
        assert_eq!(keys(pilkada(), "34.71.01.1001.001"), ["walikota"], "no governor election in DIY");
        assert_eq!(keys(pilkada(), "34.02.01.2001.001"), ["bupati"]);
        assert_eq!(keys(pilkada(), "31.71.01.1001.001"), ["gubernur"], "no mayor election in Jakarta");
        assert_eq!(keys(pilkada(), "31.01.01.1001.001"), ["gubernur"], "no regent election in Kepulauan Seribu");
        assert_eq!(keys(pemilu(), "31.71.01.1001.001"), ["presiden", "dpr", "dpd", "dprd_provinsi"]);
        assert_eq!(keys(pemilu(), "35.76.02.1008.001").len(), 5);
        assert_eq!(keys(pilkada(), "35"), ["gubernur", "bupati", "walikota"]);
    }

    #[test]
    fn tps_codes_parse() {
        let c = TpsCode::parse("35.76.02.1008.001").expect("valid");
        assert_eq!((c.village(), c.number()), ("35.76.02.1008", 1));
        for bad in ["35.76.02.1008", "35.76.02.1008.1", "35.76.02.1008.000", "35.76.02.1008.0a1", "35.76.02.001"] {
            assert!(TpsCode::parse(bad).is_err(), "{bad}");
        }
    }

    fn input(dpt: i64, lat: Option<f64>, lon: Option<f64>) -> TpsInput {
        TpsInput { code: "35.76.02.1008.001".into(), address: crate::platform::text::FreeText::<{ crate::platform::text::ADDRESS_MAX }>::parse("address", "Jl. Empunala 12").unwrap(), dpt, lat, lon }
    }

    #[test]
    fn tps_checks_name_the_field() {
        assert!(input(300, Some(-7.47), Some(112.43)).parse(pemilu()).is_ok());
        assert_eq!(input(301, None, None).parse(pemilu()).map_err(|e| e.0), Err("dpt"));
        assert!(input(600, None, None).parse(pilkada()).is_ok());
        assert_eq!(input(-1, None, None).parse(pilkada()).map_err(|e| e.0), Err("dpt"));
        assert_eq!(input(10, Some(91.0), Some(112.0)).parse(pilkada()).map_err(|e| e.0), Err("lat"));
        assert_eq!(input(10, Some(-7.0), Some(200.0)).parse(pilkada()).map_err(|e| e.0), Err("lon"));
        assert_eq!(input(10, Some(-7.0), None).parse(pilkada()).map_err(|e| e.0), Err("lon"));
        let mut blank = input(10, None, None);
        blank.address = crate::platform::text::FreeText::<{ crate::platform::text::ADDRESS_MAX }>::parse("address", "  ").unwrap();
        assert_eq!(blank.parse(pilkada()).map_err(|e| e.0), Err("address"));
    }
}

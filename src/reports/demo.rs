//! Demo cases in the demo regions, dated relative to the service's "now" so that the board
//! always shows live clocks: a case in every state of the report workflow (one overdue in
//! kajian awal, one Gakkumdu case at the prosecutor), a supervisor's finding, an anonymous tip,
//! evidence files, and a process dispute in mediation. Every case goes through the same store
//! calls as the API, by the demo user of the agency that owns each step.

use time::{Duration, OffsetDateTime};

use super::store::{self, NewReport, Reporter};
use crate::agencies::store::{User, user_for_login};
use crate::elections::ElectionDef;
use crate::platform::clock;
use crate::platform::db::Conn;
use crate::platform::error::AppError;

fn user(conn: &mut Conn, name: &str) -> Result<User, AppError> {
    user_for_login(conn, name)?.map(|(u, _)| u).ok_or_else(|| AppError::Internal(format!("demo user {name} missing")))
}

struct Case<'a> {
    /// Regency short name (for the users) and the village or TPS of the event.
    short: &'a str,
    region: &'a str,
    reporter: Option<(&'a str, &'a str)>,
    reported: &'a str,
    place: &'a str,
    description: &'a str,
    /// Hours before now that Bawaslu received it.
    received_hours_ago: i64,
    /// The moves, each with the hours after receipt it was made.
    moves: &'a [(&'a str, i64, &'a str)],
}

const B: &str = "bawaslu";
const P: &str = "polres";
const K: &str = "kejari";

/// Who makes a move to `to` in the demo.
fn mover(to: &str, after_pidana: bool) -> &'static str {
    match to {
        "penuntutan" | "dihentikan" if after_pidana => P,
        "berkas_dikembalikan" | "persidangan" | "putusan" | "banding" | "berkekuatan_tetap" | "putusan_banding" => K,
        _ => B,
    }
}

const CASES: &[Case<'static>] = &[
    Case {
        short: "kotamojokerto", region: "35.76.02.1008.001", reporter: Some(("Siti Rahayu", "Jl. Empunala 12, Balongsari")),
        reported: "Tim sukses pasangan calon nomor 2", place: "Sekitar TPS 001 Balongsari",
        description: "Pembagian amplop berisi uang kepada warga menjelang hari pemungutan suara.",
        received_hours_ago: 3, moves: &[],
    },
    Case {
        short: "kotamojokerto", region: "35.76.01.1004", reporter: Some(("Nur Hidayah", "Jl. Kauman 21")),
        reported: "Relawan pasangan calon nomor 1", place: "Pasar Kauman",
        description: "Relawan membagikan kaos dan uang transport kepada pedagang pasar.",
        // No evidence yet: Bawaslu asked the reporter to complete it (2 hari).
        received_hours_ago: 20, moves: &[("kajian_awal", 2, ""), ("perbaikan", 6, "Lampirkan foto atau rekaman pembagian uang")],
    },
    Case {
        short: "kotamojokerto", region: "35.76.02.1003", reporter: Some(("Agus Setiawan", "Jl. Gajah Mada 5, Magersari")),
        reported: "Kepala Kelurahan Magersari", place: "Balai Kelurahan Magersari",
        description: "Lurah mengajak warga memilih pasangan calon tertentu dalam rapat RT.",
        // Received six days ago and still in kajian awal: two days were allowed (overdue).
        received_hours_ago: 6 * 24, moves: &[("kajian_awal", 1, "")],
    },
    Case {
        short: "kotamojokerto", region: "35.76.03.1001", reporter: Some(("Rudi Hartono", "Jl. Kranggan 3")),
        reported: "PPS Kelurahan Kranggan", place: "Kantor PPS Kranggan",
        description: "Pemutakhiran data pemilih tidak diumumkan di papan pengumuman kelurahan.",
        received_hours_ago: 30, moves: &[("kajian_awal", 2, ""), ("diregistrasi", 20, "")],
    },
    Case {
        short: "kotamojokerto", region: "35.76.01.1004", reporter: Some(("Dewi Lestari", "Jl. Kauman 8")),
        reported: "KPPS TPS 004 Kauman", place: "TPS 004 Kauman",
        description: "Daftar pemilih tetap tidak ditempel di TPS sampai pukul 09.00.",
        received_hours_ago: 40, moves: &[("kajian_awal", 2, ""), ("diregistrasi", 20, ""), ("administrasi", 30, "")],
    },
    Case {
        short: "jombang", region: "35.17.10.2001", reporter: Some(("Moh. Arifin", "Desa Peterongan, Jombang")),
        reported: "Calon anggota tim kampanye pasangan calon bupati nomor 1", place: "Pasar Peterongan",
        description: "Pembagian sembako berlogo pasangan calon di luar jadwal kampanye, disertai ajakan memilih.",
        // Sentra Gakkumdu mid-way: with the prosecutor, the file returned once and resubmitted.
        received_hours_ago: 12 * 24,
        moves: &[
            ("kajian_awal", 3, ""),
            ("diregistrasi", 20, ""),
            ("pidana", 48, "Pembahasan pertama Sentra Gakkumdu: memenuhi unsur politik uang"),
            ("penyidikan", 60, ""),
            ("penuntutan", 8 * 24, ""),
            ("berkas_dikembalikan", 9 * 24, "Keterangan saksi kedua belum lengkap"),
            ("penuntutan", 10 * 24, ""),
        ],
    },
    Case {
        short: "jombang", region: "35.17.11.2001", reporter: Some(("Nur Hidayati", "Desa di Sumobito")),
        reported: "Anggota PPK Sumobito", place: "Kantor PPK Sumobito",
        description: "Anggota PPK mengunggah dukungan kepada pasangan calon di media sosial.",
        received_hours_ago: 8 * 24, moves: &[("kajian_awal", 3, ""), ("diregistrasi", 24, ""), ("kode_etik", 48, ""), ("diteruskan_dkpp", 72, "")],
    },
    Case {
        short: "bojonegoro", region: "35.22.01.2001", reporter: Some(("Slamet Riyadi", "Desa Luwihaji")),
        reported: "Tidak jelas", place: "Desa Luwihaji",
        description: "Ada kabar pemilih dipaksa, tanpa keterangan waktu dan pelaku.",
        received_hours_ago: 5 * 24, moves: &[("kajian_awal", 2, ""), ("tidak_diregistrasi", 40, "Syarat materiel tidak terpenuhi: terlapor dan waktu kejadian tidak jelas")],
    },
    Case {
        short: "kabmadiun", region: "35.19.01.2001", reporter: Some(("Bambang Suprapto", "Desa Tambakmas")),
        reported: "Aparatur sipil negara Dinas Pendidikan", place: "Desa Tambakmas",
        description: "ASN hadir dan berorasi dalam kampanye pasangan calon.",
        received_hours_ago: 7 * 24, moves: &[("kajian_awal", 2, ""), ("diregistrasi", 20, ""), ("hukum_lain", 40, ""), ("diteruskan_instansi", 60, "Diteruskan ke Badan Kepegawaian Negara (netralitas ASN)")],
    },
    Case {
        short: "kotamadiun", region: "35.77.01.1001", reporter: Some(("Yuli Astuti", "Kel. Oro-oro Ombo")),
        reported: "Relawan pasangan calon", place: "Jl. Pahlawan",
        description: "Pemasangan baliho di pohon peneduh jalan.",
        received_hours_ago: 6 * 24, moves: &[("kajian_awal", 2, ""), ("diregistrasi", 20, ""), ("bukan_pelanggaran", 30, "Alat peraga sudah ditertibkan pemerintah kota; bukan pelanggaran pemilihan")],
    },
    Case {
        short: "kotamadiun", region: "35.77.01.1002", reporter: Some(("Hendra Wijaya", "Kel. Sukosari")),
        reported: "Pasangan calon wali kota nomor 3", place: "Lapangan Sukosari",
        description: "Kampanye rapat umum di luar jadwal yang ditetapkan KPU.",
        received_hours_ago: 9 * 24, moves: &[("kajian_awal", 2, ""), ("diregistrasi", 20, ""), ("administrasi", 30, ""), ("diputus", 70, "Terbukti; rekomendasi sanksi administratif kepada KPU Kota Madiun")],
    },
    Case {
        short: "jakpus", region: "31.71.01.1002", reporter: Some(("Rina Marlina", "Kel. Cideng")),
        reported: "Koordinator relawan", place: "Kel. Cideng",
        description: "Pemberian uang transportasi kepada pemilih yang hadir kampanye.",
        received_hours_ago: 20 * 24,
        moves: &[
            ("kajian_awal", 2, ""), ("diregistrasi", 20, ""), ("pidana", 44, ""), ("penyidikan", 56, ""),
            ("penuntutan", 9 * 24, ""), ("persidangan", 12 * 24, ""), ("putusan", 18 * 24, "Terdakwa terbukti; pidana penjara 3 bulan"),
        ],
    },
    Case {
        short: "jakpus", region: "31.71.01.1003", reporter: Some(("Andi Pratama", "Kel. Petojo Utara")),
        reported: "Kepala lingkungan", place: "Kel. Petojo Utara",
        description: "Penghadangan pemilih di dekat TPS.",
        received_hours_ago: 3 * 24, moves: &[("kajian_awal", 2, ""), ("diregistrasi", 20, ""), ("pidana", 40, "")],
    },
    Case {
        short: "jombang", region: "35.17.12.2001", reporter: Some(("Sri Wahyuni", "Desa di Kesamben")),
        reported: "Kepala desa", place: "Balai desa",
        description: "Kepala desa membuat keputusan yang menguntungkan pasangan calon.",
        received_hours_ago: 10 * 24, moves: &[("kajian_awal", 2, ""), ("diregistrasi", 20, ""), ("pidana", 40, ""), ("penyidikan", 50, ""), ("dihentikan", 8 * 24, "Tidak cukup bukti (SP3)")],
    },
    Case {
        short: "bojonegoro", region: "35.22.01.2002", reporter: Some(("Eko Prasetyo", "Desa Sugihwaras")),
        reported: "Anggota tim kampanye", place: "Desa Sugihwaras",
        description: "Janji pemberian uang kepada pemilih yang hadir di TPS.",
        received_hours_ago: 6 * 24, moves: &[("kajian_awal", 2, ""), ("diregistrasi", 20, ""), ("pidana", 40, ""), ("penyidikan", 52, "")],
    },
    Case {
        short: "kabmadiun", region: "35.19.01.2002", reporter: Some(("Wahyu Hidayat", "Desa Tanjungrejo")),
        reported: "Kepala dusun", place: "Desa Tanjungrejo",
        description: "Kepala dusun mencoblos dua kali di TPS yang berbeda.",
        received_hours_ago: 45 * 24,
        moves: &[
            ("kajian_awal", 2, ""), ("diregistrasi", 20, ""), ("pidana", 40, ""), ("penyidikan", 50, ""), ("penuntutan", 12 * 24, ""),
            ("persidangan", 16 * 24, ""), ("putusan", 22 * 24, "Terbukti memilih lebih dari satu kali"), ("banding", 24 * 24, ""),
            ("putusan_banding", 30 * 24, "Pengadilan Tinggi menguatkan putusan"),
        ],
    },
    Case {
        short: "jombang", region: "35.17.13.2001", reporter: Some(("Lilik Suryani", "Desa di Tembelang")),
        reported: "Anggota KPPS", place: "TPS 003",
        description: "Anggota KPPS mencoblos sisa surat suara.",
        received_hours_ago: 40 * 24,
        moves: &[
            ("kajian_awal", 2, ""), ("diregistrasi", 20, ""), ("pidana", 40, ""), ("penyidikan", 50, ""), ("penuntutan", 12 * 24, ""),
            ("persidangan", 15 * 24, ""), ("putusan", 21 * 24, "Terbukti; pidana penjara 6 bulan"), ("berkekuatan_tetap", 25 * 24, "Tidak ada banding"),
        ],
    },
];

/// A tiny valid PNG (1×1) and a PDF header: real content types for the evidence list.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1F,
    0x15, 0xC4, 0x89, 0, 0, 0, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0, 0x1F, 0, 0x05, 0, 0x01, 0xFF,
    0x89, 0x99, 0x3D, 0x1D, 0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// The demo report's evidence: a photo and a witness statement.
pub fn evidence() -> Result<Vec<(super::evidence::CheckedFile, bytes::Bytes)>, AppError> {
    let png = super::evidence::check("foto-amplop.png", PNG).map_err(|e| AppError::Internal(e.to_string()))?;
    let pdf_bytes: &[u8] = b"%PDF-1.4\n% Surat pernyataan saksi\n";
    let pdf = super::evidence::check("pernyataan-saksi.pdf", pdf_bytes).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(vec![(png, bytes::Bytes::from_static(PNG)), (pdf, bytes::Bytes::from_static(pdf_bytes))])
}

/// Loads the demo's reports; the blobs of `evidence()` are put by the caller
/// (`BlobStore::keep_for`, as every write with files).
pub fn load(conn: &mut Conn) -> Result<(), AppError> {
    // The demo loads before any server runs: a holiday table read for this load only.
    let hol = store::Holidays::default();
    let now = clock::now();
    let pilkada = crate::elections::election("pilkada-2024").ok_or_else(|| AppError::Internal("pilkada-2024 missing".into()))?;
    // The demo's citizens pass a limiter of their own, like any anonymous sender.
    let public = crate::platform::limit::RateLimit::new(u32::MAX, std::time::Duration::from_secs(60)).admit(std::net::IpAddr::from([127, 0, 0, 1]))?;
    for (i, c) in CASES.iter().enumerate() {
        let received = now - Duration::hours(c.received_hours_ago);
        let report = new_report(pilkada, c.region, c.reporter, c.reported, c.place, c.description, received);
        let files = if i == 0 { evidence()? } else { vec![] };
        let id = store::create_report(conn, &hol, &public, "publik", &report, &files, received)?.id;
        run_moves(conn, &hol, c.short, id, received, c.moves)?;
    }
    // An anonymous tip (informasi awal) and a supervisor's finding (temuan).
    let anon = new_report(pilkada, "35.76.02.1009", None, "Oknum tidak dikenal", "Kedundung", "Kabar serangan fajar di RW 03.", now - Duration::hours(20));
    store::create_report(conn, &hol, &public, "publik", &anon, &[], now - Duration::hours(20))?;
    // A report filed after the window: kept as initial information, not turned away.
    let mut late = new_report(
        pilkada,
        "35.76.03.1001",
        Some(("Bambang Sutejo", "Jl. Kranggan 40")),
        "Kepala Lingkungan Kranggan",
        "Balai RW 02 Kranggan",
        "Ketua lingkungan mengumpulkan fotokopi KTP warga untuk tim kampanye.",
        now - Duration::hours(5),
    );
    late.known_at = now - Duration::days(10);
    late.event_at = now - Duration::days(11);
    store::create_report(conn, &hol, &public, "publik", &late, &[], now - Duration::hours(5))?;
    let panwas = user(conn, "panwascam.magersari")?;
    let mut finding = new_report(pilkada, "35.76.02.1010", None, "KPPS TPS 002 Wates", "TPS 002 Wates", "Pengawas TPS menemukan surat suara sah kurang dari jumlah pemilih hadir.", now - Duration::hours(26));
    finding.kind = "temuan";
    finding.reporter = Some(Reporter { name: panwas.unit.name.clone(), address: panwas.unit.region.clone(), contact: panwas.username.clone() });
    let permit = crate::platform::auth::authorize(&panwas, super::api::FINDING, &finding.region)?;
    store::create_report(conn, &hol, &permit, &panwas.unit.name, &finding, &[], now - Duration::hours(25))?;
    // A process dispute against KPU Kota Madiun, in mediation.
    let bawaslu = user(conn, "bawaslu.kotamadiun")?;
    let decided = (now - Duration::days(2)).to_offset(store::offset_of("35.77")).date();
    let dispute = store::NewDispute {
        election: pilkada,
        region: "35.77".into(),
        petitioner: "Bakal pasangan calon perseorangan Wali Kota Madiun".into(),
        kpu_decision: "Keputusan KPU Kota Madiun tentang hasil verifikasi faktual dukungan calon perseorangan".into(),
        decided_on: decided,
        description: "Pemohon menilai 1.204 dukungan dinyatakan tidak memenuhi syarat tanpa verifikasi ulang.".into(),
    };
    let filed = now - Duration::hours(30);
    let permit = crate::platform::auth::authorize(&bawaslu, super::api::DISPUTE, &dispute.region)?;
    let id = store::create_dispute(conn, &hol, &bawaslu, &permit, &dispute, filed)?;
    super::api::move_dispute(conn, &hol, &bawaslu, id, "mediasi", "", filed + Duration::hours(20))?;
    Ok(())
}

fn new_report(
    election: &'static ElectionDef,
    region: &str,
    reporter: Option<(&str, &str)>,
    reported: &str,
    place: &str,
    description: &str,
    received: OffsetDateTime,
) -> NewReport {
    NewReport {
        election,
        region: region.into(),
        kind: if reporter.is_some() { "laporan" } else { "informasi_awal" },
        reporter: reporter.map(|(name, address)| Reporter { name: name.into(), address: address.into(), contact: "0812-0000-0000".into() }),
        reported: reported.into(),
        event_at: received - Duration::hours(30),
        known_at: received - Duration::hours(26),
        place: place.into(),
        description: description.into(),
        witnesses: vec!["Warga setempat".into()],
    }
}

fn run_moves(conn: &mut Conn, hol: &store::Holidays, short: &str, id: i64, received: OffsetDateTime, moves: &[(&str, i64, &str)]) -> Result<(), AppError> {
    let mut after_pidana = false;
    for (to, hours, reason) in moves {
        after_pidana |= *to == "pidana";
        let u = user(conn, &format!("{}.{short}", mover(to, after_pidana)))?;
        // The demo's reports name no evidence file; registering them is recorded with why
        // (a report with an unmet requirement is registered only with a reason).
        let reason = if *to == "diregistrasi" && reason.is_empty() { "Bukti fisik diserahkan pelapor langsung di kantor Bawaslu" } else { reason };
        super::api::move_report(conn, hol, &u, id, to, reason, received + Duration::hours(*hours))?;
    }
    Ok(())
}

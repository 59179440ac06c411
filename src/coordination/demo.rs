//! Demo coordination: the five meetings that started this product, as they were reported
//! (Kota Mojokerto 14 Oct 2024, Jombang 5 Nov 2024, KPU Jawa Timur in Madiun, Bakorwil
//! Bojonegoro 26 Sep 2024, Jakarta Pusat 17 Mar 2023), with their decisions turned into action
//! items in every state; Bawaslu's supervision budget with realisation; NPHD grants, one with
//! a late tranche; and a local socialisation activity beside the official stages. Open action
//! items are due relative to the service's "now", so they stay open whenever the demo loads.

use time::macros::date;
use time::{Date, Duration, OffsetDateTime};

use super::{ActionState, Attendance, MeetingKind};
use super::store::{self, DecisionRef, MeetingHead, NewGrant, NewLine, NewMeeting, NewStage};
use crate::agencies::store::{Unit, ensure_unit};
use crate::agencies::AgencyKind::{self, Bawaslu, Kejaksaan, Kpu, Pemda, Polri, Tni};
use crate::platform::auth::Permit;
use crate::platform::clock;
use crate::platform::db::Conn;
use crate::platform::error::AppError;

fn unit(c: &mut Conn, permit: &Permit, agency: AgencyKind, region: &str) -> Result<Unit, AppError> {
    ensure_unit(c, permit, agency, region, None)
}

fn at(day: Date, hour: u8) -> OffsetDateTime {
    day.with_hms(hour, 0, 0).map_or(OffsetDateTime::UNIX_EPOCH, |t| t.assume_offset(time::UtcOffset::from_hms(7, 0, 0).unwrap_or(time::UtcOffset::UTC)))
}

/// An action item: owner, what, due (days from now; negative is past), and its state.
struct Item<'a> {
    owner: &'a Unit,
    what: &'a str,
    due_in_days: i64,
    status: Option<ActionState>,
    evidence: &'a str,
}

fn item<'a>(owner: &'a Unit, what: &'a str, due_in_days: i64, status: Option<ActionState>, evidence: &'a str) -> Item<'a> {
    Item { owner, what, due_in_days, status, evidence }
}

struct Meeting<'a> {
    title: &'a str,
    kind: MeetingKind,
    region: &'a str,
    host: &'a Unit,
    day: Date,
    place: &'a str,
    agenda: &'a str,
    invited: Vec<&'a Unit>,
    speakers: Vec<(&'a Unit, &'a str, &'a str)>,
    minutes: &'a str,
    decisions: Vec<(&'a str, Vec<Item<'a>>)>,
}

fn hold(c: &mut Conn, permit: &Permit, m: Meeting<'_>, now: OffsetDateTime) -> Result<i64, AppError> {
    let new = NewMeeting {
        title: m.title.into(),
        kind: m.kind,
        region: m.region.into(),
        host: m.host.clone(),
        starts_at: at(m.day, 9),
        place: m.place.into(),
        invited: m.invited.iter().map(|u| (*u).clone()).collect(),
        agenda: m.agenda.into(),
    };
    let id = store::create_meeting(c, permit, &new)?;
    let head = MeetingHead { id, region: m.region.into(), host: m.host.clone(), title: m.title.into() };
    for (i, u) in m.invited.iter().enumerate() {
        // Everyone came, but the last guest sent a representative and a meeting with five or
        // more guests had one absent.
        let (att, by) = match (i, m.invited.len()) {
            (i, n) if n >= 5 && i == n - 1 => (Attendance::TidakHadir, ""),
            (i, n) if i == n.saturating_sub(2) => (Attendance::Diwakili, "Kepala seksi yang membidangi"),
            _ => (Attendance::Hadir, ""),
        };
        store::set_attendance(c, permit, &head, u, att, by)?;
    }
    for (u, name, topic) in &m.speakers {
        store::add_speaker(c, permit, &head, u, name, topic)?;
    }
    store::update_meeting(c, permit, &head, &store::MeetingPatch { minutes: Some(m.minutes.into()), ..Default::default() })?;
    for (text, items) in m.decisions {
        let did = store::decision_id(c, permit, &head, &DecisionRef::Text(text.into()))?;
        for it in items {
            let due = now.date().saturating_add(Duration::days(it.due_in_days));
            let new = store::NewAction { decision: did, owner: it.owner.clone(), due, description: it.what.into() };
            let a = store::add_action(c, permit, &head, &new, now)?;
            if it.status.is_some() || !it.evidence.is_empty() {
                store::update_action(c, permit, &a, it.status, (!it.evidence.is_empty()).then_some(it.evidence), now)?;
            }
        }
    }
    Ok(id)
}

/// Programme, activity, stage served, plan, and what was spent (amount, document, day).
type PlannedLine<'a> = (&'a str, &'a str, &'a str, i64, &'a [(i64, &'a str, Date)]);

pub fn load(c: &mut Conn) -> Result<(), AppError> {
    let actor = Permit::system("demo", crate::regions::NATIONAL);
    let now = clock::now();
    let u = |c: &mut Conn, a, r: &str| unit(c, &actor, a, r);

    // Kota Mojokerto, 14 Oct 2024: KPU with the prosecutor, police, army and Bawaslu.
    let (kpu_mjk, kejari_mjk, polres_mjk, kodim_mjk, bawaslu_mjk, pemkot_mjk) =
        (u(c, Kpu, "35.76")?, u(c, Kejaksaan, "35.76")?, u(c, Polri, "35.76")?, u(c, Tni, "35.76")?, u(c, Bawaslu, "35.76")?, u(c, Pemda, "35.76")?);
    hold(c, &actor, Meeting {
        title: "Rapat koordinasi persiapan Pilkada Kota Mojokerto 2024 dengan Forkopimda",
        kind: MeetingKind::Rakor,
        region: "35.76",
        host: &kpu_mjk,
        day: date!(2024 - 10 - 14),
        place: "Aula KPU Kota Mojokerto",
        agenda: "Kesiapan pengamanan tahapan kampanye, pemungutan dan penghitungan suara; penegakan hukum pemilihan.",
        invited: vec![&kejari_mjk, &polres_mjk, &kodim_mjk, &bawaslu_mjk, &pemkot_mjk],
        speakers: vec![
            (&kejari_mjk, "Kasi Intelijen Kejari", "Tindak pidana pemilihan dan Sentra Gakkumdu"),
            (&polres_mjk, "Kabag Ops Polres", "Pengamanan TPS dan distribusi logistik"),
            (&kodim_mjk, "Pasi Ops Kodim", "Dukungan TNI dalam pengamanan"),
            (&bawaslu_mjk, "Ketua Bawaslu", "Pengawasan tahapan dan potensi pelanggaran"),
        ],
        minutes: "Para narasumber menyampaikan kesiapan masing-masing lembaga. Disepakati komunikasi antarlembaga tidak boleh terputus selama tahapan, dan setiap kejadian di lapangan dilaporkan pada hari yang sama.",
        decisions: vec![
            ("Komunikasi antarlembaga tidak boleh terputus selama tahapan", vec![
                item(&polres_mjk, "Membentuk grup komunikasi bersama dan jadwal piket posko terpadu", -30, Some(ActionState::Selesai), "Surat Kapolres B/123/X/2024; grup aktif sejak 16 Oktober 2024"),
                item(&kodim_mjk, "Menugaskan Babinsa di setiap kelurahan sebagai penghubung ke PPS", 10, Some(ActionState::Berjalan), ""),
                item(&kpu_mjk, "Membagikan daftar kontak PPK, PPS dan KPPS kepada Polres, Kodim dan Bawaslu", -5, None, ""),
            ]),
            ("Penanganan dugaan tindak pidana pemilihan melalui Sentra Gakkumdu", vec![
                item(&kejari_mjk, "Menyiapkan jaksa piket Gakkumdu selama masa kampanye dan pemungutan suara", 20, None, ""),
            ]),
        ],
    }, now)?;

    // Scheduled, not yet held: the Forkopimda's last meeting on the eve of voting day, and the
    // security of the district plenaries the morning after counting night. On the eve (and on
    // counting night) the situation's coordination tile names the next one.
    for (title, host, day, hour, place, agenda) in [
        (
            "Rapat koordinasi Forkopimda kesiapan akhir pemungutan suara Pilkada Kota Mojokerto",
            &pemkot_mjk,
            date!(2024 - 11 - 26),
            19,
            "Pendopo Kantor Wali Kota Mojokerto",
            "Kesiapan logistik di setiap TPS, pengamanan TPS rawan, patroli masa tenang dan posko terpadu pada hari pemungutan suara.",
        ),
        (
            "Rapat koordinasi pengamanan rapat pleno rekapitulasi tingkat kecamatan",
            &kpu_mjk,
            date!(2024 - 11 - 28),
            9,
            "Aula KPU Kota Mojokerto",
            "Jadwal pleno PPK, pengawalan kotak suara dari PPS ke PPK, pengawasan dan pengamanan tempat pleno.",
        ),
    ] {
        store::create_meeting(c, &actor, &NewMeeting {
            title: title.into(),
            kind: MeetingKind::Rakor,
            region: "35.76".into(),
            host: host.clone(),
            starts_at: at(day, hour),
            place: place.into(),
            invited: [&kpu_mjk, &bawaslu_mjk, &polres_mjk, &kodim_mjk, &kejari_mjk, &pemkot_mjk].into_iter().filter(|u| u.id != host.id).cloned().collect(),
            agenda: agenda.into(),
        })?;
    }

    // Jombang, 5 Nov 2024: Bawaslu with the Forkopimcam, on logistics.
    let (bawaslu_jbg, kpu_jbg, polres_jbg, kodim_jbg, pemkab_jbg) = (u(c, Bawaslu, "35.17")?, u(c, Kpu, "35.17")?, u(c, Polri, "35.17")?, u(c, Tni, "35.17")?, u(c, Pemda, "35.17")?);
    hold(c, &actor, Meeting {
        title: "Rapat koordinasi pengawasan logistik Pilkada bersama Forkopimcam se-Kabupaten Jombang",
        kind: MeetingKind::Rakor,
        region: "35.17",
        host: &bawaslu_jbg,
        day: date!(2024 - 11 - 5),
        place: "Kantor Bawaslu Kabupaten Jombang",
        agenda: "Pengawasan produksi, pengepakan dan distribusi logistik pemungutan suara sampai ke TPS.",
        invited: vec![&kpu_jbg, &polres_jbg, &kodim_jbg, &pemkab_jbg],
        speakers: vec![(&bawaslu_jbg, "Koordinator Divisi Pencegahan", "Titik rawan distribusi logistik"), (&kpu_jbg, "Kasubag Logistik", "Jadwal distribusi ke PPK dan PPS")],
        minutes: "Peserta menyamakan persepsi tentang pengawasan logistik. KPU menyampaikan jadwal distribusi; Bawaslu meminta salinan jadwal per kecamatan untuk pengawas kecamatan.",
        decisions: vec![("Menyamakan persepsi pengawasan distribusi logistik sampai ke TPS", vec![
            item(&kpu_jbg, "Mengirim jadwal distribusi logistik per kecamatan kepada Bawaslu dan Polres", -3, Some(ActionState::Berjalan), ""),
            item(&polres_jbg, "Menyiapkan pengawalan distribusi dari gudang KPU ke setiap PPK", 5, None, ""),
            item(&pemkab_jbg, "Menyediakan kendaraan cadangan untuk desa yang sulit dijangkau", 12, Some(ActionState::Berjalan), ""),
        ])],
    }, now)?;

    // KPU Jawa Timur socialising the stages in Madiun. The report gives no day; the demo puts
    // it in the campaign period.
    let (kpu_jatim, kpu_kotamadiun, kpu_kabmadiun, bawaslu_kotamadiun, pemkot_madiun) =
        (u(c, Kpu, "35")?, u(c, Kpu, "35.77")?, u(c, Kpu, "35.19")?, u(c, Bawaslu, "35.77")?, u(c, Pemda, "35.77")?);
    hold(c, &actor, Meeting {
        title: "Sosialisasi tahapan Pilkada Jawa Timur 2024 di wilayah Madiun",
        kind: MeetingKind::Sosialisasi,
        region: "35.77",
        host: &kpu_jatim,
        day: date!(2024 - 10 - 2),
        place: "Gedung Diklat Kota Madiun",
        agenda: "Tahapan, jadwal dan program Pilkada serentak 2024 (PKPU 2/2024).",
        invited: vec![&kpu_kotamadiun, &kpu_kabmadiun, &bawaslu_kotamadiun, &pemkot_madiun],
        speakers: vec![(&kpu_jatim, "Anggota KPU Provinsi Jawa Timur", "Tahapan dan jadwal Pilkada 2024")],
        minutes: "KPU Provinsi menjelaskan tahapan sampai penetapan hasil. Peserta diminta meneruskan sosialisasi kepada masyarakat dan pemilih pemula.",
        decisions: vec![("Meneruskan sosialisasi tahapan kepada masyarakat dan pemilih pemula", vec![
            item(&kpu_kotamadiun, "Sosialisasi tahapan di sekolah menengah atas se-Kota Madiun", -10, Some(ActionState::Selesai), "Laporan kegiatan sosialisasi 9 sekolah, 14 Oktober 2024"),
            item(&kpu_kabmadiun, "Sosialisasi tahapan melalui radio daerah", 8, None, ""),
        ])],
    }, now)?;

    // Bakorwil Bojonegoro, 26 Sep 2024: readiness meeting of the region.
    let bakorwil = ensure_unit(c, &actor, Pemda, "35", Some("Bakorwil II Bojonegoro"))?;
    let (kpu_bjn, bawaslu_bjn, polres_bjn, kodim_bjn, pemkab_bjn) = (u(c, Kpu, "35.22")?, u(c, Bawaslu, "35.22")?, u(c, Polri, "35.22")?, u(c, Tni, "35.22")?, u(c, Pemda, "35.22")?);
    hold(c, &actor, Meeting {
        title: "Rapat kesiapan penyelenggaraan Pilkada serentak 2024 wilayah Bakorwil Bojonegoro",
        kind: MeetingKind::Konsolidasi,
        region: "35.22",
        host: &bakorwil,
        day: date!(2024 - 9 - 26),
        place: "Pendopo Bakorwil II Bojonegoro",
        agenda: "Kesiapan penyelenggara, pengawas, keamanan dan dukungan pemerintah daerah.",
        invited: vec![&kpu_bjn, &bawaslu_bjn, &polres_bjn, &kodim_bjn, &pemkab_bjn],
        speakers: vec![(&bakorwil, "Kepala Bakorwil", "Arahan kesiapan Pilkada"), (&polres_bjn, "Kapolres", "Pemetaan kerawanan")],
        minutes: "Setiap lembaga memaparkan kesiapannya. Disepakati untuk segera melengkapi apa yang masih kurang, terutama sarana posko dan personel linmas TPS.",
        decisions: vec![("Melengkapi kekurangan sarana dan personel sebelum masa kampanye berakhir", vec![
            item(&pemkab_bjn, "Menyediakan personel linmas dua orang per TPS", -20, None, ""),
            item(&bawaslu_bjn, "Memetakan TPS rawan dan menyampaikannya kepada Polres dan Kodim", -25, Some(ActionState::Selesai), "Surat Bawaslu Bojonegoro tentang pemetaan TPS rawan, 7 Oktober 2024"),
            item(&kodim_bjn, "Menyiapkan personel cadangan untuk TPS sangat rawan", 15, Some(ActionState::Berjalan), ""),
        ])],
    }, now)?;

    // Jakarta Pusat, 17 Mar 2023: FGD of the Pemkot and Bawaslu on the supervision budget.
    let (pemkot_jp, bawaslu_jp, kpu_jp) = (u(c, Pemda, "31.71")?, u(c, Bawaslu, "31.71")?, u(c, Kpu, "31.71")?);
    hold(c, &actor, Meeting {
        title: "FGD perencanaan anggaran pengawasan Pemilu 2024 Jakarta Pusat",
        kind: MeetingKind::Fgd,
        region: "31.71",
        host: &pemkot_jp,
        day: date!(2023 - 3 - 17),
        place: "Ruang rapat Kantor Wali Kota Jakarta Pusat",
        agenda: "Kebutuhan anggaran pengawasan tahapan dan dukungan pemerintah kota.",
        invited: vec![&bawaslu_jp, &kpu_jp],
        speakers: vec![(&bawaslu_jp, "Ketua Bawaslu Jakarta Pusat", "Kebutuhan anggaran pengawasan per tahapan")],
        minutes: "Bawaslu memaparkan kebutuhan anggaran pengawasan; Pemkot menyampaikan mekanisme usulan melalui APBD.",
        decisions: vec![("Menyusun rencana kebutuhan anggaran pengawasan per tahapan", vec![
            item(&bawaslu_jp, "Menyerahkan rincian kebutuhan anggaran pengawasan per tahapan kepada Pemkot", -60, Some(ActionState::Selesai), "Surat Bawaslu Jakarta Pusat tentang usulan kebutuhan anggaran, April 2023"),
            item(&pemkot_jp, "Mengkaji usulan dan menyampaikan tanggapan tertulis", -40, Some(ActionState::Berjalan), ""),
        ])],
    }, now)?;

    // Budget: Bawaslu Kota Mojokerto's programme, part realised.
    let lines: &[PlannedLine<'_>] = &[
        ("Pengawasan tahapan", "Pengawasan kampanye", "kampanye", 450_000_000, &[(180_250_000, "SPM-0912/2024", date!(2024 - 10 - 15)), (95_000_000, "SPM-1030/2024", date!(2024 - 11 - 20))]),
        ("Pengawasan tahapan", "Pengawasan pemungutan dan penghitungan suara", "pemungutan_suara", 1_250_000_000, &[(1_102_500_000, "SPM-1101/2024", date!(2024 - 11 - 27))]),
        ("Penanganan pelanggaran", "Sentra Gakkumdu", "kampanye", 175_000_000, &[(61_300_000, "SPM-0955/2024", date!(2024 - 10 - 30))]),
        ("Dukungan ad hoc", "Honorarium PTPS", "pemungutan_suara", 612_000_000, &[]),
    ];
    for (program, activity, stage, plan, spent) in lines {
        let id = store::add_line(c, &actor, &NewLine {
            program: (*program).into(),
            activity: (*activity).into(),
            unit: bawaslu_mjk.clone(),
            region: "35.76".into(),
            stage: (*stage).into(),
            amount: *plan,
        })?;
        let head = store::line_head(c, id)?.ok_or_else(|| AppError::Internal("demo budget line vanished".into()))?;
        for (amount, doc, day) in *spent {
            store::add_realisation(c, &actor, &head, *amount, *day, doc, "")?;
        }
    }
    let pilkada = crate::elections::election("pilkada-2024").ok_or_else(|| AppError::Internal("no pilkada-2024".into()))?;
    // NPHD Bawaslu Kota Mojokerto: 40 % paid on time, 60 % paid only in part and now late.
    let g = store::create_grant(c, &actor, &NewGrant {
        election: pilkada,
        grantor_region: "35.76".into(),
        recipient: bawaslu_mjk.clone(),
        amount: 3_150_000_000,
        signed_on: date!(2023 - 11 - 10),
        document_no: "NPHD/BWS-MJK/2023/11".into(),
        tranches: vec![(40, date!(2023 - 11 - 30)), (60, date!(2024 - 6 - 27))],
    })?;
    let head = store::grant_head(c, g)?.ok_or_else(|| AppError::Internal("demo grant vanished".into()))?;
    store::add_disbursement(c, &actor, &head, 1, 1_260_000_000, date!(2023 - 11 - 28), "SP2D-2023-4411")?;
    store::add_disbursement(c, &actor, &head, 2, 1_000_000_000, date!(2024 - 7 - 15), "SP2D-2024-2107")?;
    // NPHD KPU Jombang, all at once, paid in full.
    let g = store::create_grant(c, &actor, &NewGrant {
        election: pilkada,
        grantor_region: "35.17".into(),
        recipient: kpu_jbg.clone(),
        amount: 48_700_000_000,
        signed_on: date!(2023 - 11 - 9),
        document_no: "NPHD/KPU-JBG/2023/11".into(),
        tranches: vec![(100, date!(2023 - 11 - 23))],
    })?;
    let head = store::grant_head(c, g)?.ok_or_else(|| AppError::Internal("demo grant vanished".into()))?;
    store::add_disbursement(c, &actor, &head, 1, 48_700_000_000, date!(2023 - 11 - 21), "SP2D-2023-3980")?;

    // A local activity beside the official stages.
    store::add_local_stage(c, &actor, pilkada, &NewStage {
        key: "sosialisasi_tahapan".into(),
        name: "Sosialisasi tahapan Pilkada kepada pemilih pemula Kota Madiun".into(),
        start: date!(2024 - 10 - 7),
        end: date!(2024 - 10 - 18),
        region: "35.77".into(),
        agencies: vec![Kpu, Pemda],
    }, now.date())?;
    Ok(())
}

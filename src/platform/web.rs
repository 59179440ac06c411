//! Web UI machinery: the page layout, the language (Bahasa Indonesia first, English on
//! request), embedded assets and CSV downloads. Pages are server-rendered and need no script.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use super::auth::CurrentUser;
use super::error::AppError;
use super::identity::{AgencyKind, User};

pub use super::i18n::Lang;

/// UI text: (key, Bahasa Indonesia, English).
const TEXT: &[(&str, &str, &str)] = &[
    ("app.tagline", "Gambaran operasi bersama pemilu", "Shared election operating picture"),
    ("nav.situation", "Situasi", "Situation"),
    ("nav.regions", "Wilayah", "Regions"),
    ("nav.search", "Cari wilayah…", "Search regions…"),
    ("nav.login", "Masuk", "Log in"),
    ("nav.logout", "Keluar", "Log out"),
    ("nav.lang", "English", "Bahasa Indonesia"),
    ("log.verify.title", "Verifikasi berita acara", "Verify a handover record"),
    ("log.verify.unknown", "Berita acara dengan kode ini tidak dikenal.", "No handover record has this code."),
    ("log.verify.heading", "Verifikasi berita acara serah terima", "Verify a handover record (berita acara serah terima)"),
    ("log.verify.complete", "SAH DAN LENGKAP — barang diterima, keempat pihak sudah menandatangani, dan catatan tidak berubah sejak ditulis oleh sistem.", "VALID AND COMPLETE — the goods were received, all four parties have signed, and the record has not changed since the system wrote it."),
    ("log.verify.incomplete", "BELUM LENGKAP — catatan tidak berubah sejak ditulis oleh sistem, tetapi serah terima ini belum ditandatangani semua pihak atau barang belum diterima. Berita acara ini belum berlaku sebagai serah terima yang sah.", "NOT COMPLETE — the record has not changed since the system wrote it, but not every party has signed or the goods have not been received. This record is not yet a valid handover."),
    ("log.verify.altered", "TIDAK COCOK — catatan tersimpan telah berubah sejak ditulis oleh sistem.", "DOES NOT MATCH — the stored record changed after the system wrote it."),
    ("log.verify.fingerprint", "Sidik catatan", "Record fingerprint"),
    ("log.verify.fp_ok", "cocok: catatan tidak diubah sejak ditulis oleh sistem", "matches: the record has not been changed since the system wrote it"),
    ("log.verify.fp_bad", "tidak cocok: catatan diubah di luar sistem", "does not match: the record was changed outside the system"),
    ("log.verify.fp_note", "Sidik yang cocok hanya membuktikan catatan tidak diubah; ia tidak menggantikan tanda tangan yang belum ada.", "A matching fingerprint only shows the record was not changed; it does not stand in for missing signatures."),
    ("log.number", "Nomor", "Number"),
    ("log.status", "Status", "Status"),
    ("log.from", "Dari", "From"),
    ("log.to", "Kepada", "To"),
    ("log.item", "Barang", "Item"),
    ("log.sent", "Dikirim", "Sent"),
    ("log.received", "Diterima", "Received"),
    ("log.damaged", "Rusak", "Damaged"),
    ("log.difference", "Selisih", "Difference"),
    ("log.signatures", "Tanda tangan", "Signatures"),
    ("log.not_yet", "belum", "not yet"),
    ("log.nav.needs", "Kebutuhan & stok", "Needs & stock"),
    ("log.nav.board", "Papan pengiriman", "Shipment board"),
    ("log.nav.readiness", "Kesiapan TPS", "TPS readiness"),
    ("log.election", "Pemilihan", "Election"),
    ("log.tps_needs", "Kebutuhan TPS", "TPS needs"),
    ("log.stock_here", "Stok baik di sini", "Good stock here"),
    ("log.needs_note", "Kebutuhan = jumlah kebutuhan semua TPS di wilayah ini; stok = barang yang tersimpan di wilayah ini sendiri (gudang KPU kab/kota, PPK, PPS atau TPS).", "Needs = what all TPS in this region need; stock = what is held at this region itself (KPU regency warehouse, PPK, PPS or TPS)."),
    ("log.due", "Batas tiba", "Due"),
    ("log.sign_as", "Tanda tangani sebagai ", "Sign as "),
    ("log.print", "Cetak berita acara (PDF)", "Print the handover record (PDF)"),
    ("log.verify_page", "Halaman verifikasi", "Verification page"),
    ("log.ready", "Siap", "Ready"),
    ("log.partial", "Sebagian", "Partly supplied"),
    ("log.none", "Belum ada", "Nothing yet"),
    ("log.not_ready", "TPS belum siap", "TPS not ready"),
    ("log.discrepancy", "Selisih: ", "Discrepancy: "),
    ("status.direncanakan", "Direncanakan", "Planned"),
    ("status.dikirim", "Dalam perjalanan", "On the way"),
    ("status.diterima", "Diterima", "Received"),
    ("status.menunggu_tanda_tangan_penerima", "Diterima, menunggu tanda tangan penerima", "Arrived, awaiting the receiver's signature"),
    ("status.tidak_dikenal", "Status tidak dikenal", "Unknown status"),
    ("flag.short", "kurang", "short"),
    ("flag.excess", "lebih", "excess"),
    ("flag.damaged", "rusak", "damaged"),
    ("flag.late", "terlambat", "late"),
    ("role.sender", "Yang menyerahkan (KPU)", "Sender (KPU)"),
    ("role.receiver", "Yang menerima (KPU)", "Receiver (KPU)"),
    ("role.supervisor_sig", "Pengawas (Bawaslu)", "Supervisor (Bawaslu)"),
    ("role.escort", "Pengawal (Polri)", "Escort (Polri)"),
    ("sign.sender", "pengirim", "sender"),
    ("sign.receiver", "penerima", "receiver"),
    ("sign.supervisor", "pengawas", "supervisor"),
    ("sign.escort", "pengawal", "escort"),
    ("log.title", "Logistik", "Logistics"),
    ("log.shipment", "Pengiriman", "Shipment"),
    ("nav.logistics", "Logistik", "Logistics"),
    ("nav.alerts", "Peringatan", "Alerts"),
    ("nav.users", "Pengguna", "Users"),
    ("alerts.none", "Tidak ada peringatan.", "No alerts."),
    ("alerts.ack", "Tandai sudah dibaca", "Mark as read"),
    ("alerts.read", "dibaca ", "read "),
    ("severity.info", "Info", "Info"),
    ("severity.warning", "Peringatan", "Warning"),
    ("severity.critical", "Kritis", "Critical"),
    ("role.viewer", "Peninjau", "Viewer"),
    ("role.operator", "Operator", "Operator"),
    ("role.supervisor", "Penyelia", "Supervisor"),
    ("role.admin", "Administrator", "Administrator"),
    ("region.indonesia", "Indonesia", "Indonesia"),
    ("region.code", "Kode", "Code"),
    ("region.name", "Nama", "Name"),
    ("region.level", "Tingkat", "Level"),
    ("region.timezone", "Zona waktu", "Time zone"),
    ("region.children", "Wilayah di bawahnya", "Sub-regions"),
    ("region.tps", "TPS", "Polling stations"),
    ("region.dpt", "DPT", "Registered voters"),
    ("region.election", "Pemilihan", "Election"),
    ("region.show", "Tampilkan", "Show"),
    ("region.download", "Unduh CSV", "Download CSV"),
    ("region.tps_list", "Daftar TPS", "Polling stations"),
    ("region.address", "Alamat", "Address"),
    ("region.no_tps", "Belum ada TPS terdaftar untuk pemilihan ini.", "No polling stations registered for this election yet."),
    ("region.more", "Berikutnya", "Next"),
    ("region.contests", "Jenis pemilihan", "Contests"),
    ("level.province", "Provinsi", "Province"),
    ("level.regency", "Kabupaten/Kota", "Regency/City"),
    ("level.district", "Kecamatan", "District"),
    ("level.village", "Desa/Kelurahan", "Village"),
    ("search.title", "Hasil pencarian", "Search results"),
    ("search.none", "Tidak ada wilayah dengan nama itu.", "No region has that name."),
    ("login.title", "Masuk ke Sinergi", "Log in to Sinergi"),
    ("login.username", "Nama pengguna", "Username"),
    ("login.password", "Kata sandi", "Password"),
    ("login.submit", "Masuk", "Log in"),
    ("login.failed", "Nama pengguna atau kata sandi salah.", "Wrong username or password."),
    ("lap.form.title", "Lapor pelanggaran", "Report a violation"),
    ("lap.late_by", "Lewat", "Late by"),
    ("lap.witnesses", "Saksi", "Witnesses"),
    ("lap.file", "Berkas", "File"),
    ("lap.size", "Ukuran (byte)", "Size (bytes)"),
    ("lap.requirements", "Syarat formal dan materiel", "Formal and material requirements"),
    ("lap.requirements.unmet", "Syarat laporan belum semuanya terpenuhi. Registrasi hanya dengan alasan yang dicatat; atau minta pelapor melengkapinya dalam batas waktu perbaikan.", "Not every requirement of the report is met. Register it only with a recorded reason, or ask the reporter to complete it within the completion window."),
    ("lap.action.perbaikan", "Minta pelapor melengkapi laporan", "Ask the reporter to complete the report"),
    ("lap.action.jadikan_temuan", "Jadikan temuan Bawaslu", "Take it up as a Bawaslu finding"),
    ("lap.complete.title", "Lengkapi laporan", "Complete the report"),
    ("lap.complete.intro", "Tambahkan saksi, keterangan, atau bukti yang diminta. Isi laporan tidak ditampilkan di halaman ini.", "Add the witnesses, information or evidence asked for. The report's content is not shown on this page."),
    ("lap.complete.note", "Keterangan tambahan (hanya dibaca Bawaslu)", "Further information (read only by Bawaslu)"),
    ("lap.complete.submit", "Kirim kelengkapan", "Send"),
    ("lap.complete.done", "Kelengkapan laporan terkirim. Bawaslu akan mengkaji laporan Anda kembali.", "Your additions were sent. Bawaslu will review your report again."),
    ("lap.complete_by", "Lengkapi paling lambat", "Complete by"),
    ("lap.missing", "Yang perlu dilengkapi", "What to complete"),
    ("lap.form.here", "Laporkan pelanggaran di desa/kelurahan ini", "Report a violation in this village"),
    ("lap.form.intro", "Laporan diterima Bawaslu. Nama dan alamat pelapor wajib untuk laporan resmi dan hanya dilihat petugas Bawaslu yang menanganinya; tanpa identitas, laporan dicatat sebagai informasi awal.", "Reports go to Bawaslu. The reporter's name and address are required for a formal report and are seen only by the Bawaslu officers handling it; without them the report is kept as initial information."),
    ("lap.form.error", "Laporan belum tersimpan:", "The report was not saved:"),
    ("lap.form.region", "Kode desa/kelurahan atau TPS", "Village or TPS code"),
    ("lap.form.region_hint", "Tidak tahu kodenya? Cari nama desa:", "Don't know the code? Search the village name:"),
    ("lap.form.reporter", "Pelapor", "Reporter"),
    ("lap.form.name", "Nama", "Name"),
    ("lap.form.address", "Alamat", "Address"),
    ("lap.form.contact", "Nomor telepon atau email", "Phone or email"),
    ("lap.form.anonymous", "Kirim tanpa identitas (dicatat sebagai informasi awal, bukan laporan resmi)", "Send without identity (kept as initial information, not a formal report)"),
    ("lap.form.reported", "Terlapor", "Reported party"),
    ("lap.form.event_at", "Waktu kejadian", "When it happened"),
    ("lap.form.known_at", "Waktu diketahui", "When you learned of it"),
    ("lap.form.place", "Tempat kejadian", "Where it happened"),
    ("lap.form.description", "Uraian kejadian", "What happened"),
    ("lap.form.witnesses", "Saksi (satu nama per baris)", "Witnesses (one name per line)"),
    ("lap.form.files", "Bukti: foto atau PDF, masing-masing paling besar 10 MB", "Evidence: photos or PDFs, up to 10 MB each"),
    ("lap.form.submit", "Kirim laporan", "Send the report"),
    ("lap.track.title", "Lacak laporan", "Track a report"),
    ("lap.track.code", "Kode tanda terima", "Receipt code"),
    ("lap.track.submit", "Lacak", "Track"),
    ("lap.track.saved", "Laporan tersimpan. Simpan kode tanda terima ini untuk melacaknya:", "Your report is saved. Keep this receipt code to track it:"),
    ("lap.track.anonymous", "Laporan tanpa identitas dicatat sebagai informasi awal.", "A report without identity is kept as initial information."),
    ("lap.track.privacy", "Halaman ini hanya menampilkan status dan tanggal; identitas pelapor dan isi laporan tidak pernah ditampilkan untuk umum.", "This page shows only status and dates; the reporter's identity and the report's content are never public."),
    ("lap.received", "Diterima", "Received"),
    ("lap.deadline", "Tenggat", "Deadline"),
    ("lap.days_left", "Sisa hari", "Days left"),
    ("lap.days", "hari", "days"),
    ("lap.overdue", "Lewat tenggat", "Overdue"),
    ("lap.timeline", "Riwayat penanganan", "Timeline"),
    ("lap.when", "Waktu", "When"),
    ("lap.evidence", "Bukti", "Evidence"),
    ("lap.board.title", "Penanganan pelanggaran", "Violation cases"),
    ("lap.board.count", "Laporan", "Cases"),
    ("lap.board.empty", "Tidak ada laporan di wilayah ini.", "No cases in this region."),
    ("lap.gakkumdu.title", "Sentra Gakkumdu", "Sentra Gakkumdu"),
    ("lap.gakkumdu.intro", "Perkara dugaan tindak pidana pemilihan di wilayah Anda, tahap demi tahap dengan tenggat undang-undang.", "Suspected election crimes in your region, stage by stage with their statutory deadlines."),
    ("lap.kind", "Jenis", "Kind"),
    ("lap.kind.laporan", "Laporan", "Report"),
    ("lap.kind.informasi_awal", "Informasi awal", "Initial information"),
    ("lap.kind.temuan", "Temuan", "Finding"),
    ("lap.all", "Semua", "All"),
    ("lap.only_overdue", "Hanya yang lewat tenggat", "Overdue only"),
    ("lap.disputes", "Sengketa proses", "Process disputes"),
    ("lap.dispute", "Sengketa proses", "Process dispute"),
    ("lap.petitioner", "Pemohon", "Petitioner"),
    ("lap.kpu_decision", "Keputusan KPU", "KPU decision"),
    ("lap.actions", "Tindakan", "Actions"),
    ("lap.next", "Langkah berikutnya", "Next step"),
    ("lap.reason", "Alasan / keterangan", "Reason / note"),
    ("lap.move", "Simpan langkah", "Record the step"),
    ("lap.by", "Oleh", "By"),
    ("lap.owner", "Harus bertindak", "Must act"),
    ("lap.case", "Laporan", "Case"),
    ("lap.class", "Klasifikasi", "Classification"),
    ("lap.reporter_hidden", "Disembunyikan (hanya untuk Bawaslu yang menangani) atau tanpa identitas", "Hidden (only for the Bawaslu officers handling it) or anonymous"),
    ("nav.report", "Lapor", "Report"),
    ("nav.cases", "Penanganan", "Cases"),
    ("hasil.title", "Hasil", "Results"),
    ("hasil.candidate", "Calon / partai", "Candidate / party"),
    ("hasil.votes", "Suara", "Votes"),
    ("hasil.tps_in", "TPS masuk", "TPS in"),
    ("hasil.valid", "Suara sah", "Valid votes"),
    ("hasil.invalid", "Suara tidak sah", "Invalid votes"),
    ("hasil.users", "Pengguna hak pilih", "Voters who voted"),
    ("hasil.discrepancies", "TPS dengan sumber berbeda", "TPS where sources disagree"),
    ("hasil.anomalies", "Anomali", "Anomalies"),
    ("hasil.download_csv", "Unduh data terbuka (CSV)", "Download open data (CSV)"),
    ("hasil.download_json", "Unduh data terbuka (JSON)", "Download open data (JSON)"),
    ("hasil.recap", "Rekapitulasi berjenjang (D.Hasil)", "Tiered recap (D.Hasil)"),
    ("hasil.flags", "Catatan", "Flags"),
    ("hasil.sources_differ", "sumber berbeda", "sources differ"),
    ("hasil.live", "Angka diperbarui otomatis setiap 20 detik; hasil resmi adalah rekapitulasi berjenjang dalam rapat pleno terbuka.", "Numbers refresh every 20 seconds; the official result is the tiered recap in open plenary."),
    ("hasil.status.belum_masuk", "Belum masuk", "Not in"),
    ("hasil.status.menunggu_entri_kedua", "Menunggu entri kedua", "Awaiting second entry"),
    ("hasil.status.sah", "Sah (dua entri cocok)", "Agreed (two entries match)"),
    ("hasil.status.selisih", "Dua entri KPU berbeda, menunggu entri ketiga", "KPU's two entries differ, awaiting a third"),
    ("hasil.revision", "Revisi", "Revision"),
    ("hasil.none_yet", "Belum ada hasil untuk TPS ini.", "No result for this TPS yet."),
    ("hasil.field", "Isian", "Field"),
    ("hasil.history", "Riwayat entri", "Entry history"),
    ("hasil.source", "Sumber", "Source"),
    ("hasil.permalink", "Tautan tetap:", "Permalink:"),
    ("hasil.log.title", "Log publik", "Public log"),
    ("hasil.log.recorded", "Tercatat di log publik", "Recorded in the public log"),
    ("hasil.log.not_yet", "belum tercatat di log publik (dientri sebelum log ada, atau sedang dicatat: muat ulang sebentar lagi)", "not in the public log yet (entered before the log existed, or being recorded: reload in a moment)"),
    ("hasil.log.column", "Log", "Log"),
    ("hasil.log.noscript", "Setiap entri hasil dicatat di log publik yang hanya dapat ditambah. Dengan JavaScript, halaman ini memeriksa sendiri bahwa angkanya sama dengan log; tanpa itu, siapa pun dapat memeriksa bukti inklusi dan checkpoint di bawah.", "Every result entry is recorded in an append-only public log. With JavaScript this page checks by itself that its numbers are the log's; without it, anyone can check the inclusion proof and the checkpoint below."),
    ("hasil.log.proof", "Bukti inklusi (JSON)", "Inclusion proof (JSON)"),
    ("hasil.log.checkpoint", "Checkpoint log terbaru", "Latest log checkpoint"),
    ("hasil.log.key", "Kunci publik log", "The log's public key"),
    ("hasil.log.how", "Halaman ini menghitung ulang hash setiap entri dan bukti inklusinya sampai ke akar checkpoint, lalu membandingkan angka di log dengan angka di atas. Tanda tangan checkpoint tidak diperiksa di sini: itu tugas", "This page recomputes each entry's hash and its inclusion proof up to the checkpoint's root, then compares the log's numbers with the numbers above. The checkpoint's signature is not checked here: that is the job of"),
    ("hasil.log.how_key", "dengan kunci publik log (bandingkan kunci itu dengan yang diumumkan penyelenggara).", "with the log's public key (compare that key with the one the election body announces)."),
    ("hasil.photos", "Foto formulir", "Photos of the form"),
    ("log.photo", "Foto barang saat diterima", "Photo of the goods on arrival"),
    ("hasil.photos_note", "Ketuk gambar kecil untuk ukuran penuh. SHA-256 adalah sidik jari berkasnya: siapa pun dapat menghitungnya dari foto yang diunduh dan membandingkannya.", "Tap a thumbnail for full size. The SHA-256 is the file's fingerprint: anyone can compute it from the downloaded photo and compare."),
    ("hasil.page", "Halaman", "Page"),
    ("hasil.photo_not_kept", "Foto ini dientri sebelum foto disimpan; hanya sidik jarinya yang tercatat.", "This photo was entered before photos were kept; only its fingerprint is on record."),
    ("nav.results", "Hasil", "Results"),
    ("hasil.source.kpu", "KPU (disahkan)", "KPU (agreed)"),
    ("hasil.source.bawaslu", "Bawaslu", "Bawaslu"),
    ("hasil.source.saksi", "Saksi", "Witness"),
    ("hasil.source.publik", "Publik", "Public"),
    ("hasil.f.voters", "Pemilih", "Voters"),
    ("hasil.f.users", "Pengguna hak pilih", "Voted"),
    ("hasil.f.disabled_voters", "Pemilih disabilitas", "Voters with disabilities"),
    ("hasil.f.disabled_users", "Pengguna hak pilih disabilitas", "Voters with disabilities who voted"),
    ("hasil.f.ballots_received", "Surat suara diterima", "Ballots received"),
    ("hasil.f.ballots_used", "Surat suara digunakan", "Ballots used"),
    ("hasil.f.ballots_spoiled", "Surat suara dikembalikan/rusak/keliru", "Ballots returned/spoiled"),
    ("hasil.f.ballots_unused", "Surat suara tidak digunakan", "Ballots unused"),
    ("hasil.recap_children", "Wilayah/TPS di bawahnya masuk", "Children in"),
    ("hasil.recap_entered", "Hasil pleno", "Plenary result"),
    ("hasil.recap_mismatch", "Isian tidak cocok", "Fields that differ"),
    ("hasil.recap_plenary", "Dibacakan dalam pleno", "Read out in plenary"),
    ("hasil.recap_sum", "Jumlah dari bawahnya", "Sum of the children"),
    ("hasil.recap_missing", "Belum masuk", "Not yet in"),
    ("nav.coordination", "Koordinasi", "Coordination"),
    ("ko.stages.title", "Tahapan pemilihan", "Election stages"),
    ("ko.stages.source", "Sumber: PKPU 2/2024 (Pilkada 2024) dan PKPU 3/2022 (Pemilu 2024); status menurut tanggal setempat wilayah.", "Source: PKPU 2/2024 (Pilkada 2024) and PKPU 3/2022 (Pemilu 2024); status by the region's local date."),
    ("ko.region", "Wilayah", "Region"),
    ("ko.today", "Hari ini", "Today"),
    ("ko.week", "Pekan ini", "This week"),
    ("ko.subscribe", "Langganan kalender (iCal)", "Subscribe to the calendar (iCal)"),
    ("ko.stage", "Tahapan", "Stage"),
    ("ko.start", "Mulai", "Start"),
    ("ko.end", "Selesai", "End"),
    ("ko.agencies", "Penanggung jawab", "Responsible"),
    ("ko.local", "kegiatan daerah", "local activity"),
    ("ko.status.akan_datang", "Akan datang", "Upcoming"),
    ("ko.status.berlangsung", "Berlangsung", "Running"),
    ("ko.status.selesai", "Selesai", "Done"),
    ("ko.meetings.title", "Rapat koordinasi", "Coordination meetings"),
    ("ko.meeting", "Rapat", "Meeting"),
    ("ko.when", "Waktu", "When"),
    ("ko.kind", "Jenis", "Kind"),
    ("ko.host", "Penyelenggara", "Host"),
    ("ko.place", "Tempat", "Place"),
    ("ko.agenda", "Agenda", "Agenda"),
    ("ko.attendance", "Undangan dan kehadiran", "Invitations and attendance"),
    ("ko.unit", "Satuan kerja", "Unit"),
    ("ko.represented_by", "Diwakili oleh", "Represented by"),
    ("ko.att.diundang", "Diundang", "Invited"),
    ("ko.att.hadir", "Hadir", "Present"),
    ("ko.att.diwakili", "Diwakili", "Represented"),
    ("ko.att.tidak_hadir", "Tidak hadir", "Absent"),
    ("ko.speakers", "Narasumber", "Speakers"),
    ("ko.minutes", "Catatan rapat", "Minutes"),
    ("ko.minutes_pdf", "Notulen (PDF)", "Minutes (PDF)"),
    ("ko.decisions", "Kesepakatan", "Decisions"),
    ("ko.decision", "Kesepakatan", "Decision"),
    ("ko.actions", "Tindak lanjut", "Action items"),
    ("ko.owner", "Pelaksana", "Owner"),
    ("ko.task", "Tugas", "Task"),
    ("ko.due", "Tenggat", "Due"),
    ("ko.evidence", "Bukti", "Evidence"),
    ("ko.open", "Belum selesai", "Not finished"),
    ("ko.owing", "Yang belum menindaklanjuti", "Who still owes"),
    ("ko.action.terbuka", "Terbuka", "Open"),
    ("ko.action.berjalan", "Berjalan", "In progress"),
    ("ko.action.selesai", "Selesai", "Done"),
    ("ko.action.terlambat", "Terlambat", "Late"),
    ("ko.owed.title", "Tindak lanjut unit saya", "What my unit owes"),
    ("ko.owed.none", "Tidak ada tindak lanjut yang tertunda.", "Nothing outstanding."),
    ("ko.budget.title", "Anggaran pengawasan dan hibah", "Supervision budget and grants"),
    ("ko.plan", "Pagu", "Plan"),
    ("ko.granted", "Hibah (NPHD)", "Grants (NPHD)"),
    ("ko.disbursed", "Dicairkan", "Disbursed"),
    ("ko.realised", "Realisasi", "Realised"),
    ("ko.absorption", "Penyerapan", "Absorption"),
    ("ko.download_csv", "Unduh (CSV untuk Excel)", "Download (CSV for Excel)"),
    ("ko.lines", "Rincian pagu", "Budget lines"),
    ("ko.program", "Program", "Programme"),
    ("ko.activity", "Kegiatan", "Activity"),
    ("ko.grants", "Hibah daerah (NPHD)", "Regional grants (NPHD)"),
    ("ko.tranche", "Tahap", "Tranche"),
    ("ko.amount", "Jumlah", "Amount"),
    ("ko.signed", "ditandatangani", "signed"),
    ("ko.save", "Simpan", "Save"),
    ("ko.add_line", "Tambah rincian pagu", "Add a budget line"),
    ("ko.add_grant", "Catat hibah NPHD", "Record an NPHD grant"),
    ("ko.add_realisation", "Catat realisasi", "Record spending"),
    ("ko.add_disbursement", "Catat pencairan", "Record a disbursement"),
    ("ko.optional", "boleh kosong", "optional"),
    ("ko.date", "Tanggal", "Date"),
    ("ko.document", "Nomor dokumen", "Document number"),
    ("ko.grantor", "Pemberi hibah (kode provinsi/kabupaten/kota)", "Grantor (province/regency code)"),
    ("ko.recipient", "Penerima", "Recipient"),
    ("ko.scheme", "Pencairan", "Disbursement"),
    ("ko.scheme.bertahap", "Bertahap: 40 % dalam 14 hari kerja, 60 % lima bulan sebelum pemungutan", "Staged: 40 % within 14 working days, 60 % five months before voting"),
    ("ko.scheme.sekaligus", "Sekaligus: 100 % dalam 14 hari", "At once: 100 % within 14 days"),
    ("ko.new_meeting", "Jadwalkan rapat", "Schedule a meeting"),
    ("ko.schedule", "Jadwalkan", "Schedule"),
    ("ko.invite", "Undang satuan kerja", "Invite units"),
    ("ko.local_time", "waktu setempat", "local time"),
    ("ko.record", "Catat jalannya rapat", "Record the meeting"),
    ("ko.speaker_name", "Nama dan jabatan", "Name and position"),
    ("ko.topic", "Materi", "Topic"),
    ("ko.new_action", "Kesepakatan dan tindak lanjut", "Decision and action item"),
    ("ko.update", "Perbarui", "Update"),
    ("ko.tranche.lunas", "Lunas", "Paid"),
    ("ko.tranche.belum_jatuh_tempo", "Belum jatuh tempo", "Not yet due"),
    ("ko.tranche.terlambat", "Terlambat cair", "Overdue"),
    ("ko.kind.rakor", "Rapat koordinasi", "Coordination meeting"),
    ("ko.kind.fgd", "Diskusi kelompok terpumpun (FGD)", "Focus group discussion (FGD)"),
    ("ko.kind.sosialisasi", "Sosialisasi", "Public information session"),
    ("ko.kind.konsolidasi", "Konsolidasi", "Consolidation meeting"),
    ("ko.updated_by", "Diperbarui oleh", "Updated by"),
    ("kr.var.hak_pilih", "Penggunaan hak pilih", "Exercise of the right to vote"),
    ("kr.var.keamanan", "Keamanan", "Security"),
    ("kr.var.kampanye", "Kampanye", "Campaigning"),
    ("kr.var.politik_uang", "Politik uang", "Money politics"),
    ("kr.var.sara", "Politisasi SARA", "Identity politics"),
    ("kr.var.netralitas", "Netralitas", "Neutrality"),
    ("kr.var.logistik", "Logistik", "Election materials"),
    ("kr.var.lokasi", "Lokasi TPS", "TPS location"),
    ("kr.var.jaringan", "Listrik dan jaringan internet", "Electricity and internet"),
    ("ikp.rendah", "Rendah", "Low"),
    ("ikp.sedang", "Sedang", "Medium"),
    ("ikp.tinggi", "Tinggi", "High"),
    ("nav.vulnerability", "Kerawanan", "Vulnerability"),
    ("grade.kurang_rawan", "Kurang rawan", "Less vulnerable"),
    ("grade.rawan", "Rawan", "Vulnerable"),
    ("grade.sangat_rawan", "Sangat rawan", "Highly vulnerable"),
    ("kr.title", "Kerawanan TPS", "TPS vulnerability"),
    ("kr.meets", "Memenuhi indikator", "Meet an indicator"),
    ("kr.per_indicator", "Jumlah TPS per indikator", "TPS per indicator"),
    ("kr.variable", "Variabel", "Variable"),
    ("kr.indicator", "Indikator", "Indicator"),
    ("kr.plan", "Rencana pengamanan", "Security plan"),
    ("kr.choose_regency", "Pilih kabupaten/kota (wilayah=35.76).", "Choose a regency or city (wilayah=35.76)."),
    ("kr.pattern", "Pola (Polri-TPS-Linmas): ", "Pattern (Polri-TPS-Linmas): "),
    ("kr.download_posts", "Unduh daftar pos (CSV)", "Download the posts (CSV)"),
    ("kr.map", "Peta kerawanan", "Vulnerability map"),
    ("kr.district", "Kecamatan", "District"),
    ("kr.need_police", "Perlu Polri", "Police needed"),
    ("kr.have_police", "Ada Polri+TNI", "Police+TNI available"),
    ("kr.short", "Kurang", "Short"),
    ("kr.need_linmas", "Perlu Linmas", "Linmas needed"),
    ("kr.have_linmas", "Ada Linmas", "Linmas available"),
    ("kr.posts", "Jumlah pos: ", "Posts: "),
    ("footer.data", "Data wilayah: idn-area-data (ODbL), kode Kemendagri.", "Region data: idn-area-data (ODbL), Kemendagri codes."),
    ("error.not_found", "Halaman tidak ditemukan.", "Page not found."),
    ("error.internal", "Terjadi kesalahan di sistem; kejadian ini sudah dicatat. Coba lagi nanti.", "Something went wrong on our side; it was logged. Try again later."),
];

pub fn t(lang: Lang, key: &str) -> &'static str {
    TEXT.iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, id, en)| if lang == Lang::En { *en } else { *id })
        .unwrap_or("?")
}

/// The readable name of a stored key (`ko.kind` + `rakor` → "Rapat koordinasi"); a key the
/// table does not know (one added after this version) reads as its words.
pub fn label(lang: Lang, prefix: &str, key: &str) -> String {
    match t(lang, &format!("{prefix}.{key}")) {
        "?" => key.replace('_', " "),
        known => known.to_string(),
    }
}

/// A TEXT entry in both languages, to put into a message (`tr!` takes its `.id()`/`.en()`).
pub fn text(key: &str) -> super::i18n::Text {
    super::i18n::Text::new(t(Lang::Id, key), t(Lang::En, key))
}

/// Formats a count the Indonesian way: 820.161 (English: 820,161).
pub fn number(lang: Lang, n: i64) -> String {
    let sep = if lang == Lang::En { ',' } else { '.' };
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// `part` of `whole` per hundred with `decimals` places (at most 2), rounded down, so that
/// "100" means all of it and 5,999 of 6,000 reads 99,9, not 100 (0 of 0 is 0). Computed in
/// 128-bit integers: counts of TPS and rupiah of a national budget alike never overflow.
pub fn share(part: i64, whole: i64, decimals: u32) -> f64 {
    if whole <= 0 {
        return 0.0;
    }
    let scale = 10_i128.pow(decimals.min(2));
    let units = i128::from(part) * 100 * scale / i128::from(whole);
    units as f64 / scale as f64
}

/// A number with `decimals` places the reader's way: 66,7 (English 66.7).
pub fn decimal(lang: Lang, value: f64, decimals: usize) -> String {
    let s = format!("{value:.decimals$}");
    if lang == Lang::En { s } else { s.replace('.', ",") }
}

/// A share as people read it: "66,7%" (English "66.7%"); see [`share`].
pub fn percent(lang: Lang, value: f64, decimals: usize) -> String {
    format!("{}%", decimal(lang, value, decimals))
}

pub struct Page<'a> {
    pub lang: Lang,
    pub title: &'a str,
    pub user: Option<&'a User>,
    /// Where the language switch returns to.
    pub path: &'a str,
    /// The search text to show in the header's search box.
    pub query: &'a str,
}

impl<'a> Page<'a> {
    pub fn new(lang: Lang, title: &'a str, user: Option<&'a User>, path: &'a str) -> Page<'a> {
        Page { lang, title, user, path, query: "" }
    }
}

pub fn layout(page: Page<'_>, body: Markup) -> Markup {
    let lang = page.lang;
    let other = if lang == Lang::En { "id" } else { "en" };
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (page.title) " · Sinergi" }
                link rel="stylesheet" href="/assets/app.css";
            }
            body {
                header {
                    a.brand href="/wilayah" { "Sinergi" }
                    @if page.user.is_some() { a #situation-link href="/situasi" { (t(lang, "nav.situation")) } }
                    a href="/wilayah" { (t(lang, "nav.regions")) }
                    a href="/logistik" { (t(lang, "nav.logistics")) }
                    a href="/kerawanan" { (t(lang, "nav.vulnerability")) }
                    @if page.user.is_some_and(|u| matches!(u.unit.agency, AgencyKind::Bawaslu | AgencyKind::Polri | AgencyKind::Kejaksaan | AgencyKind::Dkpp)) {
                        a href="/laporan" { (t(lang, "nav.cases")) }
                    }
                    a href="/hasil" { (t(lang, "nav.results")) }
                    a href="/tahapan" { (t(lang, "nav.coordination")) }
                    a href="/lapor" { (t(lang, "nav.report")) }
                    form action="/cari" method="get" role="search" {
                        input type="search" name="q" value=(page.query) placeholder=(t(lang, "nav.search")) aria-label=(t(lang, "nav.search"));
                    }
                    span.who {
                        @if let Some(u) = page.user {
                            a #alerts-link href="/peringatan" {
                                (t(lang, "nav.alerts"))
                                @if let Some(n) = super::alerts::unread().filter(|n| *n > 0) {
                                    " " span.count #alerts-count title=(lang.pick("belum dibaca unit Anda", "unread by your unit")) { (number(lang, n)) }
                                }
                            }
                            " · "
                            @if u.role == super::identity::Role::Admin {
                                a #users-link href="/pengguna" { (t(lang, "nav.users")) }
                                " · "
                            }
                            span #current-user { (u.username) " · " (u.unit.name) " · " (t(lang, &format!("role.{}", u.role.as_str()))) }
                            " "
                            form action="/keluar" method="post" style="display:inline" {
                                button type="submit" { (t(lang, "nav.logout")) }
                            }
                        } @else {
                            a #login-link href="/masuk" { (t(lang, "nav.login")) }
                        }
                        " · "
                        a #lang-switch href={ "/bahasa?l=" (other) "&next=" (urlencode(page.path)) } { (t(lang, "nav.lang")) }
                    }
                }
                main { (body) }
                footer { (t(lang, "footer.data")) }
            }
        }
    }
}

/// "20 November 2024 09.30 WIB" from an RFC 3339 time that already carries the region's
/// offset, in the request's language (see [`super::i18n::moment`]).
pub fn when(s: &str) -> String {
    match time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        Ok(t) => super::i18n::moment(Lang::current(), t),
        Err(_) => s.to_string(),
    }
}

/// Sends someone without a session to the login page, which returns them to `path`.
pub fn login_first(path: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    axum::response::Redirect::to(&format!("/masuk?next={}", urlencode(path))).into_response()
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The one stylesheet, embedded (its digest is part of the field app's asset version).
pub const STYLESHEET: &str = include_str!("../../assets/app.css");

/// The stylesheet; its versioned address (`?v=`, the field app's) is cached for good.
pub async fn stylesheet(uri: axum::http::Uri) -> Response {
    let cache = if uri.query().is_some_and(|q| q.starts_with("v=")) { "public, max-age=31536000, immutable" } else { "public, max-age=86400" };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        STYLESHEET,
    )
        .into_response()
}

/// The layout's error page in the request's language; internals go to the log, not the page.
pub fn error_page(lang: Lang, user: Option<&CurrentUser>, err: AppError) -> Response {
    error_page_for(lang, user.map(|u| &u.user), err)
}

fn error_page_for(lang: Lang, user: Option<&User>, err: AppError) -> Response {
    let status = err.status();
    // A 500 never shows its internals (a database message) to the user, only that it was logged.
    let message = if status == StatusCode::NOT_FOUND {
        t(lang, "error.not_found").to_string()
    } else if status == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!("page error: {}", err.log_detail());
        t(lang, "error.internal").to_string()
    } else {
        err.to_string()
    };
    let page = Page::new(lang, "Sinergi", user, "/wilayah");
    let mut resp = (status, layout(page, html! { p.error { (message) } })).into_response();
    super::error::with_retry_after(&mut resp, &err);
    resp
}

/// The one error of page handlers: they return `Result<Response, PageError>` and use `?`. It
/// renders the layout's error page in the request's language (with the user's navigation when
/// `or_page` named the user); someone not logged in is sent to the login page instead.
pub struct PageError {
    err: AppError,
    user: Option<User>,
}

impl PageError {
    /// An error shown with `user`'s navigation.
    pub fn new(err: impl Into<AppError>, user: Option<&CurrentUser>) -> PageError {
        PageError { err: err.into(), user: user.map(|u| u.user.clone()) }
    }
}

impl From<AppError> for PageError {
    fn from(err: AppError) -> Self {
        PageError { err, user: None }
    }
}

impl From<super::db::DbError> for PageError {
    fn from(err: super::db::DbError) -> Self {
        PageError { err: AppError::from(err), user: None }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if matches!(self.err, AppError::Unauthorized) && self.user.is_none() {
            return login_first("/masuk");
        }
        error_page_for(Lang::current(), self.user.as_ref(), self.err)
    }
}

/// `result.or_page(user)?` in a page handler: the error page keeps the user's navigation.
pub trait OrPage<T> {
    fn or_page(self, user: Option<&CurrentUser>) -> Result<T, PageError>;
}

impl<T, E: Into<AppError>> OrPage<T> for Result<T, E> {
    fn or_page(self, user: Option<&CurrentUser>) -> Result<T, PageError> {
        self.map_err(|e| PageError { err: e.into(), user: user.map(|u| u.user.clone()) })
    }
}

/// The logged-in user of a page that needs one; anyone else is sent to the login page, which
/// returns them to the page they asked for.
pub struct PageUser(pub CurrentUser);

impl axum::extract::FromRequestParts<super::state::AppState> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &super::state::AppState) -> Result<Self, Response> {
        let back = parts.uri.path_and_query().map_or_else(|| parts.uri.path().to_string(), |p| p.as_str().to_string());
        match <CurrentUser as axum::extract::FromRequestParts<super::state::AppState>>::from_request_parts(parts, state).await {
            Ok(u) => Ok(PageUser(u)),
            Err(AppError::Unauthorized) => Err(login_first(&back)),
            Err(e) => Err(PageError::from(e).into_response()),
        }
    }
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_per_language() {
        assert_eq!(number(Lang::Id, 820161), "820.161");
        assert_eq!(number(Lang::En, 820161), "820,161");
        assert_eq!(number(Lang::Id, 300), "300");
        assert_eq!(number(Lang::Id, -1234), "-1.234");
    }

    #[test]
    fn shares_round_down_and_read_the_local_way() {
        assert_eq!(share(1, 3, 1), 33.3);
        assert_eq!(share(2, 3, 1), 66.6);
        assert_eq!(share(2, 3, 2), 66.66);
        assert_eq!(share(2, 3, 0), 66.0);
        assert_eq!(share(5_999, 6_000, 1), 99.9, "never 100 while one is missing");
        assert_eq!(share(18, 18, 1), 100.0);
        assert_eq!(share(0, 0, 1), 0.0);
        assert_eq!(share(i64::MAX, i64::MAX, 2), 100.0, "no overflow");
        assert_eq!(share(7_500_000_000_000, 10_000_000_000_000, 2), 75.0);
        assert_eq!(percent(Lang::Id, share(2, 3, 1), 1), "66,6%");
        assert_eq!(percent(Lang::En, share(2, 3, 2), 2), "66.66%");
        assert_eq!(decimal(Lang::Id, 49.94, 2), "49,94");
    }

    #[test]
    fn every_text_has_both_languages() {
        for (k, id, en) in TEXT {
            assert!(!id.is_empty() && !en.is_empty(), "{k}");
        }
        assert_eq!(t(Lang::Id, "nav.login"), "Masuk");
        assert_eq!(t(Lang::En, "nav.login"), "Log in");
    }
}

/// `data` as a QR code drawn in SVG (one path of dark modules, a quiet zone of four), for a page
/// a phone's camera reads from the screen; `None` when it does not fit in a QR code.
pub fn qr_svg(data: &str) -> Option<Markup> {
    let code = qrcode::QrCode::new(data.as_bytes()).ok()?;
    let n = code.width();
    let mut d = String::new();
    for row in 0..n {
        for col in 0..n {
            if code[(col, row)] == qrcode::Color::Dark {
                d.push_str(&format!("M{},{}h1v1h-1z", col + 4, row + 4));
            }
        }
    }
    let size = n + 8;
    Some(maud::html! {
        svg.qr xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (size) " " (size) } width="240" height="240" role="img" shape-rendering="crispEdges" {
            rect width=(size) height=(size) fill="#fff" {}
            path d=(d) fill="#000" {}
        }
    })
}

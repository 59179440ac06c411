//! A small PDF writer for one-page official documents (berita acara, minutes, reports):
//! text in the standard Helvetica fonts, lines, filled boxes and QR codes. The streams are
//! left uncompressed, so a document stays greppable and a test can read what it says.

use std::fmt::Write as _;

pub const A4_WIDTH: f32 = 595.0;
pub const A4_HEIGHT: f32 = 842.0;

#[derive(Default)]
pub struct Page {
    ops: String,
}

/// PDF string bytes in WinAnsiEncoding; characters it lacks become '?'.
fn encode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        let b = match c {
            '(' | ')' | '\\' => {
                out.push(b'\\');
                c as u8
            }
            ' '..='~' => c as u8,
            '\u{a0}'..='\u{ff}' => c as u32 as u8,
            '–' => 0x96,
            '—' => 0x97,
            '‘' | '’' => b'\'',
            '“' | '”' => b'"',
            '›' => b'>',
            '…' => 0x85,
            _ => b'?',
        };
        out.push(b);
    }
    out
}

impl Page {
    pub fn new() -> Page {
        Page::default()
    }

    /// Text with its baseline at (x, y), points from the bottom-left corner.
    pub fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, text: &str) {
        let font = if bold { "F2" } else { "F1" };
        let _ = write!(self.ops, "BT /{font} {size} Tf {x:.2} {y:.2} Td (");
        // The content stream is built as text; WinAnsi bytes above 0x7f go in as octal escapes.
        for b in encode(text) {
            if b < 0x80 {
                self.ops.push(b as char);
            } else {
                let _ = write!(self.ops, "\\{b:03o}");
            }
        }
        self.ops.push_str(") Tj ET\n");
    }

    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32) {
        let _ = writeln!(self.ops, "0.5 w {x1:.2} {y1:.2} m {x2:.2} {y2:.2} l S");
    }

    pub fn fill(&mut self, x: f32, y: f32, w: f32, h: f32) {
        let _ = writeln!(self.ops, "{x:.2} {y:.2} {w:.2} {h:.2} re f");
    }

    /// A QR code of `data`, `size` points wide, with its lower-left corner at (x, y).
    pub fn qr(&mut self, x: f32, y: f32, size: f32, data: &str) -> Result<(), String> {
        let code = qrcode::QrCode::new(data.as_bytes()).map_err(|e| format!("QR code: {e}"))?;
        let n = code.width();
        let m = size / n as f32;
        for row in 0..n {
            for col in 0..n {
                if code[(col, row)] == qrcode::Color::Dark {
                    self.fill(x + col as f32 * m, y + size - (row + 1) as f32 * m, m, m);
                }
            }
        }
        Ok(())
    }

    /// The finished one-page A4 document.
    pub fn finish(self, title: &str) -> Vec<u8> {
        document(vec![self], title)
    }
}

/// Wraps text to lines of at most `width` characters at spaces (each input line on its own).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![];
    for para in text.lines() {
        let mut line = String::new();
        for word in para.split_whitespace() {
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        lines.push(line);
    }
    lines
}

/// Text that flows down A4 pages, a new page when one is full: documents as long as their
/// record (minutes, the daily situation report).
pub struct Flow {
    pub pages: Vec<Page>,
    y: f32,
}

impl Default for Flow {
    fn default() -> Self {
        Flow::new()
    }
}

impl Flow {
    const TOP: f32 = A4_HEIGHT - 50.0;
    const BOTTOM: f32 = 60.0;

    pub fn new() -> Flow {
        Flow { pages: vec![Page::new()], y: Self::TOP }
    }

    /// A paragraph at `size` points, wrapped to the page width, `indent` points in from the margin.
    pub fn put(&mut self, size: f32, bold: bool, text: &str, indent: f32) {
        for line in wrap(text, if size > 10.0 { 80 } else { 100 }) {
            if self.y < Self::BOTTOM {
                self.pages.push(Page::new());
                self.y = Self::TOP;
            }
            if let Some(p) = self.pages.last_mut() {
                p.text(50.0 + indent, self.y, size, bold, &line);
            }
            self.y -= size + 4.0;
        }
    }

    /// Writes `foot(n, total)` at the foot of every page and finishes the document.
    pub fn finish(mut self, title: &str, foot: impl Fn(usize, usize) -> String) -> Vec<u8> {
        let total = self.pages.len();
        for (i, page) in self.pages.iter_mut().enumerate() {
            page.text(50.0, 35.0, 8.0, false, &foot(i + 1, total));
        }
        document(self.pages, title)
    }
}

/// An A4 document of these pages, in order (minutes run as long as the meeting's record).
pub fn document(pages: Vec<Page>, title: &str) -> Vec<u8> {
    let mut out: Vec<u8> = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let title_bytes: Vec<u8> = encode(title);
    // Objects: 1 catalog, 2 page tree, 3–4 fonts, 5 info, then a page and its content per page.
    let n = pages.len().max(1);
    let page_obj = |i: usize| 6 + 2 * i;
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", page_obj(i))).collect();
    let mut objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")).into_bytes(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_vec(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>".to_vec(),
        [b"<< /Title (".as_slice(), &title_bytes, b") /Producer (Sinergi) >>"].concat(),
    ];
    let empty = [Page::new()];
    let pages: &[Page] = if pages.is_empty() { &empty } else { &pages };
    for (i, page) in pages.iter().enumerate() {
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {A4_WIDTH} {A4_HEIGHT}] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {} 0 R >>",
                page_obj(i) + 1
            )
            .into_bytes(),
        );
        objects.push([format!("<< /Length {} >>\nstream\n", page.ops.len()).as_bytes(), page.ops.as_bytes(), b"\nendstream"].concat());
    }
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, obj) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(obj);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(format!("trailer\n<< /Size {} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_a_well_formed_pdf() {
        let mut p = Page::new();
        p.text(50.0, 800.0, 14.0, true, "BERITA ACARA (uji) – Soka\"an é");
        p.qr(400.0, 50.0, 100.0, "http://127.0.0.1/verifikasi/abc").expect("qr");
        let pdf = p.finish("Uji");
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.starts_with("%PDF-1.4"));
        assert!(text.trim_end().ends_with("%%EOF"));
        assert!(text.contains("BERITA ACARA \\(uji\\) \\226 Soka\"an \\351"));
        assert!(text.contains(" re f"), "QR modules drawn");
        // The xref offsets point at the objects.
        let xref_at: usize = text.rsplit("startxref\n").next().and_then(|s| s.lines().next()).and_then(|s| s.parse().ok()).expect("startxref");
        assert!(pdf[xref_at..].starts_with(b"xref"), "offsets count bytes");
    }

    #[test]
    fn a_document_has_every_page_and_every_offset_right() {
        let pages: Vec<Page> = (1..=3)
            .map(|i| {
                let mut p = Page::new();
                p.text(50.0, 800.0, 12.0, false, &format!("Halaman {i}"));
                p
            })
            .collect();
        let pdf = document(pages, "Tiga halaman");
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("/Count 3") && text.contains("/Kids [6 0 R 8 0 R 10 0 R]"));
        for i in 1..=3 {
            assert!(text.contains(&format!("(Halaman {i}) Tj")));
        }
        let xref_at: usize = text.rsplit("startxref\n").next().and_then(|s| s.lines().next()).and_then(|s| s.parse().ok()).expect("startxref");
        let tail = String::from_utf8_lossy(&pdf[xref_at..]);
        let table: Vec<usize> = tail.lines().skip(3).take(11).filter_map(|l| l.split(' ').next()?.parse().ok()).collect();
        assert_eq!(table.len(), 11, "11 objects");
        for (i, off) in table.iter().enumerate() {
            assert!(pdf[*off..].starts_with(format!("{} 0 obj", i + 1).as_bytes()), "object {} at its offset", i + 1);
        }
    }
}

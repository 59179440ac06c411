//! A small PDF writer for one-page official documents (berita acara, minutes, reports):
//! text in the standard Helvetica fonts, lines, filled boxes, QR codes and vector drawings
//! (paths filled and outlined in colour: the region maps of the daily report). The streams are
//! left uncompressed, so a document stays greppable and a test can read what it says.

use std::fmt::Write as _;

pub const A4_WIDTH: f32 = 595.0;
pub const A4_HEIGHT: f32 = 842.0;

#[derive(Default)]
pub struct Page {
    ops: String,
}

/// A colour, red, green and blue 0–255.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// From `0x2c7bb6`, the way the stylesheet writes colours.
    pub const fn hex(v: u32) -> Rgb {
        Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8)
    }
}

/// Writes a coordinate as short as it goes: whole numbers bare, else at most two decimals (a
/// hundredth of a drawing unit is far below what a printer shows, and every byte counts in a
/// map of a few thousand points).
fn num(out: &mut String, v: f32) {
    let r = (v * 100.0).round() / 100.0;
    if r == r.trunc() && r.abs() < 1e9 {
        let _ = write!(out, "{}", r as i64);
    } else {
        let s = format!("{r:.2}");
        out.push_str(s.trim_end_matches('0'));
    }
}

/// Widths of Helvetica's printable ASCII (space to tilde) in thousandths of the font size, from
/// the font's published metrics; other characters count as an "n".
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667,
    722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556,
    278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

/// How wide `text` is set in Helvetica at `size` points (bold about a twentieth wider): for
/// centring a name or setting a line flush right.
pub fn text_width(size: f32, bold: bool, text: &str) -> f32 {
    let units: u32 = text.chars().map(|c| if (' '..='~').contains(&c) { u32::from(HELVETICA[c as usize - 32]) } else { 556 }).sum();
    units as f32 / 1000.0 * size * if bold { 1.05 } else { 1.0 }
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
        let _ = write!(self.ops, "BT /{font} {size} Tf {x:.2} {y:.2} Td ");
        self.string(text);
        self.ops.push_str(" Tj ET\n");
    }

    /// Text with a white outline around its letters, so that it reads over any colour (names on
    /// a coloured map): outlined first ("1 Tr"), then back at the line's start ("0 0 Td")
    /// filled over it.
    pub fn text_haloed(&mut self, x: f32, y: f32, size: f32, bold: bool, text: &str) {
        let font = if bold { "F2" } else { "F1" };
        let _ = write!(self.ops, "q 1 1 1 RG 1 j {:.2} w BT /{font} {size:.2} Tf {x:.2} {y:.2} Td 1 Tr ", size / 4.0);
        self.string(text);
        self.ops.push_str(" Tj 0 0 Td 0 Tr ");
        self.string(text);
        self.ops.push_str(" Tj ET Q\n");
    }

    /// A PDF string: the content stream is built as text; WinAnsi bytes above 0x7f go in as
    /// octal escapes.
    fn string(&mut self, text: &str) {
        self.ops.push('(');
        for b in encode(text) {
            if b < 0x80 {
                self.ops.push(b as char);
            } else {
                let _ = write!(self.ops, "\\{b:03o}");
            }
        }
        self.ops.push(')');
    }

    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32) {
        let _ = writeln!(self.ops, "0.5 w {x1:.2} {y1:.2} m {x2:.2} {y2:.2} l S");
    }

    pub fn fill(&mut self, x: f32, y: f32, w: f32, h: f32) {
        let _ = writeln!(self.ops, "{x:.2} {y:.2} {w:.2} {h:.2} re f");
    }

    /// Keeps the graphics state (colours, line width, [`Page::place`]) until [`Page::restore`].
    pub fn save(&mut self) {
        self.ops.push_str("q\n");
    }

    pub fn restore(&mut self) {
        self.ops.push_str("Q\n");
    }

    /// Until [`Page::restore`]: a drawing unit is `scale` points, (0, 0) is at (x, y) on the
    /// page and y grows downwards, as on a screen: a picture drawn in SVG units (the maps)
    /// keeps its coordinates.
    pub fn place(&mut self, x: f32, y: f32, scale: f32) {
        let _ = writeln!(self.ops, "{scale:.5} 0 0 {:.5} {x:.2} {y:.2} cm", -scale);
    }

    pub fn fill_colour(&mut self, c: Rgb) {
        let _ = writeln!(self.ops, "{} rg", rgb(c));
    }

    pub fn stroke_colour(&mut self, c: Rgb) {
        let _ = writeln!(self.ops, "{} RG", rgb(c));
    }

    /// The width of outlines, in drawing units; joins rounded (outlines of many short segments).
    pub fn line_width(&mut self, w: f32) {
        self.ops.push_str("1 j ");
        num(&mut self.ops, w);
        self.ops.push_str(" w\n");
    }

    /// Starts a new ring of the path at (x, y).
    pub fn move_to(&mut self, x: f32, y: f32) {
        self.point(x, y, "m");
    }

    pub fn line_to(&mut self, x: f32, y: f32) {
        self.point(x, y, "l");
    }

    fn point(&mut self, x: f32, y: f32, op: &str) {
        num(&mut self.ops, x);
        self.ops.push(' ');
        num(&mut self.ops, y);
        self.ops.push(' ');
        self.ops.push_str(op);
        self.ops.push('\n');
    }

    /// Closes the ring back to its start.
    pub fn close(&mut self) {
        self.ops.push_str("h\n");
    }

    /// A circle as a ring of its own (four Bézier quarters: PDF has no circle).
    pub fn circle(&mut self, x: f32, y: f32, r: f32) {
        // The control points of a quarter circle lie 0.5523 r along the tangents.
        let k = 0.5523 * r;
        self.move_to(x + r, y);
        for (c1, c2, to) in [
            ((x + r, y + k), (x + k, y + r), (x, y + r)),
            ((x - k, y + r), (x - r, y + k), (x - r, y)),
            ((x - r, y - k), (x - k, y - r), (x, y - r)),
            ((x + k, y - r), (x + r, y - k), (x + r, y)),
        ] {
            for (px, py) in [c1, c2, to] {
                num(&mut self.ops, px);
                self.ops.push(' ');
                num(&mut self.ops, py);
                self.ops.push(' ');
            }
            self.ops.push_str("c\n");
        }
        self.close();
    }

    /// Paints the path drawn since the last paint: filled (even-odd, so a hole or a lake stays
    /// a hole, as on the web map), outlined, both, or neither (the path is dropped).
    pub fn paint(&mut self, fill: bool, stroke: bool) {
        self.ops.push_str(match (fill, stroke) {
            (true, true) => "B*\n",
            (true, false) => "f*\n",
            (false, true) => "S\n",
            (false, false) => "n\n",
        });
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

fn rgb(c: Rgb) -> String {
    let mut out = String::new();
    for (i, v) in [c.0, c.1, c.2].into_iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        // Three decimals tell all 256 levels apart.
        let s = format!("{:.3}", f32::from(v) / 255.0);
        let s = s.trim_end_matches('0').trim_end_matches('.');
        out.push_str(if s.is_empty() { "0" } else { s });
    }
    out
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

    /// A drawing below the text so far (a map): `draw(page, top, width, height left)` puts it
    /// on the page under its top edge and answers the height it took; the text goes on below.
    /// On a new page when less than `min_height` is left on this one.
    pub fn drawing(&mut self, min_height: f32, draw: impl FnOnce(&mut Page, f32, f32, f32) -> f32) {
        if self.y - Self::BOTTOM < min_height {
            self.pages.push(Page::new());
            self.y = Self::TOP;
        }
        let top = self.y;
        if let Some(p) = self.pages.last_mut() {
            let used = draw(p, top, A4_WIDTH - 100.0, top - Self::BOTTOM + 10.0);
            self.y -= used + 12.0;
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
    fn a_filled_path_is_a_well_formed_pdf() {
        let mut p = Page::new();
        p.text(50.0, 800.0, 12.0, true, "Peta");
        p.save();
        // A square with a square hole, in units of two points, y down from (100, 700).
        p.place(100.0, 700.0, 2.0);
        p.fill_colour(Rgb::hex(0x2c7bb6));
        p.stroke_colour(Rgb(255, 255, 255));
        p.line_width(0.25);
        for (x, y, w) in [(0.0, 0.0, 100.0), (25.0, 25.0, 50.0)] {
            p.move_to(x, y);
            p.line_to(x + w, y);
            p.line_to(x + w, y + w);
            p.line_to(x, y + w + 0.5);
            p.close();
        }
        p.paint(true, true);
        p.circle(150.0, 50.0, 10.0);
        p.paint(true, false);
        p.restore();
        p.text_haloed(120.0, 600.0, 8.0, false, "Magersari (kota)");
        let pdf = p.finish("Peta uji");
        let text = String::from_utf8_lossy(&pdf);
        let stream = text.split_once(">>\nstream\n").and_then(|(_, s)| s.split("\nendstream").next()).expect("the page's content");
        for want in [
            "2.00000 0 0 -2.00000 100.00 700.00 cm\n",
            "0.173 0.482 0.714 rg\n",
            "1 1 1 RG\n",
            "1 j 0.25 w\n",
            "0 0 m\n100 0 l\n100 100 l\n0 100.5 l\nh\n25 25 m\n",
            "h\nB*\n",
            "160 55.52 155.52 60 150 60 c\n",
            "f*\nQ\n",
            "1 Tr (Magersari \\(kota\\)) Tj 0 0 Td 0 Tr (Magersari \\(kota\\)) Tj ET Q\n",
        ] {
            assert!(stream.contains(want), "{want:?} in {stream}");
        }
        // Every state saved is restored, every text object ended: the page after the drawing is
        // as before it (black text, no scaling).
        assert_eq!(stream.matches("q\n").count() + stream.matches("q 1 1 1 RG").count(), stream.matches("Q\n").count());
        assert_eq!(stream.matches("BT ").count(), stream.matches(" ET").count());
        // The stream's length is what its dictionary says and the offsets point at the objects.
        let declared: usize = text.split("/Length ").nth(1).and_then(|s| s.split(' ').next()).and_then(|s| s.parse().ok()).expect("/Length");
        assert_eq!(declared, stream.len());
        let xref_at: usize = text.rsplit("startxref\n").next().and_then(|s| s.lines().next()).and_then(|s| s.parse().ok()).expect("startxref");
        assert!(pdf[xref_at..].starts_with(b"xref"));
        assert!((text_width(10.0, false, "Ab") - (6.67 + 5.56)).abs() < 0.01);
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

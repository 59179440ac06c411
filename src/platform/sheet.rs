//! Spreadsheet files both ways: every CSV Sinergi writes goes through [`Sheet`], every CSV it
//! imports is read through [`reader`].
//!
//! Written for Excel as Indonesian offices use it: a UTF-8 byte order mark (so names with
//! accents read right), `;` between cells and `,` before decimals (the list and decimal
//! separators of the Indonesian locale, where a `,`-separated file opens as one column), CRLF
//! line ends. A text cell that a spreadsheet would run as a formula (it starts with `=`, `+`,
//! `-`, `@`, a tab or CR) is written with a leading `'`, so citizens' text in a report or an
//! address can never become a formula on an official's machine; numbers are typed cells and
//! stay numbers (`-7,47` is a latitude, not a formula). [`restore`] undoes the `'` on import,
//! so an exported TPS file imports back unchanged.
//!
//! Reading accepts what Excel saves: `,` or `;` separated (decided by the header line), with
//! or without the byte order mark, CRLF, LF or CR line ends; line numbers in messages are the
//! row numbers a spreadsheet shows, the header being 1.

use std::borrow::Cow;
use std::io::{self, Read, Write};

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::i18n::{self, Lang};

pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One cell of an exported row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    /// Text as typed; neutralised when written if a spreadsheet would read it as a formula.
    Text(String),
    Int(i64),
    /// A decimal number, written with a decimal comma.
    Dec(f64),
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}
impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}
impl From<&String> for Cell {
    fn from(s: &String) -> Cell {
        Cell::Text(s.clone())
    }
}
impl From<i64> for Cell {
    fn from(n: i64) -> Cell {
        Cell::Int(n)
    }
}
impl From<f64> for Cell {
    fn from(x: f64) -> Cell {
        Cell::Dec(x)
    }
}
impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Cell {
        v.map_or(Cell::Empty, Into::into)
    }
}

/// Characters that make a spreadsheet read a cell as a formula (or hide how it starts); `'`
/// itself, so that a text that starts with `'` survives [`restore`] unchanged.
fn needs_quote(s: &str) -> bool {
    matches!(s.chars().next(), Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\''))
}

/// A text as a spreadsheet must see it: with a leading `'` if it would run as a formula.
pub fn neutralise(s: &str) -> Cow<'_, str> {
    if needs_quote(s) { Cow::Owned(format!("'{s}")) } else { Cow::Borrowed(s) }
}

/// The text that [`neutralise`] wrote: an imported cell with its protective `'` taken off.
pub fn restore(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if needs_quote(rest) => rest,
        _ => s,
    }
}

/// A decimal as the Indonesian locale writes it: `-7,4712`.
pub fn decimal(x: f64) -> String {
    x.to_string().replace('.', ",")
}

/// A decimal written either way (`-7,47` or `-7.47`).
pub fn parse_decimal(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.contains('.') && s.contains(',') {
        return None;
    }
    s.replace(',', ".").parse().ok().filter(|x: &f64| x.is_finite())
}

impl Cell {
    fn render(&self) -> Cow<'_, str> {
        match self {
            Cell::Empty => Cow::Borrowed(""),
            Cell::Text(s) => neutralise(s),
            Cell::Int(n) => Cow::Owned(n.to_string()),
            Cell::Dec(x) => Cow::Owned(decimal(*x)),
        }
    }
}

/// A CSV being written: the byte order mark first, then rows.
pub struct Sheet<W: Write> {
    w: csv::Writer<W>,
}

impl<W: Write> Sheet<W> {
    /// Starts a file with the given column titles.
    pub fn new(mut out: W, header: &[&str]) -> io::Result<Sheet<W>> {
        out.write_all(BOM)?;
        let mut s = Sheet { w: csv::WriterBuilder::new().delimiter(b';').terminator(csv::Terminator::CRLF).from_writer(out) };
        s.row(header.iter().map(|h| Cell::from(*h)))?;
        Ok(s)
    }

    pub fn row<I: IntoIterator<Item = Cell>>(&mut self, cells: I) -> io::Result<()> {
        let cells: Vec<Cell> = cells.into_iter().collect();
        self.w.write_record(cells.iter().map(|c| c.render().into_owned())).map_err(io::Error::other)
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }

    /// The underlying writer, everything written so far flushed to it.
    pub fn into_inner(self) -> io::Result<W> {
        self.w.into_inner().map_err(|e| io::Error::other(e.to_string()))
    }
}

/// Bytes written and not yet sent: what a streamed download holds between chunks.
#[derive(Default)]
pub struct Pending(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl Write for Pending {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Sheet<Pending> {
    /// A sheet whose rows are taken as they are written ([`Sheet::take`]).
    pub fn streamed(header: &[&str]) -> io::Result<Sheet<Pending>> {
        Sheet::new(Pending::default(), header)
    }

    /// Everything written since the last take.
    pub fn take(&mut self) -> io::Result<Vec<u8>> {
        self.w.flush()?;
        Ok(std::mem::take(&mut *self.w.get_ref().0.borrow_mut()))
    }
}

/// A whole table as a CSV download.
pub fn download(filename: &str, header: &[&str], rows: Vec<Vec<Cell>>) -> Response {
    let write = || -> io::Result<Vec<u8>> {
        let mut s = Sheet::new(Vec::new(), header)?;
        for r in rows {
            s.row(r)?;
        }
        s.into_inner()
    };
    match write() {
        Ok(bytes) => respond(filename, bytes),
        Err(e) => {
            tracing::error!("writing {filename} failed: {e}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// A file a [`Sheet`] wrote, as a download.
pub fn respond(filename: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
        ],
        bytes,
    )
        .into_response()
}

/// "27 November 2024" from `2024-11-27` or an RFC 3339 time (its own date); anything else as is.
/// Sheets are Indonesian; the words come from the one date format in `platform::i18n`.
pub fn tanggal(s: &str) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    match s.get(..10).map(|d| time::Date::parse(d, fmt)) {
        Some(Ok(d)) => i18n::date(Lang::Id, d),
        _ => s.to_string(),
    }
}

/// "27 November 2024 19.00 WIB" from an RFC 3339 time in its region's offset (a date alone
/// as [`tanggal`]; an offset that is no Indonesian zone is shown in UTC).
pub fn waktu(s: &str) -> String {
    match time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        Ok(t) => waktu_in(t),
        Err(_) => tanggal(s),
    }
}

/// [`waktu`] of a time told in the zone `offset` (a region's), whatever offset it was stored
/// with.
pub fn waktu_at(s: &str, offset: time::UtcOffset) -> String {
    match time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        Ok(t) => waktu_in(t.to_offset(offset)),
        Err(_) => tanggal(s),
    }
}

fn waktu_in(t: time::OffsetDateTime) -> String {
    if matches!(t.offset().whole_hours(), 7..=9) { i18n::moment(Lang::Id, t) } else { i18n::moment(Lang::Id, t.to_offset(time::UtcOffset::UTC)) }
}

/// An imported file as the CSV parser must see it: without the byte order mark, every line end
/// (CRLF, CR) made LF, so that the parser's line count is the spreadsheet's row number.
pub struct Input<R> {
    inner: R,
    buf: Vec<u8>,
    pos: usize,
    /// The last byte given out was a CR turned LF: a LF right after it is the same line end.
    after_cr: bool,
    started: bool,
    /// The last byte given out, so that the file ends with a line break whatever was saved.
    last: u8,
}

impl<R: Read> Input<R> {
    fn fill(&mut self) -> io::Result<bool> {
        self.buf.resize(64 * 1024, 0);
        let n = loop {
            match self.inner.read(&mut self.buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                r => break r?,
            }
        };
        self.buf.truncate(n);
        self.pos = 0;
        if n == 0 {
            if self.started && self.last != b'\n' {
                self.buf.push(b'\n');
                self.last = b'\n';
                return Ok(true);
            }
            return Ok(false);
        }
        if !self.started {
            self.started = true;
            if self.buf.starts_with(BOM) {
                self.pos = BOM.len();
            }
        }
        let mut j = self.pos;
        for i in self.pos..self.buf.len() {
            let b = self.buf[i];
            if b == b'\n' && self.after_cr {
                self.after_cr = false;
                continue;
            }
            self.after_cr = b == b'\r';
            self.buf[j] = if b == b'\r' { b'\n' } else { b };
            j += 1;
        }
        self.buf.truncate(j);
        if let Some(b) = self.buf[self.pos..].last() {
            self.last = *b;
        }
        Ok(true)
    }
}

impl<R> Input<R> {
    /// The reader beneath (everything the parser asked for has been read from it).
    pub fn into_inner(self) -> R {
        self.inner
    }
}

/// Spreadsheet row numbers of the records read: a record whose cells hold line breaks spans
/// several lines of the file but is one row of the sheet (blank lines are rows too).
#[derive(Default)]
pub struct Rows {
    /// Line breaks inside the cells of the records read so far.
    inner_breaks: u64,
}

fn breaks(record: &csv::StringRecord) -> u64 {
    record.iter().map(|f| f.bytes().filter(|b| *b == b'\n').count() as u64).sum()
}

impl Rows {
    /// The row at `line` of the file, as the parser counts lines (after [`reader`]).
    pub fn at(&self, line: u64) -> u64 {
        line.saturating_sub(self.inner_breaks)
    }

    /// Counts the header, so that the rows after it are numbered right.
    pub fn header(&mut self, header: &csv::StringRecord) {
        self.inner_breaks += breaks(header);
    }

    /// The row of the record just read, given the parser's line after it (every record ends
    /// with a line break after [`reader`]). Taken from the end: the parser's own start
    /// position does not count blank lines skipped before a record.
    pub fn record(&mut self, line_after: u64, record: &csv::StringRecord) -> u64 {
        let own = breaks(record);
        let row = self.at(line_after.saturating_sub(1 + own));
        self.inner_breaks += own;
        row
    }
}

/// Refuses a row with a control or text-direction character in any cell (a cell is one line of
/// a spreadsheet), naming the column; the same rules as typed text.
pub fn check_row(header: &csv::StringRecord, row: &csv::StringRecord) -> Result<(), super::i18n::Text> {
    for (i, cell) in row.iter().enumerate() {
        // A cell may hold line breaks (Alt+Enter in Excel); nothing else below a space.
        if let Err(p) = super::text::check(cell, usize::MAX, true) {
            let column = header.get(i).map(|h| h.trim().to_string()).unwrap_or_else(|| format!("{}", i + 1));
            return Err(p.message(&column));
        }
    }
    Ok(())
}

impl<R: Read> Read for Input<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.buf.len() {
            if !self.fill()? {
                return Ok(0);
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Opens an imported CSV: header expected, `;` if the header line has more of them than `,`.
pub fn reader<R: Read>(input: R) -> io::Result<csv::Reader<Input<R>>> {
    let mut input = Input { inner: input, buf: Vec::new(), pos: 0, after_cr: false, started: false, last: b'\n' };
    while input.pos >= input.buf.len() && input.fill()? {}
    let head = &input.buf[input.pos..];
    let head = &head[..head.iter().position(|b| *b == b'\n').unwrap_or(head.len())];
    let count = |c: u8| head.iter().filter(|b| **b == c).count();
    let delimiter = if count(b';') > count(b',') { b';' } else { b',' };
    Ok(csv::ReaderBuilder::new().has_headers(true).flexible(true).delimiter(delimiter).from_reader(input))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(rows: Vec<Vec<Cell>>) -> String {
        let mut s = Sheet::new(Vec::new(), &["a", "b"]).unwrap();
        for r in rows {
            s.row(r).unwrap();
        }
        String::from_utf8(s.into_inner().unwrap()).unwrap()
    }

    #[test]
    fn formulas_are_neutralised_numbers_kept() {
        let out = written(vec![
            vec!["=HYPERLINK(\"http://x\")".into(), Cell::Dec(-7.47)],
            vec!["+62 812".into(), Cell::Int(-3)],
            vec!["-tidak ada".into(), "@SUM(A1)".into()],
            vec!["\tx".into(), "'kutip".into()],
            vec!["Jl. Biasa; No 1".into(), Cell::Empty],
        ]);
        assert!(out.starts_with("\u{feff}a;b\r\n"), "{out}");
        assert!(out.contains("\"'=HYPERLINK(\"\"http://x\"\")\";-7,47\r\n"), "{out}");
        assert!(out.contains("'+62 812;-3\r\n"), "{out}");
        assert!(out.contains("'-tidak ada;'@SUM(A1)\r\n"), "{out}");
        assert!(out.contains("''kutip"), "{out}");
        assert!(out.contains("\"Jl. Biasa; No 1\";\r\n"), "{out}");
    }

    #[test]
    fn restore_undoes_neutralise() {
        for s in ["=1+1", "+62", "-", "@a", "'", "''x", "'=", "biasa", ""] {
            assert_eq!(restore(&neutralise(s)), s);
        }
        assert_eq!(parse_decimal("-7,47"), Some(-7.47));
        assert_eq!(parse_decimal("112.5"), Some(112.5));
        assert_eq!(parse_decimal("1.234,5"), None);
    }

    #[test]
    fn excel_files_read_with_spreadsheet_line_numbers() {
        for file in ["\u{feff}code;x\r\nA;1\r\n\r\nB;2\r\n", "code,x\nA,1\n\nB,2\n", "code;x\rA;1\r\rB;2"] {
            let mut r = reader(file.as_bytes()).unwrap();
            assert_eq!(r.headers().unwrap().iter().collect::<Vec<_>>(), ["code", "x"], "{file:?}");
            assert_eq!(numbered(&mut r), [(2, "A".to_string()), (4, "B".to_string())], "{file:?}");
        }
        // A cell with line breaks is one row; a last line without its line break is read.
        let mut r = reader("code;x\r\n\"two\r\nlines\";1\r\n\r\nC;2".as_bytes()).unwrap();
        assert_eq!(numbered(&mut r), [(2, "two\nlines".to_string()), (4, "C".to_string())]);
    }

    fn numbered<R: Read>(r: &mut csv::Reader<R>) -> Vec<(u64, String)> {
        let mut rows = Rows::default();
        rows.header(&r.headers().unwrap().clone());
        let mut out = vec![];
        let mut rec = csv::StringRecord::new();
        while r.read_record(&mut rec).unwrap() {
            out.push((rows.record(r.position().line(), &rec), rec[0].to_string()));
        }
        out
    }

    #[test]
    fn dates_read_as_people_write_them() {
        assert_eq!(tanggal("2024-11-27"), "27 November 2024");
        assert_eq!(tanggal("2024-01-05T10:00:00+07:00"), "5 Januari 2024");
        assert_eq!(waktu("2024-11-27T19:00:00+07:00"), "27 November 2024 19.00 WIB");
        assert_eq!(waktu("2024-11-27T19:05:00+09:00"), "27 November 2024 19.05 WIT");
        assert_eq!(waktu(""), "");
    }
}

//! Maps drawn by the server as SVG, for a phone at 360 px and a projector alike: no script, no
//! tiles, no network. The outlines come in the compact form of `data/boundaries/compact.py`
//! (whoever embeds them hands the bytes to [`Atlas::new`]); every region's frame — its
//! children's outlines projected into one picture, as SVG path data with a place for each
//! name — is worked out once, on a background thread at start, and kept for the life of the
//! server. A request then only colours the areas and projects its points.
//!
//! What is drawn is told by [`MapView`]: each area a link (tapping opens it, nothing depends on
//! hover), its name on the map where it fits and always in its `<title>` and in the list below,
//! a class `k0`…`k4` (from "all is well" to "needs attention") or none, the legend and the
//! credit line of the outlines' licence. Areas without an outline keep the point layout: a dot
//! at the mean position of their TPS, inside the parent's outline where there is one.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::OnceLock;

use maud::{Markup, PreEscaped, html};

use super::pdf::{Page, Rgb};

/// Width of every map's picture in SVG units (its height follows the region's shape).
const WIDTH: f64 = 1000.0;
/// The band under the picture that holds the credit line.
const CREDIT_BAND: f64 = 30.0;
const PAD: f64 = 12.0;
/// Name size on the map, in SVG units (9 px on a 360 px phone, 27 px on a 1,500 px projector).
const FONT: f64 = 24.0;
/// Below this a name is not drawn on the map (its title and the list still name it).
const MIN_FONT: f64 = 13.0;

/// Longitude and latitude in degrees.
type LonLat = (f64, f64);

/// One decoded outline: rings of points (holes and islands alike, drawn even-odd).
struct Outline {
    code: String,
    rings: Vec<Vec<LonLat>>,
}

fn varint(b: &[u8], at: &mut usize) -> Result<u64, String> {
    let mut n = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *b.get(*at).ok_or("outline data ends early")?;
        *at += 1;
        n |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(n);
        }
    }
    Err("outline varint too long".into())
}

fn unzigzag(n: u64) -> i64 {
    ((n >> 1) as i64) ^ -((n & 1) as i64)
}

/// Reads one file made by `data/boundaries/compact.py` (its header says the format).
fn decode(bytes: &[u8]) -> Result<Vec<Outline>, String> {
    if !bytes.starts_with(b"SGB1") {
        return Err("not an SGB1 outline file".into());
    }
    let mut at = 4;
    let quantum = varint(bytes, &mut at)? as f64 * 1e-5;
    let count = varint(bytes, &mut at)? as usize;
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let len = varint(bytes, &mut at)? as usize;
        let code = bytes.get(at..at + len).ok_or("outline code cut short")?;
        let code = String::from_utf8(code.to_vec()).map_err(|_| "outline code is not UTF-8")?;
        at += len;
        let rings = varint(bytes, &mut at)? as usize;
        let (mut x, mut y) = (0i64, 0i64);
        let mut outline = Outline { code, rings: Vec::with_capacity(rings) };
        for _ in 0..rings {
            let n = varint(bytes, &mut at)? as usize;
            let mut ring = Vec::with_capacity(n);
            for _ in 0..n {
                x += unzigzag(varint(bytes, &mut at)?);
                y += unzigzag(varint(bytes, &mut at)?);
                ring.push((x as f64 * quantum, y as f64 * quantum));
            }
            outline.rings.push(ring);
        }
        out.push(outline);
    }
    Ok(out)
}

/// A point inside each outline of a file (longitude, latitude), by code: the middle of the
/// widest stretch across its largest ring (see `label_point`).
pub fn inside_points(bytes: &[u8]) -> HashMap<String, LonLat> {
    let area = |r: &Vec<LonLat>| bbox_of(r.iter()).map_or(0.0, |b| (b[2] - b[0]) * (b[3] - b[1]));
    decode(bytes)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|o| {
            let ring = o.rings.iter().max_by(|a, b| area(a).total_cmp(&area(b)))?;
            let at = label_point(ring);
            Some((o.code, at))
        })
        .collect()
}

/// The region a code's outline is drawn inside: `35.76` → `35`, `35` → `ID`.
fn parent_of(code: &str) -> &str {
    code.rfind('.').map_or(super::identity::NATIONAL, |i| &code[..i])
}

/// Equirectangular projection of an extent into the picture, longitudes shortened by the
/// cosine of the middle latitude (Indonesia straddles the equator, so this is close to true).
#[derive(Debug, Clone, Copy)]
pub struct Projection {
    west: f64,
    north: f64,
    kx: f64,
    scale: f64,
    off_x: f64,
    off_y: f64,
    pub height: f64,
}

impl Projection {
    /// Fits `[west, south, east, north]` into the width, at least `min_deg` wide and high (a
    /// single point still gets a picture).
    pub fn fit(bbox: [f64; 4], min_deg: f64) -> Projection {
        let [mut w, mut s, mut e, mut n] = bbox;
        if e - w < min_deg {
            let c = (w + e) / 2.0;
            (w, e) = (c - min_deg / 2.0, c + min_deg / 2.0);
        }
        if n - s < min_deg {
            let c = (s + n) / 2.0;
            (s, n) = (c - min_deg / 2.0, c + min_deg / 2.0);
        }
        let kx = ((s + n) / 2.0).to_radians().cos();
        let (span_x, span_y) = ((e - w) * kx, n - s);
        let inner = WIDTH - 2.0 * PAD;
        // The picture is as wide as the page; a tall region is at most 1.3 times as high.
        let scale = (inner / span_x).min(inner * 1.3 / span_y);
        let height = span_y * scale + 2.0 * PAD;
        let off_x = PAD + (inner - span_x * scale) / 2.0;
        Projection { west: w, north: n, kx, scale, off_x, off_y: PAD, height }
    }

    pub fn xy(&self, (lon, lat): LonLat) -> (f64, f64) {
        (self.off_x + (lon - self.west) * self.kx * self.scale, self.off_y + (self.north - lat) * self.scale)
    }
}

fn bbox_of<'a>(points: impl Iterator<Item = &'a LonLat>) -> Option<[f64; 4]> {
    let mut b: Option<[f64; 4]> = None;
    for &(x, y) in points {
        let v = b.get_or_insert([x, y, x, y]);
        v[0] = v[0].min(x);
        v[1] = v[1].min(y);
        v[2] = v[2].max(x);
        v[3] = v[3].max(y);
    }
    b
}

/// An outline in a frame's projection: SVG path data, where its name goes and how wide it is.
pub struct Shape {
    pub code: String,
    d: String,
    label: (f64, f64),
    width: f64,
}

/// Path data in whole units, relative moves, repeated points dropped: a province's regencies
/// come to about a tenth of the bytes of absolute decimals.
fn path_of(p: &Projection, rings: &[Vec<LonLat>]) -> String {
    let mut d = String::new();
    for ring in rings {
        let mut prev: Option<(i64, i64)> = None;
        let mut moves = 0;
        let start = d.len();
        for &pt in ring {
            let (x, y) = p.xy(pt);
            let q = (x.round() as i64, y.round() as i64);
            match prev {
                None => {
                    let _ = write!(d, "M{} {}l", q.0, q.1);
                }
                Some(o) if o == q => continue,
                Some(o) => {
                    let (dx, dy) = (q.0 - o.0, q.1 - o.1);
                    // "l" takes a list of pairs: a minus sign separates numbers by itself.
                    if moves > 0 && dx >= 0 {
                        d.push(' ');
                    }
                    let _ = write!(d, "{dx}");
                    if dy >= 0 {
                        d.push(' ');
                    }
                    let _ = write!(d, "{dy}");
                    moves += 1;
                }
            }
            prev = Some(q);
        }
        if moves < 2 {
            // Smaller than a unit: a dot of a ring would be invisible and untappable anyway.
            d.truncate(start);
        } else {
            d.push('z');
        }
    }
    d
}

/// Where a name sits inside a ring: the middle of the widest stretch of the horizontal line
/// through the ring's centre of mass that lies inside it (a crescent's centre may be outside).
fn label_point(ring: &[(f64, f64)]) -> (f64, f64) {
    let n = ring.len();
    let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for i in 0..n {
        let (x0, y0) = ring[i];
        let (x1, y1) = ring[(i + 1) % n];
        let cross = x0 * y1 - x1 * y0;
        a += cross;
        cx += (x0 + x1) * cross;
        cy += (y0 + y1) * cross;
    }
    let (mx, my) = if a.abs() > 1e-9 {
        (cx / (3.0 * a), cy / (3.0 * a))
    } else {
        let b = bbox_of(ring.iter()).unwrap_or([0.0; 4]);
        ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0)
    };
    let mut xs: Vec<f64> = Vec::new();
    for i in 0..n {
        let (x0, y0) = ring[i];
        let (x1, y1) = ring[(i + 1) % n];
        if (y0 <= my) != (y1 <= my) {
            xs.push(x0 + (my - y0) / (y1 - y0) * (x1 - x0));
        }
    }
    xs.sort_by(|a, b| a.total_cmp(b));
    xs.chunks_exact(2)
        .max_by(|a, b| (a[1] - a[0]).total_cmp(&(b[1] - b[0])))
        .map_or((mx, my), |seg| ((seg[0] + seg[1]) / 2.0, my))
}

fn shape(p: &Projection, o: &Outline) -> Shape {
    let projected: Vec<Vec<(f64, f64)>> = o.rings.iter().map(|r| r.iter().map(|&pt| p.xy(pt)).collect()).collect();
    let boxes: Vec<[f64; 4]> = projected.iter().map(|r| bbox_of(r.iter()).unwrap_or([0.0; 4])).collect();
    let area = |b: &[f64; 4]| (b[2] - b[0]) * (b[3] - b[1]);
    let largest = (0..boxes.len()).max_by(|&a, &b| area(&boxes[a]).total_cmp(&area(&boxes[b])));
    let (label, width) = match largest {
        Some(i) => (label_point(&projected[i]), boxes[i][2] - boxes[i][0]),
        None => ((0.0, 0.0), 0.0),
    };
    Shape { code: o.code.clone(), d: path_of(p, &o.rings), label, width }
}

/// A region's picture: its projection, its children's shapes (code order) and, when none of
/// its children has an outline, its own outline as the background for the point layout.
pub struct Frame {
    pub projection: Projection,
    pub children: Vec<Shape>,
    own: Option<String>,
}

/// Every region's frame, built once from the embedded outline files.
pub struct Atlas {
    files: Vec<&'static [u8]>,
    frames: OnceLock<HashMap<String, Frame>>,
}

impl Atlas {
    pub fn new(files: Vec<&'static [u8]>) -> Atlas {
        Atlas { files, frames: OnceLock::new() }
    }

    /// Builds every frame now (start-up calls this on a background thread; a request that
    /// comes first waits for it).
    pub fn warm(&self) {
        let started = std::time::Instant::now();
        let n = self.frames().len();
        tracing::debug!("map frames of {n} regions built in {:?}", started.elapsed());
    }

    fn frames(&self) -> &HashMap<String, Frame> {
        self.frames.get_or_init(|| {
            let mut outlines: Vec<Outline> = Vec::new();
            for f in &self.files {
                match decode(f) {
                    Ok(o) => outlines.extend(o),
                    // The files are embedded and decoded by a unit test: only a broken build
                    // gets here, and the maps then keep the point layout.
                    Err(e) => tracing::error!("embedded outlines unreadable: {e}"),
                }
            }
            build_frames(&outlines)
        })
    }

    /// The frame of a region (`ID` for the nation), if it or its children have an outline.
    pub fn frame(&self, code: &str) -> Option<&Frame> {
        self.frames().get(code)
    }
}

fn build_frames(outlines: &[Outline]) -> HashMap<String, Frame> {
    let mut by_parent: HashMap<&str, Vec<&Outline>> = HashMap::new();
    for o in outlines {
        by_parent.entry(parent_of(&o.code)).or_default().push(o);
    }
    let mut frames = HashMap::new();
    for (parent, children) in &by_parent {
        let Some(b) = bbox_of(children.iter().flat_map(|o| o.rings.iter().flatten())) else { continue };
        let p = Projection::fit(b, 0.005);
        let children = children.iter().map(|o| shape(&p, o)).collect();
        frames.insert(parent.to_string(), Frame { projection: p, children, own: None });
    }
    for o in outlines {
        if frames.contains_key(&o.code) {
            continue;
        }
        let Some(b) = bbox_of(o.rings.iter().flatten()) else { continue };
        let p = Projection::fit(b, 0.005);
        frames.insert(o.code.clone(), Frame { projection: p, children: Vec::new(), own: Some(path_of(&p, &o.rings)) });
    }
    frames
}

/// Counts one TPS (or case) into its area, the first `width` characters of its code: the
/// modules' per-area figures that colour a map are tallied this way.
pub fn count_in_area<const N: usize>(out: &mut std::collections::BTreeMap<String, [i64; N]>, code: &str, width: usize, slot: usize) {
    let area = &code[..width.min(code.len())];
    if let Some(v) = out.get_mut(area) {
        v[slot] += 1;
    } else {
        let mut v = [0; N];
        v[slot] = 1;
        out.insert(area.to_string(), v);
    }
}

/// One area of the map: a child region.
pub struct Area {
    pub code: String,
    pub name: String,
    /// Where tapping it goes (its own map).
    pub href: String,
    /// `k0` (all is well) … `k4` (needs attention); `None`: nothing to show.
    pub class: Option<usize>,
    /// What the colour stands for, in words ("12 % TPS rawan").
    pub note: String,
    /// Mean position of its TPS, for an area without an outline.
    pub at: Option<LonLat>,
}

/// A point: a TPS.
pub struct Point {
    pub at: LonLat,
    pub class: Option<usize>,
    pub title: String,
}

pub struct Legend {
    pub title: String,
    /// Label per class, `k0` first.
    pub classes: Vec<String>,
    /// What an uncoloured area means.
    pub none: String,
}

pub struct MapView {
    /// The region drawn (`ID` for the nation).
    pub region: String,
    /// The picture's accessible name.
    pub label: String,
    pub areas: Vec<Area>,
    pub points: Vec<Point>,
    pub legend: Legend,
    /// The licence and attribution line of the outlines, drawn on the map.
    pub credit: &'static str,
    /// Said instead of a picture when there is nothing to draw.
    pub empty: String,
}

fn class_attr(c: Option<usize>) -> String {
    match c {
        Some(k) => format!("k{}", k.min(4)),
        None => "kn".to_string(),
    }
}

/// Where a map's parts go, in its frame's units: shared by the page's SVG and the report's PDF.
struct Layout<'a> {
    frame: Option<&'a Frame>,
    shapes: HashMap<&'a str, &'a Shape>,
    p: Projection,
    /// The picture's extent: the frame, widened to hold every dot.
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
    /// How much the dots and loose names grow with a widened picture.
    k: f64,
}

fn layout<'a>(atlas: &'a Atlas, view: &MapView) -> Option<Layout<'a>> {
    let frame = atlas.frame(&view.region);
    let shapes: HashMap<&str, &Shape> = frame.map(|f| f.children.iter().map(|s| (s.code.as_str(), s)).collect()).unwrap_or_default();
    // Areas and points without an outline are placed by the frame's projection, or, where the
    // region has no outline, by one fitted to them.
    let loose: Vec<LonLat> = view.areas.iter().filter(|a| !shapes.contains_key(a.code.as_str())).filter_map(|a| a.at).chain(view.points.iter().map(|p| p.at)).collect();
    let p = match frame {
        Some(f) => f.projection,
        None => Projection::fit(bbox_of(loose.iter())?, 0.01),
    };
    // The picture is the frame, widened to hold any dot the frame's outline does not (TPS
    // whose recorded coordinates lie outside their village are shown where they are said to
    // be); `k` scales the dots and names with it.
    let (mut x0, mut y0, mut x1, mut y1) = (0.0_f64, 0.0_f64, WIDTH, p.height);
    for &at in &loose {
        let (x, y) = p.xy(at);
        (x0, y0, x1, y1) = (x0.min(x - 2.0 * PAD), y0.min(y - 2.0 * PAD), x1.max(x + 2.0 * PAD), y1.max(y + 2.0 * PAD));
    }
    let k = ((x1 - x0) / WIDTH).max((y1 - y0) / (WIDTH * 1.3)).max(1.0);
    Some(Layout { frame, shapes, p, x0, y0, x1, y1, k })
}

/// The name drawn inside an outline and its size, if it fits inside the area's widest ring
/// ("Kabupaten" shortened as maps do); the title, the list or the report's key name it in full
/// otherwise.
fn name_inside(s: &Shape, name: &str) -> Option<(String, f64)> {
    let short = name.strip_prefix("Kabupaten ").map_or_else(|| name.to_string(), |n| format!("Kab. {n}"));
    let size = FONT.min(s.width * 1.1 / (short.chars().count() as f64 * 0.55));
    (size >= MIN_FONT).then_some((short, size))
}

/// The map: the picture, its legend and the list of its areas (the same links, for a screen
/// reader and for fingers on a small phone).
pub fn draw(atlas: &Atlas, view: &MapView) -> Markup {
    let Some(Layout { frame, shapes, p, x0, y0, x1, y1, k }) = layout(atlas, view) else {
        return html! { p.muted #peta-kosong { (view.empty) } };
    };
    let (w, height) = (x1 - x0, y1 - y0 + CREDIT_BAND * k);
    let mut svg = String::with_capacity(64 * 1024);
    let _ = write!(
        svg,
        "<svg id=\"peta\" class=\"peta\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"{x0:.0} {y0:.0} {w:.0} {height:.0}\" role=\"img\" aria-label=\"{}\" data-region=\"{}\">",
        html! { (view.label) }.into_string(),
        html! { (view.region.as_str()) }.into_string(),
    );
    if let Some(own) = frame.and_then(|f| f.own.as_deref()) {
        let _ = write!(svg, "<path class=\"bingkai\" d=\"{own}\"/>");
    }
    let mut labels = String::new();
    for a in &view.areas {
        let title = html! { (a.name) @if !a.note.is_empty() { " — " (a.note) } }.into_string();
        let href = html! { (a.href) }.into_string();
        let class = class_attr(a.class);
        if let Some(s) = shapes.get(a.code.as_str()) {
            let _ = write!(svg, "<a href=\"{href}\" data-code=\"{}\"><title>{title}</title><path class=\"{class}\" d=\"{}\"/></a>", s.code, s.d);
            if let Some((short, size)) = name_inside(s, &a.name) {
                let _ = write!(
                    labels,
                    "<text x=\"{:.0}\" y=\"{:.0}\" font-size=\"{size:.0}\">{}</text>",
                    s.label.0,
                    s.label.1 + size * 0.35,
                    html! { (short) }.into_string()
                );
            }
        } else if let Some(at) = a.at {
            let (x, y) = p.xy(at);
            let _ = write!(svg, "<a href=\"{href}\" data-code=\"{}\"><title>{title}</title><circle class=\"{class}\" cx=\"{x:.0}\" cy=\"{y:.0}\" r=\"{:.0}\"/></a>", html! { (a.code) }.into_string(), 14.0 * k);
            let _ = write!(labels, "<text x=\"{x:.0}\" y=\"{:.0}\" font-size=\"{:.0}\">{}</text>", y - 20.0 * k, FONT * 0.75 * k, html! { (a.name) }.into_string());
        }
    }
    for pt in &view.points {
        let (x, y) = p.xy(pt.at);
        let _ = write!(svg, "<circle class=\"tps {}\" cx=\"{x:.0}\" cy=\"{y:.0}\" r=\"{:.0}\"><title>{}</title></circle>", class_attr(pt.class), 14.0 * k, html! { (pt.title) }.into_string());
    }
    let _ = write!(svg, "<g class=\"nama\">{labels}</g>");
    let _ = write!(
        svg,
        "<text class=\"kredit\" x=\"{:.0}\" y=\"{:.0}\" font-size=\"{:.0}\">{}</text></svg>",
        x1 - PAD * k,
        y0 + height - 10.0 * k,
        (18.0 * k).min(w / (view.credit.chars().count() as f64 * 0.55)),
        html! { (view.credit) }.into_string()
    );
    html! {
        figure.peta-wrap {
            (PreEscaped(svg))
            figcaption {
                b { (view.legend.title) }
                ul.legenda {
                    @for (k, label) in view.legend.classes.iter().enumerate() { @if !label.is_empty() { li { span class={ "kotak k" (k) } {} (label) } } }
                    li { span.kotak.kn {} (view.legend.none) }
                }
            }
        }
        ol.peta-daftar {
            @for a in &view.areas {
                li data-code=(a.code) { span class={ "kotak " (class_attr(a.class)) } {} a href=(a.href) { (a.name) } @if !a.note.is_empty() { " " span.muted { (a.note) } } }
            }
        }
    }
}

/// The rings of path data made by `path_of`, back in absolute whole units: the PDF replays the
/// very outlines the page draws.
fn rings_of(d: &str) -> Vec<Vec<(i64, i64)>> {
    let mut rings: Vec<Vec<(i64, i64)>> = Vec::new();
    let mut numbers: Vec<i64> = Vec::new();
    let mut current: Option<(i64, i64)> = None;
    let mut b = d.as_bytes();
    // Takes the numbers read so far as the pairs of the ring being drawn: the first pair after
    // "M" is absolute, every pair after "l" a step from the previous point.
    let flush = |numbers: &mut Vec<i64>, rings: &mut Vec<Vec<(i64, i64)>>, current: &mut Option<(i64, i64)>| {
        for pair in numbers.chunks_exact(2) {
            match (current.as_mut(), rings.last_mut()) {
                (Some(at), Some(ring)) => {
                    *at = (at.0 + pair[0], at.1 + pair[1]);
                    ring.push(*at);
                }
                _ => {
                    *current = Some((pair[0], pair[1]));
                    rings.push(vec![(pair[0], pair[1])]);
                }
            }
        }
        numbers.clear();
    };
    while let Some((&c, rest)) = b.split_first() {
        match c {
            b'M' => {
                flush(&mut numbers, &mut rings, &mut current);
                current = None;
                b = rest;
            }
            b'l' => {
                flush(&mut numbers, &mut rings, &mut current);
                b = rest;
            }
            b'z' => {
                flush(&mut numbers, &mut rings, &mut current);
                current = None;
                b = rest;
            }
            b'-' | b'0'..=b'9' => {
                let len = 1 + rest.iter().take_while(|c| c.is_ascii_digit()).count();
                let n = std::str::from_utf8(&b[..len]).ok().and_then(|t| t.parse().ok()).unwrap_or(0);
                numbers.push(n);
                b = &b[len..];
            }
            _ => b = rest,
        }
    }
    flush(&mut numbers, &mut rings, &mut current);
    rings
}

/// The fills of `k0`…`k4` and of an uncoloured area, as the stylesheet has them
/// (`assets/app.css`, `.k0`…`.kn`; a unit test keeps the two the same).
const CLASS_FILLS: [u32; 6] = [0x2c7bb6, 0xabd9e9, 0xffffbf, 0xfdae61, 0xd7191c, 0xe4e7eb];

fn class_fill(c: Option<usize>) -> Rgb {
    Rgb::hex(CLASS_FILLS[c.map_or(5, |k| k.min(4))])
}

/// The same map on a PDF page (the daily report): every area filled in its class's colour
/// and outlined in white, its name where it fits and a number keyed below where it does not,
/// a dot where it has no outline, TPS as points, then the legend and the outlines' credit
/// line. In the box `width` points wide and at most `height` high whose top-left corner is
/// (x, top); answers the height it took. The outlines are the frame's own (`Shape`), drawn in
/// the frame's units and scaled by the page.
pub fn draw_pdf(atlas: &Atlas, view: &MapView, page: &mut Page, x: f32, top: f32, width: f32, height: f32) -> f32 {
    let Some(Layout { frame, shapes, p, x0, y0, x1, y1, k }) = layout(atlas, view) else {
        page.text(x, top - 9.0, 9.0, false, &view.empty);
        return 14.0;
    };
    const SMALL: f32 = 7.0;
    let line = SMALL + 3.0;
    // What goes under the picture decides how much height the picture may take: the legend
    // title, the legend's swatches in as many lines as they need, the key of the numbered
    // areas, the credit line.
    let mut swatches: Vec<(Option<usize>, &str)> = view.legend.classes.iter().enumerate().filter(|(_, l)| !l.is_empty()).map(|(k, l)| (Some(k), l.as_str())).collect();
    swatches.push((None, view.legend.none.as_str()));
    let mut rows: Vec<Vec<(f32, Option<usize>, &str)>> = vec![vec![]];
    let mut at = 0.0;
    for (class, label) in swatches {
        let w = 12.0 + crate::platform::pdf::text_width(SMALL, false, label) + 10.0;
        if at + w > width && at > 0.0 {
            rows.push(vec![]);
            at = 0.0;
        }
        if let Some(row) = rows.last_mut() {
            row.push((at, class, label));
        }
        at += w;
    }
    let mut numbered: Vec<String> = Vec::new();
    for a in &view.areas {
        if shapes.get(a.code.as_str()).is_some_and(|s| name_inside(s, &a.name).is_none()) {
            numbered.push(format!("{} {}", numbered.len() + 1, a.name));
        }
    }
    // About as many characters as fit the width at this size.
    let key = if numbered.is_empty() { Vec::new() } else { crate::platform::pdf::wrap(&numbered.join(" · "), (width / (SMALL * 0.5)) as usize) };
    let below = 6.0 + (SMALL + 5.0) + rows.len() as f32 * line + key.len() as f32 * line + line;
    let (w_units, h_units) = ((x1 - x0) as f32, (y1 - y0) as f32);
    let s = (width / w_units).min(((height - below) / h_units).max(0.0));
    let pic_h = h_units * s;
    let left = x + (width - w_units * s) / 2.0;
    let to_page = |(u, v): (f64, f64)| (left + (u as f32 - x0 as f32) * s, top - (v as f32 - y0 as f32) * s);

    page.save();
    page.place(left - x0 as f32 * s, top + y0 as f32 * s, s);
    // Outlines half a point wide whatever the scale.
    page.line_width(0.5 / s);
    // A step shorter than a point (a third of a millimetre) adds nothing to an overview on
    // paper: such points are left out (the outlines are made for a 1,500 px projector; the
    // page is 500 points across).
    let min_step = (1.0 / s).powi(2);
    let ring = |page: &mut Page, d: &str| {
        for r in rings_of(d) {
            let Some(&(u0, v0)) = r.first() else { continue };
            page.move_to(u0 as f32, v0 as f32);
            let mut last = (u0 as f32, v0 as f32);
            for (i, &(u, v)) in r.iter().enumerate().skip(1) {
                let (u, v) = (u as f32, v as f32);
                if (u - last.0).powi(2) + (v - last.1).powi(2) < min_step && i + 1 < r.len() {
                    continue;
                }
                page.line_to(u, v);
                last = (u, v);
            }
            page.close();
        }
    };
    if let Some(own) = frame.and_then(|f| f.own.as_deref()) {
        page.fill_colour(Rgb(255, 255, 255));
        page.stroke_colour(Rgb::hex(0x8a96a3));
        ring(page, own);
        page.paint(true, true);
    }
    page.stroke_colour(Rgb(255, 255, 255));
    for a in &view.areas {
        if let Some(sh) = shapes.get(a.code.as_str()) {
            page.fill_colour(class_fill(a.class));
            ring(page, &sh.d);
            page.paint(true, true);
        }
    }
    // Dots (areas without an outline, TPS) are outlined dark, as on the page.
    page.stroke_colour(Rgb::hex(0x1b2430));
    let dots = view.areas.iter().filter(|a| !shapes.contains_key(a.code.as_str())).filter_map(|a| a.at.map(|at| (at, a.class)));
    for (at, class) in dots.chain(view.points.iter().map(|pt| (pt.at, pt.class))) {
        let (u, v) = p.xy(at);
        page.fill_colour(class_fill(class));
        page.circle(u as f32, v as f32, (14.0 * k) as f32);
        page.paint(true, true);
    }
    page.restore();

    // Names over the fills, centred where the page puts them.
    let mut number = 0;
    for a in &view.areas {
        if let Some(sh) = shapes.get(a.code.as_str()) {
            let (name, size) = match name_inside(sh, &a.name) {
                Some((short, size)) => (short, size as f32 * s),
                None => {
                    number += 1;
                    (number.to_string(), (MIN_FONT as f32 * s).max(5.0))
                }
            };
            let (px, py) = to_page(sh.label);
            page.text_haloed(px - crate::platform::pdf::text_width(size, false, &name) / 2.0, py - size * 0.35, size, false, &name);
        } else if let Some(at) = a.at {
            let (u, v) = p.xy(at);
            let size = (FONT * 0.75 * k) as f32 * s;
            let (px, py) = to_page((u, v - 20.0 * k));
            page.text_haloed(px - crate::platform::pdf::text_width(size, false, &a.name) / 2.0, py, size, false, &a.name);
        }
    }

    let mut y = top - pic_h - 6.0 - SMALL - 2.0;
    page.text(x, y, SMALL + 1.0, true, &view.legend.title);
    y -= SMALL + 5.0;
    for row in &rows {
        for &(dx, class, label) in row {
            page.save();
            page.fill_colour(class_fill(class));
            page.stroke_colour(Rgb::hex(0x8a96a3));
            page.line_width(0.3);
            let (bx, by) = (x + dx, y - 1.0);
            page.move_to(bx, by);
            for (cx, cy) in [(bx + 9.0, by), (bx + 9.0, by + SMALL), (bx, by + SMALL)] {
                page.line_to(cx, cy);
            }
            page.close();
            page.paint(true, true);
            page.restore();
            page.text(x + dx + 12.0, y, SMALL, false, label);
        }
        y -= line;
    }
    for l in &key {
        page.text(x, y, SMALL, false, l);
        y -= line;
    }
    // The licence's credit line, flush right under the picture.
    page.save();
    page.fill_colour(Rgb::hex(0x5b6775));
    page.text(x + width - crate::platform::pdf::text_width(SMALL, false, view.credit), y, SMALL, false, view.credit);
    page.restore();
    top - y + 3.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(code: &str, rings: &[&[(i64, i64)]]) -> Vec<u8> {
        fn v(out: &mut Vec<u8>, mut n: u64) {
            loop {
                let b = (n & 0x7f) as u8;
                n >>= 7;
                if n == 0 {
                    out.push(b);
                    return;
                }
                out.push(b | 0x80);
            }
        }
        let z = |n: i64| ((n << 1) ^ (n >> 63)) as u64;
        let mut out = b"SGB1".to_vec();
        v(&mut out, 1);
        v(&mut out, 1);
        v(&mut out, code.len() as u64);
        out.extend_from_slice(code.as_bytes());
        v(&mut out, rings.len() as u64);
        let (mut px, mut py) = (0, 0);
        for r in rings {
            v(&mut out, r.len() as u64);
            for &(x, y) in *r {
                v(&mut out, z(x - px));
                v(&mut out, z(y - py));
                (px, py) = (x, y);
            }
        }
        out
    }

    #[test]
    fn outlines_decode_and_frame_their_parent() {
        // A 0.1° square south of the equator, in 1e-5° quanta.
        let bytes = file("35.76", &[&[(11_240_000, -750_000), (11_250_000, -750_000), (11_250_000, -740_000), (11_240_000, -740_000)]]);
        let o = decode(&bytes).expect("decodes");
        assert_eq!(o[0].code, "35.76");
        assert!((o[0].rings[0][1].0 - 112.5).abs() < 1e-9 && (o[0].rings[0][1].1 + 7.5).abs() < 1e-9);
        let frames = build_frames(&o);
        let parent = frames.get("35").expect("the province frames its regency");
        assert_eq!(parent.children.len(), 1);
        assert!(parent.children[0].d.starts_with('M') && parent.children[0].d.ends_with('z'));
        // The name sits inside the square.
        let (x, y) = parent.children[0].label;
        assert!(x > PAD && x < WIDTH - PAD && y > PAD && y < parent.projection.height, "{x} {y}");
        assert!(frames.get("35.76").is_some_and(|f| f.own.is_some()), "the regency frames itself");
        assert!(decode(b"nope").is_err() && decode(&bytes[..bytes.len() - 1]).is_err());
    }

    #[test]
    fn the_pdf_replays_the_pages_outlines() {
        let p = Projection::fit([0.0, 0.0, 1.0, 1.0], 0.005);
        let rings = vec![vec![(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)], vec![(0.25, 0.25), (0.5, 0.25), (0.5, 0.5)]];
        let d = path_of(&p, &rings);
        let back = rings_of(&d);
        assert_eq!(back.len(), 2, "{d}");
        for (ring, got) in rings.iter().zip(&back) {
            let want: Vec<(i64, i64)> = ring.iter().map(|&pt| p.xy(pt)).map(|(x, y)| (x.round() as i64, y.round() as i64)).collect();
            assert_eq!(&want, got, "{d}");
        }
    }

    #[test]
    fn map_colours_are_the_stylesheets() {
        let css = include_str!("../../assets/app.css");
        for (i, class) in ["k0", "k1", "k2", "k3", "k4", "kn"].iter().enumerate() {
            assert!(css.contains(&format!(".{class}{{fill:#{:06x}", CLASS_FILLS[i])), "{class}");
        }
    }

    #[test]
    fn the_report_map_names_fills_and_credits() {
        // Two areas with outlines in one province (a wide one and a sliver whose name cannot fit)
        // and one without, placed by its TPS.
        let mut bytes = file("35.01", &[&[(11_200_000, -750_000), (11_240_000, -750_000), (11_240_000, -710_000), (11_200_000, -710_000)]]);
        let sliver = file("35.02", &[&[(11_240_000, -750_000), (11_240_300, -750_000), (11_240_300, -710_000), (11_240_000, -710_000)]]);
        // One file of two outlines: the count is the header's second varint.
        bytes[5] = 2;
        bytes.extend_from_slice(&sliver[6..]);
        let atlas = Atlas::new(vec![Box::leak(bytes.into_boxed_slice())]);
        let area = |code: &str, name: &str, class, at| Area { code: code.into(), name: name.into(), href: String::new(), class, note: String::new(), at };
        let view = MapView {
            region: "35".into(),
            label: "Kesiapan logistik · Jawa Timur".into(),
            areas: vec![area("35.01", "Pacitan", Some(0), None), area("35.02", "Kota Sempit", Some(4), None), area("35.03", "Ponorogo", None, Some((112.3, -7.3)))],
            points: vec![],
            legend: Legend { title: "TPS yang logistiknya siap".into(), classes: vec!["semua siap".into(), String::new(), "50–90%".into(), String::new(), "belum ada".into()], none: "tidak ada TPS".into() },
            credit: "Batas wilayah: uji (MIT)",
            empty: "kosong".into(),
        };
        let mut page = Page::new();
        let used = draw_pdf(&atlas, &view, &mut page, 50.0, 700.0, 495.0, 600.0);
        assert!(used > 100.0 && used <= 600.0, "{used}");
        let pdf = page.finish("uji");
        let text = String::from_utf8_lossy(&pdf);
        for want in ["(Pacitan) Tj", "(1) Tj", "(1 Kota Sempit) Tj", "(Ponorogo) Tj", "(Batas wilayah: uji \\(MIT\\)) Tj", "(semua siap) Tj", "(tidak ada TPS) Tj", "(TPS yang logistiknya siap) Tj"] {
            assert!(text.contains(want), "{want} in the PDF");
        }
        assert!(text.contains("0.173 0.482 0.714 rg") && text.contains("0.843 0.098 0.11 rg"), "k0 and k4 fills");
        assert!(text.contains("B*") && text.contains(" c\n"), "outlines filled and a dot for the area without one");
        assert!(text.contains("(50\\22690%) Tj"), "the legend's dash in WinAnsi");
    }

    #[test]
    fn names_sit_inside_a_crescent() {
        // A "C": its centre of mass lies in the hollow, the name must not.
        let c = [(0.0, 0.0), (10.0, 0.0), (10.0, 2.0), (2.0, 2.0), (2.0, 8.0), (10.0, 8.0), (10.0, 10.0), (0.0, 10.0)];
        let (x, _) = label_point(&c);
        assert!(x < 2.0, "{x}");
    }
}

//! PDF → text: the text layer of every page in content-stream order, then annotations, form
//! field values (on their widget's page), the Info dictionary and XMP metadata.
//!
//! [`lopdf`] parses the file (cross-reference repair, object streams, decryption with the empty
//! user password); the content streams and fonts are interpreted here, because what matters
//! for a confidentiality review is knowing when text *cannot* be read:
//!
//! - A font whose codes are glyph ids (`Identity-H`/`Identity-V`, or an embedded CMap) and that
//!   has no usable `/ToUnicode` gives plausible but wrong characters if decoded anyway: such a
//!   page is marked unreadable (by the font, not by guessing from the output), and the font's
//!   glyphs are left out of the text. Unless the font embeds a TrueType program whose own
//!   Unicode `cmap` says what each glyph shown is ([`glyphs`]): then the glyphs are read
//!   through it, and a glyph it does not reach keeps the page unreadable.
//! - A page with images and no text operators is a scan: unreadable.
//! - A page where more than a tenth of the characters are U+FFFD or private-use: unreadable.
//! - An encrypted PDF that does not open with the empty user password: unreadable.
//!
//! Lines: a new line when the text moves off the current baseline; on a line, a tab between
//! runs more than 1.5 em apart (table columns stay columns: the engine's table model reads
//! tab-separated cells) and a space between runs more than 0.2 em apart.
//!
//! Hostile input is refused with [`InputError::Limit`] before it costs more than the `MAX_*`
//! bounds below; a panic inside the parser becomes [`InputError::Corrupt`].

mod cmap;
mod glyphs;
mod lexer;

use std::collections::HashMap;
use std::rc::Rc;

use lopdf::{Dictionary, Object, ObjectId};

use self::cmap::{Codes, ToUnicode};
use self::glyphs::{CodeToGid, Glyphs};
use self::lexer::{Lexer, Tok};
use super::{At, Builder, Document, Format, InputError, Location};

/// Most objects a file may hold.
pub const MAX_OBJECTS: usize = 1_000_000;
/// Most bytes one stream may decompress to.
pub const MAX_STREAM_BYTES: usize = 64 * 1024 * 1024;
/// Most bytes all the streams read for text may decompress to, together.
pub const MAX_TOTAL_BYTES: usize = 256 * 1024 * 1024;
/// Most a stream over [`RATIO_FLOOR`] bytes may grow when decompressed: real content streams
/// compress 3–20 times; a bomb of zeros, a thousand.
pub const MAX_RATIO: usize = 500;
const RATIO_FLOOR: usize = 32 * 1024 * 1024;
/// Most pages.
pub const MAX_PAGES: usize = 10_000;
/// Most page-tree nodes visited (a shared subtree is visited once per reference).
pub const MAX_TREE_NODES: usize = 100_000;
/// Deepest page tree, form-field tree, or Form XObject nesting.
pub const MAX_DEPTH: usize = 32;
/// Most content-stream operators in the whole document.
pub const MAX_OPERATORS: usize = 10_000_000;
/// Most embedded font programs inverted (glyph → character) per document; fonts past it stay
/// unreadable.
pub const MAX_GLYPH_FONTS: usize = 64;
/// Most bytes all the embedded font programs read may decompress to, together.
pub const MAX_PROGRAM_BYTES: usize = 128 * 1024 * 1024;
/// Share of U+FFFD and private-use characters above which a page is unreadable (one in ten).
const BAD_SHARE_DIVISOR: usize = 10;

fn limit(detail: impl Into<String>) -> InputError {
    InputError::Limit {
        detail: detail.into(),
    }
}

fn corrupt(detail: impl Into<String>) -> InputError {
    InputError::Corrupt {
        format: "PDF",
        detail: detail.into(),
    }
}

/// Extracts the text layer of a PDF.
pub fn extract(bytes: &[u8]) -> Result<Document<'static>, InputError> {
    // The parser is a dependency: a panic on a malformed file must not take the process down.
    match std::panic::catch_unwind(|| extract_inner(bytes)) {
        Ok(result) => result,
        Err(_) => Err(corrupt("the PDF parser failed on malformed input")),
    }
}

fn extract_inner(bytes: &[u8]) -> Result<Document<'static>, InputError> {
    let options = lopdf::LoadOptions {
        max_decompressed_size: Some(MAX_STREAM_BYTES),
        ..Default::default()
    };
    let doc = match lopdf::Document::load_mem_with_options(bytes, options) {
        Ok(doc) => doc,
        Err(e) => return Err(load_error(&e)),
    };
    if doc.objects.len() > MAX_OBJECTS {
        return Err(limit(format!(
            "{} objects, over the limit of {MAX_OBJECTS}",
            doc.objects.len()
        )));
    }
    if doc.trailer.get(b"Encrypt").is_ok() && doc.encryption_state.is_none() {
        return Ok(Document::unreadable(
            Format::Pdf,
            "加密的 PDF，无法读取".into(),
        ));
    }
    let mut x = Extractor {
        doc: &doc,
        b: Builder::default(),
        fonts: HashMap::new(),
        glyph_fonts: 0,
        program_bytes: 0,
        total_bytes: 0,
        operators: 0,
    };
    x.run()?;
    Ok(x.b.finish(Format::Pdf, "UTF-8"))
}

/// A load failure: an object or cross-reference stream over the size bound is a limit;
/// anything else is a broken file. (An encrypted file whose password is not empty loads, and is
/// held unread by [`extract_inner`].)
fn load_error(e: &lopdf::Error) -> InputError {
    if let lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. }) = e {
        return limit(format!(
            "a stream decompresses to more than {} MiB",
            MAX_STREAM_BYTES / (1024 * 1024)
        ));
    }
    corrupt(format!("cannot parse the file: {}", kind_of(e)))
}

/// The kind of a parser error, without anything from the document.
fn kind_of(e: &lopdf::Error) -> String {
    let debug = format!("{e:?}");
    debug
        .split(|c: char| !c.is_ascii_alphanumeric())
        .next()
        .unwrap_or("error")
        .chars()
        .take(40)
        .collect()
}

/// A font as far as text goes: how strings split into codes, what a code reads as, how wide
/// it is.
struct Font {
    codes: Codes,
    to_unicode: Option<ToUnicode>,
    /// For simple fonts without a `/ToUnicode` entry for a code: the encoding's character.
    simple: Option<Box<[Option<char>; 256]>>,
    /// The predefined CMap carries the character in the code (`UniGB-UCS2-H`, `GBK-EUC-H`).
    predefined_text: bool,
    /// Why the font's glyphs cannot be read, when they cannot.
    unmappable: Option<String>,
    /// For such a font, the characters its embedded TrueType program's Unicode `cmap` gives
    /// its glyphs: a code whose glyph has none leaves the page unreadable.
    glyphs: Option<Glyphs>,
    widths: Widths,
    /// Glyph space → text space (1/1000, except Type 3 fonts).
    scale: f64,
}

enum Widths {
    Simple {
        first: u32,
        widths: Vec<f64>,
        missing: f64,
    },
    Cid {
        default: f64,
        ranges: Vec<(u32, u32, f64)>,
    },
}

impl Font {
    fn width(&self, code: u32, text: &str) -> f64 {
        match &self.widths {
            Widths::Simple {
                first,
                widths,
                missing,
            } => code
                .checked_sub(*first)
                .and_then(|i| widths.get(i as usize))
                .copied()
                .unwrap_or(*missing),
            Widths::Cid { default, ranges } => {
                if self.predefined_text {
                    // The CID is not known without the CMap's table: half width for
                    // half-width characters, the default otherwise.
                    if text.chars().all(|c| (c as u32) < 0x2E80) {
                        return default / 2.0;
                    }
                    return *default;
                }
                let i = ranges.partition_point(|r| r.0 <= code);
                i.checked_sub(1)
                    .map(|i| ranges[i])
                    .filter(|r| code <= r.1)
                    .map_or(*default, |r| r.2)
            }
        }
    }

    /// The text of a code, or `None` when the font cannot say.
    fn text(&self, code: u32, bytes: &[u8]) -> Option<String> {
        if let Some(tu) = &self.to_unicode {
            if let Some(s) = tu.get(code) {
                return Some(s);
            }
        }
        if self.predefined_text {
            return Some(cmap::predefined_text(&self.codes, bytes));
        }
        if let Some(table) = &self.simple {
            return table[(code & 0xFF) as usize].map(String::from);
        }
        None
    }
}

fn num(o: &Object) -> Option<f64> {
    match o {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) => Some(f64::from(*r)),
        _ => None,
    }
}

type Matrix = [f64; 6];
const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

fn mul(a: &Matrix, b: &Matrix) -> Matrix {
    [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]
}

#[derive(Clone)]
struct GState {
    ctm: Matrix,
    font: Option<Rc<Font>>,
    size: f64,
    char_space: f64,
    word_space: f64,
    h_scale: f64,
    leading: f64,
    rise: f64,
}

/// What one page has shown so far.
#[derive(Default)]
struct PageText {
    text: String,
    /// Device position where the last run ended, and its font size in device space.
    last: Option<(f64, f64, f64)>,
    shows: usize,
    chars: usize,
    bad: usize,
    images: usize,
    unmappable: Option<String>,
}

struct Extractor<'d> {
    doc: &'d lopdf::Document,
    b: Builder,
    fonts: HashMap<ObjectId, Rc<Font>>,
    /// Embedded programs inverted so far (bounded by [`MAX_GLYPH_FONTS`]).
    glyph_fonts: usize,
    /// Bytes of embedded programs decompressed so far (bounded by [`MAX_PROGRAM_BYTES`]).
    program_bytes: usize,
    total_bytes: usize,
    operators: usize,
}

/// Where form fields' widgets are: page objects and the annotations pages list, each with
/// its page number.
#[derive(Default)]
struct FieldPages {
    pages: HashMap<ObjectId, u32>,
    widgets: HashMap<ObjectId, u32>,
}

/// An operand of a content-stream operator.
enum Opnd {
    Num(f64),
    Str(Vec<u8>),
    Name(Vec<u8>),
    Array(Vec<Opnd>),
    Other,
}

impl<'d> Extractor<'d> {
    fn resolve<'a>(&self, o: &'a Object) -> Option<&'a Object>
    where
        'd: 'a,
    {
        let doc: &'d lopdf::Document = self.doc;
        let mut o = o;
        for _ in 0..MAX_DEPTH {
            match o {
                Object::Reference(id) => o = doc.objects.get(id)?,
                _ => return Some(o),
            }
        }
        None
    }

    fn dict<'a>(&self, o: &'a Object) -> Option<&'a Dictionary>
    where
        'd: 'a,
    {
        match self.resolve(o)? {
            Object::Dictionary(d) => Some(d),
            Object::Stream(s) => Some(&s.dict),
            _ => None,
        }
    }

    fn get<'a>(&self, d: &'a Dictionary, key: &[u8]) -> Option<&'a Object>
    where
        'd: 'a,
    {
        self.resolve(d.get(key).ok()?)
    }

    /// A stream's decoded bytes, within the size, ratio and total bounds.
    fn stream_bytes(&mut self, s: &lopdf::Stream) -> Result<Vec<u8>, InputError> {
        let room = MAX_STREAM_BYTES.min(MAX_TOTAL_BYTES.saturating_sub(self.total_bytes));
        let data = match s.decompressed_content_with_limit(room) {
            Ok(d) => d,
            Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded {
                ..
            })) => {
                return Err(if room < MAX_STREAM_BYTES {
                    limit(format!(
                        "streams decompress to more than {} MiB in all",
                        MAX_TOTAL_BYTES / (1024 * 1024)
                    ))
                } else {
                    limit(format!(
                        "a stream decompresses to more than {} MiB",
                        MAX_STREAM_BYTES / (1024 * 1024)
                    ))
                });
            }
            // A stream that does not decode (an unsupported filter, corrupt data) is read as
            // far as lopdf's lenient decoder goes: nothing.
            Err(_) => Vec::new(),
        };
        if data.len() > RATIO_FLOOR && data.len() / s.content.len().max(1) > MAX_RATIO {
            return Err(limit(format!(
                "a stream decompresses to more than {MAX_RATIO} times its size"
            )));
        }
        self.total_bytes += data.len();
        Ok(data)
    }

    fn run(&mut self) -> Result<(), InputError> {
        let pages = self.pages()?;
        if pages.is_empty() {
            self.b.unreadable(
                Location::Body,
                At::default(),
                "PDF 中没有可读取的页面".into(),
            );
        }
        for (i, (page, resources)) in pages.iter().enumerate() {
            let n = (i + 1) as u32;
            self.page(n, *page, resources.as_ref())?;
        }
        self.fields(&pages)?;
        self.properties()?;
        Ok(())
    }

    /// The pages in order, each with its inherited `/Resources`.
    fn pages(&self) -> Result<Vec<(ObjectId, Option<Dictionary>)>, InputError> {
        // No catalog or no page tree: no pages, which holds the file unread (a person looks)
        // rather than failing it.
        let root = self
            .doc
            .trailer
            .get(b"Root")
            .ok()
            .and_then(|r| self.dict(r));
        let Some(Object::Reference(top)) = root.and_then(|r| r.get(b"Pages").ok()) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        let mut path = Vec::new();
        let mut nodes = 0usize;
        self.walk(*top, None, &mut path, &mut nodes, &mut out)?;
        Ok(out)
    }

    fn walk(
        &self,
        id: ObjectId,
        inherited: Option<&Dictionary>,
        path: &mut Vec<ObjectId>,
        nodes: &mut usize,
        out: &mut Vec<(ObjectId, Option<Dictionary>)>,
    ) -> Result<(), InputError> {
        if path.contains(&id) {
            return Err(limit("the page tree refers back to itself (a /Kids cycle)"));
        }
        if path.len() >= MAX_DEPTH {
            return Err(limit(format!("page tree deeper than {MAX_DEPTH} levels")));
        }
        *nodes += 1;
        if *nodes > MAX_TREE_NODES {
            return Err(limit(format!(
                "page tree of more than {MAX_TREE_NODES} nodes"
            )));
        }
        let Some(Object::Dictionary(node)) = self.doc.objects.get(&id) else {
            return Ok(());
        };
        let resources = self
            .get(node, b"Resources")
            .and_then(|r| match r {
                Object::Dictionary(d) => Some(d),
                _ => None,
            })
            .or(inherited);
        match self.get(node, b"Kids") {
            Some(Object::Array(kids))
                if node.get(b"Type").ok() != Some(&Object::Name(b"Page".to_vec())) =>
            {
                path.push(id);
                for kid in kids {
                    if let Object::Reference(kid) = kid {
                        self.walk(*kid, resources, path, nodes, out)?;
                    }
                }
                path.pop();
            }
            _ => {
                if out.len() >= MAX_PAGES {
                    return Err(limit(format!("more than {MAX_PAGES} pages")));
                }
                out.push((id, resources.cloned()));
            }
        }
        Ok(())
    }

    fn page(
        &mut self,
        n: u32,
        id: ObjectId,
        resources: Option<&Dictionary>,
    ) -> Result<(), InputError> {
        let at = At {
            page: Some(n),
            ..At::default()
        };
        let Some(Object::Dictionary(page)) = self.doc.objects.get(&id) else {
            return Ok(());
        };
        let mut data = Vec::new();
        match page.get(b"Contents").ok().and_then(|c| self.resolve(c)) {
            Some(Object::Stream(s)) => data = self.stream_bytes(s)?,
            Some(Object::Array(parts)) => {
                for part in parts {
                    if let Some(Object::Stream(s)) = self.resolve(part) {
                        let bytes = self.stream_bytes(s)?;
                        data.extend_from_slice(&bytes);
                        data.push(b'\n');
                    }
                }
            }
            _ => {}
        }
        let empty = Dictionary::new();
        let resources = resources.unwrap_or(&empty);
        let mut pt = PageText::default();
        let mut forms = Vec::new();
        self.content(&data, resources, IDENTITY, &mut pt, &mut forms)?;
        let loc = Location::Page;
        if !self.b.text.is_empty() && !self.b.text.ends_with('\n') && !pt.text.is_empty() {
            self.b.push_at("\n", loc, at);
        }
        if !pt.text.ends_with('\n') && !pt.text.is_empty() {
            pt.text.push('\n');
        }
        self.b.push_at(&pt.text, loc, at);
        if let Some(why) = pt.unmappable.take() {
            self.b
                .unreadable(loc, at, format!("第 {n} 页的字体（{why}）无法映射为文字"));
        } else if pt.shows == 0 && pt.images > 0 {
            self.b
                .unreadable(loc, at, format!("第 {n} 页没有文字层（扫描件或图片）"));
        } else if pt.bad >= 2 && pt.bad * BAD_SHARE_DIVISOR > pt.chars {
            self.b.unreadable(
                loc,
                at,
                format!("第 {n} 页有超过一成的字符无法识别（缺字形映射或私用区字符）"),
            );
        }
        if pt.shows > 0 {
            for _ in 0..pt.images {
                self.b.image();
            }
        }
        // Annotations: their /Contents (notes, free text, stamps' text).
        if let Some(Object::Array(annots)) = self.get(page, b"Annots") {
            let mut texts = Vec::new();
            for a in annots.iter().take(10_000) {
                if let Some(d) = self.dict(a) {
                    if let Some(Object::String(s, _)) = self.get(d, b"Contents") {
                        texts.push(text_string(s));
                    }
                }
            }
            for t in texts {
                self.push_line(&t, Location::Annotation, at);
            }
        }
        Ok(())
    }

    fn push_line(&mut self, text: &str, location: Location, at: At) {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        if !self.b.text.is_empty() && !self.b.text.ends_with('\n') {
            self.b.push_at("\n", location, at);
        }
        self.b.push_at(text, location, at);
        self.b.push_at("\n", location, at);
    }

    /// Interprets a content stream: text shown, images drawn, Form XObjects entered.
    fn content(
        &mut self,
        data: &[u8],
        resources: &Dictionary,
        ctm: Matrix,
        pt: &mut PageText,
        forms: &mut Vec<ObjectId>,
    ) -> Result<(), InputError> {
        let mut gs = GState {
            ctm,
            font: None,
            size: 0.0,
            char_space: 0.0,
            word_space: 0.0,
            h_scale: 1.0,
            leading: 0.0,
            rise: 0.0,
        };
        let mut stack: Vec<GState> = Vec::new();
        let mut tm = IDENTITY;
        let mut tlm = IDENTITY;
        let mut operands: Vec<Opnd> = Vec::new();
        let mut arrays: Vec<Vec<Opnd>> = Vec::new();
        let mut lx = Lexer::new(data);
        while let Some(tok) = lx.next() {
            let opnd = match tok {
                Tok::Num(n) => Opnd::Num(n),
                Tok::Str(s) => Opnd::Str(s),
                Tok::Name(n) => Opnd::Name(n.to_vec()),
                Tok::ArrayStart => {
                    if arrays.len() < 8 {
                        arrays.push(Vec::new());
                    }
                    continue;
                }
                Tok::ArrayEnd => {
                    let Some(items) = arrays.pop() else { continue };
                    Opnd::Array(items)
                }
                Tok::DictStart | Tok::DictEnd => Opnd::Other,
                Tok::Op(op) if arrays.is_empty() => {
                    self.operators += 1;
                    if self.operators > MAX_OPERATORS {
                        return Err(limit(format!(
                            "more than {MAX_OPERATORS} content-stream operators"
                        )));
                    }
                    self.op(
                        op, &operands, resources, &mut gs, &mut stack, &mut tm, &mut tlm, pt, forms,
                    )?;
                    if op == b"ID" {
                        lx.skip_inline_image();
                        pt.images += 1;
                    }
                    operands.clear();
                    continue;
                }
                Tok::Op(_) => Opnd::Other,
            };
            let target = arrays.last_mut().unwrap_or(&mut operands);
            if target.len() < 4096 {
                target.push(opnd);
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn op(
        &mut self,
        op: &[u8],
        o: &[Opnd],
        resources: &Dictionary,
        gs: &mut GState,
        stack: &mut Vec<GState>,
        tm: &mut Matrix,
        tlm: &mut Matrix,
        pt: &mut PageText,
        forms: &mut Vec<ObjectId>,
    ) -> Result<(), InputError> {
        let n = |i: usize| -> f64 {
            match o.len().checked_sub(i).and_then(|j| o.get(j)) {
                Some(Opnd::Num(v)) if v.is_finite() => *v,
                _ => 0.0,
            }
        };
        match op {
            // Deeper than 256 saves, a `q` is ignored (and its `Q` restores an outer state).
            b"q" if stack.len() < 256 => stack.push(gs.clone()),
            b"Q" => {
                if let Some(g) = stack.pop() {
                    *gs = g;
                }
            }
            b"cm" => {
                let m = [n(6), n(5), n(4), n(3), n(2), n(1)];
                gs.ctm = mul(&m, &gs.ctm);
            }
            b"BT" => {
                *tm = IDENTITY;
                *tlm = IDENTITY;
            }
            b"Tf" => {
                gs.size = n(1);
                gs.font = match o.len().checked_sub(2).and_then(|i| o.get(i)) {
                    Some(Opnd::Name(name)) => self.font(resources, name),
                    _ => None,
                };
            }
            b"Tc" => gs.char_space = n(1),
            b"Tw" => gs.word_space = n(1),
            b"Tz" => gs.h_scale = n(1) / 100.0,
            b"TL" => gs.leading = n(1),
            b"Ts" => gs.rise = n(1),
            b"Td" => {
                *tlm = mul(&[1.0, 0.0, 0.0, 1.0, n(2), n(1)], tlm);
                *tm = *tlm;
            }
            b"TD" => {
                gs.leading = -n(1);
                *tlm = mul(&[1.0, 0.0, 0.0, 1.0, n(2), n(1)], tlm);
                *tm = *tlm;
            }
            b"Tm" => {
                *tlm = [n(6), n(5), n(4), n(3), n(2), n(1)];
                *tm = *tlm;
            }
            b"T*" => {
                *tlm = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, -gs.leading], tlm);
                *tm = *tlm;
            }
            b"Tj" | b"'" | b"\"" => {
                if op != b"Tj" {
                    if op == b"\"" {
                        gs.word_space = n(3);
                        gs.char_space = n(2);
                    }
                    *tlm = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, -gs.leading], tlm);
                    *tm = *tlm;
                }
                if let Some(Opnd::Str(s)) = o.last() {
                    self.show(s, gs, tm, pt);
                }
            }
            b"TJ" => {
                if let Some(Opnd::Array(items)) = o.last() {
                    for item in items {
                        match item {
                            Opnd::Str(s) => self.show(s, gs, tm, pt),
                            Opnd::Num(k) if k.is_finite() => {
                                let tx = -k / 1000.0 * gs.size * gs.h_scale;
                                *tm = mul(&[1.0, 0.0, 0.0, 1.0, tx, 0.0], tm);
                            }
                            _ => {}
                        }
                    }
                }
            }
            b"Do" => {
                if let Some(Opnd::Name(name)) = o.last() {
                    self.xobject(resources, name, gs, pt, forms)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn xobject(
        &mut self,
        resources: &Dictionary,
        name: &[u8],
        gs: &GState,
        pt: &mut PageText,
        forms: &mut Vec<ObjectId>,
    ) -> Result<(), InputError> {
        let Some(xobjects) = self.get(resources, b"XObject").and_then(|x| self.dict(x)) else {
            return Ok(());
        };
        let Ok(Object::Reference(id)) = xobjects.get(name) else {
            return Ok(());
        };
        let id = *id;
        let Some(Object::Stream(s)) = self.doc.objects.get(&id) else {
            return Ok(());
        };
        match self.get(&s.dict, b"Subtype") {
            Some(Object::Name(n)) if n == b"Image" => pt.images += 1,
            Some(Object::Name(n)) if n == b"Form" => {
                if forms.contains(&id) {
                    return Err(limit("a Form XObject draws itself"));
                }
                if forms.len() >= MAX_DEPTH {
                    return Err(limit(format!(
                        "Form XObjects nested deeper than {MAX_DEPTH}"
                    )));
                }
                let data = self.stream_bytes(s)?;
                let matrix = match self.get(&s.dict, b"Matrix") {
                    Some(Object::Array(m)) if m.len() == 6 => {
                        let v: Vec<f64> = m.iter().map(|x| num(x).unwrap_or(0.0)).collect();
                        [v[0], v[1], v[2], v[3], v[4], v[5]]
                    }
                    _ => IDENTITY,
                };
                let res = match self.get(&s.dict, b"Resources") {
                    Some(Object::Dictionary(d)) => d,
                    _ => resources,
                };
                forms.push(id);
                let ctm = mul(&matrix, &gs.ctm);
                self.content(&data, res, ctm, pt, forms)?;
                forms.pop();
            }
            _ => {}
        }
        Ok(())
    }

    /// Shows a string: decodes its codes, places the run on the line, advances the text matrix.
    fn show(&mut self, s: &[u8], gs: &GState, tm: &mut Matrix, pt: &mut PageText) {
        pt.shows += 1;
        let Some(font) = gs.font.clone() else {
            return;
        };
        let trm = mul(tm, &gs.ctm);
        let (x, y) = (gs.rise * trm[2] + trm[4], gs.rise * trm[3] + trm[5]);
        let size = (gs.size * (trm[2] * trm[2] + trm[3] * trm[3]).sqrt())
            .abs()
            .max(0.1);
        let mut run = String::new();
        for (code, bytes) in cmap::split(&font.codes, s) {
            let text = if font.unmappable.is_some() && font.to_unicode.is_none() {
                font.glyphs
                    .as_ref()
                    .and_then(|g| g.char(code))
                    .map(String::from)
            } else {
                font.text(code, bytes)
            };
            match &text {
                Some(t) => run.extend(t.chars().filter(|c| !c.is_control() || *c == '\t')),
                None => {
                    if let Some(why) = &font.unmappable {
                        pt.unmappable.get_or_insert_with(|| {
                            if font.glyphs.is_some() {
                                format!("{why}，内嵌字体的 cmap 缺少所用字形")
                            } else {
                                why.clone()
                            }
                        });
                    } else {
                        run.push(char::REPLACEMENT_CHARACTER);
                    }
                }
            }
            let w = font.width(code, text.as_deref().unwrap_or("")) * font.scale;
            let space = if bytes == b" " { gs.word_space } else { 0.0 };
            let tx = (w * gs.size + gs.char_space + space) * gs.h_scale;
            *tm = mul(&[1.0, 0.0, 0.0, 1.0, tx, 0.0], tm);
        }
        let end = mul(tm, &gs.ctm);
        let (ex, ey) = (gs.rise * end[2] + end[4], gs.rise * end[3] + end[5]);
        if run.is_empty() {
            pt.last = Some((ex, ey, size));
            return;
        }
        if let Some((lx, ly, lsize)) = pt.last {
            let em = lsize.max(size);
            if (y - ly).abs() > 0.5 * em {
                if !pt.text.is_empty() && !pt.text.ends_with('\n') {
                    pt.text.push('\n');
                }
            } else {
                let gap = x - lx;
                let ends_blank = pt.text.ends_with([' ', '\t', '\n']) || pt.text.is_empty();
                if !ends_blank && !run.starts_with([' ', '\t']) {
                    if gap > 1.5 * em {
                        pt.text.push('\t');
                    } else if gap > 0.2 * em || gap < -em {
                        pt.text.push(' ');
                    }
                }
            }
        } else if !pt.text.is_empty() && !pt.text.ends_with('\n') {
            pt.text.push('\n');
        }
        for c in run.chars() {
            if !c.is_whitespace() {
                pt.chars += 1;
                if c == char::REPLACEMENT_CHARACTER || is_private_use(c) {
                    pt.bad += 1;
                }
            }
        }
        pt.text.push_str(&run);
        pt.last = Some((ex, ey, size));
    }

    /// The font named `name` in `resources`, built once per font object.
    fn font(&mut self, resources: &Dictionary, name: &[u8]) -> Option<Rc<Font>> {
        let fonts = self.get(resources, b"Font").and_then(|f| self.dict(f))?;
        let entry = fonts.get(name).ok()?;
        let id = match entry {
            Object::Reference(id) => Some(*id),
            _ => None,
        };
        if let Some(f) = id.and_then(|id| self.fonts.get(&id)) {
            return Some(f.clone());
        }
        let dict = self.dict(entry)?.clone();
        let font = Rc::new(self.build_font(&dict));
        if let Some(id) = id {
            self.fonts.insert(id, font.clone());
        }
        Some(font)
    }

    fn tounicode(&mut self, dict: &Dictionary) -> Option<ToUnicode> {
        let Some(Object::Stream(s)) = self.get(dict, b"ToUnicode") else {
            return None;
        };
        let data = self.stream_bytes(s).ok()?;
        Some(ToUnicode::parse(&data)).filter(ToUnicode::is_usable)
    }

    fn build_font(&mut self, dict: &Dictionary) -> Font {
        let subtype = match self.get(dict, b"Subtype") {
            Some(Object::Name(n)) => n.clone(),
            _ => Vec::new(),
        };
        let to_unicode = self.tounicode(dict);
        if subtype == b"Type0" {
            return self.type0(dict, to_unicode);
        }
        // Simple fonts: one byte per code.
        let mut table: [Option<char>; 256] = [None; 256];
        let base = match self.get(dict, b"Encoding") {
            Some(Object::Name(n)) => Some(n.clone()),
            Some(Object::Dictionary(d)) => match self.get(d, b"BaseEncoding") {
                Some(Object::Name(n)) => Some(n.clone()),
                _ => None,
            },
            _ => None,
        };
        let enc = match base.as_deref() {
            Some(b"MacRomanEncoding") => encoding_rs::MACINTOSH,
            _ => encoding_rs::WINDOWS_1252,
        };
        for (i, slot) in table.iter_mut().enumerate() {
            if i >= 0x20 {
                let byte = [i as u8];
                let (t, bad) = enc.decode_without_bom_handling(&byte);
                if !bad {
                    *slot = t.chars().next();
                }
            }
        }
        if let Some(Object::Dictionary(d)) = self.get(dict, b"Encoding") {
            if let Some(Object::Array(diffs)) = self.get(d, b"Differences") {
                let mut code = 0usize;
                for item in diffs {
                    match item {
                        Object::Integer(i) => code = (*i).clamp(0, 256) as usize,
                        Object::Name(n) => {
                            if let Some(slot) = table.get_mut(code) {
                                *slot = cmap::glyph_name(n)
                                    .and_then(|s| s.chars().next())
                                    .or_else(|| cmap::glyph_name_code(n));
                            }
                            code += 1;
                        }
                        _ => {}
                    }
                }
            }
        }
        let first = self
            .get(dict, b"FirstChar")
            .and_then(num)
            .unwrap_or(0.0)
            .clamp(0.0, 255.0) as u32;
        let widths = match self.get(dict, b"Widths") {
            Some(Object::Array(w)) => w
                .iter()
                .take(256)
                .map(|x| self.resolve(x).and_then(num).unwrap_or(0.0))
                .collect(),
            _ => Vec::new(),
        };
        let scale = if subtype == b"Type3" {
            match self.get(dict, b"FontMatrix") {
                Some(Object::Array(m)) => m.first().and_then(num).unwrap_or(0.001),
                _ => 0.001,
            }
        } else {
            0.001
        };
        // An embedded symbolic font without an /Encoding (LibreOffice's and many Chinese
        // tools' subsets) maps codes to glyphs through its own tables: without a /ToUnicode
        // its codes are not characters, and reading them as WinAnsi gives plausible garbage.
        let descriptor = self.get(dict, b"FontDescriptor").and_then(|d| self.dict(d));
        let symbolic = descriptor
            .and_then(|d| self.get(d, b"Flags"))
            .and_then(num)
            .is_some_and(|f| (f as i64) & 4 != 0);
        let embedded = descriptor.is_some_and(|d| {
            [&b"FontFile"[..], b"FontFile2", b"FontFile3"]
                .iter()
                .any(|k| d.get(k).is_ok())
        });
        let unmappable =
            (to_unicode.is_none() && embedded && symbolic && dict.get(b"Encoding").is_err())
                .then(|| String::from("嵌入的字体子集，无编码和 ToUnicode"));
        // Such a font's TrueType program may still say what its glyphs are.
        let glyphs = match descriptor {
            Some(d) if unmappable.is_some() && subtype == b"TrueType" => {
                self.program(d).and_then(|p| Glyphs::simple(&p))
            }
            _ => None,
        };
        Font {
            codes: Codes::One,
            to_unicode,
            simple: Some(Box::new(table)),
            predefined_text: false,
            unmappable,
            glyphs,
            widths: Widths::Simple {
                first,
                widths,
                missing: 500.0,
            },
            scale,
        }
    }

    fn type0(&mut self, dict: &Dictionary, to_unicode: Option<ToUnicode>) -> Font {
        let descendant = match self.get(dict, b"DescendantFonts") {
            Some(Object::Array(a)) => a.first().and_then(|d| self.dict(d)).cloned(),
            _ => None,
        };
        let mut codes = Codes::Two;
        let mut predefined_text = false;
        let mut label = String::from("自定义 CMap 编码，无 ToUnicode");
        let mut identity = false;
        match self.get(dict, b"Encoding") {
            Some(Object::Name(name)) => {
                identity = name == b"Identity-H" || name == b"Identity-V";
                let shown: String = String::from_utf8_lossy(name)
                    .chars()
                    .filter(|c| c.is_ascii_graphic())
                    .take(40)
                    .collect();
                label = format!("{shown} 编码，无 ToUnicode");
                if let Some(p) = cmap::predefined(name) {
                    codes = p.codes;
                    predefined_text = p.carries_text;
                }
            }
            Some(Object::Stream(s)) => {
                if let Ok(data) = self.stream_bytes(s) {
                    let parsed = ToUnicode::parse(&data);
                    if !parsed.codespace.is_empty() {
                        codes = Codes::Ranges(parsed.codespace);
                    }
                }
            }
            _ => {}
        }
        let (default, ranges) = match &descendant {
            Some(d) => self.cid_widths(d),
            None => (1000.0, Vec::new()),
        };
        let unmappable = if to_unicode.is_none() && !predefined_text {
            Some(label)
        } else {
            None
        };
        // With Identity-H the code is the CID; a CIDFontType2 maps it to a glyph of its
        // TrueType program through /CIDToGIDMap, and the program's cmap may say what the glyph
        // is.
        let glyphs = match &descendant {
            Some(d) if unmappable.is_some() && identity => self.cid_glyphs(d),
            _ => None,
        };
        Font {
            codes,
            to_unicode,
            simple: None,
            predefined_text,
            unmappable,
            glyphs,
            widths: Widths::Cid { default, ranges },
            scale: 0.001,
        }
    }

    /// The glyphs of a CIDFontType2 descendant through its `/CIDToGIDMap` and its embedded
    /// TrueType program.
    fn cid_glyphs(&mut self, d: &Dictionary) -> Option<Glyphs> {
        match self.get(d, b"Subtype") {
            Some(Object::Name(n)) if n == b"CIDFontType2" => {}
            _ => return None,
        }
        let codes = match self.get(d, b"CIDToGIDMap") {
            None => CodeToGid::Identity,
            Some(Object::Name(n)) if n == b"Identity" => CodeToGid::Identity,
            Some(Object::Stream(s)) => CodeToGid::from_stream(&self.stream_bytes(s).ok()?),
            Some(_) => return None,
        };
        let descriptor = self.get(d, b"FontDescriptor").and_then(|f| self.dict(f))?;
        let program = self.program(descriptor)?;
        Glyphs::cid(&program, codes)
    }

    /// The embedded TrueType program (`/FontFile2`) of a font descriptor, within the
    /// document's budget of [`MAX_GLYPH_FONTS`] programs.
    fn program(&mut self, descriptor: &Dictionary) -> Option<Vec<u8>> {
        let Some(Object::Stream(s)) = self.get(descriptor, b"FontFile2") else {
            return None;
        };
        if self.glyph_fonts >= MAX_GLYPH_FONTS {
            return None;
        }
        self.glyph_fonts += 1;
        // Programs have their own budget: a font that cannot be read whole is not read at all
        // (and stays unreadable), without failing the document.
        let room = MAX_STREAM_BYTES.min(MAX_PROGRAM_BYTES.saturating_sub(self.program_bytes));
        let program = s.decompressed_content_with_limit(room).ok()?;
        self.program_bytes += program.len();
        (!program.is_empty()).then_some(program)
    }

    /// A CID font's `/DW` and `/W`: (first, last, width) ranges sorted by first.
    fn cid_widths(&self, d: &Dictionary) -> (f64, Vec<(u32, u32, f64)>) {
        let default = self.get(d, b"DW").and_then(num).unwrap_or(1000.0);
        let mut ranges = Vec::new();
        if let Some(Object::Array(w)) = self.get(d, b"W") {
            let mut i = 0;
            while i < w.len() && ranges.len() < 100_000 {
                let Some(first) = num(&w[i]) else {
                    i += 1;
                    continue;
                };
                let first = first.max(0.0) as u32;
                match w.get(i + 1).and_then(|x| self.resolve(x)) {
                    Some(Object::Array(list)) => {
                        for (k, x) in list.iter().enumerate().take(65_536) {
                            let v = num(x).unwrap_or(default);
                            let c = first.saturating_add(k as u32);
                            ranges.push((c, c, v));
                        }
                        i += 2;
                    }
                    Some(last) => {
                        let last = num(last).unwrap_or(0.0).max(0.0) as u32;
                        let v = w.get(i + 2).and_then(num).unwrap_or(default);
                        if first <= last {
                            ranges.push((first, last, v));
                        }
                        i += 3;
                    }
                    None => break,
                }
            }
        }
        ranges.sort_by_key(|r| r.0);
        (default, ranges)
    }

    /// AcroForm field values (`/V`), walking `/Kids` with a depth bound and a cycle check;
    /// each on the page of its widget (its `/P`, or the page whose `/Annots` lists it).
    fn fields(&mut self, pages: &[(ObjectId, Option<Dictionary>)]) -> Result<(), InputError> {
        let Some(root) = self
            .doc
            .trailer
            .get(b"Root")
            .ok()
            .and_then(|r| self.dict(r))
        else {
            return Ok(());
        };
        let Some(form) = self.get(root, b"AcroForm").and_then(|f| self.dict(f)) else {
            return Ok(());
        };
        let Some(Object::Array(fields)) = self.get(form, b"Fields") else {
            return Ok(());
        };
        let mut on = FieldPages::default();
        let mut annotations = 0usize;
        for (i, (id, _)) in pages.iter().enumerate() {
            let n = (i + 1) as u32;
            on.pages.insert(*id, n);
            let Some(Object::Dictionary(page)) = self.doc.objects.get(id) else {
                continue;
            };
            if let Some(Object::Array(annots)) = self.get(page, b"Annots") {
                for a in annots.iter().take(10_000) {
                    annotations += 1;
                    if annotations > MAX_TREE_NODES {
                        break;
                    }
                    if let Object::Reference(a) = a {
                        on.widgets.entry(*a).or_insert(n);
                    }
                }
            }
        }
        let mut values = Vec::new();
        let mut path = Vec::new();
        let mut visited = 0usize;
        for f in fields {
            self.field(f, &on, &mut path, &mut visited, &mut values)?;
        }
        for (v, page) in values {
            let at = At {
                page,
                ..At::default()
            };
            self.push_line(&v, Location::Annotation, at);
        }
        Ok(())
    }

    /// The page of a field's widget: the field itself when it is one, else its first widget
    /// child that has a page.
    fn field_page(
        &self,
        id: Option<ObjectId>,
        d: &Dictionary,
        on: &FieldPages,
        kids: bool,
    ) -> Option<u32> {
        if let Ok(Object::Reference(p)) = d.get(b"P") {
            if let Some(n) = on.pages.get(p) {
                return Some(*n);
            }
        }
        if let Some(n) = id.and_then(|id| on.widgets.get(&id)) {
            return Some(*n);
        }
        if !kids {
            return None;
        }
        let Some(Object::Array(children)) = self.get(d, b"Kids") else {
            return None;
        };
        children.iter().take(256).find_map(|k| {
            let kid = match k {
                Object::Reference(id) => Some(*id),
                _ => None,
            };
            self.dict(k)
                .and_then(|kd| self.field_page(kid, kd, on, false))
        })
    }

    fn field(
        &self,
        f: &Object,
        on: &FieldPages,
        path: &mut Vec<ObjectId>,
        visited: &mut usize,
        out: &mut Vec<(String, Option<u32>)>,
    ) -> Result<(), InputError> {
        let id = match f {
            Object::Reference(id) => Some(*id),
            _ => None,
        };
        if let Some(id) = id {
            if path.contains(&id) {
                return Err(limit(
                    "the form fields refer back to themselves (a /Kids cycle)",
                ));
            }
        }
        if path.len() >= MAX_DEPTH {
            return Err(limit(format!("form fields nested deeper than {MAX_DEPTH}")));
        }
        *visited += 1;
        if *visited > MAX_TREE_NODES {
            return Err(limit(format!("more than {MAX_TREE_NODES} form fields")));
        }
        let Some(d) = self.dict(f) else {
            return Ok(());
        };
        let value = match self.get(d, b"V") {
            Some(Object::String(s, _)) => Some(text_string(s)),
            Some(Object::Name(n)) if n != b"Off" => Some(String::from_utf8_lossy(n).into()),
            _ => None,
        };
        if let Some(v) = value {
            out.push((v, self.field_page(id, d, on, true)));
        }
        if let Some(Object::Array(kids)) = self.get(d, b"Kids") {
            path.push(id.unwrap_or((0, 0)));
            for k in kids {
                self.field(k, on, path, visited, out)?;
            }
            path.pop();
        }
        Ok(())
    }

    /// The Info dictionary's strings and the XMP metadata's text, as document properties.
    fn properties(&mut self) -> Result<(), InputError> {
        let mut lines = Vec::new();
        if let Some(info) = self
            .doc
            .trailer
            .get(b"Info")
            .ok()
            .and_then(|i| self.dict(i))
        {
            for (_, v) in info.iter() {
                if let Some(Object::String(s, _)) = self.resolve(v) {
                    lines.push(text_string(s));
                }
            }
        }
        let root = self
            .doc
            .trailer
            .get(b"Root")
            .ok()
            .and_then(|r| self.dict(r));
        if let Some(Object::Stream(s)) = root.and_then(|r| self.get(r, b"Metadata")) {
            let xml = self.stream_bytes(s)?;
            lines.extend(xmp_text(&xml));
        }
        for l in lines {
            self.push_line(&l, Location::Properties, At::default());
        }
        Ok(())
    }
}

fn is_private_use(c: char) -> bool {
    matches!(c as u32, 0xE000..=0xF8FF | 0xF0000..=0xFFFFD | 0x100000..=0x10FFFD)
}

/// A PDF text string: UTF-16BE with a byte-order mark, UTF-8 with one, or (as Chinese tools
/// often write them) GBK; PDFDocEncoding (read as Latin-1) otherwise.
fn text_string(s: &[u8]) -> String {
    if let Some(rest) = s.strip_prefix(b"\xFE\xFF") {
        let (t, _) = encoding_rs::UTF_16BE.decode_without_bom_handling(rest);
        return t.into_owned();
    }
    if let Some(rest) = s.strip_prefix(b"\xEF\xBB\xBF") {
        return String::from_utf8_lossy(rest).into_owned();
    }
    if s.is_ascii() {
        return String::from_utf8_lossy(s).into_owned();
    }
    if let Ok(t) = std::str::from_utf8(s) {
        return t.to_string();
    }
    if let Some(t) = encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(s) {
        return t.into_owned();
    }
    s.iter().map(|&b| char::from(b)).collect()
}

/// The text nodes of an XMP packet, one per line, entities decoded.
fn xmp_text(xml: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(xml);
    let mut out = Vec::new();
    let mut rest: &str = &text;
    while let Some(gt) = rest.find('>') {
        rest = &rest[gt + 1..];
        let end = rest.find('<').unwrap_or(rest.len());
        let node = rest[..end].trim();
        if !node.is_empty() {
            out.push(
                node.replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&apos;", "'")
                    .replace("&amp;", "&"),
            );
        }
        rest = &rest[end..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-page PDF: `content` drawn with font `/F1` = `font` (a dictionary, object 5) and
    /// `/Im1` an image; `extra` are objects 6 and on.
    fn one_page(content: &str, font: &str, extra: &[&str]) -> Vec<u8> {
        let mut objects = vec![
            "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
            "<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> \
             /XObject << /Im1 100 0 R >> >> >>"
                .to_string(),
            format!(
                "<< /Length {} >>\nstream\n{content}\nendstream",
                content.len()
            ),
            font.to_string(),
        ];
        objects.extend(extra.iter().map(|s| s.to_string()));
        let mut out = String::from("%PDF-1.7\n");
        let mut offsets = Vec::new();
        for (i, o) in objects.iter().enumerate() {
            offsets.push(out.len());
            out += &format!("{} 0 obj\n{o}\nendobj\n", i + 1);
        }
        let image = out.len();
        out +=
            "100 0 obj\n<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /BitsPerComponent 8 \
                /ColorSpace /DeviceGray /Length 1 >>\nstream\n\0\nendstream\nendobj\n";
        let xref = out.len();
        out += &format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
        for o in offsets {
            out += &format!("{o:010} 00000 n \n");
        }
        out += &format!("100 1\n{image:010} 00000 n \n");
        out += &format!("trailer\n<< /Size 101 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        out.into_bytes()
    }

    const TOUNICODE_FONT: &str =
        "<< /Type /Font /Subtype /Type0 /BaseFont /X /Encoding /Identity-H \
         /DescendantFonts [6 0 R] /ToUnicode 7 0 R >>";
    const CID_FONT: &str = "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /X /DW 1000 >>";

    fn cmap(body: &str) -> String {
        let prog = format!(
            "begincmap 1 begincodespacerange <0000> <FFFF> endcodespacerange {body} endcmap"
        );
        format!("<< /Length {} >>\nstream\n{prog}\nendstream", prog.len())
    }

    #[test]
    fn private_use_over_a_tenth_marks_the_page() {
        // Four codes: two map to private-use characters, one to U+5185, one nowhere (U+FFFD).
        let pdf = one_page(
            "BT /F1 12 Tf 72 700 Td <0001000200030004> Tj ET",
            TOUNICODE_FONT,
            &[
                CID_FONT,
                &cmap("3 beginbfchar <0001> <E000> <0002> <E001> <0003> <5185> endbfchar"),
            ],
        );
        let doc = extract(&pdf).expect("reads");
        assert_eq!(doc.unreadable.len(), 1, "{doc:?}");
        assert!(doc.unreadable[0].why.contains("第 1 页"), "{doc:?}");
        assert_eq!(doc.unreadable[0].at.page, Some(1));
        assert!(doc.text.contains('内'));
        // The image beside the text is counted.
        let with_image = one_page(
            "BT /F1 12 Tf 72 700 Td <0003> Tj ET /Im1 Do",
            TOUNICODE_FONT,
            &[CID_FONT, &cmap("1 beginbfchar <0003> <5185> endbfchar")],
        );
        let doc = extract(&with_image).expect("reads");
        assert!(doc.unreadable.is_empty(), "{doc:?}");
        assert_eq!(doc.images, 1);
        assert_eq!(doc.text, "内\n");
    }

    #[test]
    fn identity_without_tounicode_is_unreadable_and_not_output() {
        let font = "<< /Type /Font /Subtype /Type0 /BaseFont /X /Encoding /Identity-H \
                    /DescendantFonts [6 0 R] >>";
        let pdf = one_page("BT /F1 12 Tf 72 700 Td <00410042> Tj ET", font, &[CID_FONT]);
        let doc = extract(&pdf).expect("reads");
        assert_eq!(doc.text, "");
        assert_eq!(doc.unreadable.len(), 1);
        assert!(doc.unreadable[0].why.contains("Identity-H"), "{doc:?}");
        // An empty /ToUnicode is as good as none.
        let font = TOUNICODE_FONT;
        let pdf = one_page(
            "BT /F1 12 Tf 72 700 Td <0041> Tj ET",
            font,
            &[CID_FONT, &cmap("")],
        );
        assert_eq!(extract(&pdf).expect("reads").unreadable.len(), 1);
    }

    /// A stream object holding `bytes`, hex-encoded.
    fn hex_stream(bytes: &[u8]) -> String {
        let hex: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
        format!(
            "<< /Length {} /Filter /ASCIIHexDecode >>\nstream\n{hex}>\nendstream",
            hex.len() + 1
        )
    }

    /// Identity-H, no /ToUnicode, a CIDFontType2 (object 6) with `cid_to_gid` and descriptor
    /// 7 embedding `program` (object 8); object 9 is `extra` (a CIDToGIDMap stream).
    fn identity_h_embedded(
        content: &str,
        cid_to_gid: &str,
        program: &[u8],
        extra: &str,
    ) -> Vec<u8> {
        let font = "<< /Type /Font /Subtype /Type0 /BaseFont /X /Encoding /Identity-H \
                    /DescendantFonts [6 0 R] >>";
        let cid = format!(
            "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /X /DW 1000 \
             /FontDescriptor 7 0 R /CIDToGIDMap {cid_to_gid} >>"
        );
        let descriptor = "<< /Type /FontDescriptor /FontName /X /Flags 4 /FontFile2 8 0 R >>";
        one_page(
            content,
            font,
            &[&cid, descriptor, &hex_stream(program), extra],
        )
    }

    #[test]
    fn identity_h_reads_through_the_embedded_cmap() {
        use super::glyphs::tests::{format12, program};
        // Glyph 1 is 内, glyph 2 部, glyph 3 has no character.
        let font = program(
            4,
            &[(3, 10, format12(&[(0x5185, 0x5185, 1), (0x90E8, 0x90E8, 2)]))],
        );
        let pdf = identity_h_embedded(
            "BT /F1 12 Tf 72 700 Td <00010002> Tj ET",
            "/Identity",
            &font,
            "",
        );
        let doc = extract(&pdf).expect("reads");
        assert!(doc.unreadable.is_empty(), "{doc:?}");
        assert_eq!(doc.text, "内部\n");
        // Through a CIDToGIDMap stream: CID 2 → glyph 1, CID 3 → glyph 2.
        let map = hex_stream(&[0, 0, 0, 0, 0, 1, 0, 2]);
        let pdf = identity_h_embedded(
            "BT /F1 12 Tf 72 700 Td <00030002> Tj ET",
            "9 0 R",
            &font,
            &map,
        );
        let doc = extract(&pdf).expect("reads");
        assert!(doc.unreadable.is_empty(), "{doc:?}");
        assert_eq!(doc.text, "部内\n");
        // A glyph the cmap does not reach: the page is unreadable, and says why.
        let pdf = identity_h_embedded(
            "BT /F1 12 Tf 72 700 Td <00010003> Tj ET",
            "/Identity",
            &font,
            "",
        );
        let doc = extract(&pdf).expect("reads");
        assert_eq!(doc.unreadable.len(), 1, "{doc:?}");
        assert!(doc.unreadable[0].why.contains("缺少所用字形"), "{doc:?}");
        // A CID past the map's end has no glyph either.
        let pdf = identity_h_embedded("BT /F1 12 Tf 72 700 Td <0009> Tj ET", "9 0 R", &font, &map);
        assert_eq!(extract(&pdf).expect("reads").unreadable.len(), 1);
    }

    #[test]
    fn garbage_programs_keep_the_font_unreadable() {
        for program in [&b""[..], b"\x00\x01\x00\x00garbage", &[0xFF; 300]] {
            let pdf = identity_h_embedded(
                "BT /F1 12 Tf 72 700 Td <0001> Tj ET",
                "/Identity",
                program,
                "",
            );
            let doc = extract(&pdf).expect("reads");
            assert_eq!(doc.text, "");
            assert_eq!(doc.unreadable.len(), 1, "{doc:?}");
            assert!(
                doc.unreadable[0]
                    .why
                    .contains("Identity-H 编码，无 ToUnicode）"),
                "{doc:?}"
            );
        }
    }

    #[test]
    fn symbolic_truetype_subset_reads_through_its_cmaps() {
        use super::glyphs::tests::{format12, program};
        // Code 0x41 → (3,0) U+F041 → glyph 1 → (3,1) U+516C 公.
        let font = program(
            3,
            &[
                (3, 0, format12(&[(0xF041, 0xF041, 1)])),
                (3, 1, format12(&[(0x516C, 0x516C, 1)])),
            ],
        );
        let simple = "<< /Type /Font /Subtype /TrueType /BaseFont /X /FontDescriptor 6 0 R >>";
        let descriptor = "<< /Type /FontDescriptor /FontName /X /Flags 4 /FontFile2 7 0 R >>";
        let pdf = one_page(
            "BT /F1 12 Tf 72 700 Td (A) Tj ET",
            simple,
            &[descriptor, &hex_stream(&font)],
        );
        let doc = extract(&pdf).expect("reads");
        assert!(doc.unreadable.is_empty(), "{doc:?}");
        assert_eq!(doc.text, "公\n");
        // Code 0x42 maps to no glyph: unreadable, as before.
        let pdf = one_page(
            "BT /F1 12 Tf 72 700 Td (AB) Tj ET",
            simple,
            &[descriptor, &hex_stream(&font)],
        );
        assert_eq!(extract(&pdf).expect("reads").unreadable.len(), 1);
    }

    #[test]
    fn columns_and_lines_follow_positions() {
        let font = "<< /Type /Font /Subtype /Type0 /BaseFont /X /Encoding /UniGB-UCS2-H \
                    /DescendantFonts [6 0 R] >>";
        let content = "BT /F1 10 Tf 72 700 Td <59D3540D> Tj 100 0 Td <8EAB4EFD> Tj \
                       ET BT /F1 10 Tf 72 680 Td <5F204F1F> Tj 100 0 Td <0031> Tj ET";
        let doc = extract(&one_page(content, font, &[CID_FONT])).expect("reads");
        assert_eq!(doc.text, "姓名\t身份\n张伟\t1\n");
    }

    #[test]
    fn text_strings() {
        assert_eq!(text_string(b"\xFE\xFF\x51\x85\x90\xE8"), "内部");
        assert_eq!(text_string(b"abc"), "abc");
        assert_eq!(text_string("内部".as_bytes()), "内部");
        assert_eq!(text_string(b"\xC4\xDA\xB2\xBF"), "内部");
    }

    #[test]
    fn xmp() {
        let t =
            xmp_text(b"<x:xmpmeta><dc:creator><rdf:li>A &amp; B</rdf:li></dc:creator></x:xmpmeta>");
        assert_eq!(t, vec!["A & B".to_string()]);
    }

    #[test]
    fn garbage_is_an_error_or_unread_never_a_panic() {
        for input in [
            &b"%PDF-1.7\n"[..],
            b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>",
        ] {
            if let Ok(doc) = extract(input) {
                assert!(!doc.unreadable.is_empty(), "{doc:?}");
            }
        }
    }
}

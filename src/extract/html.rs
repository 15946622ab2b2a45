//! HTML → text: everything a reader or a crawler can see or recover.
//!
//! - Visible text, with whitespace collapsed as a browser does. Inline tags (`span`, `b`, `a`,
//!   `font`, …) add nothing, so `<span>138</span><span>0000</span>0001` stays one number; block
//!   tags (`p`, `div`, `li`, `h1`, `tr`, `br`, …) end the line; table cells are separated by
//!   ` | ` (the engine's table detector splits on it and never joins digits across it).
//! - Hidden elements (`hidden`, `display:none`, `visibility:hidden`, `<template>`,
//!   `<noscript>`) in place, located as [`Location::HiddenElement`].
//! - `<title>` in place ([`Location::Title`]).
//! - After the visible text, one per line, each with its own location so rules can tell what
//!   only a crawler reads: HTML comments; the attributes a reader or crawler sees (`alt`,
//!   `title`, `placeholder`, `aria-label`, `value` of inputs, `content` of `<meta>`); `data-*`
//!   values; link targets (`tel:`, `sms:`, `mailto:` addresses and the query strings of `href`,
//!   `src`, `action`, percent-decoded); the strings CSS puts on screen (`content: "…"` in
//!   `<style>` and `style` attributes, CSS escapes decoded); the string literals and comments of
//!   scripts (only those with a digit or a non-ASCII character); and the text of each
//!   `<iframe srcdoc>` document, extracted as a page of its own. Moving them out of the running
//!   text keeps `138<!-- x -->00000001` one number.
//! - Character references decoded by the HTML5 rules, with the full WHATWG table of named
//!   references (`&InvisibleTimes;`, `&ZeroWidthSpace;`, legacy `&amp` without `;`, …, from the
//!   `htmlize` crate); an unknown name is kept as written.
//!
//! A hand-written tokenizer rather than a full HTML5 tree builder: one pass, no recursion but for
//! `srcdoc` documents (at most [`MAX_SRCDOC_LEVEL`] deep), memory linear in the input. Elements
//! nested deeper than [`MAX_DEPTH`] are refused, in a page and in each `srcdoc` document.
//! Each `srcdoc` value is a distinct stretch of its parent's source, so each level reads at most
//! the input's length again: the work is linear in the input times the level bound.

use std::borrow::Cow;
use std::collections::HashMap;

use super::InputError;
use super::{Builder, Document, Format, Location};
use crate::engine::html::is_block_tag;

/// Open elements deeper than this are refused (browsers flatten at 512; real pages stay far
/// below, after the implied ends of `p`, `li`, `td`, `tr`, `option`, `dt`, `dd`).
pub const MAX_DEPTH: usize = 4096;

/// `<iframe srcdoc>` documents nested deeper than this are refused (a page is level 0; real pages
/// use one level, if any).
pub const MAX_SRCDOC_LEVEL: usize = 4;

/// Whether decoded text is an HTML page or fragment rather than plain text that happens to
/// contain a `<`: it must begin (after blanks and comments) with a doctype or a known tag.
pub fn looks_like_html(text: &str) -> bool {
    let mut t = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    // Skip leading comments and an XML declaration (XHTML).
    for _ in 0..8 {
        if let Some(rest) = t.strip_prefix("<!--") {
            match rest.find("-->") {
                Some(e) => t = rest[e + 3..].trim_start(),
                None => return false,
            }
        } else if t.starts_with("<?xml") {
            match t.find("?>") {
                Some(e) => t = t[e + 2..].trim_start(),
                None => return false,
            }
        } else {
            break;
        }
    }
    let head: String = t.chars().take(16).collect::<String>().to_ascii_lowercase();
    if head.starts_with("<!doctype html") {
        return true;
    }
    let Some(rest) = head.strip_prefix('<') else {
        return false;
    };
    let name: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    matches!(
        name.as_str(),
        "html"
            | "head"
            | "body"
            | "meta"
            | "title"
            | "link"
            | "style"
            | "script"
            | "div"
            | "p"
            | "table"
            | "span"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "ul"
            | "ol"
            | "section"
            | "article"
            | "header"
            | "main"
            | "nav"
            | "form"
            | "center"
            | "font"
            | "br"
            | "a"
            | "img"
            | "pre"
            | "blockquote"
    )
}

fn is_void(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "param"
            | "source"
            | "track"
            | "wbr"
            | "keygen"
            | "frame"
            | "basefont"
            | "isindex"
    )
}

/// Elements whose start implies the end of an open element of the same name (`<li>a<li>b`).
fn implies_end_of_same(name: &str) -> bool {
    matches!(
        name,
        "p" | "li" | "td" | "th" | "tr" | "option" | "dt" | "dd"
    )
}

/// `s` lower-cased, borrowed when it already is (as almost every tag and attribute name is).
fn lowercase(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

struct Open<'t> {
    name: Cow<'t, str>,
    hidden: bool,
    cell: bool,
}

/// What is emitted after the running text.
enum Deferred {
    /// A value on lines of its own.
    Line(Location, String),
    /// The text of an `<iframe srcdoc>` document.
    Srcdoc(Document<'static>),
}

struct Extractor<'t> {
    src: &'t str,
    /// The page's encoding, for percent-encoded bytes in URLs that are not UTF-8.
    encoding: &'static str,
    /// How many `srcdoc` documents this one is nested in.
    level: usize,
    out: Builder,
    stack: Vec<Open<'t>>,
    /// Open elements per name, so an end tag with no open element is ignored in O(1).
    open_count: HashMap<Cow<'t, str>, usize>,
    hidden: usize,
    cells: usize,
    pre: usize,
    /// A collapsed blank is owed before the next visible character.
    space: bool,
    /// Whether the current table row has had a cell yet.
    row_has_cell: bool,
    /// Comments, attributes, links, CSS and script text, `srcdoc` documents: emitted after the
    /// running text.
    deferred: Vec<Deferred>,
}

/// Extracts the text of an HTML page.
pub fn extract(src: &str, encoding: &'static str) -> Result<Document<'static>, InputError> {
    extract_at(src, encoding, 0)
}

fn extract_at(
    src: &str,
    encoding: &'static str,
    level: usize,
) -> Result<Document<'static>, InputError> {
    let mut x = Extractor {
        src,
        encoding,
        level,
        out: Builder::default(),
        stack: Vec::new(),
        open_count: HashMap::new(),
        hidden: 0,
        cells: 0,
        pre: 0,
        space: false,
        row_has_cell: false,
        deferred: Vec::new(),
    };
    x.run()?;
    let mut out = x.out;
    for d in x.deferred {
        match d {
            Deferred::Line(loc, s) => {
                let s = s.trim();
                if s.is_empty() {
                    continue;
                }
                out.end_line(loc);
                out.push(s, loc);
                out.push("\n", loc);
            }
            Deferred::Srcdoc(doc) => {
                if doc.text.trim().is_empty() {
                    continue;
                }
                out.end_line(Location::Srcdoc);
                for (i, seg) in doc.segments.iter().enumerate() {
                    let end = doc.segments.get(i + 1).map_or(doc.text.len(), |n| n.start);
                    // What the frame shows is `srcdoc`; what only a crawler reads in it keeps
                    // its own location (`html_comment`, `link`, `script`, …).
                    let loc = match seg.location {
                        Location::Body | Location::Table | Location::Title => Location::Srcdoc,
                        other => other,
                    };
                    out.push(&doc.text[seg.start..end], loc);
                }
                out.end_line(Location::Srcdoc);
            }
        }
    }
    Ok(out.finish(Format::Html, encoding))
}

impl<'t> Extractor<'t> {
    fn location(&self) -> Location {
        if self.hidden > 0 {
            Location::HiddenElement
        } else if self.cells > 0 {
            Location::Table
        } else {
            Location::Body
        }
    }

    fn run(&mut self) -> Result<(), InputError> {
        let bytes = self.src.as_bytes();
        let mut pos = 0;
        while pos < bytes.len() {
            let lt = memchr::memchr(b'<', &bytes[pos..]).map_or(bytes.len(), |i| pos + i);
            if lt > pos {
                self.text(&self.src[pos..lt]);
            }
            if lt >= bytes.len() {
                break;
            }
            pos = self.markup(lt)?;
        }
        Ok(())
    }

    /// Handles the markup at `lt` (a `<`); returns where the text resumes.
    fn markup(&mut self, lt: usize) -> Result<usize, InputError> {
        let src = self.src;
        let rest = &src[lt..];
        let b = rest.as_bytes();
        if rest.starts_with("<!--") {
            let body_start = lt + 4;
            let (body_end, resume) = match src[body_start..].find("-->") {
                Some(e) => (body_start + e, body_start + e + 3),
                None => (src.len(), src.len()),
            };
            let body = &src[body_start..body_end];
            if !body.trim().is_empty() {
                self.defer(Location::HtmlComment, decode_entities(body).into_owned());
            }
            return Ok(resume);
        }
        if rest.starts_with("<![CDATA[") {
            let s = lt + 9;
            let (e, resume) = match src[s..].find("]]>") {
                Some(e) => (s + e, s + e + 3),
                None => (src.len(), src.len()),
            };
            self.text_raw(&src[s..e]);
            return Ok(resume);
        }
        if b.len() > 1 && (b[1] == b'!' || b[1] == b'?') {
            return Ok(memchr::memchr(b'>', b).map_or(src.len(), |i| lt + i + 1));
        }
        let (is_end, name_start) = if b.len() > 2 && b[1] == b'/' && b[2].is_ascii_alphabetic() {
            (true, 2)
        } else if b.len() > 1 && b[1].is_ascii_alphabetic() {
            (false, 1)
        } else {
            // A `<` that opens no tag is text.
            self.text("<");
            return Ok(lt + 1);
        };
        let name_len = b[name_start..]
            .iter()
            .position(|c| c.is_ascii_whitespace() || *c == b'/' || *c == b'>')
            .unwrap_or(b.len() - name_start);
        let name = lowercase(&src[lt + name_start..lt + name_start + name_len]);
        let (attrs, self_closing, tag_end) = parse_attributes(rest, name_start + name_len);
        let resume = lt + tag_end;
        if is_end {
            self.end_tag(&name);
            return Ok(resume);
        }
        self.start_tag(name.clone(), &attrs, self_closing)?;
        // Raw-text elements: their content is not markup.
        match &*name {
            "script" | "style" | "title" | "textarea" | "xmp" => {
                if self_closing && name != "script" {
                    return Ok(resume);
                }
                let (content_end, after) = find_end_tag(src, resume, &name);
                let content = &src[resume..content_end];
                match &*name {
                    "script" => {
                        for (loc, s) in script_texts(content) {
                            self.defer(loc, s);
                        }
                    }
                    "style" => {
                        for s in css_strings(content) {
                            self.defer(Location::CssContent, s);
                        }
                    }
                    "title" => {
                        let t = decode_entities(content);
                        let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
                        if !t.is_empty() {
                            self.out.end_line(Location::Title);
                            self.out.push(&t, Location::Title);
                            self.out.push("\n", Location::Title);
                        }
                        self.space = false;
                    }
                    _ => self.text(content),
                }
                self.end_tag(&name);
                Ok(after)
            }
            _ => Ok(resume),
        }
    }

    fn start_tag(
        &mut self,
        tag: Cow<'t, str>,
        attrs: &[(Cow<'t, str>, Cow<'t, str>)],
        self_closing: bool,
    ) -> Result<(), InputError> {
        let name: &str = &tag;
        // Attributes a reader or crawler sees.
        let attr = |k: &str| attrs.iter().find(|(n, _)| n == k).map(|(_, v)| &**v);
        for (k, v) in attrs {
            if v.trim().is_empty() {
                continue;
            }
            match &**k {
                "alt" | "title" | "placeholder" | "aria-label" | "summary" | "label" => {
                    self.defer(Location::Attribute, v.to_string());
                }
                "value" if matches!(name, "input" | "button" | "param") => {
                    self.defer(Location::Attribute, v.to_string());
                }
                "content" if name == "meta" && attr("http-equiv").is_none() => {
                    self.defer(Location::Attribute, v.to_string());
                }
                "style" => {
                    for s in css_strings(v) {
                        self.defer(Location::CssContent, s);
                    }
                }
                "srcdoc" if name == "iframe" => self.srcdoc(v)?,
                "href" if matches!(name, "a" | "area" | "link") => {
                    if let Some(t) = link_target(v, true, self.encoding) {
                        self.defer(Location::Link, t);
                    }
                }
                "src" | "action" | "formaction" => {
                    if let Some(t) = link_target(v, false, self.encoding) {
                        self.defer(Location::Link, t);
                    }
                }
                k if k.starts_with("data-") => self.defer(Location::DataAttribute, v.to_string()),
                _ => {}
            }
        }
        if implies_end_of_same(name) {
            // `<li>a<li>b`, `<td>a<td>b`: close the previous one if it is near the top.
            let same =
                |n: &str| n == name || (matches!(name, "td" | "th") && matches!(n, "td" | "th"));
            if let Some(i) = self.stack.iter().rev().take(8).position(|o| same(&o.name)) {
                self.pop_to(self.stack.len() - 1 - i);
            }
        }
        if name == "tr" {
            self.row_has_cell = false;
        }
        let cell = matches!(name, "td" | "th");
        if cell {
            if self.row_has_cell {
                self.space = false;
                self.out.push(" | ", self.location());
            }
            self.row_has_cell = true;
        } else if name == "br" {
            self.space = false;
            self.out.push("\n", self.location());
        } else if is_block_tag(name) {
            self.block_break();
        }
        if is_void(name) || self_closing {
            return Ok(());
        }
        let style: String = attr("style")
            .unwrap_or("")
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        let hidden = attr("hidden").is_some()
            || style.contains("display:none")
            || style.contains("visibility:hidden")
            || matches!(name, "template" | "noscript")
            || (name == "input" && attr("type") == Some("hidden"));
        if self.stack.len() >= MAX_DEPTH {
            return Err(InputError::Limit {
                detail: format!("HTML elements nested deeper than {MAX_DEPTH}"),
            });
        }
        self.hidden += usize::from(hidden);
        self.cells += usize::from(cell);
        self.pre += usize::from(name == "pre");
        *self.open_count.entry(tag.clone()).or_insert(0) += 1;
        self.stack.push(Open {
            name: tag,
            hidden,
            cell,
        });
        Ok(())
    }

    fn defer(&mut self, location: Location, s: String) {
        self.deferred.push(Deferred::Line(location, s));
    }

    /// An `<iframe srcdoc>` value is a document of its own, which the frame shows.
    fn srcdoc(&mut self, html: &str) -> Result<(), InputError> {
        if self.level >= MAX_SRCDOC_LEVEL {
            return Err(InputError::Limit {
                detail: format!("iframe srcdoc documents nested deeper than {MAX_SRCDOC_LEVEL}"),
            });
        }
        let doc = extract_at(html, self.encoding, self.level + 1)?;
        self.deferred.push(Deferred::Srcdoc(doc));
        Ok(())
    }

    fn end_tag(&mut self, name: &str) {
        if name == "br" {
            // `</br>` is a line break in every browser.
            self.space = false;
            self.out.push("\n", self.location());
            return;
        }
        if self.open_count.get(name).copied().unwrap_or(0) > 0 {
            if let Some(i) = self.stack.iter().rposition(|o| &*o.name == name) {
                self.pop_to(i);
            }
        }
        if name == "tr" {
            self.row_has_cell = false;
            self.block_break();
        } else if is_block_tag(name) {
            self.block_break();
        }
    }

    /// Pops the stack down to (and including) index `i`.
    fn pop_to(&mut self, i: usize) {
        while self.stack.len() > i {
            let Some(o) = self.stack.pop() else { break };
            if let Some(c) = self.open_count.get_mut(&o.name) {
                *c = c.saturating_sub(1);
            }
            self.hidden -= usize::from(o.hidden);
            self.cells -= usize::from(o.cell);
            self.pre -= usize::from(&*o.name == "pre");
        }
    }

    fn block_break(&mut self) {
        self.space = false;
        self.out.end_line(self.location());
    }

    /// Text between tags: entities decoded, blanks collapsed (kept inside `<pre>`).
    fn text(&mut self, raw: &str) {
        let decoded = decode_entities(raw);
        self.text_raw(&decoded);
    }

    fn text_raw(&mut self, s: &str) {
        let loc = self.location();
        if self.pre > 0 {
            self.out.push(s, loc);
            self.space = false;
            return;
        }
        // Blanks are ASCII, so the words between them are found byte by byte.
        let blank = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0C);
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if blank(b[i]) {
                self.space = true;
                i += 1;
                continue;
            }
            let start = i;
            while i < b.len() && !blank(b[i]) {
                i += 1;
            }
            if self.space && !self.out.text.is_empty() && !self.out.text.ends_with('\n') {
                self.out.push(" ", loc);
            }
            self.space = false;
            self.out.push(&s[start..i], loc);
        }
    }
}

/// Parses attributes from `tag[from..]` up to the closing `>` (quotes may hold `>`). Returns the
/// attributes (names lower-cased, character references in values decoded by the rules for
/// attributes), whether the tag ends with `/>`, and the offset just after the tag in `tag`.
#[allow(clippy::type_complexity)]
fn parse_attributes(tag: &str, from: usize) -> (Vec<(Cow<'_, str>, Cow<'_, str>)>, bool, usize) {
    let b = tag.as_bytes();
    let mut i = from;
    let mut attrs = Vec::new();
    let mut self_closing = false;
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            self_closing = b[i] == b'/';
            i += 1;
        }
        if i >= b.len() {
            return (attrs, self_closing, b.len());
        }
        if b[i] == b'>' {
            return (attrs, self_closing, i + 1);
        }
        self_closing = false;
        let ns = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        // A stray quote or `=` starts no name: skip it so the loop always advances.
        if i == ns {
            i += 1;
            continue;
        }
        let name = lowercase(&tag[ns..i]);
        let mut j = i;
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        let mut value = Cow::Borrowed("");
        if j < b.len() && b[j] == b'=' {
            j += 1;
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
            if j < b.len() && (b[j] == b'"' || b[j] == b'\'') {
                let q = b[j];
                let vs = j + 1;
                let ve = memchr::memchr(q, &b[vs..]).map_or(b.len(), |e| vs + e);
                value = htmlize::unescape_attribute(&tag[vs..ve]);
                i = (ve + 1).min(b.len());
            } else {
                let vs = j;
                while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'>' {
                    j += 1;
                }
                value = htmlize::unescape_attribute(&tag[vs..j]);
                i = j;
            }
        }
        if attrs.len() < 256 {
            attrs.push((name, value));
        }
    }
}

/// The end of a raw-text element's content: (start of `</name`, just after its `>`), or the end
/// of the input.
fn find_end_tag(src: &str, from: usize, name: &str) -> (usize, usize) {
    let b = src.as_bytes();
    let mut i = from;
    while let Some(p) = memchr::memmem::find(&b[i..], b"</") {
        let s = i + p;
        let n = s + 2;
        if b.len() >= n + name.len()
            && b[n..n + name.len()].eq_ignore_ascii_case(name.as_bytes())
            && b.get(n + name.len())
                .is_none_or(|c| c.is_ascii_whitespace() || matches!(c, b'>' | b'/'))
        {
            let close = memchr::memchr(b'>', &b[n..]).map_or(b.len(), |e| n + e + 1);
            return (s, close);
        }
        i = s + 2;
    }
    (src.len(), src.len())
}

/// Whether a piece of script text could matter: it holds a digit or a non-ASCII character.
fn could_matter(s: &str) -> bool {
    s.chars().any(|c| c.is_ascii_digit() || !c.is_ascii())
}

/// The text a crawler reads in a script: string literals ([`Location::Script`]) and comments
/// ([`Location::ScriptComment`]: `//`, `/* */`, and the legacy `<!--` and line-leading `-->`
/// that JavaScript also reads as line comments), in order, each kept only when it
/// [could matter](could_matter). Escapes `\n`, `\t`, `\uXXXX`, `\u{…}`, `\xHH` in literals are
/// decoded. A regular expression literal may be misread as a string or a comment, which only
/// adds text to scan.
fn script_texts(js: &str) -> Vec<(Location, String)> {
    let mut out = Vec::new();
    let mut chars = js.char_indices().peekable();
    // Only blanks since the last line break: where `-->` starts a comment.
    let mut line_start = true;
    while let Some((i, c)) = chars.next() {
        let at_line_start = line_start;
        line_start = c == '\n' || (line_start && c.is_whitespace());
        // A comment's text runs from `start` to `end`; the scan resumes at `resume`.
        let comment = match c {
            '/' if chars.peek().map(|p| p.1) == Some('/') => Some((i + 2, None)),
            '/' if chars.peek().map(|p| p.1) == Some('*') => Some((i + 2, Some("*/"))),
            '<' if js[i..].starts_with("<!--") => Some((i + 4, None)),
            '-' if at_line_start && js[i..].starts_with("-->") => Some((i + 3, None)),
            _ => None,
        };
        if let Some((start, close)) = comment {
            let (end, resume) = match close {
                Some(close) => js[start..].find(close).map_or((js.len(), js.len()), |e| {
                    (start + e, start + e + close.len())
                }),
                // The line break is left to the loop, where it marks a line start.
                None => js[start..]
                    .find('\n')
                    .map_or((js.len(), js.len()), |e| (start + e, start + e)),
            };
            let text = &js[start..end];
            if could_matter(text) {
                out.push((Location::ScriptComment, text.trim().to_string()));
            }
            while chars.next_if(|&(j, _)| j < resume).is_some() {}
            line_start = false;
            continue;
        }
        if !matches!(c, '"' | '\'' | '`') {
            continue;
        }
        line_start = false;
        let q = c;
        let mut s = String::new();
        while let Some((_, c)) = chars.next() {
            if c == q || (c == '\n' && q != '`') {
                break;
            }
            if c != '\\' {
                s.push(c);
                continue;
            }
            match chars.next().map(|p| p.1) {
                Some('n') => s.push('\n'),
                Some('t') => s.push('\t'),
                Some('r') => {}
                Some('u') => {
                    let mut hex = String::new();
                    if chars.peek().map(|p| p.1) == Some('{') {
                        chars.next();
                        for (_, h) in chars.by_ref() {
                            if h == '}' || hex.len() > 6 {
                                break;
                            }
                            hex.push(h);
                        }
                    } else {
                        for _ in 0..4 {
                            if let Some((_, h)) = chars.next_if(|p| p.1.is_ascii_hexdigit()) {
                                hex.push(h);
                            }
                        }
                    }
                    if let Some(ch) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                        s.push(ch);
                    }
                }
                Some('x') => {
                    let mut hex = String::new();
                    for _ in 0..2 {
                        if let Some((_, h)) = chars.next_if(|p| p.1.is_ascii_hexdigit()) {
                            hex.push(h);
                        }
                    }
                    if let Some(ch) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                        s.push(ch);
                    }
                }
                Some(other) => s.push(other),
                None => {}
            }
        }
        if could_matter(&s) {
            out.push((Location::Script, s));
        }
    }
    out
}

/// CSS properties whose string values a browser puts on screen: generated content (`::before`,
/// `::after`), the quotes `open-quote` shows, string list markers, the descriptors of an
/// `@counter-style` (`symbols`, `prefix`, …), and custom properties (`--x: "…"`, shown by
/// `content: var(--x)`).
fn shows_strings(property: &str) -> bool {
    property.starts_with("--")
        || matches!(
            property,
            "content"
                | "quotes"
                | "list-style"
                | "list-style-type"
                | "symbols"
                | "additive-symbols"
                | "prefix"
                | "suffix"
                | "pad"
                | "negative"
        )
}

/// The strings CSS puts on screen, from a style sheet or a `style` attribute: for each
/// declaration of a property that [shows strings](shows_strings), its string tokens joined as
/// the browser joins them (`content: "1101" "05"` shows `110105`), CSS escapes (`\31 `,
/// `\000031`, `\"`) decoded. Selectors are not matched to elements: a `::before` string is not
/// placed next to the text it precedes. One pass over the characters, no allocation but the
/// strings kept.
fn css_strings(css: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = css.chars().peekable();
    // The last token was `{`, `;`, `}` or the start: an identifier here names a property.
    let mut at_declaration = true;
    // A property name waiting for its `:`.
    let mut property: Option<String> = None;
    // In the value of a property that shows strings: its strings so far.
    let mut value: Option<String> = None;
    // Open `(`: a `;` inside a function does not end a declaration (as in browsers).
    let mut parens = 0usize;
    let flush = |value: &mut Option<String>, out: &mut Vec<String>| {
        if let Some(v) = value.take() {
            if !v.trim().is_empty() {
                out.push(v);
            }
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut prev = ' ';
                for c in chars.by_ref() {
                    if prev == '*' && c == '/' {
                        break;
                    }
                    prev = c;
                }
            }
            c if c.is_whitespace() => {}
            '"' | '\'' => {
                let s = css_string(&mut chars, c);
                if let Some(v) = value.as_mut() {
                    v.push_str(&s);
                }
                at_declaration = false;
                property = None;
            }
            ':' => {
                if property.take().is_some_and(|p| shows_strings(&p)) && parens == 0 {
                    value = Some(String::new());
                }
                at_declaration = false;
            }
            ';' if parens > 0 => {}
            ';' | '{' | '}' => {
                flush(&mut value, &mut out);
                at_declaration = true;
                property = None;
                parens = 0;
            }
            '(' => {
                parens += 1;
                at_declaration = false;
                property = None;
            }
            ')' => {
                parens = parens.saturating_sub(1);
                at_declaration = false;
                property = None;
            }
            c if c.is_alphabetic() || matches!(c, '-' | '_' | '\\') || !c.is_ascii() => {
                let ident = css_ident(c, &mut chars);
                property = at_declaration.then(|| ident.to_ascii_lowercase());
                at_declaration = false;
            }
            _ => {
                at_declaration = false;
                property = None;
            }
        }
    }
    flush(&mut value, &mut out);
    out
}

/// An identifier starting with `first`: name characters and escapes, decoded.
fn css_ident(first: char, chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> String {
    let mut s = String::new();
    let mut c = Some(first);
    while let Some(ch) = c {
        if ch == '\\' {
            match css_escape(chars) {
                Some(e) => s.push(e),
                None => break,
            }
        } else {
            s.push(ch);
        }
        c = chars
            .next_if(|&n| n.is_alphanumeric() || matches!(n, '-' | '_' | '\\') || !n.is_ascii());
    }
    s
}

/// A string token's value after its opening `quote`, escapes decoded. An unescaped line break
/// ends it (a browser drops such a string; keeping it only adds text to scan).
fn css_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, quote: char) -> String {
    let mut s = String::new();
    while let Some(c) = chars.next() {
        match c {
            c if c == quote => break,
            '\n' | '\r' | '\x0C' => break,
            '\\' => match chars.peek() {
                // An escaped line break continues the string.
                Some('\n' | '\x0C') => {
                    chars.next();
                }
                Some('\r') => {
                    chars.next();
                    chars.next_if_eq(&'\n');
                }
                _ => s.extend(css_escape(chars)),
            },
            c => s.push(c),
        }
    }
    s
}

/// The character of an escape, after its `\`: up to six hex digits and one optional blank, or
/// the next character itself. `None` at the end of the input or before a line break.
fn css_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<char> {
    let first = *chars.peek()?;
    if matches!(first, '\n' | '\r' | '\x0C') {
        return None;
    }
    if !first.is_ascii_hexdigit() {
        chars.next();
        return Some(first);
    }
    let mut n = 0u32;
    for _ in 0..6 {
        match chars.next_if(char::is_ascii_hexdigit) {
            Some(h) => n = n * 16 + h.to_digit(16).unwrap_or(0),
            None => break,
        }
    }
    if chars.next_if_eq(&'\r').is_some() {
        chars.next_if_eq(&'\n');
    } else {
        chars.next_if(|&b| matches!(b, ' ' | '\t' | '\n' | '\x0C'));
    }
    Some(match n {
        0 => '\u{FFFD}',
        n => char::from_u32(n).unwrap_or('\u{FFFD}'),
    })
}

/// What a crawler reads in a link target: for an `href` (`is_href`), the address of a `tel:`,
/// `sms:` or `mailto:` link; for any URL, what follows its `?` (the query string, and a fragment
/// after it; `+` read as a blank).
/// Percent-encoded bytes are decoded as UTF-8, or else in the page's encoding (GB18030 for a
/// UTF-8 or UTF-16 page), as the server that receives them would. `None` when there is
/// nothing of that kind.
fn link_target(url: &str, is_href: bool, encoding: &'static str) -> Option<String> {
    let url = url.trim_matches(|c: char| c <= ' ');
    if is_href {
        for scheme in ["tel:", "sms:", "mailto:"] {
            if url
                .get(..scheme.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(scheme))
            {
                return Some(percent_decode(&url[scheme.len()..], false, encoding));
            }
        }
    }
    let q = url.find('?')?;
    let query = &url[q + 1..];
    (!query.trim().is_empty()).then(|| percent_decode(query, true, encoding))
}

fn percent_decode(s: &str, plus_is_blank: bool, encoding: &'static str) -> String {
    if !s.contains(['%', '+']) {
        return s.to_string();
    }
    let b = s.as_bytes();
    let mut bytes = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match b[i] {
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    bytes.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => bytes.push(b'%'),
            },
            b'+' if plus_is_blank => bytes.push(b' '),
            c => bytes.push(c),
        }
        i += 1;
    }
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            let legacy = encoding_rs::Encoding::for_label(encoding.as_bytes())
                .map(|e| e.output_encoding())
                .filter(|&e| e != encoding_rs::UTF_8)
                .unwrap_or(encoding_rs::GB18030);
            legacy
                .decode_without_bom_handling(e.as_bytes())
                .0
                .into_owned()
        }
    }
}

/// Decodes character references in text, by the HTML5 rules and the full WHATWG table of named
/// references: `&#x8EAB;`, `&#36523;`, `&InvisibleTimes;`, `&amp` without `;`. Numeric
/// references to NUL, surrogates or beyond U+10FFFF become U+FFFD and C1 ones are read as
/// windows-1252, as in browsers; unknown names stay as written. Attribute values are decoded
/// by the attribute rules instead (`&timesX` stays as written there).
pub fn decode_entities(s: &str) -> Cow<'_, str> {
    htmlize::unescape(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(html: &str) -> String {
        extract(html, "UTF-8").unwrap().text.into_owned()
    }

    #[test]
    fn inline_tags_do_not_split_numbers_and_blocks_break_lines() {
        let t = text("<p>联系电话：<span>138</span><span>0000</span>0001</p><p>下一段</p>");
        assert_eq!(t, "联系电话：13800000001\n下一段\n");
        let t = text("<table><tr><td>138</td><td>0000</td><td>0001</td></tr></table>");
        assert_eq!(t, "138 | 0000 | 0001\n");
    }

    #[test]
    fn entities_are_decoded() {
        assert_eq!(
            decode_entities("&#x8EAB;&#20221;&#x8bc1; a&amp;b &nbsp;&bogus;"),
            "身份证 a&b \u{a0}&bogus;"
        );
    }

    #[test]
    fn hidden_comments_attributes_and_scripts_are_located() {
        let d = extract(
            "<html><head><title>公示</title><meta name=\"description\" content=\"内部资料\"></head>\
             <body><div style=\"display: none\">隐藏</div><img alt=\"图片说明\"><!-- 注释 -->\
             <script>var a = \"脚本\"; var b = 'x';</script></body></html>",
            "UTF-8",
        )
        .unwrap();
        let at = |needle: &str| d.location_at(d.text.find(needle).unwrap());
        assert_eq!(at("公示"), Location::Title);
        assert_eq!(at("隐藏"), Location::HiddenElement);
        assert_eq!(at("内部资料"), Location::Attribute);
        assert_eq!(at("图片说明"), Location::Attribute);
        assert_eq!(at("注释"), Location::HtmlComment);
        assert_eq!(at("脚本"), Location::Script);
        assert!(!d.text.contains("'x'") && !d.text.contains("\nx\n"));
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = "<div>".repeat(MAX_DEPTH + 1);
        assert!(matches!(
            extract(&deep, "UTF-8"),
            Err(InputError::Limit { .. })
        ));
        // Unclosed list items and paragraphs do not pile up.
        let sloppy = "<ul>".to_string() + &"<li><p>项".repeat(MAX_DEPTH * 2) + "</ul>";
        assert!(extract(&sloppy, "UTF-8").is_ok());
    }

    /// The location of the first occurrence of `needle` in the extracted text.
    fn located(d: &Document<'_>, needle: &str) -> Location {
        let at = d
            .text
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} in {:?}", d.text));
        d.location_at(at)
    }

    #[test]
    fn every_named_reference_of_the_whatwg_table_is_decoded() {
        // Invisible ones, which the engine's fold then removes.
        assert_eq!(
            decode_entities("3201&InvisibleTimes;02&ZeroWidthSpace;19&NoBreak;78&ic;03&it;12"),
            "3201\u{2062}02\u{200B}19\u{2060}78\u{2063}03\u{2062}12"
        );
        assert_eq!(
            decode_entities("&NegativeMediumSpace;&af;&zwj;"),
            "\u{200B}\u{2061}\u{200D}"
        );
        // Legacy names without `;` in text, and the longest name that matches.
        assert_eq!(
            decode_entities("&amp &lt3 &copy2024 &notit;"),
            "& <3 ©2024 ¬it;"
        );
        // In attribute values a legacy name followed by a letter, digit or `=` stays as written.
        let d = extract("<img alt=\"a&copy2024 b&copy c&#x31;\">", "UTF-8").unwrap();
        assert!(d.text.contains("a&copy2024 b© c1"), "{:?}", d.text);
        // Numeric references by the HTML5 rules.
        assert_eq!(
            decode_entities("&#0;&#x80;&#xD800;&#x110000;&#32"),
            "\u{FFFD}€\u{FFFD}\u{FFFD} "
        );
    }

    #[test]
    fn srcdoc_documents_are_extracted_with_their_own_locations() {
        let d = extract(
            "<p>正文</p><iframe srcdoc=\"&lt;p&gt;框内&lt;span&gt;正文&lt;/span&gt;&lt;/p&gt;\
             &lt;table&gt;&lt;tr&gt;&lt;td&gt;单元格&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;\
             &lt;div hidden&gt;框内隐藏&lt;/div&gt;&lt;!-- 框内注释 --&gt;\
             &lt;a href=&quot;tel:13912345678&quot;&gt;拨打&lt;/a&gt;\"></iframe><p>后文</p>",
            "UTF-8",
        )
        .unwrap();
        assert_eq!(located(&d, "正文"), Location::Body);
        assert_eq!(located(&d, "后文"), Location::Body);
        assert_eq!(located(&d, "框内正文"), Location::Srcdoc);
        assert_eq!(located(&d, "单元格"), Location::Srcdoc);
        assert_eq!(located(&d, "框内隐藏"), Location::HiddenElement);
        assert_eq!(located(&d, "框内注释"), Location::HtmlComment);
        assert_eq!(located(&d, "13912345678"), Location::Link);
        // After the running text; the inner document's lines stay lines.
        assert!(d.text.starts_with("正文\n后文\n框内正文\n"), "{:?}", d.text);
        // Nested: each level is a document of its own.
        let two = "<iframe srcdoc=\"<iframe srcdoc='&amp;lt;b&amp;gt;二层&amp;lt;/b&amp;gt;'></iframe>\"></iframe>";
        let d = extract(two, "UTF-8").unwrap();
        assert_eq!(located(&d, "二层"), Location::Srcdoc);
        assert!(!d.text.contains('<'), "{:?}", d.text);
    }

    #[test]
    fn srcdoc_nesting_and_the_depth_limit_are_bounded() {
        // Level n is `srcdoc` inside n frames; each level escapes its parent's `&` once.
        let nested = |levels: usize| {
            let mut html = "<p>最内层</p>".to_string();
            for _ in 0..levels {
                html = format!(
                    "<iframe srcdoc=\"{}\"></iframe>",
                    html.replace('&', "&amp;").replace('"', "&quot;")
                );
            }
            html
        };
        let d = extract(&nested(MAX_SRCDOC_LEVEL), "UTF-8").unwrap();
        assert_eq!(located(&d, "最内层"), Location::Srcdoc);
        let err = extract(&nested(MAX_SRCDOC_LEVEL + 1), "UTF-8").unwrap_err();
        assert_eq!(
            err.to_string(),
            "refused, safety limit exceeded: iframe srcdoc documents nested deeper than 4"
        );
        // The element nesting limit holds inside a srcdoc document too.
        let deep = format!(
            "<iframe srcdoc=\"{}\"></iframe>",
            "<div>".repeat(MAX_DEPTH + 1)
        );
        assert!(matches!(
            extract(&deep, "UTF-8"),
            Err(InputError::Limit { .. })
        ));
    }

    #[test]
    fn css_strings_are_the_values_a_browser_shows() {
        assert_eq!(
            css_strings(
                ".sfz::before { content: \"\\33 20102\" '1978' \"\\000030\\33 12\\30 415\" }\n\
                 /* content: \"注释里的不算\" */ .b:after{CONTENT:\"\\\"引号\\\"\"} \
                 .c{ font-family: \"宋体\"; content : attr(data-x) \"附\\\n加\"; }\
                 ul{ list-style-type: \"★\" } q{quotes:\"«\" \"»\"}"
            ),
            ["320102197803120415", "\"引号\"", "附加", "★", "«»"]
        );
        // A `;` inside a function does not end the declaration, as in browsers.
        assert_eq!(
            css_strings("content: url(data:image/png;base64,AA) \"320102\""),
            ["320102"]
        );
        // An escaped property name is still the property.
        assert_eq!(css_strings("\\63 ontent: \"名\""), ["名"]);
        // Strings that reach the screen through `var()` and `@counter-style`.
        assert_eq!(
            css_strings(
                ".a{--sfz:\"320102\"} .a::before{content:var(--sfz)} \
                 @counter-style x{system:cyclic;symbols:\"甲\" \"乙\";suffix:\"、\"}"
            ),
            ["320102", "甲乙", "、"]
        );
        // Empty and other strings are not kept; an unterminated comment ends the sheet.
        assert!(
            css_strings(".x::after{content:\"\"} a{font-family:'黑体'} /* content:'x'").is_empty()
        );
    }

    #[test]
    fn css_content_in_style_blocks_and_attributes_is_located() {
        let d = extract(
            "<style>.n::before{content:\"\\5185\\90E8\"} p{color:red}</style>\
             <p style=\"color:red;content:&quot;属性里的&quot;\">正文</p>",
            "UTF-8",
        )
        .unwrap();
        assert_eq!(located(&d, "内部"), Location::CssContent);
        assert_eq!(located(&d, "属性里的"), Location::CssContent);
        assert!(
            !d.text.contains("color"),
            "the rest of a style sheet is skipped"
        );
    }

    #[test]
    fn link_targets_are_percent_decoded() {
        let t = |u: &str, href: bool| link_target(u, href, "UTF-8");
        assert_eq!(
            t(" TEL:+86-139-1234-5678 ", true).as_deref(),
            Some("+86-139-1234-5678")
        );
        assert_eq!(t("sms:13912345678", true).as_deref(), Some("13912345678"));
        assert_eq!(
            t("mailto:bgs@nj.gov.cn?subject=%E5%92%A8%E8%AF%A2", true).as_deref(),
            Some("bgs@nj.gov.cn?subject=咨询")
        );
        // A query string: `+` is a blank, bytes that are not UTF-8 are read as GB18030.
        assert_eq!(
            t("/gs/detail.jsp?xm=%D5%C5%C8%FD&sfz=3201%2002+19", false).as_deref(),
            Some("xm=张三&sfz=3201 02 19")
        );
        assert_eq!(
            link_target("?xm=%B1i", false, "Big5").as_deref(),
            Some("xm=張")
        );
        assert_eq!(t("?bad=%zz%4", false).as_deref(), Some("bad=%zz%4"));
        // Only `href` carries addresses; a URL without a query carries nothing.
        assert_eq!(t("tel:13912345678", false), None);
        assert_eq!(t("/gs/2024/0301.html", true), None);
        assert_eq!(t("/gs/list.html?", true), None);
        assert_eq!(t("/te身l:1", true), None);
    }

    #[test]
    fn links_data_attributes_and_script_comments_are_located() {
        let d = extract(
            "<a href=\"tel:13912345678\">拨打</a><a href=\"list.jsp?page=2&amp;col=公示\">下一页</a>\
             <img src=\"photo.jsp?id=7\"><form action=\"/q?lx=低保\"></form>\
             <a href=\"/about.html\" data-sfz=\"数据属性\">关于</a>\
             <script>\n<!-- 旧式注释\nvar s = \"字面量\"; // 行注释 1\n/* 块注释\n二行 */\n--> 结尾注释\nx = a --> b;\n</script>",
            "UTF-8",
        )
        .unwrap();
        assert_eq!(located(&d, "13912345678"), Location::Link);
        assert_eq!(located(&d, "page=2&col=公示"), Location::Link);
        assert_eq!(located(&d, "id=7"), Location::Link);
        assert_eq!(located(&d, "lx=低保"), Location::Link);
        assert!(!d.text.contains("about"), "{:?}", d.text);
        assert_eq!(located(&d, "数据属性"), Location::DataAttribute);
        assert_eq!(located(&d, "旧式注释"), Location::ScriptComment);
        assert_eq!(located(&d, "字面量"), Location::Script);
        assert_eq!(located(&d, "行注释 1"), Location::ScriptComment);
        assert_eq!(located(&d, "块注释\n二行"), Location::ScriptComment);
        assert_eq!(located(&d, "结尾注释"), Location::ScriptComment);
        // `-->` that does not start a line is an expression, not a comment.
        assert!(!d.text.contains(" b;"), "{:?}", d.text);
    }
}

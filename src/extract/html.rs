//! HTML → text: everything a reader or a crawler can see or recover.
//!
//! - Visible text, with whitespace collapsed as a browser does. Inline tags (`span`, `b`, `a`,
//!   `font`, …) add nothing, so `<span>138</span><span>0000</span>0001` stays one number; block
//!   tags (`p`, `div`, `li`, `h1`, `tr`, `br`, …) end the line; table cells are separated by
//!   ` | ` (the engine's table detector splits on it and never joins digits across it).
//! - Hidden elements (`hidden`, `display:none`, `visibility:hidden`, `<template>`,
//!   `<noscript>`) in place, located as [`Location::HiddenElement`].
//! - `<title>` in place ([`Location::Title`]).
//! - After the visible text, one per line: HTML comments, the attributes a reader or crawler sees
//!   (`alt`, `title`, `placeholder`, `aria-label`, `value` of inputs, `content` of `<meta>`)
//!   and the string literals of scripts (only those with a digit or a non-ASCII character).
//!   Moving them out of the running text keeps `138<!-- x -->00000001` one number.
//! - Character references decoded: `&#x8EAB;`, `&#36523;`, `&nbsp;`, `&amp;` and the common named
//!   ones; an unknown name is kept as written.
//!
//! A hand-written tokenizer rather than a full HTML5 tree builder: one pass, no recursion, memory
//! linear in the input. Elements nested deeper than [`MAX_DEPTH`] are refused.

use std::borrow::Cow;
use std::collections::HashMap;

use super::{Builder, Document, Format, Location};
use crate::input::InputError;

/// Open elements deeper than this are refused (browsers flatten at 512; real pages stay far
/// below, after the implied ends of `p`, `li`, `td`, `tr`, `option`, `dt`, `dd`).
pub const MAX_DEPTH: usize = 4096;

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

fn is_block(name: &str) -> bool {
    matches!(
        name,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "body"
            | "caption"
            | "center"
            | "dd"
            | "details"
            | "dialog"
            | "dir"
            | "div"
            | "dl"
            | "dt"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "form"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "head"
            | "header"
            | "hgroup"
            | "hr"
            | "html"
            | "legend"
            | "li"
            | "main"
            | "menu"
            | "nav"
            | "ol"
            | "option"
            | "p"
            | "pre"
            | "section"
            | "summary"
            | "table"
            | "tbody"
            | "tfoot"
            | "thead"
            | "tr"
            | "ul"
            | "textarea"
            | "select"
            | "iframe"
            | "video"
            | "audio"
            | "canvas"
            | "object"
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

struct Extractor<'t> {
    src: &'t str,
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
    /// Comments, attributes and script strings, emitted after the running text.
    deferred: Vec<(Location, String)>,
}

/// Extracts the text of an HTML page.
pub fn extract(src: &str, encoding: &'static str) -> Result<Document<'static>, InputError> {
    let mut x = Extractor {
        src,
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
    for (loc, s) in x.deferred {
        let s = s.trim();
        if s.is_empty() {
            continue;
        }
        out.end_line(loc);
        out.push(s, loc);
        out.push("\n", loc);
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
                self.deferred
                    .push((Location::HtmlComment, decode_entities(body).into_owned()));
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
                        for s in script_strings(content) {
                            self.deferred.push((Location::Script, s));
                        }
                    }
                    "style" => {}
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
            let keep = match &**k {
                "alt" | "title" | "placeholder" | "aria-label" | "summary" | "label" => true,
                "value" => matches!(name, "input" | "button" | "param"),
                "content" => name == "meta" && attr("http-equiv").is_none(),
                _ => false,
            };
            if keep && !v.trim().is_empty() {
                self.deferred.push((Location::Attribute, v.to_string()));
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
        } else if is_block(name) {
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
        } else if is_block(name) {
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
/// attributes (names lower-cased, values entity-decoded), whether the tag ends with `/>`, and the
/// offset just after the tag in `tag`.
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
                value = decode_entities(&tag[vs..ve]);
                i = (ve + 1).min(b.len());
            } else {
                let vs = j;
                while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'>' {
                    j += 1;
                }
                value = decode_entities(&tag[vs..j]);
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
            && b.get(n + name.len()).map_or(true, |c| {
                c.is_ascii_whitespace() || matches!(c, b'>' | b'/')
            })
        {
            let close = memchr::memchr(b'>', &b[n..]).map_or(b.len(), |e| n + e + 1);
            return (s, close);
        }
        i = s + 2;
    }
    (src.len(), src.len())
}

/// String literals in a script that could matter: those with a digit or a non-ASCII character.
/// Escapes `\n`, `\t`, `\uXXXX`, `\u{…}`, `\xHH` are decoded. Comments are skipped; a regular
/// expression literal may be misread as text, which only adds text to scan.
fn script_strings(js: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = js.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        match c {
            '/' if chars.peek().map(|p| p.1) == Some('/') => {
                for (_, c) in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek().map(|p| p.1) == Some('*') => {
                chars.next();
                let mut prev = ' ';
                for (_, c) in chars.by_ref() {
                    if prev == '*' && c == '/' {
                        break;
                    }
                    prev = c;
                }
            }
            '"' | '\'' | '`' => {
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
                                    if let Some((_, h)) = chars.next_if(|p| p.1.is_ascii_hexdigit())
                                    {
                                        hex.push(h);
                                    }
                                }
                            }
                            if let Some(ch) =
                                u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
                            {
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
                            if let Some(ch) =
                                u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
                            {
                                s.push(ch);
                            }
                        }
                        Some(other) => s.push(other),
                        None => {}
                    }
                }
                if s.chars().any(|c| c.is_ascii_digit() || !c.is_ascii()) {
                    out.push(s);
                }
            }
            _ => {}
        }
    }
    out
}

/// Decodes character references. Numeric references to NUL, surrogates or beyond U+10FFFF become
/// U+FFFD, as in browsers; unknown names stay as written.
pub fn decode_entities(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        if let Some((ch, used)) = reference(after) {
            out.push(ch);
            rest = &after[used..];
        } else {
            out.push('&');
            rest = after;
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Parses one reference after `&`: the character and the bytes used (including a `;`).
fn reference(s: &str) -> Option<(char, usize)> {
    let b = s.as_bytes();
    if b.first() == Some(&b'#') {
        let (radix, start) = if matches!(b.get(1), Some(b'x' | b'X')) {
            (16, 2)
        } else {
            (10, 1)
        };
        let len = b[start..]
            .iter()
            .take(8)
            .take_while(|c| c.is_ascii_hexdigit() && (radix == 16 || c.is_ascii_digit()))
            .count();
        if len == 0 {
            return None;
        }
        let n = u32::from_str_radix(&s[start..start + len], radix).ok()?;
        let mut used = start + len;
        if b.get(used) == Some(&b';') {
            used += 1;
        }
        let ch = match n {
            0 => '\u{FFFD}',
            // Windows-1252 remapping of C1 references, as browsers do.
            0x80..=0x9F => windows_1252(n),
            _ => char::from_u32(n).unwrap_or('\u{FFFD}'),
        };
        return Some((ch, used));
    }
    let len = b
        .iter()
        .take(10)
        .take_while(|c| c.is_ascii_alphanumeric())
        .count();
    if len == 0 {
        return None;
    }
    let name = &s[..len];
    let ch = named(name)?;
    let used = if b.get(len) == Some(&b';') {
        len + 1
    } else {
        len
    };
    Some((ch, used))
}

fn windows_1252(n: u32) -> char {
    const TABLE: [u32; 32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013,
        0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
    ];
    char::from_u32(TABLE[(n - 0x80) as usize]).unwrap_or('\u{FFFD}')
}

/// The named references that occur on Chinese government pages.
fn named(name: &str) -> Option<char> {
    Some(match name {
        "amp" | "AMP" => '&',
        "lt" | "LT" => '<',
        "gt" | "GT" => '>',
        "quot" | "QUOT" => '"',
        "apos" => '\'',
        "nbsp" => '\u{A0}',
        "ensp" => '\u{2002}',
        "emsp" => '\u{2003}',
        "thinsp" => '\u{2009}',
        "zwsp" => '\u{200B}',
        "zwnj" => '\u{200C}',
        "zwj" => '\u{200D}',
        "shy" => '\u{AD}',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "middot" => '·',
        "bull" => '•',
        "hellip" => '…',
        "mdash" => '—',
        "ndash" => '–',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "laquo" => '«',
        "raquo" => '»',
        "times" => '×',
        "divide" => '÷',
        "deg" => '°',
        "plusmn" => '±',
        "yen" => '¥',
        "sect" => '§',
        "para" => '¶',
        "star" => '☆',
        "starf" | "bigstar" => '★',
        "lowast" => '∗',
        "ast" => '*',
        "num" => '#',
        "sol" => '/',
        "lpar" => '(',
        "rpar" => ')',
        "period" => '.',
        "comma" => ',',
        "colon" => ':',
        "semi" => ';',
        "hyphen" | "dash" => '‐',
        "minus" => '−',
        "le" => '≤',
        "ge" => '≥',
        "rarr" => '→',
        "larr" => '←',
        _ => return None,
    })
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
}

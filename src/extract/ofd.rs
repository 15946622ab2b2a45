//! OFD (GB/T 33190, 版式文档) → text.
//!
//! An OFD is a ZIP package: `OFD.xml` names each document's `DocInfo` (title, author,
//! subject, abstract, keywords, custom data) and its root, `Document.xml`, which lists the
//! pages (`Pages/Page BaseLoc` → a page's `Content.xml`), the template pages
//! (`CommonData/TemplatePage`) and the annotations (`Annotations` → per page `FileLoc`).
//!
//! - Each page's text comes from its `TextObject`s' `TextCode`s (and those of its template
//!   page), placed by position: the `TextObject`'s `Boundary` origin plus the code's `X`/`Y`
//!   (inherited from the previous code when absent), its width from `DeltaX` (with the
//!   `g N v` repeat syntax) or estimated from the font `Size`. Codes are sorted into lines by
//!   `Y` and by `X` within a line; codes far apart on one line are separated by a tab, so that
//!   table columns stay columns for the engine's table model; codes close together are joined
//!   (producers often write one code per character). `CTM` transforms are not applied.
//! - Page text is [`Location::Page`] with the 1-based page number; a page with images and no
//!   text is an unreadable part (a scanned page); images beside text are counted.
//! - Annotations (their `Remark` and appearance text) follow the pages as
//!   [`Location::Annotation`], with their page; `DocInfo` comes last as
//!   [`Location::Properties`].
//!
//! Paths may be absolute (`/Doc_0/…`) or relative to the part that names them. XML with a
//! DTD or an undeclared entity is refused; parts are read under [`super::package`]'s limits.

use quick_xml::events::{BytesStart, Event};

use super::package::{Package, MAX_XML_DEPTH};
use super::{At, Builder, Document, Format, InputError, Location};

/// At most this many pages (and annotation files) in a document.
pub const MAX_PAGES: usize = 100_000;
/// At most this many text codes in one page.
pub const MAX_CODES_PER_PAGE: usize = 1_000_000;
/// At most this many documents (`DocBody`) in a package.
const MAX_DOCS: usize = 64;

fn corrupt(detail: impl Into<String>) -> InputError {
    InputError::Corrupt {
        format: "OFD",
        detail: detail.into(),
    }
}

fn local(name: &[u8]) -> &[u8] {
    match memchr::memrchr(b':', name) {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

fn attr(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| local(a.key.as_ref()) == name)
        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
}

fn num(e: &BytesStart<'_>, name: &[u8]) -> Option<f64> {
    attr(e, name)?
        .trim()
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
}

enum Ev<'x, 'e> {
    Start(&'x BytesStart<'e>),
    End(&'x [u8]),
    Text(&'x str),
}

/// Walks an XML part: starts (empty elements give a start and an end), ends and text with
/// the five XML entities and character references resolved. DTDs are refused.
fn walk(xml: &[u8], part: &str, mut f: impl FnMut(Ev<'_, '_>)) -> Result<(), InputError> {
    let err = |what: String| corrupt(format!("{part}: {what}"));
    let mut reader = quick_xml::Reader::from_reader(xml);
    reader.config_mut().check_end_names = true;
    let mut depth = 0usize;
    loop {
        let event = reader.read_event().map_err(|_| {
            err(format!(
                "malformed XML near byte {}",
                reader.error_position()
            ))
        })?;
        match event {
            Event::Eof => break,
            Event::DocType(_) => {
                return Err(err(
                    "document type declaration (DTD) refused: entity expansion is not allowed"
                        .into(),
                ))
            }
            Event::Start(e) => {
                depth += 1;
                if depth > MAX_XML_DEPTH {
                    return Err(InputError::Limit {
                        detail: format!("{part}: XML nested deeper than {MAX_XML_DEPTH} elements"),
                    });
                }
                f(Ev::Start(&e));
            }
            Event::Empty(e) => {
                f(Ev::Start(&e));
                f(Ev::End(local(e.name().as_ref())));
            }
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                f(Ev::End(local(e.name().as_ref())));
            }
            Event::Text(t) => {
                let s = t
                    .xml10_content()
                    .map_err(|_| err("text is not valid UTF-8".into()))?;
                f(Ev::Text(&s));
            }
            Event::CData(t) => {
                let s = t
                    .decode()
                    .map_err(|_| err("text is not valid UTF-8".into()))?;
                f(Ev::Text(&s));
            }
            Event::GeneralRef(r) => {
                let ch = super::package::xml_reference(&r).map_err(|m| err(m.into()))?;
                let mut buf = [0u8; 4];
                f(Ev::Text(ch.encode_utf8(&mut buf)));
            }
            _ => {}
        }
    }
    Ok(())
}

/// `target` as named from the part `from`: absolute (`/Doc_0/…`) or relative to `from`'s
/// folder, with `.` and `..` resolved and backslashes read as slashes.
fn resolve(from: &str, target: &str) -> String {
    let target = target.trim().replace('\\', "/");
    let mut parts: Vec<&str> = Vec::new();
    if !target.starts_with('/') {
        parts.extend(from.split('/'));
        parts.pop();
    }
    for seg in target.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.retain(|p| !p.is_empty());
    parts.join("/")
}

/// Reads a part by its resolved name, matching case-insensitively when the exact name is
/// absent (packages written on Windows).
fn read(package: &mut Package<'_>, name: &str, what: &str) -> Result<Vec<u8>, InputError> {
    if !package.has(name) {
        let found = package
            .names()
            .find(|n| n.eq_ignore_ascii_case(name))
            .map(str::to_string);
        return match found {
            Some(n) => package.read(&n),
            None => Err(corrupt(format!(
                "{what} {name} is missing from the package"
            ))),
        };
    }
    package.read(name)
}

/// A text code placed on its page.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Item {
    pub x: f64,
    pub y: f64,
    /// Width along the line, from `DeltaX` or estimated.
    pub w: f64,
    pub size: f64,
    pub text: String,
}

/// The sum of a `DeltaX` list, with `g N v` meaning N times v; and how many advances it gives.
fn deltas(s: &str) -> (f64, usize) {
    let mut sum = 0.0;
    let mut n = 0usize;
    let mut it = s.split_ascii_whitespace();
    while let Some(tok) = it.next() {
        if tok == "g" {
            let count: usize = it.next().and_then(|c| c.parse().ok()).unwrap_or(0);
            let v: f64 = it.next().and_then(|v| v.parse().ok()).unwrap_or(0.0);
            let count = count.min(1 << 20);
            sum += v * count as f64;
            n += count;
        } else if let Ok(v) = tok.parse::<f64>() {
            sum += v;
            n += 1;
        }
    }
    (if sum.is_finite() { sum } else { 0.0 }, n)
}

fn char_width(c: char, size: f64) -> f64 {
    if c.is_ascii() {
        size * 0.5
    } else {
        size
    }
}

/// The text and images of one page's (or template's, or annotation's) content.
#[derive(Default)]
struct Content {
    items: Vec<Item>,
    images: usize,
    remarks: Vec<String>,
    /// The page's `Template TemplateID`.
    template: Option<String>,
}

/// Reads the text objects of a content part.
fn content(xml: &[u8], part: &str) -> Result<Content, InputError> {
    let mut c = Content::default();
    // Per open TextObject: its origin and font size.
    let mut objects: Vec<(f64, f64, f64)> = Vec::new();
    // The open TextCode: x, y, DeltaX sum and count; the previous code's x, y.
    let mut code: Option<(f64, f64, f64, usize, String)> = None;
    let mut last = (0.0, 0.0);
    let mut remark: Option<String> = None;
    let mut over = false;
    walk(xml, part, |ev| match ev {
        Ev::Start(e) => match local(e.name().as_ref()) {
            b"TextObject" => {
                let (bx, by) = attr(e, b"Boundary")
                    .map(|b| {
                        let mut v = b
                            .split_ascii_whitespace()
                            .map(|t| t.parse::<f64>().unwrap_or(0.0));
                        (v.next().unwrap_or(0.0), v.next().unwrap_or(0.0))
                    })
                    .unwrap_or((0.0, 0.0));
                let size = num(e, b"Size").filter(|s| *s > 0.0).unwrap_or(3.5);
                objects.push((bx, by, size));
                last = (0.0, 0.0);
            }
            b"TextCode" => {
                let x = num(e, b"X").unwrap_or(last.0);
                let y = num(e, b"Y").unwrap_or(last.1);
                last = (x, y);
                let (dx, n) = attr(e, b"DeltaX").map_or((0.0, 0), |d| deltas(&d));
                code = Some((x, y, dx, n, String::new()));
            }
            b"ImageObject" => c.images += 1,
            b"Remark" => remark = Some(String::new()),
            b"Template" if c.template.is_none() => c.template = attr(e, b"TemplateID"),
            _ => {}
        },
        Ev::Text(t) => {
            if let Some((.., s)) = code.as_mut() {
                s.push_str(t);
            } else if let Some(r) = remark.as_mut() {
                r.push_str(t);
            }
        }
        Ev::End(name) => match name {
            b"TextCode" => {
                if let Some((x, y, dx, n, text)) = code.take() {
                    let &(bx, by, size) = objects.last().unwrap_or(&(0.0, 0.0, 3.5));
                    let count = text.chars().count();
                    let estimated: f64 = text
                        .chars()
                        .skip(n.min(count.saturating_sub(1)))
                        .map(|ch| char_width(ch, size))
                        .sum();
                    let w = if n > 0 { dx + estimated } else { estimated };
                    if !text.trim().is_empty() {
                        if c.items.len() >= MAX_CODES_PER_PAGE {
                            over = true;
                        } else {
                            c.items.push(Item {
                                x: bx + x,
                                y: by + y,
                                w,
                                size,
                                text,
                            });
                        }
                    }
                }
            }
            b"TextObject" => {
                objects.pop();
            }
            b"Remark" => {
                if let Some(r) = remark.take() {
                    c.remarks.push(r);
                }
            }
            _ => {}
        },
    })?;
    if over {
        return Err(InputError::Limit {
            detail: format!("{part}: more than {MAX_CODES_PER_PAGE} text codes"),
        });
    }
    Ok(c)
}

/// Lays placed text codes out as lines: a new line where `Y` changes by more than half the
/// font size, a tab between codes on one line more than a character and a half apart.
pub(crate) fn lines(items: &mut [Item]) -> String {
    items.sort_by(|a, b| a.y.total_cmp(&b.y).then(a.x.total_cmp(&b.x)));
    // Group into lines by Y, then sort each line by X.
    let mut out = String::new();
    let mut i = 0;
    while i < items.len() {
        let y0 = items[i].y;
        let tol = (items[i].size * 0.5).max(0.5);
        let mut j = i + 1;
        while j < items.len() && items[j].y - y0 <= tol {
            j += 1;
        }
        let line = &mut items[i..j];
        line.sort_by(|a, b| a.x.total_cmp(&b.x));
        let mut end: Option<f64> = None;
        for it in line.iter() {
            if let Some(e) = end {
                if it.x - e > it.size * 1.5 {
                    out.push('\t');
                }
            }
            out.push_str(it.text.trim_end_matches('\n'));
            end = Some(end.map_or(it.x + it.w, |e: f64| e.max(it.x + it.w)));
        }
        out.push('\n');
        i = j;
    }
    out
}

/// Extracts the text of an OFD package.
pub(crate) fn extract_package(package: &mut Package<'_>) -> Result<Document<'static>, InputError> {
    let ofd = read(package, "OFD.xml", "entry part")?;
    // Per DocBody: the DocInfo fields and the DocRoot.
    let mut docs: Vec<(Vec<String>, Option<String>)> = Vec::new();
    let mut field: Option<String> = None;
    walk(&ofd, "OFD.xml", |ev| match ev {
        Ev::Start(e) => match local(e.name().as_ref()) {
            b"DocBody" => docs.push((Vec::new(), None)),
            b"Title" | b"Author" | b"Subject" | b"Abstract" | b"Keyword" | b"CustomData"
            | b"DocRoot" => field = Some(String::new()),
            _ => {}
        },
        Ev::Text(t) => {
            if let Some(f) = field.as_mut() {
                f.push_str(t);
            }
        }
        Ev::End(name) => {
            if let (Some(v), Some(d)) = (field.take(), docs.last_mut()) {
                if name == b"DocRoot" {
                    d.1 = Some(v);
                } else {
                    d.0.push(v);
                }
            }
        }
    })?;
    if docs.is_empty() || docs.iter().all(|d| d.1.is_none()) {
        return Err(corrupt("OFD.xml names no document (no DocBody/DocRoot)"));
    }
    if docs.len() > MAX_DOCS {
        return Err(InputError::Limit {
            detail: format!("OFD.xml names {} documents, limit {MAX_DOCS}", docs.len()),
        });
    }
    let mut out = Builder::default();
    let mut page_base = 0u32;
    let mut props = Vec::new();
    for (info, root) in docs {
        props.extend(info);
        if let Some(root) = root {
            page_base += document(package, &resolve("OFD.xml", &root), page_base, &mut out)?;
        }
    }
    for p in props {
        let p = p.trim();
        if !p.is_empty() {
            out.end_line(Location::Properties);
            out.push(p, Location::Properties);
            out.push("\n", Location::Properties);
        }
    }
    Ok(out.finish(Format::Ofd, "UTF-8"))
}

/// Reads one document's pages and annotations; returns its page count.
fn document(
    package: &mut Package<'_>,
    root: &str,
    page_base: u32,
    out: &mut Builder,
) -> Result<u32, InputError> {
    let xml = read(package, root, "document root")?;
    // Pages: (ID, BaseLoc, TemplateID); templates: ID → BaseLoc; the annotations index.
    let mut pages: Vec<(String, String, Option<String>)> = Vec::new();
    let mut templates: Vec<(String, String)> = Vec::new();
    let mut annotations: Option<String> = None;
    let mut in_annotations = false;
    let mut in_pages = false;
    walk(&xml, root, |ev| match ev {
        Ev::Start(e) => match local(e.name().as_ref()) {
            b"Pages" => in_pages = true,
            b"Page" if in_pages && pages.len() <= MAX_PAGES => pages.push((
                attr(e, b"ID").unwrap_or_default(),
                attr(e, b"BaseLoc").unwrap_or_default(),
                None,
            )),
            b"TemplatePage" => templates.push((
                attr(e, b"ID").unwrap_or_default(),
                attr(e, b"BaseLoc").unwrap_or_default(),
            )),
            b"Annotations" => {
                in_annotations = true;
                annotations = Some(String::new());
            }
            _ => {}
        },
        Ev::Text(t) => {
            if in_annotations {
                if let Some(a) = annotations.as_mut() {
                    a.push_str(t);
                }
            }
        }
        Ev::End(n) => match n {
            b"Pages" => in_pages = false,
            b"Annotations" => in_annotations = false,
            _ => {}
        },
    })?;
    if pages.len() > MAX_PAGES {
        return Err(InputError::Limit {
            detail: format!("{root}: more than {MAX_PAGES} pages"),
        });
    }
    // Each page's template, from the page part itself (`Template TemplateID`).
    let mut page_ids = Vec::with_capacity(pages.len());
    for (i, (id, loc, _)) in pages.iter().enumerate() {
        if loc.trim().is_empty() {
            return Err(corrupt(format!("{root}: page {} has no BaseLoc", i + 1)));
        }
        page_ids.push(id.clone());
    }
    let mut seen: std::collections::HashMap<String, usize> = Default::default();
    for (i, (_, loc, _)) in pages.iter().enumerate() {
        let n = page_base + i as u32 + 1;
        // Each page has its own content (shared content is a template's job): a part named by
        // many pages would be read and parsed again for each.
        if let Some(first) = seen.insert(resolve(root, loc), i) {
            return Err(corrupt(format!(
                "{root}: pages {} and {} name the same content part",
                first + 1,
                i + 1
            )));
        }
        let at = At {
            page: Some(n),
            ..At::default()
        };
        let name = resolve(root, loc);
        let part = read(package, &name, "page")?;
        let mut c = content(&part, &name)?;
        // The template page's content shows on the page too.
        if let Some(tid) = c.template.take() {
            if let Some((_, tloc)) = templates.iter().find(|t| t.0 == tid) {
                let tname = resolve(root, tloc);
                let t = content(&read(package, &tname, "template page")?, &tname)?;
                c.items.extend(t.items);
                c.images += t.images;
            }
        }
        out.end_line(Location::Page);
        if c.items.is_empty() {
            if c.images > 0 {
                out.unreadable(
                    Location::Page,
                    at,
                    format!("第 {n} 页没有文字（扫描件或图片）"),
                );
            }
            continue;
        }
        for _ in 0..c.images {
            out.image();
        }
        let text = lines(&mut c.items);
        out.push_at(&text, Location::Page, at);
    }
    if let Some(index) = annotations.filter(|a| !a.trim().is_empty()) {
        let index_name = resolve(root, &index);
        let xml = read(package, &index_name, "annotation index")?;
        // (PageID, FileLoc) pairs.
        let mut files: Vec<(String, String)> = Vec::new();
        let mut page_id = String::new();
        let mut in_loc: Option<String> = None;
        walk(&xml, &index_name, |ev| match ev {
            Ev::Start(e) => match local(e.name().as_ref()) {
                b"Page" => page_id = attr(e, b"PageID").unwrap_or_default(),
                b"FileLoc" => in_loc = Some(String::new()),
                _ => {}
            },
            Ev::Text(t) => {
                if let Some(l) = in_loc.as_mut() {
                    l.push_str(t);
                }
            }
            Ev::End(b"FileLoc") => {
                if let Some(l) = in_loc.take() {
                    if files.len() <= MAX_PAGES {
                        files.push((page_id.clone(), l));
                    }
                }
            }
            Ev::End(_) => {}
        })?;
        if files.len() > MAX_PAGES {
            return Err(InputError::Limit {
                detail: format!("{index_name}: more than {MAX_PAGES} annotation files"),
            });
        }
        for (pid, loc) in files {
            let name = resolve(&index_name, &loc);
            let mut c = content(&read(package, &name, "annotation")?, &name)?;
            let page = page_ids
                .iter()
                .position(|p| *p == pid)
                .map(|i| page_base + i as u32 + 1);
            let at = At {
                page,
                ..At::default()
            };
            out.end_line(Location::Annotation);
            for r in c.remarks.iter().filter(|r| !r.trim().is_empty()) {
                out.push_at(r.trim(), Location::Annotation, at);
                out.push_at("\n", Location::Annotation, at);
            }
            if !c.items.is_empty() {
                let text = lines(&mut c.items);
                out.push_at(&text, Location::Annotation, at);
            }
        }
    }
    Ok(pages.len() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(x: f64, y: f64, text: &str) -> Item {
        Item {
            x,
            y,
            w: text.chars().map(|c| char_width(c, 3.0)).sum(),
            size: 3.0,
            text: text.into(),
        }
    }

    #[test]
    fn paths_resolve_absolute_and_relative() {
        assert_eq!(
            resolve("OFD.xml", "Doc_0/Document.xml"),
            "Doc_0/Document.xml"
        );
        assert_eq!(
            resolve("Doc_0/Document.xml", "Pages/Page_0/Content.xml"),
            "Doc_0/Pages/Page_0/Content.xml"
        );
        assert_eq!(
            resolve("Doc_0/Document.xml", "/Doc_0/Pages/Page_1/Content.xml"),
            "Doc_0/Pages/Page_1/Content.xml"
        );
        assert_eq!(
            resolve("Doc_0/Annots/Annotations.xml", "../Pages/./P.xml"),
            "Doc_0/Pages/P.xml"
        );
        assert_eq!(resolve("a/b.xml", "..\\..\\..\\c.xml"), "c.xml");
    }

    #[test]
    fn delta_x_repeats() {
        assert_eq!(deltas("g 3 5 2.5"), (17.5, 4));
        assert_eq!(deltas(""), (0.0, 0));
        assert_eq!(deltas("g x"), (0.0, 0));
    }

    #[test]
    fn codes_become_lines_and_columns() {
        // A title, then a table row of three cells written out of order, one character per
        // code in the first cell.
        let mut items = vec![
            item(60.0, 40.0, "110101199003077774"),
            item(20.0, 20.0, "公示"),
            item(20.0, 40.2, "张"),
            item(23.0, 40.2, "伟"),
            item(120.0, 40.0, "3000"),
        ];
        assert_eq!(lines(&mut items), "公示\n张伟\t110101199003077774\t3000\n");
    }

    #[test]
    fn content_reads_codes_images_and_remarks() {
        let xml = r#"<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content><ofd:Layer>
            <ofd:TextObject Boundary="10 20 50 5" Size="4"><ofd:TextCode X="0" Y="4" DeltaX="g 1 4">&#20869;&amp;</ofd:TextCode><ofd:TextCode X="8">x</ofd:TextCode></ofd:TextObject>
            <ofd:ImageObject ResourceID="1"/></ofd:Layer></ofd:Content>
            <ofd:Remark>备注</ofd:Remark></ofd:Page>"#
            .as_bytes();
        let c = content(xml, "p.xml").unwrap();
        assert_eq!(c.images, 1);
        assert_eq!(c.remarks, vec!["备注".to_string()]);
        assert_eq!(c.items.len(), 2);
        assert_eq!(
            (c.items[0].x, c.items[0].y, c.items[0].text.as_str()),
            (10.0, 24.0, "内&")
        );
        // The second code inherits Y.
        assert_eq!((c.items[1].x, c.items[1].y), (18.0, 24.0));
        assert!(content(b"<!DOCTYPE x><a/>", "p.xml").is_err());
        assert!(content(b"<a>&ent;</a>", "p.xml").is_err());
    }

    proptest::proptest! {
        /// Arbitrary XML and arbitrary positions never panic.
        #[test]
        fn arbitrary_input_never_panics(
            xml in proptest::collection::vec(proptest::num::u8::ANY, 0..400),
            pos in proptest::collection::vec((proptest::num::f64::ANY, proptest::num::f64::ANY, 0.0f64..10.0), 0..40),
            target in ".{0,40}",
        ) {
            let _ = content(&xml, "p.xml");
            let mut items: Vec<Item> = pos
                .iter()
                .map(|&(x, y, size)| Item { x, y, w: size, size, text: "字".into() })
                .collect();
            let text = lines(&mut items);
            proptest::prop_assert_eq!(text.matches('字').count(), pos.len());
            let _ = resolve("Doc_0/Document.xml", &target);
        }
    }
}

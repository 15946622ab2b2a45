//! Word `.docx` → text: body, tables, text boxes, hidden text, tracked insertions and deletions,
//! then headers, footers, footnotes, endnotes and comments.
//!
//! Order of the extracted text: `word/document.xml` first (so the title rules see the document's
//! own first lines), then `word/header*.xml`, `word/footer*.xml`, `word/footnotes.xml`,
//! `word/endnotes.xml`, `word/comments.xml`, each part starting on a new line.
//!
//! - Runs are joined: a term or number split over runs (`<w:t>1380000</w:t>…<w:t>0001</w:t>`)
//!   is one string. Paragraphs end lines; `w:br`/`w:cr` break lines; `w:tab` is a tab.
//! - Table cells are separated by ` | ` and rows end lines, as in [`super::html`].
//! - Tracked changes are shown as Word's "All Markup" view shows them: deleted text (`w:delText`)
//!   stays where it was, next to the inserted text. Each insertion, deletion and tracked
//!   formatting change becomes a [`Trace`](super::Trace), and each comment too.
//! - `mc:Fallback` is skipped (it repeats the text of the `mc:Choice` beside it); field codes
//!   (`w:instrText`) are skipped, their results are ordinary runs.
//!
//! Hostile archives are refused before anything large is allocated: see the `MAX_*` limits.

use quick_xml::events::{BytesStart, Event};

use super::package::Package;
use super::InputError;
use super::{Builder, Document, Format, Location, TraceKind};

pub use super::package::MAX_XML_DEPTH;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Part {
    Body,
    Header,
    Footer,
    Footnote,
    Endnote,
    Comment,
}

fn part_of(name: &str) -> Option<(u8, Part)> {
    let numbered = |prefix: &str| {
        name.strip_prefix(prefix)
            .and_then(|r| r.strip_suffix(".xml"))
            .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
    };
    Some(match name {
        "word/document.xml" => (0, Part::Body),
        _ if numbered("word/header") => (1, Part::Header),
        _ if numbered("word/footer") => (2, Part::Footer),
        "word/footnotes.xml" => (3, Part::Footnote),
        "word/endnotes.xml" => (4, Part::Endnote),
        "word/comments.xml" => (5, Part::Comment),
        _ => return None,
    })
}

/// Extracts the text of a Word document.
pub fn extract(bytes: &[u8]) -> Result<Document<'static>, InputError> {
    let mut package = Package::open(bytes)?;
    extract_package(&mut package)
}

/// [`extract`] on an opened package (the format router opens it once to look inside).
pub(crate) fn extract_package(package: &mut Package<'_>) -> Result<Document<'static>, InputError> {
    let mut parts: Vec<(u8, String, Part)> = package
        .names()
        .filter_map(|n| part_of(n).map(|(rank, p)| (rank, n.to_string(), p)))
        .collect();
    if !parts.iter().any(|p| p.2 == Part::Body) {
        return Err(InputError::NotDocx);
    }
    // Natural order: header2 before header10.
    parts.sort_by(|a, b| (a.0, a.1.len(), &a.1).cmp(&(b.0, b.1.len(), &b.1)));
    let mut out = Builder::default();
    let images = package
        .names()
        .filter(|n| n.starts_with("word/media/"))
        .count();
    for _ in 0..images {
        out.image();
    }
    for (_, name, part) in &parts {
        let xml = package.read(name)?;
        out.end_line(Location::Body);
        Walker::new(&mut out, *part).run(&xml, name)?;
    }
    Ok(out.finish(Format::Docx, "UTF-8"))
}

/// Walks one part's XML and writes its text.
struct Walker<'b> {
    out: &'b mut Builder,
    part: Part,
    depth: usize,
    /// Inside `mc:Fallback` (skipped) since this depth.
    skip_from: Option<usize>,
    in_text: bool,
    in_run: bool,
    in_run_props: bool,
    in_para_props: bool,
    run_hidden: bool,
    run_changed: bool,
    run_start: usize,
    para_changed: bool,
    para_start: usize,
    tables: usize,
    text_boxes: usize,
    /// Open insertions and deletions with where their text starts.
    changes: Vec<(TraceKind, usize)>,
    comment_start: Option<usize>,
    /// Per open table: whether the current row has had a cell.
    row_has_cell: Vec<bool>,
    /// Within a cell, a paragraph ended: the next text of the cell is preceded by a blank.
    cell_gap: bool,
}

fn local(name: &[u8]) -> &[u8] {
    match memchr::memrchr(b':', name) {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

/// `w:val` of an on/off property: absent or anything but false/0/off means on.
fn on(e: &BytesStart<'_>) -> bool {
    for a in e.attributes().flatten() {
        if local(a.key.as_ref()) == b"val" {
            return !matches!(&*a.value, b"0" | b"false" | b"off");
        }
    }
    true
}

impl<'b> Walker<'b> {
    fn new(out: &'b mut Builder, part: Part) -> Self {
        Walker {
            out,
            part,
            depth: 0,
            skip_from: None,
            in_text: false,
            in_run: false,
            in_run_props: false,
            in_para_props: false,
            run_hidden: false,
            run_changed: false,
            run_start: 0,
            para_changed: false,
            para_start: 0,
            tables: 0,
            text_boxes: 0,
            changes: Vec::new(),
            comment_start: None,
            row_has_cell: Vec::new(),
            cell_gap: false,
        }
    }

    fn location(&self) -> Location {
        if self.part == Part::Comment {
            return Location::Comment;
        }
        match self.changes.last() {
            Some((TraceKind::Deletion, _)) => return Location::TrackedDeletion,
            Some(_) => return Location::TrackedInsertion,
            None => {}
        }
        if self.run_hidden {
            return Location::HiddenText;
        }
        if self.text_boxes > 0 {
            return Location::TextBox;
        }
        match self.part {
            Part::Header => Location::Header,
            Part::Footer => Location::Footer,
            Part::Footnote => Location::Footnote,
            Part::Endnote => Location::Endnote,
            _ if self.tables > 0 => Location::Table,
            _ => Location::Body,
        }
    }

    fn in_cell(&self) -> bool {
        self.row_has_cell.last().copied().unwrap_or(false) && self.text_boxes == 0
    }

    fn emit(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        let loc = self.location();
        if self.cell_gap {
            self.cell_gap = false;
            self.out.push(" ", loc);
        }
        self.out.push(s, loc);
    }

    fn run(mut self, xml: &[u8], part_name: &str) -> Result<(), InputError> {
        let xml_err = |detail: String| InputError::Xml {
            part: part_name.to_string(),
            detail,
        };
        let mut reader = quick_xml::Reader::from_reader(xml);
        reader.config_mut().check_end_names = true;
        loop {
            let event = reader.read_event().map_err(|_| {
                xml_err(format!(
                    "malformed XML near byte {}",
                    reader.error_position()
                ))
            })?;
            match event {
                Event::Eof => break,
                Event::DocType(_) => {
                    return Err(xml_err(
                        "document type declaration (DTD) refused: entity expansion is not allowed"
                            .into(),
                    ))
                }
                Event::Start(e) => {
                    self.depth += 1;
                    if self.depth > MAX_XML_DEPTH {
                        return Err(InputError::Limit {
                            detail: format!(
                                "{part_name}: XML nested deeper than {MAX_XML_DEPTH} elements"
                            ),
                        });
                    }
                    if self.skip_from.is_none() {
                        self.start(&e, false);
                    }
                }
                Event::Empty(e) if self.skip_from.is_none() => self.start(&e, true),
                Event::End(e) => {
                    if self.skip_from == Some(self.depth) {
                        self.skip_from = None;
                    } else if self.skip_from.is_none() {
                        self.end(local(e.name().as_ref()));
                    }
                    self.depth = self.depth.saturating_sub(1);
                }
                Event::Text(t) if self.in_text && self.skip_from.is_none() => {
                    let s = t
                        .xml10_content()
                        .map_err(|_| xml_err("text is not valid UTF-8".into()))?;
                    self.emit(&s);
                }
                Event::CData(t) if self.in_text && self.skip_from.is_none() => {
                    let s = t
                        .decode()
                        .map_err(|_| xml_err("text is not valid UTF-8".into()))?;
                    self.emit(&s);
                }
                Event::GeneralRef(r) => {
                    let ch = super::package::xml_reference(&r).map_err(|m| xml_err(m.into()))?;
                    if self.in_text && self.skip_from.is_none() {
                        let mut buf = [0u8; 4];
                        self.emit(ch.encode_utf8(&mut buf));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn start(&mut self, e: &BytesStart<'_>, empty: bool) {
        let name = e.name();
        let local = local(name.as_ref());
        match local {
            b"Fallback" if !empty => self.skip_from = Some(self.depth),
            b"p" => {
                self.para_start = self.out.len();
                self.para_changed = false;
                if empty {
                    self.end(b"p");
                }
            }
            b"pPr" if !empty => self.in_para_props = true,
            b"r" if !empty => {
                self.in_run = true;
                self.run_hidden = false;
                self.run_changed = false;
                self.run_start = self.out.len();
            }
            b"rPr" if !empty && self.in_run => self.in_run_props = true,
            b"vanish" | b"specVanish" if self.in_run_props => self.run_hidden = on(e),
            b"rPrChange" if self.in_run_props => self.run_changed = true,
            b"pPrChange" => self.para_changed = true,
            b"rPrChange" if self.in_para_props => self.para_changed = true,
            // An inserted or deleted paragraph mark: a change without text of its own.
            b"ins" | b"del" | b"moveTo" | b"moveFrom" if self.in_para_props => {
                self.para_changed = true
            }
            b"ins" | b"moveTo" if !empty && !self.in_run_props => {
                self.changes.push((TraceKind::Insertion, self.out.len()))
            }
            b"del" | b"moveFrom" if !empty && !self.in_run_props => {
                self.changes.push((TraceKind::Deletion, self.out.len()))
            }
            b"t" | b"delText" if !empty && self.in_run => self.in_text = true,
            b"tab" if self.in_run && !self.in_run_props => {
                let s = if self.in_cell() { " " } else { "\t" };
                self.emit(s);
            }
            b"br" | b"cr" if self.in_run && !self.in_run_props => {
                if self.in_cell() {
                    self.emit(" ");
                } else {
                    self.emit("\n");
                }
            }
            b"noBreakHyphen" if self.in_run => self.emit("-"),
            b"txbxContent" if !empty => {
                self.text_boxes += 1;
                self.out.end_line(self.location());
            }
            b"tbl" if !empty => {
                self.tables += 1;
                self.row_has_cell.push(false);
                self.out.end_line(self.location());
            }
            b"tr" if !empty => {
                if let Some(r) = self.row_has_cell.last_mut() {
                    *r = false;
                }
                self.cell_gap = false;
            }
            b"tc" if !empty => {
                self.cell_gap = false;
                if self.row_has_cell.last() == Some(&true) {
                    let loc = self.location();
                    self.out.push(" | ", loc);
                }
                if let Some(r) = self.row_has_cell.last_mut() {
                    *r = true;
                }
            }
            b"comment" if !empty && self.part == Part::Comment => {
                self.out.end_line(Location::Comment);
                self.comment_start = Some(self.out.len());
            }
            _ => {}
        }
    }

    fn end(&mut self, local: &[u8]) {
        match local {
            b"t" | b"delText" => self.in_text = false,
            b"pPr" => self.in_para_props = false,
            b"rPr" => self.in_run_props = false,
            b"r" => {
                if self.run_changed {
                    self.out.trace(TraceKind::Format, self.run_start);
                }
                self.in_run = false;
                self.in_text = false;
                self.run_hidden = false;
                self.run_changed = false;
            }
            b"p" => {
                if self.para_changed {
                    self.out.trace(TraceKind::Format, self.para_start);
                    self.para_changed = false;
                }
                if self.in_cell() && self.tables > 0 {
                    self.cell_gap = true;
                } else {
                    let loc = self.location();
                    self.out.push("\n", loc);
                }
            }
            b"ins" | b"moveTo" | b"del" | b"moveFrom"
                if !self.in_run_props && !self.in_para_props =>
            {
                if let Some((kind, start)) = self.changes.pop() {
                    self.out.trace(kind, start);
                }
            }
            b"txbxContent" => {
                self.text_boxes = self.text_boxes.saturating_sub(1);
                self.out.end_line(self.location());
            }
            b"tr" => {
                self.cell_gap = false;
                let loc = self.location();
                self.out.end_line(loc);
                if let Some(r) = self.row_has_cell.last_mut() {
                    *r = false;
                }
            }
            b"tbl" => {
                self.tables = self.tables.saturating_sub(1);
                self.row_has_cell.pop();
                self.cell_gap = false;
            }
            b"comment" if self.part == Part::Comment => {
                if let Some(start) = self.comment_start.take() {
                    // The comment's text without its final line break.
                    let mut end = self.out.len();
                    while end > start && self.out.text.as_bytes()[end - 1] == b'\n' {
                        end -= 1;
                    }
                    if end > start {
                        self.out.traces.push(super::Trace {
                            kind: TraceKind::Comment,
                            start,
                            end,
                        });
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;

    /// A `.docx` of the given parts (name, XML).
    fn docx(parts: &[(&str, String)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts: zip::write::SimpleFileOptions = Default::default();
        for (name, xml) in parts {
            w.start_file(*name, opts).expect("a zip entry");
            w.write_all(xml.as_bytes()).expect("zip data");
        }
        w.finish().expect("a zip archive").into_inner()
    }

    fn body(inner: &str) -> String {
        format!(r#"<w:document {W}><w:body>{inner}</w:body></w:document>"#)
    }

    fn para(text: &str) -> String {
        format!("<w:p><w:r><w:t>{text}</w:t></w:r></w:p>")
    }

    #[test]
    fn parts_are_known_by_name_and_ranked() {
        assert_eq!(part_of("word/document.xml"), Some((0, Part::Body)));
        assert_eq!(part_of("word/header12.xml"), Some((1, Part::Header)));
        assert_eq!(part_of("word/footer1.xml"), Some((2, Part::Footer)));
        assert_eq!(part_of("word/comments.xml"), Some((5, Part::Comment)));
        assert_eq!(part_of("word/headerx.xml"), None);
        assert_eq!(part_of("word/styles.xml"), None);
        assert_eq!(local(b"w:ins"), b"ins");
        assert_eq!(local(b"ins"), b"ins");
    }

    #[test]
    fn body_then_headers_in_natural_order_each_located() {
        let bytes = docx(&[
            (
                "word/header10.xml",
                format!(r#"<w:hdr {W}>{}</w:hdr>"#, para("页眉十")),
            ),
            ("word/document.xml", body(&para("正文第一段"))),
            (
                "word/header2.xml",
                format!(r#"<w:hdr {W}>{}</w:hdr>"#, para("页眉二")),
            ),
        ]);
        let doc = extract(&bytes).expect("a small valid docx");
        let text = doc.text.as_ref();
        let (b, h2, h10) = (
            text.find("正文第一段").expect("body"),
            text.find("页眉二").expect("header2"),
            text.find("页眉十").expect("header10"),
        );
        assert!(b < h2 && h2 < h10, "body, header2, header10: {text:?}");
        assert_eq!(doc.location_at(b), Location::Body);
        assert_eq!(doc.location_at(h2), Location::Header);
    }

    #[test]
    fn tracked_changes_and_comments_are_traces_and_table_cells_are_apart() {
        let xml = body(&format!(
            "{}<w:p><w:ins w:id=\"1\"><w:r><w:t>新增内容</w:t></w:r></w:ins><w:del w:id=\"2\"><w:r><w:delText>删除内容</w:delText></w:r></w:del></w:p>\
             <w:tbl><w:tr><w:tc>{}</w:tc><w:tc>{}</w:tc></w:tr></w:tbl>",
            para("通知"),
            para("姓名"),
            para("张三")
        ));
        let comments = format!(
            r#"<w:comments {W}><w:comment w:id="0">{}</w:comment></w:comments>"#,
            para("请核实")
        );
        let doc = extract(&docx(&[
            ("word/document.xml", xml),
            ("word/comments.xml", comments),
        ]))
        .expect("a docx with revisions");
        let text = doc.text.as_ref();
        let kinds: Vec<TraceKind> = doc.traces.iter().map(|t| t.kind).collect();
        assert!(kinds.contains(&TraceKind::Insertion), "{kinds:?}");
        assert!(kinds.contains(&TraceKind::Deletion), "{kinds:?}");
        assert!(kinds.contains(&TraceKind::Comment), "{kinds:?}");
        for t in &doc.traces {
            assert!(t.start <= t.end && t.end <= text.len());
        }
        let cell = text.find("张三").expect("the cell's text");
        assert_eq!(doc.location_at(cell), Location::Table);
        assert!(!text.contains("姓名张三"), "cells are apart: {text:?}");
    }

    #[test]
    fn an_archive_without_a_body_is_not_a_word_document() {
        let bytes = docx(&[("word/styles.xml", "<w:styles/>".into())]);
        assert_eq!(extract(&bytes).err(), Some(InputError::NotDocx));
    }
}

//! The redacted `.docx`: the package rebuilt part by part, cleaned, with every value masked.
//!
//! Cleaning, in the same pass: comments removed (their parts, relationships and anchors),
//! tracked changes resolved (insertions accepted, deletions and moved-from text dropped, so
//! deleted text does not survive; formatting-change records dropped), hidden runs (`w:vanish`)
//! removed, the authors list (`people.xml`) and custom properties removed, and the author,
//! last editor, company and manager fields of the document properties emptied. Then every XML
//! part (headers, footers, notes, text boxes, properties, custom XML) is masked by value.
//! Media and other binary parts are copied as they are.

use super::{mask_all, Matcher, RedactError};
use crate::extract::package::Package;
use quick_xml::events::Event;
use std::io::Write;

/// Parts dropped from the copy: comments and what belongs to them, the people who commented
/// or revised, and custom document properties.
const DROPPED: &[&str] = &[
    "word/comments.xml",
    "word/commentsExtended.xml",
    "word/commentsIds.xml",
    "word/commentsExtensible.xml",
    "word/people.xml",
    "docProps/custom.xml",
];

/// Elements dropped with everything inside them.
const DROP_ELEMENTS: &[&[u8]] = &[
    b"w:del",
    b"w:moveFrom",
    b"w:delText",
    b"w:delInstrText",
    b"w:commentRangeStart",
    b"w:commentRangeEnd",
    b"w:commentReference",
    b"w:moveFromRangeStart",
    b"w:moveFromRangeEnd",
    b"w:moveToRangeStart",
    b"w:moveToRangeEnd",
    b"w:rPrChange",
    b"w:pPrChange",
    b"w:sectPrChange",
    b"w:tblPrChange",
    b"w:tblGridChange",
    b"w:tcPrChange",
    b"w:trPrChange",
    b"w:tblPrExChange",
    b"w:numberingChange",
];

/// Elements whose start and end tags are dropped and whose content stays (accepted changes).
const UNWRAP_ELEMENTS: &[&[u8]] = &[b"w:ins", b"w:moveTo"];

/// Property fields emptied: who wrote or edited the file, for whom.
const EMPTIED_PROPERTIES: &[&[u8]] = &[b"dc:creator", b"cp:lastModifiedBy", b"Company", b"Manager"];

pub(crate) fn rewrite(
    bytes: &[u8],
    matcher: &Matcher,
    mask: &str,
    name_mask: &str,
    counts: &mut [usize],
    cleaned: &mut Vec<String>,
) -> Result<Vec<u8>, RedactError> {
    let mut package = Package::open(bytes).map_err(RedactError::Input)?;
    let names: Vec<String> = package.names().map(str::to_string).collect();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut stats = Stats::default();
    for name in &names {
        if name.ends_with('/') {
            continue;
        }
        if DROPPED.contains(&name.as_str()) {
            stats.parts_dropped.push(name.clone());
            continue;
        }
        let data = package.read_large(name).map_err(RedactError::Input)?;
        let is_xml = name.ends_with(".xml") || name.ends_with(".rels");
        let data = if is_xml {
            let text = std::str::from_utf8(&data).map_err(|_| {
                RedactError::Unsupported(format!(
                    "包内文件 {name} 不是 UTF-8 编码的 XML，无法安全改写 (part {name} is not UTF-8 XML)"
                ))
            })?;
            let text = if name.ends_with(".rels") || name == "[Content_Types].xml" {
                drop_references(text)
            } else {
                clean(text, &mut stats).map_err(|e| {
                    RedactError::Unsupported(format!(
                        "包内文件 {name} 的 XML 无法读取（{e}），无法安全改写"
                    ))
                })?
            };
            mask_all(&text, matcher, mask, name_mask, counts).into_bytes()
        } else {
            data
        };
        out.start_file(name.as_str(), options)
            .and_then(|_| out.write_all(&data).map_err(Into::into))
            .map_err(|e| RedactError::Encoding(format!("无法写出脱敏稿：{e}")))?;
    }
    let cursor = out
        .finish()
        .map_err(|e| RedactError::Encoding(format!("无法写出脱敏稿：{e}")))?;
    stats.report(cleaned);
    Ok(cursor.into_inner())
}

/// Every part of a package, decompressed (for the proof).
pub(crate) fn parts(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let Ok(mut package) = Package::open(bytes) else {
        return Vec::new();
    };
    let names: Vec<String> = package.names().map(str::to_string).collect();
    names
        .into_iter()
        .filter_map(|n| package.read_large(&n).ok().map(|b| (n, b)))
        .collect()
}

#[derive(Default)]
struct Stats {
    parts_dropped: Vec<String>,
    deletions: usize,
    insertions: usize,
    comments: usize,
    hidden: usize,
    properties: usize,
}

impl Stats {
    fn report(&self, cleaned: &mut Vec<String>) {
        if self.comments > 0 || self.parts_dropped.iter().any(|p| p.contains("comments")) {
            cleaned.push(format!("删除了批注（{} 处批注标记）", self.comments));
        }
        if self.deletions > 0 {
            cleaned.push(format!("删除了 {} 处修订删除的文字", self.deletions));
        }
        if self.insertions > 0 {
            cleaned.push(format!("接受了 {} 处修订插入", self.insertions));
        }
        if self.hidden > 0 {
            cleaned.push(format!("删除了 {} 段隐藏文字", self.hidden));
        }
        if self.properties > 0 {
            cleaned.push(format!(
                "清空了 {} 项文档属性（作者、最后修改者、单位、经理）",
                self.properties
            ));
        }
        for p in &self.parts_dropped {
            if !p.contains("comments") {
                cleaned.push(format!("删除了包内文件 {p}"));
            }
        }
    }
}

/// Relationships and content-type overrides of the dropped parts removed.
fn drop_references(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let Some(j) = rest[i..].find('>') else {
            out.push_str(&rest[i..]);
            return out;
        };
        let tag = &rest[i..i + j + 1];
        let refers = (tag.starts_with("<Relationship ") || tag.starts_with("<Override "))
            && DROPPED.iter().any(|p| {
                let file = p.rsplit('/').next().unwrap_or(p);
                tag.contains(&format!("\"{file}\""))
                    || tag.contains(&format!("/{p}\""))
                    || tag.contains(&format!("\"{p}\""))
            });
        if !refers {
            out.push_str(tag);
        }
        rest = &rest[i + j + 1..];
    }
    out.push_str(rest);
    out
}

/// One XML part cleaned: see the module comment.
fn clean(xml: &str, stats: &mut Stats) -> Result<String, quick_xml::Error> {
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut writer = quick_xml::Writer::new(Vec::with_capacity(xml.len()));
    // Runs being read: their events, and whether they are hidden or anchor a comment.
    let mut runs: Vec<(Vec<Event<'static>>, bool)> = Vec::new();
    let mut in_rpr = 0usize;
    let mut drop_depth = 0usize;
    let mut emptied: Option<Vec<u8>> = None;
    loop {
        let event = reader.read_event()?;
        if matches!(event, Event::Eof) {
            break;
        }
        if drop_depth > 0 {
            match &event {
                Event::Start(_) => drop_depth += 1,
                Event::End(_) => drop_depth -= 1,
                _ => {}
            }
            continue;
        }
        if let Some(name) = &emptied {
            if let Event::End(e) = &event {
                if e.name().as_ref() == name.as_slice() {
                    emptied = None;
                    emit(&mut writer, &mut runs, event.into_owned())?;
                }
            }
            continue;
        }
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                let name = e.name();
                let name = name.as_ref();
                let empty = matches!(event, Event::Empty(_));
                if DROP_ELEMENTS.contains(&name) {
                    match name {
                        b"w:del" | b"w:moveFrom" => stats.deletions += 1,
                        b"w:commentReference" | b"w:commentRangeStart" => stats.comments += 1,
                        _ => {}
                    }
                    if name == b"w:commentReference" {
                        if let Some(run) = runs.last_mut() {
                            run.1 = true; // the run only anchors the comment
                        }
                    }
                    if !empty {
                        drop_depth = 1;
                    }
                    continue;
                }
                if UNWRAP_ELEMENTS.contains(&name) {
                    stats.insertions += usize::from(!empty);
                    continue;
                }
                if EMPTIED_PROPERTIES.contains(&name) && !empty {
                    stats.properties += 1;
                    emptied = Some(name.to_vec());
                    emit(&mut writer, &mut runs, event.into_owned())?;
                    continue;
                }
                if name == b"w:r" && !empty {
                    runs.push((vec![event.into_owned()], false));
                    continue;
                }
                if name == b"w:rPr" && !empty {
                    in_rpr += 1;
                }
                if name == b"w:vanish" && in_rpr > 0 && !is_off(e) {
                    if let Some(run) = runs.last_mut() {
                        run.1 = true;
                    }
                }
                emit(&mut writer, &mut runs, event.into_owned())?;
            }
            Event::End(e) => {
                let name = e.name();
                let name = name.as_ref();
                if UNWRAP_ELEMENTS.contains(&name) {
                    continue;
                }
                if name == b"w:rPr" {
                    in_rpr = in_rpr.saturating_sub(1);
                }
                if name == b"w:r" {
                    if let Some((mut events, hidden)) = runs.pop() {
                        events.push(event.into_owned());
                        if hidden {
                            stats.hidden += usize::from(has_text(&events));
                            continue;
                        }
                        for ev in events {
                            emit(&mut writer, &mut runs, ev)?;
                        }
                        continue;
                    }
                }
                emit(&mut writer, &mut runs, event.into_owned())?;
            }
            _ => emit(&mut writer, &mut runs, event.into_owned())?,
        }
    }
    Ok(String::from_utf8(writer.into_inner()).unwrap_or_default())
}

/// `<w:vanish w:val="0"/>` (or false/off) turns hiding off.
fn is_off(e: &quick_xml::events::BytesStart<'_>) -> bool {
    e.attributes().flatten().any(|a| {
        a.key.as_ref().ends_with(b"val") && matches!(a.value.as_ref(), b"0" | b"false" | b"off")
    })
}

fn has_text(events: &[Event<'_>]) -> bool {
    events
        .iter()
        .any(|e| matches!(e, Event::Text(t) if !t.is_empty()))
}

fn emit(
    writer: &mut quick_xml::Writer<Vec<u8>>,
    runs: &mut [(Vec<Event<'static>>, bool)],
    event: Event<'static>,
) -> Result<(), quick_xml::Error> {
    match runs.last_mut() {
        Some(run) => {
            run.0.push(event);
            Ok(())
        }
        None => writer.write_event(event).map_err(Into::into),
    }
}

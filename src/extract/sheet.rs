//! Spreadsheets → text: Excel `.xlsx` and `.xls`, OpenDocument `.ods`, and WPS `.et` (which
//! WPS saves in one of the Excel forms).
//!
//! Every sheet is read, hidden and "very hidden" ones included, and every cell, in hidden rows
//! and columns too: what a reader of the published file can unhide is published. Each row
//! becomes one line whose cells are separated by tabs, so the engine's table model reads a
//! `身份证号` header cell as naming its whole column. A row with one cell in the sheet's first
//! column (a title over a merged range) stays a plain line, so it does not become the header
//! of the table below it. Sheets are separated by a blank line and start with their name.
//!
//! Cell text is at [`Location::Sheet`] with the sheet and cell in its [`At`]; cell comments
//! (批注) at [`Location::Comment`] with the cell they annotate (`.xlsx` legacy and threaded
//! comments, `.ods` annotations, `.xls` and `.et` notes read from the BIFF8 records by
//! [`biff`], which the reader does not expose). A comment's text is read, not its author.
//!
//! Hostile files: `.xlsx` and `.ods` parts are read through [`Package`]'s limits before any
//! reader sees them. A reader that lays a sheet out densely (calamine does for `.xls`) is
//! given only workbooks whose sheets are small enough, checked first on the file's own
//! records; every format is bounded by [`MAX_CELLS`] and [`MAX_SHEETS`].

mod biff;

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Data, DataRef, Reader};
use quick_xml::events::Event;

use super::package::{Package, MAX_XML_DEPTH};
use super::{At, Builder, Document, Format, InputError, Location};

/// At most this many sheets in a workbook (Excel's own limit is memory).
pub const MAX_SHEETS: usize = 1_000;
/// At most this many non-empty cells in a workbook, all sheets together.
pub const MAX_CELLS: usize = 4_000_000;
/// The largest sheet area (rows × columns) handed to a reader that lays sheets out densely.
pub const MAX_DENSE_CELLS: u64 = 8_000_000;

/// One non-empty cell (or a cell's comment): (row, column, text).
type Cells = Vec<(u32, u32, String)>;

/// Extracts an `.xlsx` workbook (`bytes` are the package's, for the reader).
pub(crate) fn extract_xlsx(
    package: &mut Package<'_>,
    bytes: &[u8],
) -> Result<Document<'static>, InputError> {
    read_xlsx(package, bytes)
}

fn read_xlsx(package: &mut Package<'_>, bytes: &[u8]) -> Result<Document<'static>, InputError> {
    // Every part passes the package's size and ratio limits before the reader inflates it.
    let names: Vec<String> = package.names().map(str::to_string).collect();
    let mut parts: HashMap<String, Vec<u8>> = HashMap::new();
    for name in &names {
        let data = if name.starts_with("xl/worksheets/") || name == "xl/sharedStrings.xml" {
            package.read_large(name)?
        } else {
            package.read(name)?
        };
        // Kept: what the comments are found through, and the comments. Worksheets were
        // read only to check them; the reader inflates them again, one at a time.
        if name.ends_with(".rels") || name == "xl/workbook.xml" || name.contains("omment") {
            parts.insert(name.clone(), data);
        }
    }
    let mut book =
        guarded("xlsx", || calamine::Xlsx::new(Cursor::new(bytes)))?.map_err(|e| xlsx_error(&e))?;
    let sheets: Vec<(String, String)> = book
        .sheets_metadata()
        .iter()
        .map(|s| (s.name.clone(), String::new()))
        .collect();
    if sheets.len() > MAX_SHEETS {
        return Err(too_many_sheets(sheets.len()));
    }
    let comments = xlsx_comments(&parts)?;
    let mut out = Builder::default();
    let mut total = 0usize;
    for (name, _) in &sheets {
        let mut cells = Cells::new();
        let mut reader = match guarded("xlsx", || book.worksheet_cells_reader(name))? {
            Ok(r) => r,
            // A chart sheet or dialog sheet has no cells.
            Err(calamine::XlsxError::WorksheetNotFound(_)) => continue,
            Err(e) => return Err(xlsx_error(&e)),
        };
        while let Some(cell) =
            guarded("xlsx", || reader.next_cell())?.map_err(|e| xlsx_error(&e))?
        {
            let (row, col) = cell.get_position();
            if let Some(text) = data_ref_text(cell.get_value()) {
                total += 1;
                if total > MAX_CELLS {
                    return Err(too_many_cells());
                }
                cells.push((row, col, text));
            }
        }
        let notes = comments.get(name.as_str()).cloned().unwrap_or_default();
        write_sheet(&mut out, name, cells, notes);
    }
    properties(package, &mut out)?;
    for name in &names {
        if name.starts_with("xl/media/") {
            out.image();
        }
    }
    Ok(out.finish(Format::Xlsx, "UTF-8"))
}

/// Extracts an `.xls` workbook (BIFF8 in an OLE compound file; WPS `.et` too). Its own
/// records are read first: each sheet's area is checked, and the comments are taken, which
/// the reader does not give.
pub(crate) fn extract_xls(bytes: &[u8]) -> Result<Document<'static>, InputError> {
    let stream = biff::workbook_stream(bytes)?;
    biff::check_sheet_areas(&stream)?;
    let comments = biff::comments(&stream)?;
    drop(stream);
    read_xls(bytes, comments)
}

/// Runs one call into calamine, which can panic on malformed input (its `.xls` parser
/// indexes record data unchecked; the fuzz target found one): a panic is a corrupt file, never
/// a crash of the scan. Its message holds offsets, not document text. Only calamine's calls
/// are guarded, so a panic in baomi's own code still reaches the fuzzer.
fn guarded<T>(format: &'static str, call: impl FnOnce() -> T) -> Result<T, InputError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(call))
        .map_err(|_| corrupt(format, "the reader failed on a malformed structure"))
}

/// Reads the cells with calamine; `comments` are each sheet's, in the order of its sheets.
fn read_xls(bytes: &[u8], mut comments: Vec<Cells>) -> Result<Document<'static>, InputError> {
    let mut book = match guarded("xls", || calamine::Xls::new(Cursor::new(bytes)))? {
        Ok(b) => b,
        Err(calamine::XlsError::Password) => {
            return Ok(Document::unreadable(
                Format::Xls,
                "设有打开密码的加密 Excel 工作簿，无法读取".into(),
            ))
        }
        Err(_) => return Err(corrupt("xls", "malformed workbook structure")),
    };
    let names: Vec<String> = book
        .sheets_metadata()
        .iter()
        .map(|s| s.name.clone())
        .collect();
    if names.len() > MAX_SHEETS {
        return Err(too_many_sheets(names.len()));
    }
    let mut out = Builder::default();
    let mut total = 0usize;
    for (i, name) in names.iter().enumerate() {
        let notes = comments.get_mut(i).map(std::mem::take).unwrap_or_default();
        let mut cells = Cells::new();
        match guarded("xls", || book.worksheet_range(name))? {
            Ok(range) => {
                let (r0, c0) = range.start().unwrap_or((0, 0));
                for (r, c, v) in range.used_cells() {
                    if let Some(text) = data_text(v) {
                        total += 1;
                        if total > MAX_CELLS {
                            return Err(too_many_cells());
                        }
                        cells.push((r0 + r as u32, c0 + c as u32, text));
                    }
                }
            }
            // A sheet without cells the reader reads; its comments are still read.
            Err(_) if !notes.is_empty() => {}
            Err(_) => continue,
        }
        write_sheet(&mut out, name, cells, notes);
    }
    Ok(out.finish(Format::Xls, "UTF-8"))
}

/// Extracts an `.ods` spreadsheet: `content.xml` read here (cells, repeats, annotations), so
/// that repeated rows and columns are bounded and comments are not lost.
pub(crate) fn extract_ods(package: &mut Package<'_>) -> Result<Document<'static>, InputError> {
    let xml = package.read_large("content.xml")?;
    let mut out = Builder::default();
    OdsWalker::default().run(&xml, &mut out)?;
    properties(package, &mut out)?;
    for name in package.names() {
        if name.starts_with("Pictures/") {
            out.image();
        }
    }
    Ok(out.finish(Format::Ods, "UTF-8"))
}

/// Writes one sheet: a blank line, its name, then each row as a line of tab-separated cells,
/// then its comments.
fn write_sheet(out: &mut Builder, name: &str, mut cells: Cells, notes: Vec<(u32, u32, String)>) {
    let sheet = out.sheet(name);
    out.end_line(Location::Sheet);
    if !out.text.is_empty() {
        out.push("\n", Location::Sheet);
    }
    let at = At {
        sheet: Some(sheet),
        ..At::default()
    };
    out.push_at(&clean(name), Location::Sheet, at);
    out.push_at("\n", Location::Sheet, at);
    cells.sort_unstable_by_key(|&(r, c, _)| (r, c));
    let first_col = cells.iter().map(|c| c.1).min().unwrap_or(0);
    let mut i = 0;
    while i < cells.len() {
        let row = cells[i].0;
        let end = i + cells[i..].iter().take_while(|c| c.0 == row).count();
        let lone_title = end - i == 1 && cells[i].1 == first_col;
        let mut col = first_col;
        for (k, (r, c, text)) in cells[i..end].iter().enumerate() {
            let at = At {
                sheet: Some(sheet),
                cell: Some((*r, *c)),
                page: None,
            };
            if !lone_title {
                // Empty cells keep their column: the header's k-th cell names the k-th cell.
                let gaps = if k == 0 { c - first_col } else { c - col };
                for _ in 0..gaps.min(256) {
                    out.push_at("\t", Location::Sheet, at);
                }
            }
            out.push_at(&clean(text), Location::Sheet, at);
            col = *c;
        }
        out.push_at("\n", Location::Sheet, at);
        i = end;
    }
    for (r, c, text) in notes {
        let at = At {
            sheet: Some(sheet),
            cell: Some((r, c)),
            page: None,
        };
        out.end_line(Location::Comment);
        out.push_at(&clean(&text), Location::Comment, at);
        out.push_at("\n", Location::Comment, at);
    }
}

/// A cell's text on one line: tabs and line breaks inside a cell become spaces, so the row
/// stays one table row.
fn clean(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' | '\u{0b}' | '\u{0c}' => ' ',
            c => c,
        })
        .collect()
}

/// A number as a person reads it in the cell: integers without `.0`, so that a mobile number
/// or a card number typed as a number is read as its digits.
fn number_text(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e17 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

fn data_ref_text(v: &DataRef<'_>) -> Option<String> {
    let s = match v {
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => number_text(*f),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_string(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(d) => number_text(d.as_f64()),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(_) | DataRef::Empty => return None,
    };
    (!s.trim().is_empty()).then_some(s)
}

fn data_text(v: &Data) -> Option<String> {
    let s = match v {
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::String(s) => s.clone(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => number_text(d.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(_) | Data::Empty => return None,
    };
    (!s.trim().is_empty()).then_some(s)
}

/// The comments of an `.xlsx` workbook by sheet name: legacy comments (`xl/comments*.xml`)
/// and threaded ones (`xl/threadedComments/*.xml`), found through each worksheet's
/// relationships.
fn xlsx_comments(parts: &HashMap<String, Vec<u8>>) -> Result<HashMap<String, Cells>, InputError> {
    let mut by_sheet: HashMap<String, Cells> = HashMap::new();
    // Sheet name → worksheet part, through xl/workbook.xml and its relationships.
    let rels = relationships(parts, "xl/_rels/workbook.xml.rels", "xl/")?;
    let Some(workbook) = parts.get("xl/workbook.xml") else {
        return Ok(by_sheet);
    };
    let mut sheets = Vec::new();
    xml_elements(workbook, "xl/workbook.xml", |name, attrs| {
        if name == "sheet" {
            let sheet = attr(attrs, "name");
            let id = attr(attrs, "id");
            if let (Some(sheet), Some(id)) = (sheet, id) {
                sheets.push((sheet, id));
            }
        }
    })?;
    for (sheet, id) in sheets {
        let Some(part) = rels.get(&id) else { continue };
        let (dir, file) = part.rsplit_once('/').unwrap_or(("", part));
        let rels_name = format!("{dir}/_rels/{file}.rels");
        let targets = relationships(parts, &rels_name, &format!("{dir}/"))?;
        let mut targets: Vec<&String> = targets.values().collect();
        targets.sort();
        for target in targets {
            let Some(xml) = parts.get(target.as_str()) else {
                continue;
            };
            if target.contains("comments") || target.contains("Comment") {
                let notes = comment_texts(xml, target)?;
                by_sheet.entry(sheet.clone()).or_default().extend(notes);
            }
        }
    }
    Ok(by_sheet)
}

/// The `Id → target part` map of a relationships part, targets resolved against `base`.
fn relationships(
    parts: &HashMap<String, Vec<u8>>,
    name: &str,
    base: &str,
) -> Result<HashMap<String, String>, InputError> {
    let mut map = HashMap::new();
    let Some(xml) = parts.get(name) else {
        return Ok(map);
    };
    xml_elements(xml, name, |el, attrs| {
        if el == "Relationship" {
            if let (Some(id), Some(target)) = (attr(attrs, "Id"), attr(attrs, "Target")) {
                map.insert(id, resolve(base, &target));
            }
        }
    })?;
    Ok(map)
}

/// `target` relative to the directory `base` (ending in `/`), or absolute from the root.
fn resolve(base: &str, target: &str) -> String {
    if let Some(abs) = target.strip_prefix('/') {
        return abs.to_string();
    }
    let mut parts: Vec<&str> = base.split('/').filter(|s| !s.is_empty()).collect();
    for seg in target.split('/') {
        match seg {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// Each `<comment ref="C17">` or `<threadedComment ref="C17">` with its text.
fn comment_texts(xml: &[u8], part: &str) -> Result<Vec<(u32, u32, String)>, InputError> {
    let mut reader = xml_reader(xml);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let mut current: Option<((u32, u32), String)> = None;
    let mut depth = 0usize;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => {
                depth += 1;
                if depth > MAX_XML_DEPTH {
                    return Err(too_deep(part));
                }
                let name = e.local_name();
                if name.as_ref() == b"comment" || name.as_ref() == b"threadedComment" {
                    let at = e
                        .attributes()
                        .flatten()
                        .find(|a| a.key.local_name().as_ref() == b"ref")
                        .and_then(|a| cell_ref(&a.value));
                    current = at.map(|at| (at, String::new()));
                }
            }
            Ok(Event::End(e)) => {
                depth = depth.saturating_sub(1);
                let name = e.local_name();
                if name.as_ref() == b"comment" || name.as_ref() == b"threadedComment" {
                    if let Some(((r, c), text)) = current.take() {
                        if !text.trim().is_empty() {
                            out.push((r, c, text));
                        }
                    }
                }
            }
            Ok(Event::Text(t)) => {
                if let Some((_, text)) = current.as_mut() {
                    text.push_str(&xml_text(&t, part)?);
                }
            }
            Ok(Event::GeneralRef(r)) => {
                if let Some((_, text)) = current.as_mut() {
                    text.push_str(&general_ref(&r, part)?);
                }
            }
            Ok(Event::CData(t)) => {
                if let Some((_, text)) = current.as_mut() {
                    text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Ok(Event::DocType(_)) => return Err(dtd(part)),
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(_) => return Err(malformed(part)),
        }
        buf.clear();
    }
    Ok(out)
}

/// `C17` → (16, 2).
fn cell_ref(s: &[u8]) -> Option<(u32, u32)> {
    let split = s.iter().position(|b| b.is_ascii_digit())?;
    let (letters, digits) = s.split_at(split);
    if letters.is_empty() || letters.len() > 4 || !letters.iter().all(u8::is_ascii_alphabetic) {
        return None;
    }
    let col = letters.iter().try_fold(0u32, |acc, &b| {
        acc.checked_mul(26)?
            .checked_add(u32::from(b.to_ascii_uppercase() - b'A') + 1)
    })?;
    let row: u32 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some((row.checked_sub(1)?, col - 1))
}

/// Document properties (`docProps/core.xml`, `app.xml`, `custom.xml`) of an Office Open XML
/// package, and `meta.xml` of an OpenDocument one: every value at [`Location::Properties`],
/// one per line. A full ID number in the author field is published with the file.
pub(crate) fn properties(package: &mut Package<'_>, out: &mut Builder) -> Result<(), InputError> {
    for part in [
        "docProps/core.xml",
        "docProps/app.xml",
        "docProps/custom.xml",
        "meta.xml",
    ] {
        if !package.has(part) {
            continue;
        }
        let xml = package.read(part)?;
        let mut values = Vec::new();
        let mut reader = xml_reader(&xml);
        let mut buf = Vec::new();
        let mut depth = 0usize;
        let mut current = String::new();
        loop {
            match reader.read_event_into(&mut buf) {
                Ok(Event::Start(_)) => {
                    depth += 1;
                    if depth > MAX_XML_DEPTH {
                        return Err(too_deep(part));
                    }
                }
                Ok(Event::End(_)) => {
                    depth = depth.saturating_sub(1);
                    if !current.trim().is_empty() {
                        values.push(std::mem::take(&mut current));
                    }
                    current.clear();
                }
                Ok(Event::Text(t)) => current.push_str(&xml_text(&t, part)?),
                Ok(Event::GeneralRef(r)) => current.push_str(&general_ref(&r, part)?),
                Ok(Event::CData(t)) => current.push_str(&String::from_utf8_lossy(&t)),
                Ok(Event::DocType(_)) => return Err(dtd(part)),
                Ok(Event::Eof) => break,
                Ok(_) => {}
                Err(_) => return Err(malformed(part)),
            }
            buf.clear();
        }
        for v in values {
            out.end_line(Location::Properties);
            out.push(&clean(&v), Location::Properties);
            out.push("\n", Location::Properties);
        }
    }
    Ok(())
}

/// Walks an OpenDocument spreadsheet's `content.xml`.
#[derive(Default)]
struct OdsWalker {
    sheet: Option<u32>,
    sheet_name: String,
    row: u32,
    col: u32,
    row_repeat: u32,
    cell_repeat: u32,
    /// Text of the cell being read, and of its annotation.
    cell: Option<String>,
    note: Option<String>,
    cells: Cells,
    notes: Vec<(u32, u32, String)>,
    total: usize,
    /// Inside `text:p` (paragraphs inside one cell are joined with a space).
    paragraphs: u32,
}

impl OdsWalker {
    fn run(mut self, xml: &[u8], out: &mut Builder) -> Result<(), InputError> {
        const PART: &str = "content.xml";
        let mut reader = xml_reader(xml);
        let mut buf = Vec::new();
        let mut depth = 0usize;
        let mut sheets = 0usize;
        loop {
            let ev = reader.read_event_into(&mut buf);
            let (start, empty) = match &ev {
                Ok(Event::Start(e)) => (Some(e.clone()), false),
                Ok(Event::Empty(e)) => (Some(e.clone()), true),
                _ => (None, false),
            };
            if let Some(e) = start {
                if !empty {
                    depth += 1;
                    if depth > MAX_XML_DEPTH {
                        return Err(too_deep(PART));
                    }
                }
                let local = e.local_name();
                let num = |key: &[u8]| -> u32 {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.local_name().as_ref() == key)
                        .and_then(|a| std::str::from_utf8(&a.value).ok()?.parse().ok())
                        .unwrap_or(1)
                };
                match local.as_ref() {
                    b"table" => {
                        sheets += 1;
                        if sheets > MAX_SHEETS {
                            return Err(too_many_sheets(sheets));
                        }
                        let name = e
                            .attributes()
                            .flatten()
                            .find(|a| a.key.local_name().as_ref() == b"name")
                            .map(|a| String::from_utf8_lossy(&a.value).into_owned())
                            .unwrap_or_default();
                        self.sheet_name = name;
                        self.row = 0;
                        self.cells.clear();
                        self.notes.clear();
                        if empty {
                            self.end_table(out);
                        }
                    }
                    b"table-row" => {
                        self.col = 0;
                        self.row_repeat = num(b"number-rows-repeated").max(1);
                        if empty {
                            self.row = self.row.saturating_add(self.row_repeat);
                        }
                    }
                    b"table-cell" | b"covered-table-cell" => {
                        self.cell_repeat = num(b"number-columns-repeated").max(1);
                        if empty {
                            self.col = self.col.saturating_add(self.cell_repeat);
                        } else {
                            self.cell = Some(String::new());
                        }
                    }
                    b"annotation" if !empty => self.note = Some(String::new()),
                    b"p" if !empty => {
                        self.paragraphs += 1;
                        let target = if self.note.is_some() {
                            self.note.as_mut()
                        } else {
                            self.cell.as_mut()
                        };
                        if let Some(t) = target {
                            if !t.is_empty() {
                                t.push(' ');
                            }
                        }
                    }
                    b"s" | b"tab" | b"line-break" => self.text(" "),
                    _ => {}
                }
            }
            match ev {
                Ok(Event::End(e)) => {
                    depth = depth.saturating_sub(1);
                    match e.local_name().as_ref() {
                        b"table" => self.end_table(out),
                        b"table-row" => {
                            self.row = self.row.saturating_add(self.row_repeat.max(1));
                        }
                        b"table-cell" | b"covered-table-cell" => self.end_cell()?,
                        b"annotation" => {
                            if let Some(n) = self.note.take() {
                                if !n.trim().is_empty() {
                                    self.notes.push((self.row, self.col, n));
                                }
                            }
                        }
                        b"p" => self.paragraphs = self.paragraphs.saturating_sub(1),
                        _ => {}
                    }
                }
                Ok(Event::Text(t)) if self.paragraphs > 0 => {
                    self.text(&xml_text(&t, PART)?);
                }
                Ok(Event::GeneralRef(r)) if self.paragraphs > 0 => {
                    self.text(&general_ref(&r, PART)?);
                }
                Ok(Event::DocType(_)) => return Err(dtd(PART)),
                Ok(Event::Eof) => break,
                Err(_) => return Err(malformed(PART)),
                _ => {}
            }
            buf.clear();
        }
        Ok(())
    }

    fn text(&mut self, s: &str) {
        if let Some(n) = self.note.as_mut() {
            n.push_str(s);
        } else if let Some(c) = self.cell.as_mut() {
            c.push_str(s);
        }
    }

    /// A cell ends: its text is repeated over its repeated columns and rows (only non-empty
    /// cells are expanded, each counted against [`MAX_CELLS`]).
    fn end_cell(&mut self) -> Result<(), InputError> {
        if let Some(text) = self.cell.take() {
            if !text.trim().is_empty() {
                let n = self.cell_repeat as usize * self.row_repeat as usize;
                if self.total.saturating_add(n) > MAX_CELLS {
                    return Err(too_many_cells());
                }
                self.total += n;
                for dr in 0..self.row_repeat {
                    for dc in 0..self.cell_repeat {
                        self.cells.push((
                            self.row.saturating_add(dr),
                            self.col.saturating_add(dc),
                            text.clone(),
                        ));
                    }
                }
            }
        }
        self.col = self.col.saturating_add(self.cell_repeat);
        self.cell_repeat = 1;
        Ok(())
    }

    fn end_table(&mut self, out: &mut Builder) {
        let cells = std::mem::take(&mut self.cells);
        let notes = std::mem::take(&mut self.notes);
        write_sheet(out, &self.sheet_name, cells, notes);
        self.sheet = None;
    }
}

fn xml_reader(xml: &[u8]) -> quick_xml::Reader<&[u8]> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    reader.config_mut().trim_text(false);
    reader
}

/// Calls `f(local name, attributes as (local key, value))` for every start or empty element.
fn xml_elements(
    xml: &[u8],
    part: &str,
    mut f: impl FnMut(&str, &[(String, String)]),
) -> Result<(), InputError> {
    let mut reader = xml_reader(xml);
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                let attrs: Vec<(String, String)> = e
                    .attributes()
                    .flatten()
                    .map(|a| {
                        (
                            String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned(),
                            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .map(|v| v.into_owned())
                                .unwrap_or_else(|_| String::from_utf8_lossy(&a.value).into_owned()),
                        )
                    })
                    .collect();
                f(&name, &attrs);
            }
            Ok(Event::DocType(_)) => return Err(dtd(part)),
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(_) => return Err(malformed(part)),
        }
        buf.clear();
    }
    Ok(())
}

fn attr(attrs: &[(String, String)], key: &str) -> Option<String> {
    attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
}

fn xml_text(t: &quick_xml::events::BytesText<'_>, part: &str) -> Result<String, InputError> {
    t.decode()
        .map(|s| s.into_owned())
        .map_err(|_| malformed(part))
}

/// A character or predefined entity reference (`&#x4E00;`, `&amp;`); anything else is an
/// undeclared entity.
fn general_ref(r: &quick_xml::events::BytesRef<'_>, part: &str) -> Result<String, InputError> {
    super::package::xml_reference(r)
        .map(String::from)
        .map_err(|_| malformed(part))
}

fn too_many_sheets(n: usize) -> InputError {
    InputError::Limit {
        detail: format!("workbook has {n} sheets or more, limit {MAX_SHEETS}"),
    }
}

fn too_many_cells() -> InputError {
    InputError::Limit {
        detail: format!("workbook has more than {MAX_CELLS} non-empty cells"),
    }
}

fn too_deep(part: &str) -> InputError {
    InputError::Limit {
        detail: format!("{part}: XML nested deeper than {MAX_XML_DEPTH} elements"),
    }
}

fn dtd(part: &str) -> InputError {
    InputError::Corrupt {
        format: "spreadsheet",
        detail: format!("{part}: document type declaration (DTD) refused"),
    }
}

fn malformed(part: &str) -> InputError {
    InputError::Corrupt {
        format: "spreadsheet",
        detail: format!("{part}: not well-formed XML"),
    }
}

fn corrupt(format: &'static str, detail: &str) -> InputError {
    InputError::Corrupt {
        format,
        detail: detail.to_string(),
    }
}

/// A reader error as its kind only: calamine's messages can quote sheet names and values.
fn xlsx_error(e: &calamine::XlsxError) -> InputError {
    use calamine::XlsxError as E;
    let detail = match e {
        E::Password => "workbook is password protected",
        E::Zip(_) => "ZIP structure",
        E::Xml(_) | E::XmlAttr(_) | E::XmlEof(_) => "malformed XML in a workbook part",
        E::FileNotFound(_) => "a part the workbook names is missing",
        _ => "malformed workbook structure",
    };
    corrupt("xlsx", detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_references_parse() {
        assert_eq!(cell_ref(b"A1"), Some((0, 0)));
        assert_eq!(cell_ref(b"C17"), Some((16, 2)));
        assert_eq!(cell_ref(b"AA3"), Some((2, 26)));
        assert_eq!(cell_ref(b"A0"), None);
        assert_eq!(cell_ref(b"17"), None);
        assert_eq!(cell_ref(b"ZZZZZ1"), None);
        assert_eq!(cell_ref(b"A99999999999"), None);
        for (r, c) in [(0, 0), (16, 2), (99, 701), (1_048_575, 16_383)] {
            let name = crate::engine::cell_name(r, c);
            assert_eq!(cell_ref(name.as_bytes()), Some((r, c)), "{name}");
        }
    }

    #[test]
    fn relationship_targets_resolve() {
        assert_eq!(
            resolve("xl/", "worksheets/sheet1.xml"),
            "xl/worksheets/sheet1.xml"
        );
        assert_eq!(
            resolve("xl/worksheets/", "../comments1.xml"),
            "xl/comments1.xml"
        );
        assert_eq!(
            resolve("xl/", "/xl/worksheets/sheet2.xml"),
            "xl/worksheets/sheet2.xml"
        );
    }

    #[test]
    fn numbers_read_as_their_digits() {
        assert_eq!(number_text(13812345678.0), "13812345678");
        assert_eq!(number_text(1.5), "1.5");
        assert_eq!(number_text(f64::NAN), "NaN");
    }

    #[test]
    fn xls_comments_are_read_at_their_cells() {
        // Written by LibreOffice (make_sheets.py): a Chinese note, stored as UTF-16, on C4
        // and a Latin-1 one, stored as 8-bit characters, on D4.
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/formats/sheet/approve_xls_comment_harmless.xls"
        );
        let doc = extract_xls(&std::fs::read(path).unwrap()).unwrap();
        for (note, cell) in [("已核对原件，信息无误", "C4"), ("checked", "D4")] {
            let at = doc
                .text
                .find(&format!("{note}\n"))
                .unwrap_or_else(|| panic!("{note}"));
            let (loc, place) = doc.place_at(at);
            assert_eq!(loc, Location::Comment, "{note}");
            assert_eq!(place.sheet.as_deref(), Some("公示名单"));
            assert_eq!(place.cell.as_deref(), Some(cell), "{note}");
        }
        // The author (李科员) is not part of the text.
        assert!(!doc.text.contains("李科员"));
    }

    #[test]
    fn rows_are_tab_separated_lines_and_a_lone_title_is_not_a_row() {
        let mut b = Builder::default();
        let cells = vec![
            (0, 0, "2026年临时救助对象公示".to_string()),
            (1, 0, "姓名".into()),
            (1, 1, "身份证号".into()),
            (1, 3, "住址".into()),
            (2, 0, "张三".into()),
            (2, 1, "110101199003077777".into()),
            (3, 1, "只有一格".into()),
        ];
        write_sheet(&mut b, "名单", cells, vec![(2, 1, "核实\t过".into())]);
        let doc = b.finish(Format::Xlsx, "UTF-8");
        assert_eq!(
            doc.text,
            "名单\n2026年临时救助对象公示\n姓名\t身份证号\t\t住址\n张三\t110101199003077777\n\t只有一格\n核实 过\n"
        );
        let at = doc.text.find("110101").unwrap();
        let (loc, place) = doc.place_at(at);
        assert_eq!(loc, Location::Sheet);
        assert_eq!(place.sheet.as_deref(), Some("名单"));
        assert_eq!(place.cell.as_deref(), Some("B3"));
        let (loc, place) = doc.place_at(doc.text.find("核实").unwrap());
        assert_eq!(
            (loc, place.cell.as_deref()),
            (Location::Comment, Some("B3"))
        );
    }
}

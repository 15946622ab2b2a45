//! Personal-information tables: a header that names personal columns, and rows under it that
//! carry unmasked values in those columns (publicity lists with full IDs, home addresses, bank
//! accounts, diagnoses). A list of names alone is not a finding here.

use std::sync::OnceLock;

use aho_corasick::AhoCorasick;

use super::finding::Severity;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    Name,
    Id,
    Address,
    Bank,
    Health,
    School,
    Other,
}

/// Words that name a column's kind, strongest first: a cell naming several kinds (`姓名及身份证号`)
/// takes the first.
const COLUMN_WORDS: [(Column, &[&str]); 6] = [
    (Column::Id, &["身份证", "证件号", "身份号码", "公民身份"]),
    (Column::Bank, &["卡号", "账号", "帐号", "银行账户", "开户"]),
    (
        Column::Address,
        &["住址", "家庭地址", "居住地", "户籍地", "家庭住址", "现住"],
    ),
    (
        Column::Health,
        &[
            "病种",
            "疾病",
            "病情",
            "诊断",
            "残疾类别",
            "残疾等级",
            "残疾类型",
            "病名",
            "患病",
        ],
    ),
    (Column::School, &["学籍"]),
    (Column::Name, &["姓名", "户主", "申请人姓名", "患者"]),
];

/// One pass over a header cell for all the column words (a header is read once per table, but
/// a publicity list may hold hundreds of tables), instead of a substring search per word.
fn column_kind(cell: &str) -> Column {
    // The automaton over every word, and for each word its kind's rank in COLUMN_WORDS.
    static WORDS: OnceLock<(AhoCorasick, Vec<usize>)> = OnceLock::new();
    let (ac, ranks) = WORDS.get_or_init(|| {
        let (mut words, mut ranks) = (Vec::new(), Vec::new());
        for (rank, (_, ws)) in COLUMN_WORDS.iter().enumerate() {
            words.extend_from_slice(ws);
            ranks.resize(words.len(), rank);
        }
        (
            AhoCorasick::new(&words).expect("the column words build an automaton"),
            ranks,
        )
    });
    ac.find_overlapping_iter(cell)
        .map(|m| ranks[m.pattern().as_usize()])
        .min()
        .map_or(Column::Other, |rank| COLUMN_WORDS[rank].0)
}

fn is_mask(c: char) -> bool {
    matches!(
        c,
        '*' | '×' | '●' | '○' | '■' | '□' | '#' | '某' | '＊' | 'x' | 'X' | '※'
    )
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

/// The non-empty cells of `line`, into `out` (cleared first): split at tabs, else at `|`, else at
/// ideographic spaces and double spaces, else at single spaces.
fn split_cells<'t>(line: &'t str, out: &mut Vec<&'t str>) {
    out.clear();
    let line = line.trim_end_matches('\r');
    let mut keep = |c: &'t str| {
        let c = c.trim();
        if !c.is_empty() {
            out.push(c);
        }
    };
    if line.contains('\t') {
        line.split('\t').for_each(&mut keep);
    } else if line.contains('|') {
        line.split('|').for_each(&mut keep);
    } else if line.contains("  ") || line.contains('\u{3000}') {
        line.split('\u{3000}')
            .flat_map(|p| p.split("  "))
            .for_each(&mut keep);
    } else {
        line.split(' ').for_each(&mut keep);
    }
}

fn unmasked_name(cell: &str) -> bool {
    let n = cell.chars().count();
    (2..=4).contains(&n) && cell.chars().all(super::normalize::is_han) && !cell.chars().any(is_mask)
}

/// Why a cell is an unmasked personal value, if it is.
fn unmasked_value(col: Column, cell: &str, row_has_name: bool) -> Option<&'static str> {
    // Most columns hold nothing personal: no need to read them.
    if matches!(col, Column::Name | Column::Other)
        || (!matches!(col, Column::Id) && cell.chars().any(is_mask))
    {
        return None;
    }
    let digits = cell.chars().filter(|c| is_digit(*c)).count();
    match col {
        Column::Id => {
            let masks = cell
                .chars()
                .filter(|&c| is_mask(c) && c != 'x' && c != 'X')
                .count();
            (digits >= 15 && masks == 0 && cell.len() <= 20).then_some("身份证号码未脱敏")
        }
        Column::Bank => (digits >= 12).then_some("银行账号未脱敏"),
        Column::Address => {
            let has_number = digits > 0 || cell.chars().any(|c| "一二三四五六七八九十".contains(c));
            let house = ["号", "室", "栋", "幢", "单元"]
                .iter()
                .any(|u| cell.contains(u));
            (row_has_name && has_number && house).then_some("家庭住址精确到门牌")
        }
        Column::Health => {
            let empty = matches!(cell, "无" | "—" | "-" | "/" | "／" | "——");
            (row_has_name && !empty && cell.chars().any(super::normalize::is_han))
                .then_some("健康/残疾信息与姓名对应")
        }
        Column::School => (row_has_name && digits >= 6).then_some("学籍号未脱敏"),
        Column::Name | Column::Other => None,
    }
}

/// Rows longer than this are not table rows (and keep the search local).
const MAX_ROW_BYTES: usize = 4096;

/// End of the line starting at `pos`, if it is short enough to be a table row.
fn line_end(text: &str, pos: usize) -> Option<usize> {
    let hi = (pos + MAX_ROW_BYTES).min(text.len());
    match memchr::memchr(b'\n', &text.as_bytes()[pos..hi]) {
        Some(i) => Some(pos + i),
        None if hi == text.len() => Some(hi),
        None => None,
    }
}

pub struct TableHit {
    pub start: usize,
    pub end: usize,
    pub severity: Severity,
    pub reason: String,
}

/// Works on the original text, whose blanks still separate the cells. `header_lines`: original
/// byte offsets of the starts of lines that hold at least two distinct header words (found by
/// the automaton), ascending. Spans in the result are original byte offsets.
pub fn scan(text: &str, header_lines: &[usize]) -> Vec<TableHit> {
    let mut out = Vec::new();
    let mut cells = Vec::new();
    let mut last_end = 0usize;
    for &hs in header_lines {
        if hs < last_end {
            continue;
        }
        let Some(he) = line_end(text, hs) else {
            continue;
        };
        let mut header = Vec::new();
        split_cells(&text[hs..he], &mut header);
        // A line of prose is one cell: no table, and no need to read it for column names; nor
        // is a line whose "cells" are sentences.
        if header.len() < 2 || header.iter().any(|c| c.chars().count() > 24) {
            continue;
        }
        let cols: Vec<Column> = header.iter().map(|c| column_kind(c)).collect();
        let sensitive = cols
            .iter()
            .filter(|c| !matches!(c, Column::Name | Column::Other))
            .count();
        if sensitive == 0 {
            continue;
        }
        let name_col = cols.iter().position(|c| *c == Column::Name);
        let mut pos = (he + 1).min(text.len());
        let mut rows = 0;
        'rows: while pos < text.len() && rows < 2000 {
            let Some(le) = line_end(text, pos) else {
                break;
            };
            let line = &text[pos..le];
            if line.trim().is_empty() {
                break;
            }
            split_cells(line, &mut cells);
            if cells.len() + 1 < header.len() {
                break;
            }
            rows += 1;
            if cells.len() == header.len() {
                let has_name = name_col.is_some_and(|i| unmasked_name(cells[i]));
                for (i, cell) in cells.iter().enumerate() {
                    if let Some(why) = unmasked_value(cols[i], cell, has_name) {
                        let off = pos + (cell.as_ptr() as usize - line.as_ptr() as usize);
                        out.push(TableHit {
                            start: off,
                            end: off + cell.len(),
                            severity: Severity::Hold,
                            reason: format!("个人信息表（表头：{}）：{}", header.join("、"), why),
                        });
                        break 'rows;
                    }
                }
            }
            pos = (le + 1).min(text.len());
        }
        last_end = pos;
    }
    out
}

/// How the cells of a table row are separated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sep {
    Tab,
    Pipe,
    /// Two or more blanks (or an ideographic space): columns aligned in text copied from a PDF
    /// or a web page.
    Blanks,
}

/// One table row: a line of the original text with at least two cells.
#[derive(Clone, Copy, Debug)]
struct GridRow {
    start: usize,
    end: usize,
    sep: Sep,
    /// Index (into `rows`) of the first row of this row's table: its header.
    header: usize,
}

/// The tables of a document, found once per scan in one pass over the original text: every line
/// that splits into two or more cells is a row, and consecutive rows with the same separator
/// are one table whose first row is its header. Shared by every rule that reads a table: column
/// windows (`within = "column"`) and label→value fields.
#[derive(Debug, Default)]
pub struct Grid {
    rows: Vec<GridRow>,
    /// The cells of the two rows read last (a match's row and its header): the matches of a row
    /// come together, and a row is split into cells once for all of them. Threads judging one
    /// document share the grid; one that finds the cache taken splits its row itself.
    last: std::sync::Mutex<[RowCells; 2]>,
}

/// A row's index and its cells' spans relative to its start.
type RowCells = (usize, Vec<(usize, usize)>);

/// A cell: its row (an index into the grid), its column, and its byte span in the original text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    pub row: usize,
    pub col: usize,
    pub start: usize,
    pub end: usize,
}

fn row_sep(line: &str) -> Option<Sep> {
    if line.contains('\t') {
        Some(Sep::Tab)
    } else if line.contains('|') {
        Some(Sep::Pipe)
    } else if line.contains("  ") || line.contains('\u{3000}') {
        Some(Sep::Blanks)
    } else {
        None
    }
}

/// The spans (relative to `line`) of the non-empty cells of `line`, trimmed.
fn cell_spans(line: &str, sep: Sep, out: &mut Vec<(usize, usize)>) {
    out.clear();
    let mut push = |s: usize, e: usize| {
        let cell = &line[s..e];
        let lead = cell.len() - cell.trim_start().len();
        let trimmed = cell.trim();
        if !trimmed.is_empty() {
            out.push((s + lead, s + lead + trimmed.len()));
        }
    };
    let b = line.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        let (is_sep, len) = match sep {
            Sep::Tab => (b[i] == b'\t', 1),
            Sep::Pipe => (b[i] == b'|', 1),
            Sep::Blanks => {
                if b[i..].starts_with("\u{3000}".as_bytes()) {
                    (true, 3)
                } else if b[i] == b' ' && b.get(i + 1) == Some(&b' ') {
                    let mut j = i;
                    while j < b.len() && b[j] == b' ' {
                        j += 1;
                    }
                    (true, j - i)
                } else {
                    (false, 1)
                }
            }
        };
        if is_sep {
            push(start, i);
            i += len;
            start = i;
        } else {
            i += 1;
        }
    }
    push(start, b.len());
}

/// Longest line read as a table row.
const MAX_GRID_LINE: usize = 4096;

impl Grid {
    pub fn build(text: &str) -> Grid {
        let mut rows: Vec<GridRow> = Vec::new();
        let mut cells = Vec::new();
        let mut pos = 0;
        // Where the line after the last row starts (a row ends before its `\r\n` or `\n`).
        let mut after_last_row = usize::MAX;
        let b = text.as_bytes();
        while pos < b.len() {
            let end = memchr::memchr(b'\n', &b[pos..]).map_or(b.len(), |i| pos + i);
            let line = text[pos..end].trim_end_matches('\r');
            if line.len() <= MAX_GRID_LINE {
                if let Some(sep) = row_sep(line) {
                    cell_spans(line, sep, &mut cells);
                    if cells.len() >= 2 {
                        let header = match rows.last() {
                            // The previous line was a row of the same table.
                            Some(prev) if after_last_row == pos && prev.sep == sep => prev.header,
                            _ => rows.len(),
                        };
                        after_last_row = end + 1;
                        rows.push(GridRow {
                            start: pos,
                            end: pos + line.len(),
                            sep,
                            header,
                        });
                    }
                }
            }
            pos = end + 1;
        }
        Grid {
            rows,
            last: std::sync::Mutex::new([(usize::MAX, Vec::new()), (usize::MAX, Vec::new())]),
        }
    }

    /// The cell spans (relative to the row's start) of row `i`.
    fn spans<T>(&self, text: &str, i: usize, f: impl FnOnce(&[(usize, usize)]) -> T) -> T {
        let Ok(mut last) = self.last.try_lock() else {
            let r = self.rows[i];
            let mut spans = Vec::new();
            cell_spans(&text[r.start..r.end], r.sep, &mut spans);
            return f(&spans);
        };
        if last[0].0 != i {
            last.swap(0, 1);
            if last[0].0 != i {
                let r = self.rows[i];
                cell_spans(&text[r.start..r.end], r.sep, &mut last[0].1);
                last[0].0 = i;
            }
        }
        f(&last[0].1)
    }

    /// The cell holding original offset `p`, if it is in a table.
    pub fn cell_at(&self, text: &str, p: usize) -> Option<Cell> {
        let i = self.rows.partition_point(|r| r.start <= p).checked_sub(1)?;
        let r = self.rows[i];
        if p >= r.end {
            return None;
        }
        let rel = p - r.start;
        let (col, (s, e)) = self.spans(text, i, |spans| {
            let col = spans.partition_point(|&(_, e)| e <= rel);
            spans
                .get(col)
                .filter(|&&(s, _)| s <= rel)
                .map(|&span| (col, span))
        })?;
        Some(Cell {
            row: i,
            col,
            start: r.start + s,
            end: r.start + e,
        })
    }

    /// The header cell above `cell` (the cell itself in a header row), if the header has as many
    /// columns.
    pub fn header_of(&self, text: &str, cell: Cell) -> Option<Cell> {
        let h = self.rows[cell.row].header;
        self.cell(text, h, cell.col)
    }

    /// Cell `col` of row `row`.
    pub fn cell(&self, text: &str, row: usize, col: usize) -> Option<Cell> {
        let r = *self.rows.get(row)?;
        let (s, e) = self.spans(text, row, |spans| spans.get(col).copied())?;
        Some(Cell {
            row,
            col,
            start: r.start + s,
            end: r.start + e,
        })
    }

    /// Whether `row` is the first row (the header) of its table.
    pub fn is_header(&self, row: usize) -> bool {
        self.rows.get(row).is_some_and(|r| r.header == row)
    }

    /// The rows below `row` in the same table, at most `max`.
    pub fn rows_below(&self, row: usize, max: usize) -> impl Iterator<Item = usize> + '_ {
        let header = self.rows[row].header;
        (row + 1..self.rows.len())
            .take_while(move |&i| self.rows[i].header == header)
            .take(max)
    }
}

#[cfg(test)]
mod grid_tests {
    use super::*;

    #[test]
    fn rows_cells_and_headers_in_every_shape() {
        let text = "说明文字\n序号\t姓名\t护照号码\n1\t张三\tE12345678\n2\t李四\tE87654321\n\n| 项目 | 标底（万元） |\n| 一标段 | 356.8 |\n编号  单位名称    金额（元）\n01    某某公司    12,000\n";
        let g = Grid::build(text);
        let p = text.find("E8765").unwrap();
        let c = g.cell_at(text, p).unwrap();
        assert_eq!(&text[c.start..c.end], "E87654321");
        let h = g.header_of(text, c).unwrap();
        assert_eq!(&text[h.start..h.end], "护照号码");
        let p = text.find("356.8").unwrap();
        let h = g.header_of(text, g.cell_at(text, p).unwrap()).unwrap();
        assert_eq!(&text[h.start..h.end], "标底（万元）");
        let p = text.find("12,000").unwrap();
        let h = g.header_of(text, g.cell_at(text, p).unwrap()).unwrap();
        assert_eq!(&text[h.start..h.end], "金额（元）");
        assert!(g.cell_at(text, text.find("说明").unwrap()).is_none());
        let header = g.cell_at(text, text.find("护照").unwrap()).unwrap();
        assert!(g.is_header(header.row));
        assert_eq!(g.rows_below(header.row, 10).count(), 2);
    }

    /// Windows line ends make the same tables: a row's `\r\n` does not cut it from the next
    /// row, so a column's header is found below it as with `\n`.
    #[test]
    fn crlf_rows_are_one_table_under_their_header() {
        let text =
            "说明文字\r\n序号\t姓名\t护照号码\r\n1\t张三\tE12345678\r\n2\t李四\tE87654321\r\n";
        let g = Grid::build(text);
        let c = g.cell_at(text, text.find("E8765").unwrap()).unwrap();
        assert_eq!(&text[c.start..c.end], "E87654321");
        let h = g.header_of(text, c).unwrap();
        assert_eq!(&text[h.start..h.end], "护照号码");
        let header = g.cell_at(text, text.find("护照").unwrap()).unwrap();
        assert!(g.is_header(header.row));
        assert_eq!(g.rows_below(header.row, 10).count(), 2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rows of `g` as (header row, separator, row text).
    fn rows<'t>(g: &Grid, text: &'t str) -> Vec<(usize, Sep, &'t str)> {
        g.rows
            .iter()
            .map(|r| (r.header, r.sep, &text[r.start..r.end]))
            .collect()
    }

    #[test]
    fn build_splits_tables_at_blank_lines_and_separator_changes() {
        let text = "甲\t乙\n1\t2\n\n丙\t丁\n3\t4\n| a | b |\n单行\nz　w\nx  y\r\n";
        let g = Grid::build(text);
        assert_eq!(
            rows(&g, text),
            [
                (0, Sep::Tab, "甲\t乙"),
                (0, Sep::Tab, "1\t2"),
                // A blank line ends a table: the next row heads a table of its own.
                (2, Sep::Tab, "丙\t丁"),
                (2, Sep::Tab, "3\t4"),
                // Another separator right below is another table.
                (4, Sep::Pipe, "| a | b |"),
                // `单行` has one cell: no row, so the aligned rows below start a table; an
                // ideographic space aligns as two blanks do; a row ends before its carriage
                // return.
                (5, Sep::Blanks, "z　w"),
                (5, Sep::Blanks, "x  y"),
            ]
        );
        assert!(g.is_header(0) && !g.is_header(1) && g.is_header(2) && g.is_header(4));
        assert_eq!(g.rows_below(0, 10).collect::<Vec<_>>(), [1]);
        assert_eq!(g.rows_below(4, 10).count(), 0);
        assert_eq!(g.rows_below(5, 10).collect::<Vec<_>>(), [6]);
        assert_eq!(g.rows_below(5, 0).count(), 0);
        assert!(!g.is_header(99));
    }

    #[test]
    fn build_skips_lines_with_one_cell_and_overlong_lines() {
        let long = format!("a\t{}", "b".repeat(MAX_GRID_LINE - 1));
        assert_eq!(long.len(), MAX_GRID_LINE + 1);
        let text = format!("{long}\n|  |\n\t\tc\t\n只有一格\n");
        assert!(Grid::build(&text).rows.is_empty());
        assert!(Grid::build("").rows.is_empty());
        let fits = format!("a\t{}", "b".repeat(MAX_GRID_LINE - 2));
        assert_eq!(Grid::build(&fits).rows.len(), 1, "no final line feed");
    }

    #[test]
    fn cell_at_finds_trimmed_cells_and_nothing_between_them() {
        let text = "前言\n| 名称 | 金额 |\n|  甲  | 1 |\n";
        let g = Grid::build(text);
        let at = |needle: &str| g.cell_at(text, text.find(needle).unwrap());
        let c = at("甲").unwrap();
        assert_eq!((&text[c.start..c.end], c.row, c.col), ("甲", 1, 0));
        let c = at("1 |").unwrap();
        assert_eq!((&text[c.start..c.end], c.col), ("1", 1));
        // The last byte of a cell is in it; blanks and separators around it are not.
        let end = c.end - 1;
        assert_eq!(g.cell_at(text, end), Some(c));
        assert_eq!(g.cell_at(text, c.end), None);
        assert_eq!(g.cell_at(text, c.start - 1), None);
        assert_eq!(at("|  甲"), None);
        // Before the first row, between rows, past the text.
        assert_eq!(at("前言"), None);
        assert_eq!(g.cell_at(text, text.len() - 1), None);
        assert_eq!(g.cell_at(text, text.len() + 10), None);
        // The same answers whether or not the row is in the cache.
        let again = at("甲").unwrap();
        assert_eq!(&text[again.start..again.end], "甲");
    }

    #[test]
    fn header_of_needs_as_many_header_columns() {
        let text = "名称\t金额\n甲\t1\t备注\n";
        let g = Grid::build(text);
        let amount = g.cell_at(text, text.find('1').unwrap()).unwrap();
        let h = g.header_of(text, amount).unwrap();
        assert_eq!((&text[h.start..h.end], h.row, h.col), ("金额", 0, 1));
        let note = g.cell_at(text, text.find("备注").unwrap()).unwrap();
        assert_eq!(note.col, 2);
        assert_eq!(g.header_of(text, note), None);
        // A header cell's header is itself.
        let name = g.cell_at(text, 0).unwrap();
        assert_eq!(g.header_of(text, name), Some(name));
        assert_eq!(g.cell(text, 1, 3), None);
        assert_eq!(g.cell(text, 7, 0), None);
    }

    #[test]
    fn column_kinds_take_the_strongest_word() {
        assert_eq!(column_kind("姓名及身份证号"), Column::Id);
        assert_eq!(column_kind("开户银行账号"), Column::Bank);
        assert_eq!(column_kind("家庭住址"), Column::Address);
        assert_eq!(column_kind("残疾类别"), Column::Health);
        assert_eq!(column_kind("学籍号"), Column::School);
        assert_eq!(column_kind("户主"), Column::Name);
        assert_eq!(column_kind("备注"), Column::Other);
    }

    #[test]
    fn split_cells_prefers_tabs_then_pipes_then_wide_blanks() {
        let mut out = Vec::new();
        split_cells("a b\tc|d\r", &mut out);
        assert_eq!(out, ["a b", "c|d"]);
        split_cells("| a b | c |", &mut out);
        assert_eq!(out, ["a b", "c"]);
        split_cells("a b  c　d", &mut out);
        assert_eq!(out, ["a b", "c", "d"]);
        split_cells(" a b ", &mut out);
        assert_eq!(out, ["a", "b"]);
    }

    /// `scan` with the header line at the start of the line holding `header`.
    fn pii(text: &str, header: &str) -> Vec<(String, String)> {
        let hs = text.find(header).unwrap();
        scan(text, &[hs])
            .into_iter()
            .map(|h| {
                assert_eq!(h.severity, Severity::Hold);
                (text[h.start..h.end].to_string(), h.reason)
            })
            .collect()
    }

    const HEADER: &str = "序号\t姓名\t身份证号码\t家庭住址\t病种";

    #[test]
    fn pii_table_holds_on_the_first_unmasked_value() {
        let text = format!(
            "公示名单\n{HEADER}\n1\t张三\t110101195001010009\t幸福路12号3单元\t糖尿病\n2\t李四\t110101195001010017\t无\t无\n"
        );
        let hits = pii(&text, HEADER);
        // One finding per table: the first unmasked value of the first row that has one.
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].0, "110101195001010009");
        assert_eq!(
            hits[0].1,
            "个人信息表（表头：序号、姓名、身份证号码、家庭住址、病种）：身份证号码未脱敏"
        );
    }

    #[test]
    fn pii_table_reads_masks_and_the_name_column() {
        let masked_id = format!("{HEADER}\n1\t张三\t110101********0009\t幸福路12号3单元\t无\n");
        assert_eq!(
            pii(&masked_id, HEADER),
            [(
                "幸福路12号3单元".to_string(),
                "个人信息表（表头：序号、姓名、身份证号码、家庭住址、病种）：家庭住址精确到门牌"
                    .to_string()
            )]
        );
        // Without an unmasked name, an address or a diagnosis says nothing about a person.
        let masked_name =
            format!("{HEADER}\n1\t张*\t110101********0009\t幸福路12号3单元\t糖尿病\n");
        assert!(pii(&masked_name, HEADER).is_empty());
        let health = format!("{HEADER}\n1\t王小明\t110101********0009\t某区\t糖尿病\n");
        assert_eq!(pii(&health, HEADER)[0].0, "糖尿病");
        let nothing = format!("{HEADER}\n1\t王小明\t110101********0009\t幸福路\t—\n");
        assert!(pii(&nothing, HEADER).is_empty());
    }

    #[test]
    fn pii_table_needs_a_sensitive_column_and_a_table_shape() {
        // Names alone are not a finding.
        let names = "序号\t姓名\t单位\n1\t张三\t某局\n";
        assert!(pii(names, "序号").is_empty());
        // Prose is one cell; a "cell" that is a sentence is no header.
        let prose = "请于本周内报送姓名、身份证号码等信息。\n张三 110101195001010009\n";
        assert!(pii(prose, "请于").is_empty());
        let long =
            "姓名\t身份证号码（请按照户口簿上登记的号码逐位准确填写）\n张三\t110101195001010009\n";
        assert!(pii(long, "姓名").is_empty());
        // A row with fewer cells ends the table; a blank line too.
        for gap in ["注\t说明\n", "\n"] {
            let text = format!("{HEADER}\n{gap}1\t张三\t110101195001010009\t某区\t无\n");
            assert!(pii(&text, HEADER).is_empty(), "{gap:?}");
        }
        // A row with one cell missing is still the table's, though not read.
        let text = format!("{HEADER}\n1\t张三\t某区\t无\n2\t李四\t110101195001010017\t某区\t无\n");
        assert_eq!(pii(&text, HEADER)[0].0, "110101195001010017");
    }
}

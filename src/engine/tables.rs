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
        // A line of prose is one cell: no table, and no need to read it for column names.
        if header.len() < 2 {
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

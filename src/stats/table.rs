//! The figures as the table an office pastes into its annual report: a row per month,
//! category, department or reviewer, a column per figure under a Chinese heading, and the
//! totals last. Written as CSV (UTF-8 with a byte-order mark, so that Excel and WPS read it as
//! UTF-8) or as an Excel workbook (`.xlsx`), both made in memory.

use super::{Row, Stats, UNRECORDED};
use crate::engine::Category;

/// One cell: a name or a number (an absent median is an empty cell, not a zero).
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Count(usize),
    Days(f64),
    Empty,
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Count(n) => n.to_string(),
            Cell::Days(d) => format_days(*d),
            Cell::Empty => String::new(),
        }
    }
}

/// `2`, or `2.5` for a median between two days.
fn format_days(d: f64) -> String {
    if d.fract() == 0.0 {
        format!("{d:.0}")
    } else {
        format!("{d:.1}")
    }
}

/// The table: its headings and rows, the totals last.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// One column: its heading and how a row fills it.
struct Column {
    heading: String,
    cell: Box<dyn Fn(&Row) -> Cell>,
}

fn count(heading: &str, f: fn(&Row) -> usize) -> Column {
    Column {
        heading: heading.to_string(),
        cell: Box::new(move |r| Cell::Count(f(r))),
    }
}

fn columns(stats: &Stats) -> Vec<Column> {
    let mut cols = vec![
        Column {
            heading: stats.group.zh().to_string(),
            cell: Box::new(|r| Cell::Text(r.label.clone())),
        },
        count("收到送审稿", |r| r.received),
        count("其中修改稿", |r| r.versions),
        count("送审时规则引擎拦截", |r| r.engine_held),
    ];
    let mut held: Vec<(String, String)> = Category::ALL
        .iter()
        .map(|c| (c.as_str().to_string(), format!("拦截类别：{}", c.zh())))
        .collect();
    // Only when some hold of the period has no categories on record (written before they were).
    if stats
        .total
        .held_by_category
        .get(UNRECORDED)
        .is_some_and(|n| *n > 0)
    {
        held.push((UNRECORDED.to_string(), "拦截类别：未记录".to_string()));
    }
    for (key, heading) in held {
        cols.push(Column {
            heading,
            cell: Box::new(move |r| {
                Cell::Count(r.held_by_category.get(&key).copied().unwrap_or(0))
            }),
        });
    }
    cols.extend([
        count("通过", |r| r.approved),
        count("其中人工复核放行", |r| r.approved_after_override),
        count("暂缓发布", |r| r.held),
        count("其中退回修改", |r| r.returned),
        count("尚无人工审核决定", |r| r.pending),
        count("生成脱敏稿", |r| r.redacted),
        count("经发布核验上网", |r| r.published),
        count("已作人工审核决定", |r| r.decided),
        Column {
            heading: "决定用时中位数（工作日）".into(),
            cell: Box::new(|r| r.decision_days_median.map_or(Cell::Empty, Cell::Days)),
        },
        Column {
            heading: "决定用时90%分位（工作日）".into(),
            cell: Box::new(|r| {
                r.decision_days_p90
                    .map_or(Cell::Empty, |d| Cell::Days(d as f64))
            }),
        },
    ]);
    cols.push(Column {
        heading: format!("超过{}个工作日未决定", stats.limit_working_days),
        cell: Box::new(|r| Cell::Count(r.overdue)),
    });
    cols
}

/// The figures as a table, the totals row last.
pub fn table(stats: &Stats) -> Table {
    let cols = columns(stats);
    Table {
        header: cols.iter().map(|c| c.heading.clone()).collect(),
        rows: stats
            .rows
            .iter()
            .chain(std::iter::once(&stats.total))
            .map(|r| cols.iter().map(|c| (c.cell)(r)).collect())
            .collect(),
    }
}

/// The table as CSV: UTF-8 with a byte-order mark, CRLF line ends.
pub fn csv(stats: &Stats) -> Vec<u8> {
    let t = table(stats);
    let mut out = String::from("\u{feff}");
    let line = |cells: Vec<String>| {
        let fields: Vec<String> = cells.iter().map(|c| crate::csv_field(c)).collect();
        fields.join(",") + "\r\n"
    };
    out.push_str(&line(t.header.clone()));
    for row in &t.rows {
        out.push_str(&line(row.iter().map(Cell::text).collect()));
    }
    out.into_bytes()
}

/// What the period and the figures' day are, in one line under the table.
pub fn caption(stats: &Stats) -> String {
    format!(
        "保密审查统计：{} 至 {} 收到的送审稿，按{}分列；各项为截至 {} 的情况（审计记录第 1–{} 条）。",
        stats.from,
        stats.to,
        stats.group.zh(),
        stats.as_of,
        stats.last_record
    )
}

/// The table as an Excel workbook: one sheet, the headings bold, numbers as numbers, the
/// caption and notes under the table.
pub fn xlsx(stats: &Stats) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{Format, Workbook};
    let t = table(stats);
    let err = |e: rust_xlsxwriter::XlsxError| format!("cannot write the workbook: {e}");
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("保密审查统计").map_err(err)?;
    let bold = Format::new().set_bold().set_text_wrap();
    let days = Format::new().set_num_format("0.0");
    for (c, h) in t.header.iter().enumerate() {
        let col = c as u16;
        sheet
            .write_string_with_format(0, col, h, &bold)
            .map_err(err)?;
        sheet
            .set_column_width(col, if c == 0 { 16 } else { 11 })
            .map_err(err)?;
    }
    for (r, row) in t.rows.iter().enumerate() {
        let at = (r + 1) as u32;
        for (c, cell) in row.iter().enumerate() {
            let col = c as u16;
            match cell {
                Cell::Text(s) => sheet.write_string(at, col, s).map(|_| ()),
                Cell::Count(n) => sheet.write_number(at, col, *n as f64).map(|_| ()),
                Cell::Days(d) if d.fract() == 0.0 => sheet.write_number(at, col, *d).map(|_| ()),
                Cell::Days(d) => sheet
                    .write_number_with_format(at, col, *d, &days)
                    .map(|_| ()),
                Cell::Empty => Ok(()),
            }
            .map_err(err)?;
        }
    }
    sheet.set_freeze_panes(1, 1).map_err(err)?;
    // Under the table, one empty row between.
    let below = std::iter::once(caption(stats)).chain(stats.notes.iter().cloned());
    for (at, line) in (t.rows.len() as u32 + 2..).zip(below) {
        sheet.write_string(at, 0, line).map_err(err)?;
    }
    book.save_to_buffer().map_err(err)
}

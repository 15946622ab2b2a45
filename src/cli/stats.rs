//! `baomi stats`: the figures for the annual report from a stopped service's data directory
//! (sled locks it while `baomi serve` runs; `GET /v1/stats` gives the same figures then).

use super::common::{io_message, EXIT_APPROVE, EXIT_ERROR};
use super::serve::{open_store, DEFAULT_DATA};
use crate::calendar::{Calendar, Day};
use crate::stats::{self, table, Group, Period, Row, Stats};
use clap::{Args, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatsFormat {
    /// A block of figures per row, to read.
    Text,
    /// The table for the report: UTF-8 with a byte-order mark (Excel and WPS open it).
    Csv,
    /// Everything, as `GET /v1/stats` answers.
    Json,
    /// The table as an Excel workbook (with --output, or to a pipe).
    Xlsx,
}

#[derive(Args)]
pub struct StatsArgs {
    /// The year whose drafts are counted (received 1 January to 31 December, in China);
    /// the current year unless --from and --to are given.
    #[arg(long, conflicts_with_all = ["from", "to"])]
    year: Option<i32>,
    /// The first day whose drafts are counted (YYYY-MM-DD).
    #[arg(long, requires = "to")]
    from: Option<String>,
    /// The last day whose drafts are counted (YYYY-MM-DD).
    #[arg(long, requires = "from")]
    to: Option<String>,
    /// Rows per month, category (held by the engine when received), dept (the submitter's
    /// department) or reviewer (who made the first reviewer decision).
    #[arg(long, default_value = "month", value_parser = group_arg)]
    group: Group,
    #[arg(long, value_enum, default_value_t = StatsFormat::Text)]
    format: StatsFormat,
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    #[arg(long, env = "BAOMI_DATA", default_value = DEFAULT_DATA)]
    data: PathBuf,
    /// The PostgreSQL database the service keeps its store in (`baomi serve --store`).
    #[arg(long, env = "BAOMI_STORE", value_name = "URL")]
    store: Option<String>,
    /// The holiday calendar the service runs on, if it was given one (`baomi serve --calendar`).
    #[arg(long, env = "BAOMI_CALENDAR", value_name = "FILE")]
    calendar: Option<PathBuf>,
    /// The disclosure limit the service runs on (`baomi serve --disclosure-days`): a draft
    /// with no reviewer decision within it is overdue.
    #[arg(long, env = "BAOMI_DISCLOSURE_DAYS", default_value_t = crate::service::DISCLOSURE_DAYS, value_parser = clap::value_parser!(u32).range(1..=365))]
    disclosure_days: u32,
}

fn group_arg(s: &str) -> Result<Group, String> {
    Group::parse(s).ok_or_else(|| "expected month, category, dept or reviewer".to_string())
}

fn period(args: &StatsArgs, today: Day) -> Result<Period, String> {
    match (&args.from, &args.to) {
        (Some(from), Some(to)) => {
            let day = |flag: &str, v: &str| {
                Day::parse(v).ok_or_else(|| format!("--{flag}: expected a date like 2026-01-31"))
            };
            Period::new(day("from", from)?, day("to", to)?)
        }
        _ => Period::year(args.year.unwrap_or_else(|| today.year())),
    }
}

pub fn run(args: StatsArgs) -> i32 {
    let today = Day::today_in_china();
    let period = match period(&args, today) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("baomi: {e}");
            return EXIT_ERROR;
        }
    };
    if args.format == StatsFormat::Xlsx && args.output.is_none() && std::io::stdout().is_terminal()
    {
        eprintln!("baomi: a workbook is not for the terminal: give --output FILE.xlsx");
        return EXIT_ERROR;
    }
    let store = match open_store(&args.data, args.store.as_deref()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let (records, departments) = match crate::service::stats_sources(&store) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("baomi: {e}");
            return EXIT_ERROR;
        }
    };
    drop(store);
    let calendar = match &args.calendar {
        None => Calendar::embedded(),
        Some(file) => match Calendar::embedded().with_file(file) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("baomi: --calendar: {e}");
                return EXIT_ERROR;
            }
        },
    };
    let sources = stats::Sources {
        records: &records,
        departments: &departments,
        calendar: &calendar,
        limit: crate::calendar::Limit {
            working_days: args.disclosure_days,
        },
        as_of: today,
    };
    let figures = stats::compute(&sources, period, args.group);
    let bytes = match args.format {
        StatsFormat::Text => text(&figures).into_bytes(),
        StatsFormat::Csv => table::csv(&figures),
        StatsFormat::Json => {
            let mut v = serde_json::to_vec_pretty(&figures).unwrap_or_default();
            v.push(b'\n');
            v
        }
        StatsFormat::Xlsx => match table::xlsx(&figures) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("baomi: {e}");
                return EXIT_ERROR;
            }
        },
    };
    let written = match &args.output {
        Some(path) => std::fs::write(path, &bytes)
            .map_err(|e| format!("cannot write {}: {}", path.display(), io_message(&e))),
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(&bytes).and_then(|_| out.flush()) {
                Ok(()) => Ok(()),
                // A reader that stopped early (`| head`) is not an error.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) => Err(format!("cannot write the figures: {}", io_message(&e))),
            }
        }
    };
    match written {
        Ok(()) => EXIT_APPROVE,
        Err(e) => {
            eprintln!("baomi: {e}");
            EXIT_ERROR
        }
    }
}

/// The figures to read in a terminal: a line per row, then the totals and the notes.
fn text(s: &Stats) -> String {
    let mut out = format!(
        "保密审查统计：{} 至 {} 收到的送审稿，按{}分列（截至 {}，审计记录 {} 条）\n\n",
        s.from,
        s.to,
        s.group.zh(),
        s.as_of,
        s.last_record
    );
    for r in s.rows.iter().chain(std::iter::once(&s.total)) {
        out.push_str(&text_row(r, s.limit_working_days));
    }
    for n in &s.notes {
        out.push_str(&format!("注：{n}\n"));
    }
    out
}

fn text_row(r: &Row, limit: u32) -> String {
    let held: Vec<String> = crate::engine::Category::ALL
        .iter()
        .map(|c| {
            (
                c.zh(),
                r.held_by_category.get(c.as_str()).copied().unwrap_or(0),
            )
        })
        .chain(
            r.held_by_category
                .get(stats::UNRECORDED)
                .map(|n| ("未记录类别", *n)),
        )
        .filter(|(_, n)| *n > 0)
        .map(|(name, n)| format!("{name} {n}"))
        .collect();
    let days = match (r.decision_days_median, r.decision_days_p90) {
        (Some(m), Some(p)) => format!("决定用时中位数 {m} 个工作日，90% 在 {p} 个工作日内"),
        _ => "尚无人工审核决定".to_string(),
    };
    format!(
        "{}\n  收到 {}（修改稿 {}） · 引擎拦截 {}{} · 通过 {}（人工复核放行 {}） · 暂缓发布 {}（退回修改 {}）\n  尚无人工决定 {} · 生成脱敏稿 {} · 经发布核验上网 {} · 人工决定 {}，{} · 超过 {limit} 个工作日未决定 {}\n",
        r.label,
        r.received,
        r.versions,
        r.engine_held,
        if held.is_empty() {
            String::new()
        } else {
            format!("（{}）", held.join("、"))
        },
        r.approved,
        r.approved_after_override,
        r.held,
        r.returned,
        r.pending,
        r.redacted,
        r.published,
        r.decided,
        days,
        r.overdue,
    )
}

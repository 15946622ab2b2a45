//! baomi (保密, "keep secret"): pre-publication confidentiality review for Chinese government
//! documents.
//!
//! A draft is scanned for five categories of content that must not go online —
//! `state_secret`, `process_internal`, `stability`, `commercial_secret`, `personal_privacy` —
//! and gets an **approve** or **hold** decision.
//!
//! # Module map and data flow
//!
//! ```text
//! bytes ──extract──▶ Document (text + segments: body, table, header, comment, revision, …)
//! rules/*.toml ──rules──▶ RuleSpec ──engine::Engine::build──▶ Engine (may fail, with file:line)
//! text ──Engine::scan──▶ Report (findings with spans, decision)   ← pure: no I/O, no clock
//! Report ──cli──▶ text or JSON Lines, exit codes 0 approve / 1 hold / 2 error
//! ```
//!
//! - [`engine`]: the rule engine. Depends on nothing else in this crate.
//! - [`rules`]: the rule-file format, validation with source positions, the embedded default
//!   rule set and the rule-set id.
//! - [`extract`]: bytes → text with where each part came from: encodings (UTF-8/16, GBK/GB18030,
//!   Big5), HTML pages, Word `.docx`; bounded against hostile input. Pure.
//! - [`input`]: [`input::scan_bytes`], the one entry point from bytes to a report (extract, scan,
//!   Word review traces, finding locations), and [`input::InputError`].
//! - [`cli`]: the `baomi` command line (thin).

pub mod cli;
pub mod cli_scan;
pub mod cli_serve;
pub mod engine;
pub mod extract;
pub mod html_report;
pub mod http;
pub mod input;
pub mod metrics;
pub mod rules;
pub mod server;
pub mod service;
pub mod store;

pub use engine::{Category, Decision, Engine, Finding, Location, Report, Severity};

/// Today's date as `YYYYMMDD` (UTC), for callers that build an engine. The engine itself never
/// reads the clock.
pub fn today() -> u32 {
    let (y, m, d) = civil(unix_now().as_secs() / 86_400);
    y * 10_000 + m * 100 + d
}

/// The current time as an RFC 3339 UTC timestamp with milliseconds, e.g.
/// `2026-11-26T22:00:54.123Z`. The fixed width makes timestamps compare correctly as strings.
pub fn timestamp() -> String {
    let now = unix_now();
    let secs = now.as_secs();
    let (y, m, d) = civil(secs / 86_400);
    let t = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        t / 3600,
        t / 60 % 60,
        t % 60,
        now.subsec_millis()
    )
}

fn unix_now() -> std::time::Duration {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
}

/// Civil date (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil(days: u64) -> (u32, u32, u32) {
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    (y as u32, m as u32, d as u32)
}

#[cfg(test)]
mod tests {
    #[test]
    fn civil_dates() {
        assert_eq!(super::civil(0), (1970, 1, 1));
        assert_eq!(super::civil(20_513), (2026, 3, 1));
        assert_eq!(super::civil(11_016), (2000, 2, 29));
    }
}

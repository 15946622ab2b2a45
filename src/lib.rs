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
//! - [`engine`]: the rule engine. Depends on nothing else in this crate; its API is what
//!   `engine` exports.
//! - [`rules`]: the rule-file format, validation with source positions, the embedded default
//!   rule set and the rule-set id.
//! - [`extract`]: bytes → text with where each part came from: encodings (UTF-8/16, GBK/GB18030,
//!   Big5), HTML pages, Word `.docx`; bounded against hostile input; [`extract::InputError`].
//!   Pure; depends on the engine's vocabulary (`Location`) only.
//! - [`pipeline`]: [`pipeline::scan_bytes`], the one entry point from bytes to a report
//!   (extract, scan, Word review traces, finding locations).
//! - [`eval`]: a rule set measured on a labelled corpus: the labels file (JSON Lines), decision
//!   accuracy, hold precision and recall, per category and per tag, planted identifiers found,
//!   what a rule edit fixes and breaks. Pure; `baomi eval` and `baomi rules diff --labels`
//!   (in [`cli`]) read and scan the files.
//! - [`store`]: decisions, reviews (their states, returns, claims), tokens and the audit chain;
//!   the search index of character bigrams ([`store::search`]); the sled store.
//! - [`redact`]: the publishable copy of a held document: personal data masked in place in
//!   the original format, DOCX cleaned, and the proof that the copy leaks none of it. Pure:
//!   bytes in, bytes out; `baomi redact` and the service's redacted copies both call it.
//! - [`service`]: submission, four eyes, the gate, rule reloads, redacted copies: the store,
//!   the pipeline and the redactor behind one type the HTTP layer calls.
//! - [`versions`]: two versions of a draft compared: a masked line diff, the findings fixed,
//!   new and kept. Pure.
//! - [`stats`]: the figures for the annual report (drafts received, approved, held by
//!   category, published, working days to a decision, overdue), from the audit records and
//!   the persons' departments; the table as CSV and `.xlsx`. Pure.
//! - [`http`]: the router, authentication, error statuses, the console, the accept loop.
//! - [`metrics`]: Prometheus counters and histograms.
//! - [`cli`]: the `baomi` command line (thin).
//!
//! Imports between these modules have no circles; `tests/walls.rs` checks it, and that the
//! engine imports nothing of the crate outside it and extraction nothing of the store, the
//! service, HTTP or the CLI.

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod calendar;
pub mod cli;
pub mod engine;
pub mod eval;
pub mod extract;
pub mod http;
pub mod metrics;
pub mod pipeline;
pub mod redact;
pub mod rules;
pub mod service;
pub mod stats;
pub mod store;
pub mod suppress;
pub mod versions;

pub use engine::{Category, Decision, Engine, Finding, Location, Report, Severity};

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(bytes))
}

/// One CSV field, quoted as RFC 4180 asks; a field a spreadsheet would run as a formula (`=`,
/// `+`, `-`, `@`, a tab or a carriage return first: a department's name or a document's text
/// could) is led by an apostrophe. Every CSV baomi writes (`scan --format csv`, the figures
/// for the annual report) goes through it.
pub fn csv_field(f: &str) -> String {
    let f = if f.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{f}")
    } else {
        f.to_string()
    };
    if f.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", f.replace('"', "\"\""))
    } else {
        f
    }
}

/// Lower-case hexadecimal of `bytes` (without a formatter per byte: hashes are written for
/// every file of an audit and every finding of a baseline).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

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

/// Days since 1970-01-01 of a civil date (the inverse of [`civil`]).
pub(crate) fn days_from_civil(y: u32, m: u32, d: u32) -> i64 {
    let y = i64::from(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A real calendar date written `YYYY-MM-DD` (exactly: four, two and two digits), as
/// `(year, month, day)`; `2026-13-45`, `2026-02-29` and `2026-11-1` are not.
pub fn parse_date(s: &str) -> Option<(u32, u32, u32)> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = &s[r];
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (y >= 1970 && (1..=days).contains(&d)).then_some((y, m, d))
}

/// Milliseconds since the Unix epoch of a UTC timestamp `YYYY-MM-DDTHH:MM:SS[.fff]Z` (as
/// [`timestamp`] writes them), or of the start of a day `YYYY-MM-DD`. Anything else is `None`.
pub fn parse_timestamp_ms(s: &str) -> Option<u64> {
    let (y, m, d) = parse_date(s.get(..10)?)?;
    let day_ms = u64::try_from(days_from_civil(y, m, d)).ok()? * 86_400_000;
    let rest = &s[10..];
    if rest.is_empty() {
        return Some(day_ms);
    }
    let t = rest.strip_prefix('T')?.strip_suffix('Z')?;
    let (hms, frac) = match t.split_once('.') {
        Some((hms, frac)) => (hms, Some(frac)),
        None => (t, None),
    };
    let hb = hms.as_bytes();
    if hb.len() != 8 || hb[2] != b':' || hb[5] != b':' {
        return None;
    }
    let field = |r: std::ops::Range<usize>, max: u64| -> Option<u64> {
        let p = &hms[r];
        let v: u64 = p
            .bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| p.parse().ok())??;
        (v <= max).then_some(v)
    };
    let (h, mi, se) = (field(0..2, 23)?, field(3..5, 59)?, field(6..8, 59)?);
    let ms = match frac {
        None => 0,
        Some(f) if (1..=3).contains(&f.len()) && f.bytes().all(|c| c.is_ascii_digit()) => {
            f.parse::<u64>().ok()? * 10u64.pow(3 - f.len() as u32)
        }
        Some(_) => return None,
    };
    Some(day_ms + ((h * 60 + mi) * 60 + se) * 1000 + ms)
}

/// Civil date (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's algorithm).
pub(crate) fn civil(days: u64) -> (u32, u32, u32) {
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
        for days in [0, 11_016, 20_513, 20_789, 2_932_896] {
            let (y, m, d) = super::civil(days);
            assert_eq!(super::days_from_civil(y, m, d), days as i64);
        }
    }

    #[test]
    fn dates_are_real_calendar_dates() {
        assert_eq!(super::parse_date("2026-11-30"), Some((2026, 11, 30)));
        assert_eq!(super::parse_date("2024-02-29"), Some((2024, 2, 29)));
        for bad in [
            "2026-13-45",
            "2026-02-29",
            "2026-11-1",
            "2026-11-31",
            "99999",
            "2026/11/01",
            "+026-11-01",
            "2026-00-10",
            "１２３４-11-01",
        ] {
            assert_eq!(super::parse_date(bad), None, "{bad}");
        }
        assert_eq!(super::parse_timestamp_ms("1970-01-02"), Some(86_400_000));
        assert_eq!(
            super::parse_timestamp_ms("1970-01-01T00:00:01.5Z"),
            Some(1_500)
        );
        let now = super::timestamp();
        assert!(super::parse_timestamp_ms(&now).is_some(), "{now}");
        for bad in [
            "2026-11-01T24:00:00Z",
            "2026-11-01T10:00:00",
            "2026-11-01T1:00:00Z",
            "2026-11-01x",
        ] {
            assert_eq!(super::parse_timestamp_ms(bad), None, "{bad}");
        }
    }
}

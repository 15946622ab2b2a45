//! `baomi scan`: files and whole site mirrors, in parallel.
//!
//! A walker thread streams the tree (sorted, symlinked directories not followed, only regular
//! files read) into a bounded queue; worker threads read, hash and scan; the main thread prints
//! results in walk order, so output is the same whatever the number of threads. Memory is
//! bounded by the queues and the files being scanned, never by the size of the tree.

use super::common::{io_message, load_rules, EXIT_APPROVE, EXIT_ERROR, EXIT_HOLD};
use super::files::{read, walk, Found, Source, What};
use super::summary::{print_summary, Summary};
use crate::engine::{Category, Decision, Finding, Location, Severity};
use crate::rules::RuleSet;
use clap::{Args, ValueEnum};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    /// For people: per file the decision and masked findings.
    Text,
    /// JSON Lines, one object per file.
    Json,
    /// SARIF 2.1.0, for code-hosting and CI systems.
    Sarif,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum, Debug)]
pub enum FileType {
    /// .txt .text .md .csv .tsv .log and files without an extension
    Text,
    /// .html .htm .shtml .xhtml
    Html,
    /// .docx
    Docx,
}

#[derive(Args)]
pub struct ScanArgs {
    /// Rule directory to use instead of the embedded default rule set.
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
    format: ScanFormat,
    /// Print only a summary: counts per decision, category and rule, the files with the most
    /// hold findings, throughput.
    #[arg(long)]
    summary: bool,
    /// Also write a self-contained HTML report (totals, then each file that holds or warns with
    /// its masked findings) to this file.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(short = 'j', long, value_name = "N")]
    threads: Option<usize>,
    /// No progress bar (it is only drawn on a terminal anyway).
    #[arg(short, long)]
    quiet: bool,
    /// Result cache (a sled directory): files whose content and rule set are unchanged since an
    /// earlier run are not scanned again.
    #[arg(long, value_name = "DIR")]
    cache: Option<PathBuf>,
    /// Only scan files whose path matches one of these globs (e.g. `*.html`, `**/2024/**`).
    #[arg(long, value_name = "GLOB")]
    include: Vec<String>,
    /// Skip files whose path matches one of these globs.
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Skip files larger than this many bytes.
    #[arg(long, value_name = "BYTES")]
    max_size: Option<u64>,
    /// Only scan these file types (by extension), comma-separated.
    #[arg(long = "type", value_enum, value_delimiter = ',', value_name = "TYPE")]
    types: Vec<FileType>,
    /// Files, directories (recursive) or `-` for standard input.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<String>,
}

/// What the walker hands out, numbered in walk order.
enum Item {
    Scan { path: String, source: Source },
    Error { path: String, message: String },
}

/// A scanned file, as printed and cached.
#[derive(Clone, Serialize, Deserialize)]
struct Scanned {
    decision: Decision,
    sha256: String,
    len: usize,
    findings: Vec<Finding>,
}

struct Outcome {
    index: usize,
    path: String,
    result: Result<(Scanned, bool), String>,
}

struct Filters {
    include: Option<globset::GlobSet>,
    exclude: Option<globset::GlobSet>,
    max_size: Option<u64>,
    types: Vec<FileType>,
}

impl Filters {
    /// True when the file is filtered out.
    fn skip(&self, path: &str, size: u64) -> bool {
        if self.include.as_ref().is_some_and(|g| !g.is_match(path)) {
            return true;
        }
        if self.exclude.as_ref().is_some_and(|g| g.is_match(path)) {
            return true;
        }
        if self.max_size.is_some_and(|m| size > m) {
            return true;
        }
        if !self.types.is_empty() {
            let ext = Path::new(path)
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
                .unwrap_or_default();
            let t = match ext.as_str() {
                "html" | "htm" | "shtml" | "xhtml" => FileType::Html,
                "docx" => FileType::Docx,
                _ => FileType::Text,
            };
            if !self.types.contains(&t) {
                return true;
            }
        }
        false
    }
}

fn globs(patterns: &[String], flag: &str) -> Result<Option<globset::GlobSet>, String> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut b = globset::GlobSetBuilder::new();
    for p in patterns {
        let g = globset::Glob::new(p).map_err(|e| format!("--{flag} {p:?}: {e}"))?;
        b.add(g);
    }
    b.build().map(Some).map_err(|e| format!("--{flag}: {e}"))
}

#[derive(Default)]
struct Counts {
    files: usize,
    bytes: u64,
    skipped: usize,
}

/// Walks `paths` in order, sending numbered items to `tx`; counts files, bytes and skips in
/// `total` for the progress bar and the summary (bytes only with `sizes`).
fn walk_all(
    paths: &[String],
    filters: &Filters,
    sizes: bool,
    tx: &crossbeam_channel::Sender<Vec<(usize, Item)>>,
    total: &std::sync::Mutex<Counts>,
) {
    // Items go out in batches (a few dozen small files, or about a megabyte): one hand-off
    // between threads per file would cost more than scanning a small file.
    let mut index = 0usize;
    let mut batch: Vec<(usize, Item)> = Vec::with_capacity(BATCH_FILES);
    let mut batch_bytes = 0u64;
    let mut send = |item: Item, size: u64| {
        batch.push((index, item));
        index += 1;
        batch_bytes += size;
        if batch.len() >= BATCH_FILES || batch_bytes >= BATCH_BYTES {
            batch_bytes = 0;
            return tx.send(std::mem::take(&mut batch)).is_ok();
        }
        true
    };
    for p in paths {
        let more = walk(p, sizes, &mut |found| match item(found, filters, total) {
            Some((item, size)) => send(item, size),
            None => true,
        });
        if !more {
            return;
        }
    }
    if !batch.is_empty() {
        let _ = tx.send(batch);
    }
}

/// What the scan makes of a path the walker found: an item to scan or to report, or nothing
/// (a symlinked directory, a file gone, a file the filters skip). With the item, its size.
fn item(found: Found, filters: &Filters, total: &std::sync::Mutex<Counts>) -> Option<(Item, u64)> {
    let path = found.path.display().to_string();
    let (kind, len) = match found.what {
        What::Stdin => {
            let source = Source::Stdin;
            return Some((Item::Scan { path, source }, 0));
        }
        What::LinkedDir | What::Vanished => return None,
        What::BrokenLink(e) => {
            let message = format!("broken symbolic link: {}", io_message(&e));
            return Some((Item::Error { path, message }, 0));
        }
        What::Unreadable(e) => {
            let message = io_message(&e);
            return Some((Item::Error { path, message }, 0));
        }
        What::File { len } => (None, len),
        What::Special(kind) => (Some(kind), 0),
    };
    // A file named on the command line is scanned whatever the filters say.
    if !found.named && filters.skip(&path, len) {
        total.lock().unwrap_or_else(|p| p.into_inner()).skipped += 1;
        return None;
    }
    let item = match kind {
        None => {
            add(total, len);
            let source = Source::File(found.path);
            Item::Scan { path, source }
        }
        Some(kind) => {
            let message = special(kind);
            Item::Error { path, message }
        }
    };
    Some((item, len))
}

const BATCH_FILES: usize = 32;
const BATCH_BYTES: u64 = 1 << 20;

fn add(total: &std::sync::Mutex<Counts>, bytes: u64) {
    let mut t = total.lock().unwrap_or_else(|p| p.into_inner());
    t.files += 1;
    t.bytes += bytes;
}

fn special(t: std::fs::FileType) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let what = if t.is_fifo() {
            "a named pipe"
        } else if t.is_socket() {
            "a socket"
        } else if t.is_block_device() || t.is_char_device() {
            "a device"
        } else {
            "not a regular file"
        };
        format!("{what}, not scanned")
    }
    #[cfg(not(unix))]
    {
        let _ = t;
        "not a regular file, not scanned".into()
    }
}

/// Reads and scans one document. `hash`: the file's SHA-256 is wanted (JSON Lines); the cache
/// needs it anyway. Otherwise it is not computed (`sha256` stays empty).
fn process(
    source: &Source,
    rs: &RuleSet,
    cache: Option<&sled::Db>,
    hash: bool,
    threads: usize,
) -> Result<(Scanned, bool), String> {
    let bytes = read(source)?;
    let sha256 = if hash || cache.is_some() {
        crate::sha256_hex(&bytes)
    } else {
        String::new()
    };
    let key = cache.map(|_| format!("{sha256}:{}", rs.id));
    if let (Some(db), Some(key)) = (cache, &key) {
        if let Ok(Some(v)) = db.get(key.as_bytes()) {
            if let Ok(s) = serde_json::from_slice::<Scanned>(&v) {
                return Ok((s, true));
            }
        }
    }
    let report =
        crate::pipeline::scan_bytes_on(&rs.engine, &bytes, threads).map_err(|e| e.to_string())?;
    let scanned = Scanned {
        decision: report.decision,
        sha256,
        len: bytes.len(),
        findings: report.findings,
    };
    if let (Some(db), Some(key)) = (cache, &key) {
        if let Ok(v) = serde_json::to_vec(&scanned) {
            let _ = db.insert(key.as_bytes(), v);
        }
    }
    Ok((scanned, false))
}

#[derive(Serialize)]
struct JsonResult<'a> {
    path: &'a str,
    decision: Decision,
    sha256: &'a str,
    ruleset: &'a str,
    findings: &'a [Finding],
}

#[derive(Serialize)]
struct JsonError<'a> {
    path: &'a str,
    error: &'a str,
}

pub fn run(args: ScanArgs) -> i32 {
    let rs = match load_rules(args.rules.as_deref()) {
        Ok(rs) => rs,
        Err(code) => return code,
    };
    let filters = match (
        globs(&args.include, "include"),
        globs(&args.exclude, "exclude"),
    ) {
        (Ok(include), Ok(exclude)) => Filters {
            include,
            exclude,
            max_size: args.max_size,
            types: args.types.clone(),
        },
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("baomi: {e}");
            return EXIT_ERROR;
        }
    };
    let cache = match &args.cache {
        None => None,
        Some(dir) => match sled::open(dir) {
            Ok(db) => Some(db),
            Err(e) => {
                eprintln!("baomi: cannot open the cache {}: {e}", dir.display());
                return EXIT_ERROR;
            }
        },
    };
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let progress = (!args.quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {pos}/{len} files  {msg}  {per_sec}  ETA {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    });

    let started = Instant::now();
    let total = std::sync::Mutex::new(Counts::default());
    let stdout = std::io::stdout();
    let mut out = anstream::AutoStream::auto(stdout.lock());
    let mut summary = Summary {
        ruleset: rs.id.clone(),
        ..Summary::default()
    };
    let mut sarif = Sarif::default();
    if args.format == ScanFormat::Sarif && !args.summary {
        let _ = write!(
            out,
            "{{\"version\":\"2.1.0\",\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"runs\":[{{\"results\":["
        );
    }
    let mut holds_so_far = 0usize;
    let mut top: Vec<(String, usize)> = Vec::new();
    let mut html = args
        .html
        .as_ref()
        .map(|_| super::html_report::HtmlReport::default());
    // Only JSON Lines prints each file's SHA-256.
    let hash = args.format == ScanFormat::Json && !args.summary;
    let busy = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let (item_tx, item_rx) = crossbeam_channel::bounded::<Vec<(usize, Item)>>(16);
        let (out_tx, out_rx) = crossbeam_channel::bounded::<Vec<Outcome>>(16);
        let (filters, total_ref, rs_ref, cache_ref) = (&filters, &total, &rs, cache.as_ref());
        // Sizes cost a system call per file; only the progress bar and `--max-size` use them.
        let sizes = progress.is_some() || filters.max_size.is_some();
        scope.spawn(move || walk_all(&args.paths, filters, sizes, &item_tx, total_ref));
        // Workers busy with a batch: the cores of the others (waiting for work, done with it,
        // or not started yet) are lent to a large file, so one big document is not scanned on
        // one core while the others sit idle.
        let busy = &busy;
        for _ in 0..threads {
            let (item_rx, out_tx) = (item_rx.clone(), out_tx.clone());
            scope.spawn(move || {
                for batch in item_rx {
                    busy.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let helpers = || {
                        let busy = busy.load(std::sync::atomic::Ordering::Relaxed);
                        1 + threads.saturating_sub(busy.max(1))
                    };
                    let outcomes = batch
                        .into_iter()
                        .map(|(index, item)| match item {
                            Item::Error { path, message } => Outcome {
                                index,
                                path,
                                result: Err(message),
                            },
                            Item::Scan { path, source } => Outcome {
                                index,
                                result: process(&source, rs_ref, cache_ref, hash, helpers()),
                                path,
                            },
                        })
                        .collect();
                    busy.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
                    if out_tx.send(outcomes).is_err() {
                        return;
                    }
                }
            });
        }
        drop(out_tx);
        drop(item_rx);
        // Print in walk order: hold back results that arrive early.
        let mut pending: HashMap<usize, Outcome> = HashMap::new();
        let mut next = 0usize;
        for outcomes in out_rx {
            for outcome in outcomes {
                pending.insert(outcome.index, outcome);
            }
            while let Some(o) = pending.remove(&next) {
                next += 1;
                match &o.result {
                    Ok((s, cached)) => {
                        summary.files += 1;
                        summary.bytes += s.len as u64;
                        summary.cached += usize::from(*cached);
                        let holds = s
                            .findings
                            .iter()
                            .filter(|f| f.severity == Severity::Hold)
                            .count();
                        match s.decision {
                            Decision::Hold => summary.hold += 1,
                            Decision::Approve => summary.approve += 1,
                        }
                        holds_so_far += usize::from(s.decision == Decision::Hold);
                        let mut cats: Vec<Category> = Vec::new();
                        for f in &s.findings {
                            let e = summary.findings_by_rule.entry(f.rule.clone()).or_default();
                            if f.severity == Severity::Hold {
                                e.0 += 1;
                                if !cats.contains(&f.category) {
                                    cats.push(f.category);
                                }
                            } else {
                                e.1 += 1;
                            }
                        }
                        for c in cats {
                            *summary.held_by_category.entry(c.to_string()).or_default() += 1;
                        }
                        if let Some(h) = html.as_mut() {
                            h.file(&o.path, s.decision, &s.findings);
                        }
                        if holds > 0 {
                            top.push((o.path.clone(), holds));
                            if top.len() > 64 {
                                top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                                top.truncate(10);
                            }
                        }
                        if !args.summary {
                            match args.format {
                                ScanFormat::Json => {
                                    let line = serde_json::to_string(&JsonResult {
                                        path: &o.path,
                                        decision: s.decision,
                                        sha256: &s.sha256,
                                        ruleset: &rs.id,
                                        findings: &s.findings,
                                    })
                                    .unwrap_or_default();
                                    let _ = writeln!(out, "{line}");
                                }
                                ScanFormat::Text => {
                                    print_text(&mut out, &o.path, &s.findings, s.decision)
                                }
                                ScanFormat::Sarif => sarif.results(&mut out, &o.path, &s.findings),
                            }
                        }
                    }
                    Err(message) => {
                        summary.errors += 1;
                        if let Some(h) = html.as_mut() {
                            h.error(&o.path, message);
                        }
                        if !args.summary {
                            match args.format {
                                ScanFormat::Json => {
                                    let line = serde_json::to_string(&JsonError {
                                        path: &o.path,
                                        error: message,
                                    })
                                    .unwrap_or_default();
                                    let _ = writeln!(out, "{line}");
                                }
                                ScanFormat::Text => {
                                    let _ = writeln!(
                                        out,
                                        "\x1b[1m{}\x1b[0m: \x1b[35mERROR\x1b[0m {message}",
                                        o.path
                                    );
                                }
                                ScanFormat::Sarif => sarif.error(&o.path, message),
                            }
                        }
                    }
                }
                if let Some(bar) = &progress {
                    let t = total.lock().unwrap_or_else(|p| p.into_inner());
                    bar.set_length(t.files as u64);
                    bar.set_position(next as u64);
                    bar.set_message(format!(
                        "{:.1} MB  {holds_so_far} held",
                        summary.bytes as f64 / 1e6
                    ));
                }
            }
        }
    });
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    if let Some(db) = &cache {
        let _ = db.flush();
    }
    summary.skipped = total.lock().unwrap_or_else(|p| p.into_inner()).skipped;
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    summary.seconds = secs;
    summary.files_per_second = summary.files as f64 / secs;
    summary.mb_per_second = summary.bytes as f64 / 1e6 / secs;
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top.truncate(10);
    summary.top_files = top;

    if args.summary {
        match args.format {
            ScanFormat::Json | ScanFormat::Sarif => {
                let _ = writeln!(
                    out,
                    "{}",
                    serde_json::to_string(&summary).unwrap_or_default()
                );
            }
            ScanFormat::Text => print_summary(&mut out, &summary),
        }
    } else {
        match args.format {
            ScanFormat::Sarif => sarif.finish(&mut out, &rs, summary.errors == 0),
            ScanFormat::Text if summary.files + summary.errors > 1 => {
                let _ = writeln!(
                    out,
                    "\n{} file(s): {} approve, {} hold, {} error(s) — rule set {}",
                    summary.files + summary.errors,
                    summary.approve,
                    summary.hold,
                    summary.errors,
                    rs.id
                );
            }
            _ => {}
        }
    }
    let _ = out.flush();
    if let (Some(h), Some(file)) = (&html, &args.html) {
        let page = h.render(&summary);
        if let Err(e) = std::fs::write(file, page) {
            eprintln!(
                "baomi: cannot write the HTML report {}: {}",
                file.display(),
                io_message(&e)
            );
            return EXIT_ERROR;
        }
    }
    if summary.errors > 0 {
        EXIT_ERROR
    } else if summary.hold > 0 {
        EXIT_HOLD
    } else {
        EXIT_APPROVE
    }
}

pub(crate) fn print_text(
    out: &mut dyn Write,
    path: &str,
    findings: &[Finding],
    decision: Decision,
) {
    let verdict = match decision {
        Decision::Hold => "\x1b[1;31mHOLD\x1b[0m",
        Decision::Approve => "\x1b[1;32mAPPROVE\x1b[0m",
    };
    let holds = findings
        .iter()
        .filter(|f| f.severity == Severity::Hold)
        .count();
    let _ = writeln!(
        out,
        "\x1b[1m{path}\x1b[0m: {verdict} ({holds} hold, {} warn)",
        findings.len() - holds
    );
    for f in findings {
        let sev = match f.severity {
            Severity::Hold => "\x1b[31mhold\x1b[0m",
            Severity::Warn => "\x1b[33mwarn\x1b[0m",
        };
        let place = if f.location == Location::Body {
            String::new()
        } else {
            format!(" [{}]", f.location.as_str())
        };
        let _ = writeln!(
            out,
            "  {:>4}:{:<3} {:<17} {:<30} {}  {}  — {}{place}",
            f.line,
            f.column,
            f.category.as_str(),
            f.rule,
            sev,
            f.masked_text(),
            f.reason
        );
    }
}

/// SARIF 2.1.0, written as results arrive: the `results` array first, then the tool and its
/// rules, then the invocation (JSON objects are unordered, so this is valid SARIF).
#[derive(Default)]
struct Sarif {
    any: bool,
    notifications: Vec<serde_json::Value>,
}

impl Sarif {
    fn results(&mut self, out: &mut dyn Write, path: &str, findings: &[Finding]) {
        for f in findings {
            let result = serde_json::json!({
                "ruleId": f.rule,
                "level": if f.severity == Severity::Hold { "error" } else { "warning" },
                "message": { "text": format!("{}: {} — {}", f.category, f.masked_text(), f.reason) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(path) },
                        "region": { "startLine": f.line, "startColumn": f.column }
                    }
                }],
                "properties": { "category": f.category, "severity": f.severity, "location": f.location }
            });
            let _ = write!(out, "{}{result}", if self.any { "," } else { "" });
            self.any = true;
        }
    }

    fn error(&mut self, path: &str, message: &str) {
        self.notifications.push(serde_json::json!({
            "level": "error",
            "message": { "text": message },
            "locations": [{ "physicalLocation": { "artifactLocation": { "uri": uri(path) } } }]
        }));
    }

    fn finish(&mut self, out: &mut dyn Write, rs: &RuleSet, success: bool) {
        let mut rules: Vec<serde_json::Value> = rs
            .engine
            .rules()
            .map(|r| {
                serde_json::json!({
                    "id": r.id,
                    "shortDescription": { "text": if r.description.is_empty() { r.id.clone() } else { r.description.clone() } },
                    "defaultConfiguration": { "level": if r.severity == Severity::Hold { "error" } else { "warning" } },
                    "properties": { "category": r.category }
                })
            })
            .collect();
        for (id, text) in [
            (crate::pipeline::RULE_DOCX_COMMENT, "Word 批注（审阅痕迹）"),
            (
                crate::pipeline::RULE_DOCX_TRACKED_CHANGE,
                "Word 修订（审阅痕迹）",
            ),
        ] {
            rules.push(serde_json::json!({
                "id": id,
                "shortDescription": { "text": text },
                "defaultConfiguration": { "level": "error" },
                "properties": { "category": "process_internal" }
            }));
        }
        let tool = serde_json::json!({
            "driver": {
                "name": "baomi",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://example.invalid/baomi",
                "properties": { "ruleset": rs.id },
                "rules": rules
            }
        });
        let invocation = serde_json::json!([{
            "executionSuccessful": success,
            "toolExecutionNotifications": self.notifications
        }]);
        let _ = writeln!(out, "],\"tool\":{tool},\"invocations\":{invocation}}}]}}");
    }
}

/// A relative path as a URI reference: `/` kept, everything outside the unreserved set
/// percent-encoded (Chinese file names included).
fn uri(path: &str) -> String {
    let mut s = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

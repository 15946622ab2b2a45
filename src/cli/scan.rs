//! `baomi scan`: files and whole site mirrors, in parallel.
//!
//! A walker thread streams the tree (sorted, symlinked directories not followed, only regular
//! files read) into a bounded queue, in numbered batches; worker threads read, hash and scan;
//! the main thread hands results to the printers ([`super::printer`]) in walk order, so output
//! is the same whatever the number of threads. Results that arrive before earlier ones wait in
//! a reorder buffer of at most [`Window`] batches: the walker hands out no batch further ahead
//! of the printing than that, so memory is bounded by the queues, the window and the files
//! being scanned, never by the size of the tree or by one slow file.
//!
//! Output errors: a closed pipe on standard output (`baomi scan … | head`) ends the scan
//! quietly — walker and workers stop after the file in hand, no HTML report is written — and
//! the exit code is the one the files printed so far give (2 if one could not be read, 1 if
//! one holds, else 0), so a cut-short scan never claims more than it saw. Any other write
//! error prints `baomi: cannot write the output: …` and exits 2.

use super::baseline::{Baseline, BaselineKey, State};
use super::common::{
    io_message, load_rules, load_suppressions, EXIT_APPROVE, EXIT_ERROR, EXIT_HOLD,
};
use super::files::{read, walk, Found, Source, What};
use super::printer::{self, JsonLines, Printer, Sarif, Scanned, SummaryTable, Text};
use super::sections::{SectionCounts, Sections};
use super::summary::{BaselineCounts, Summary};
use crate::engine::Decision;
use crate::rules::RuleSet;
use clap::{Args, ValueEnum};
use crossbeam_channel::{Receiver, Sender};
use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    /// For people: per file the decision and masked findings.
    Text,
    /// JSON Lines, one object per file.
    Json,
    /// SARIF 2.1.0, for code-hosting and CI systems.
    Sarif,
    /// CSV (UTF-8 with a byte-order mark, for Excel and WPS): a row per finding, or with
    /// `--summary` a row per site section, the table of a quarterly 检查情况通报.
    Csv,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum, Debug)]
pub enum FileType {
    /// .txt .text .md .tsv .log and files without an extension (or another extension)
    Text,
    /// .html .htm .shtml .xhtml
    Html,
    /// .docx
    Docx,
    /// .csv
    Csv,
    /// .xlsx .xlsm
    Xlsx,
    /// .xls
    Xls,
    /// .ods
    Ods,
    /// .et (WPS spreadsheet)
    Et,
    /// .pdf
    Pdf,
    /// .ofd
    Ofd,
    /// .doc
    Doc,
    /// .wps (WPS document)
    Wps,
    /// images: .png .jpg .jpeg .gif .bmp .tif .tiff .webp
    Image,
    /// archives: .zip .rar .7z .gz
    Archive,
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
    /// Compare with the findings of an earlier audit kept in this file: each finding is shown
    /// as new or unchanged, and the findings no longer found as fixed. A file that does not
    /// exist yet is written with this audit's findings (digests only, never the values).
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// The key of the baseline's digests (64 hexadecimal digits), kept apart from the baseline.
    /// Default: ~/.config/baomi/baseline.key, made on first use.
    #[arg(long, value_name = "FILE", env = "BAOMI_BASELINE_KEY")]
    baseline_key: Option<PathBuf>,
    /// Name the site's sections (单位/栏目) by path prefix for the per-section figures (TOML:
    /// `[[section]] prefix = "xxgk/mzj/" name = "区民政局"`); by default a section is the first
    /// directory under the scanned root.
    #[arg(long, value_name = "FILE")]
    sections: Option<PathBuf>,
    /// Rewrite the baseline with this audit's findings after comparing.
    #[arg(long, requires = "baseline")]
    update_baseline: bool,
    /// Show only findings that are not in the baseline (and exit 1 only for a new hold).
    #[arg(long, requires = "baseline")]
    only_new: bool,
    /// Known false alarms to keep quiet (TOML, see the README); by default the
    /// `suppressions.toml` of `--rules DIR`, if it has one. A suppressed finding is shown
    /// as such and no longer decides; expired entries stop applying and are reported.
    #[arg(long, value_name = "FILE")]
    suppressions: Option<PathBuf>,
    /// Files, directories (recursive) or `-` for standard input.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<String>,
}

/// What the walker hands out.
enum Item {
    Scan { path: String, source: Source },
    Error { path: String, message: String },
}

/// Items in walk order, numbered: batch `seq` holds the items after those of batch `seq - 1`.
struct Batch {
    seq: usize,
    items: Vec<Item>,
}

/// A file's result: scanned (and whether from the cache), or why not.
struct Outcome {
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
                "csv" => FileType::Csv,
                "xlsx" | "xlsm" => FileType::Xlsx,
                "xls" => FileType::Xls,
                "ods" => FileType::Ods,
                "et" => FileType::Et,
                "pdf" => FileType::Pdf,
                "ofd" => FileType::Ofd,
                "doc" => FileType::Doc,
                "wps" => FileType::Wps,
                "png" | "jpg" | "jpeg" | "gif" | "bmp" | "tif" | "tiff" | "webp" => FileType::Image,
                "zip" | "rar" | "7z" | "gz" => FileType::Archive,
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

/// Walks `paths` in order, handing numbered batches to `tx` as the window admits them; counts
/// files, bytes and skips in `total` for the progress bar and the summary (bytes only with
/// `sizes`).
fn walk_all(
    paths: &[String],
    filters: &Filters,
    sizes: bool,
    window: &Window,
    tx: &Sender<Batch>,
    total: &Mutex<Counts>,
) {
    let mut batches = Batcher {
        window,
        tx,
        seq: 0,
        items: Vec::with_capacity(BATCH_FILES),
        bytes: 0,
    };
    for p in paths {
        let more = walk(p, sizes, &mut |found| match item(found, filters, total) {
            Some((item, size)) => batches.push(item, size),
            None => !window.stopped(),
        });
        if !more {
            return;
        }
    }
    batches.flush();
}

/// What the scan makes of a path the walker found: an item to scan or to report, or nothing
/// (a symlinked directory, a file gone, a file the filters skip). With the item, its size.
fn item(found: Found, filters: &Filters, total: &Mutex<Counts>) -> Option<(Item, u64)> {
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

/// Items go out in batches (a few dozen small files, or about a megabyte): one hand-off
/// between threads per file would cost more than scanning a small file.
struct Batcher<'a> {
    window: &'a Window,
    tx: &'a Sender<Batch>,
    seq: usize,
    items: Vec<Item>,
    bytes: u64,
}

impl Batcher<'_> {
    /// False when the scan has stopped.
    fn push(&mut self, item: Item, size: u64) -> bool {
        self.items.push(item);
        self.bytes += size;
        if self.items.len() >= BATCH_FILES || self.bytes >= BATCH_BYTES {
            return self.send();
        }
        true
    }

    fn send(&mut self) -> bool {
        self.bytes = 0;
        let items = std::mem::take(&mut self.items);
        if !self.window.admit(self.seq) {
            return false;
        }
        let sent = self.tx.send(Batch {
            seq: self.seq,
            items,
        });
        self.seq += 1;
        sent.is_ok()
    }

    fn flush(&mut self) {
        if !self.items.is_empty() {
            self.send();
        }
    }
}

const BATCH_FILES: usize = 32;
const BATCH_BYTES: u64 = 1 << 20;

fn add(total: &Mutex<Counts>, bytes: u64) {
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

/// The batches handed out but not yet printed: at most `size`, so the reorder buffer (the
/// batches that finished before an earlier one) never holds more, however slow one file is
/// beside the others. The walker waits for room; the printing thread makes it. It is also
/// how the scan is stopped: `stop` wakes the walker, and workers look before each file.
struct Window {
    size: usize,
    printed: Mutex<usize>,
    moved: Condvar,
    stop: AtomicBool,
}

/// The window, in batches (of at most `BATCH_FILES` files): room for the item queue, the
/// batches in the workers' hands and a margin, so that in a steady scan the walker is held
/// back by the queue, not the window. Behind one slow file the others go on until the window
/// is full (64 batches and 4 per worker: about 2,300 small files on 2 threads), then wait:
/// a little throughput traded for memory that does not grow with the tree.
const WINDOW_BATCHES: usize = 64;
const WINDOW_PER_THREAD: usize = 4;
/// Batches waiting for a worker.
const QUEUE_BATCHES: usize = 16;

impl Window {
    fn new(threads: usize) -> Self {
        Window {
            size: WINDOW_BATCHES + WINDOW_PER_THREAD * threads,
            printed: Mutex::new(0),
            moved: Condvar::new(),
            stop: AtomicBool::new(false),
        }
    }

    /// Waits until batch `seq` fits in the window; false if the scan stopped.
    fn admit(&self, seq: usize) -> bool {
        let mut printed = self.printed.lock().unwrap_or_else(|p| p.into_inner());
        while seq >= *printed + self.size && !self.stopped() {
            printed = self.moved.wait(printed).unwrap_or_else(|p| p.into_inner());
        }
        !self.stopped()
    }

    /// The batches before `next` are printed.
    fn printed(&self, next: usize) {
        *self.printed.lock().unwrap_or_else(|p| p.into_inner()) = next;
        self.moved.notify_all();
    }

    fn stop(&self) {
        // Under the lock, so the walker cannot miss the wake-up between its look and its wait.
        let _printed = self.printed.lock().unwrap_or_else(|p| p.into_inner());
        self.stop.store(true, Ordering::Relaxed);
        self.moved.notify_all();
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// The key findings are fingerprinted with (`--baseline`), and its id.
pub(super) struct FingerprintKey {
    key: Vec<u8>,
    id: String,
}

/// Reads and scans one document. `hash`: the file's SHA-256 is wanted (JSON Lines); the cache
/// needs it anyway. Otherwise it is not computed (`sha256` stays empty). With `fp`, each
/// finding's fingerprint too, kept in the cache beside the findings (under the key's id), so
/// that a re-audit of an unchanged file does not compute them again.
fn process(
    source: &Source,
    rs: &RuleSet,
    cache: Option<&sled::Db>,
    hash: bool,
    threads: usize,
    fp: Option<&FingerprintKey>,
) -> Result<(Scanned, bool), String> {
    let name = match source {
        Source::File(p) => p.file_name().map(|n| n.to_string_lossy().into_owned()),
        Source::Stdin => None,
    };
    // The name changes how a file is read only in one way: `.csv` is a table.
    let csv = name
        .as_deref()
        .is_some_and(|n| n.to_ascii_lowercase().ends_with(".csv"));
    let suffix = format!(":{}{}", rs.id, if csv { ":csv" } else { "" });
    let lookup = |db: &sled::Db, sha: &str| {
        db.get(format!("{sha}{suffix}").as_bytes())
            .ok()
            .flatten()
            .and_then(|v| serde_json::from_slice::<Scanned>(&v).ok())
    };
    // An unchanged file is known by its metadata, without reading it (see `FileStamp`).
    let stamp = match (cache, source) {
        (Some(_), Source::File(p)) => FileStamp::of(p),
        _ => None,
    };
    let known = match (cache, &stamp) {
        (Some(db), Some(st)) => st
            .sha256_in(db)
            .and_then(|sha| lookup(db, &sha).map(|s| (sha, s))),
        _ => None,
    };
    // Fingerprints of the document's own findings, cached with them; the name's findings
    // (never cached) change them only when there are any.
    let fingerprint = |db: Option<(&sled::Db, String)>, scanned: &mut Scanned| {
        let Some(fp) = fp else { return };
        if scanned.fingerprint_key == fp.id && scanned.fingerprints.len() == scanned.findings.len()
        {
            return;
        }
        scanned.fingerprints = super::baseline::fingerprints_of(&fp.key, &scanned.findings);
        scanned.fingerprint_key = fp.id.clone();
        if let Some((db, key)) = db {
            if let Ok(v) = serde_json::to_vec(&*scanned) {
                let _ = db.insert(key.as_bytes(), v);
            }
        }
    };
    let named = |scanned: &mut Scanned| {
        if check_name(rs, name.as_deref(), scanned) {
            if let Some(fp) = fp {
                scanned.fingerprints = super::baseline::fingerprints_of(&fp.key, &scanned.findings);
            }
        }
    };
    if let Some((sha, mut scanned)) = known {
        fingerprint(cache.map(|db| (db, format!("{sha}{suffix}"))), &mut scanned);
        named(&mut scanned);
        return Ok((scanned, true));
    }
    let bytes = read(source)?;
    let sha256 = if hash || cache.is_some() {
        crate::sha256_hex(&bytes)
    } else {
        String::new()
    };
    let cached = cache.and_then(|db| lookup(db, &sha256));
    // A stamp is kept for a file found unchanged (its result cached under its hash): a first
    // audit pays nothing for it, and a page that changes every time is never stamped.
    if let (Some(db), Some(st), Some(_)) = (cache, &stamp, &cached) {
        st.record(db, &sha256);
    }
    let key = cache.map(|_| format!("{sha256}{suffix}"));
    let from_cache = cached.is_some();
    let mut scanned = match cached {
        Some(mut s) => {
            fingerprint(cache.zip(key.clone()), &mut s);
            s
        }
        None => {
            let report =
                crate::pipeline::scan_named_on(&rs.engine, &bytes, name.as_deref(), threads)
                    .map_err(|e| e.to_string())?;
            let scanned = Scanned {
                decision: report.decision,
                sha256,
                len: bytes.len(),
                findings: report.findings,
                baseline: Vec::new(),
                suppressed: Vec::new(),
                fingerprints: Vec::new(),
                fingerprint_key: String::new(),
            };
            let mut scanned = scanned;
            fingerprint(None, &mut scanned);
            if let (Some(db), Some(key)) = (cache, &key) {
                if let Ok(v) = serde_json::to_vec(&scanned) {
                    let _ = db.insert(key.as_bytes(), v);
                }
            }
            scanned
        }
    };
    named(&mut scanned);
    Ok((scanned, from_cache))
}

/// The file's name is checked apart from its bytes, every time (it is not cached); whether it
/// had findings.
fn check_name(rs: &RuleSet, name: Option<&str>, scanned: &mut Scanned) -> bool {
    if let Some(name) = name {
        let found = crate::pipeline::scan_file_name(&rs.engine, name);
        if !found.is_empty() {
            scanned.findings.splice(0..0, found);
            scanned.decision = crate::engine::Report::decision_for(&scanned.findings);
            return true;
        }
    }
    false
}

/// What the cache knows a file by without reading it, as git's index does: its absolute
/// path, and its size, modification and change times, inode and device. The change time
/// cannot be set back by the file's owner (setting the modification time changes it), so an
/// edit that keeps the size and the modification time is still seen. A stamp is trusted only
/// when the file's change time is more than a second older than the stamp: a file changed
/// within the second the stamp was taken is read again.
struct FileStamp {
    key: Vec<u8>,
    meta: [u64; 5],
}

impl FileStamp {
    fn of(path: &Path) -> Option<FileStamp> {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(path).ok()?;
        if !m.is_file() {
            return None;
        }
        let abs = std::path::absolute(path).ok()?;
        let mut key = b"stamp\0".to_vec();
        key.extend_from_slice(abs.as_os_str().as_encoded_bytes());
        let ns = |s: i64, n: i64| {
            (s as u64)
                .wrapping_mul(1_000_000_000)
                .wrapping_add(n as u64)
        };
        Some(FileStamp {
            key,
            meta: [
                m.len(),
                ns(m.mtime(), m.mtime_nsec()),
                ns(m.ctime(), m.ctime_nsec()),
                m.ino(),
                m.dev(),
            ],
        })
    }

    /// The SHA-256 the cache recorded for this file, if the file is as it was then.
    fn sha256_in(&self, db: &sled::Db) -> Option<String> {
        let v = db.get(&self.key).ok()??;
        let (meta, rest) = v.split_at_checked(5 * 8)?;
        let (taken, sha) = rest.split_at_checked(8)?;
        let same = meta
            .chunks(8)
            .zip(self.meta)
            .all(|(a, b)| a == b.to_le_bytes());
        let taken = u64::from_le_bytes(taken.try_into().ok()?);
        (same && self.meta[2].saturating_add(1_000_000_000) < taken)
            .then(|| String::from_utf8(sha.to_vec()).ok())
            .flatten()
    }

    /// Records that the file, as stamped, has this SHA-256.
    fn record(&self, db: &sled::Db, sha256: &str) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let mut v = Vec::with_capacity(6 * 8 + sha256.len());
        for x in self.meta {
            v.extend_from_slice(&x.to_le_bytes());
        }
        v.extend_from_slice(&now.to_le_bytes());
        v.extend_from_slice(sha256.as_bytes());
        let _ = db.insert(&self.key, v);
    }
}

/// What a scan needs besides its arguments: the rule set, the filters, the cache, the threads.
struct Setup {
    rs: RuleSet,
    filters: Filters,
    cache: Option<sled::Db>,
    threads: usize,
    /// With `--baseline`: its key, for the workers to fingerprint findings.
    fingerprint_key: Option<FingerprintKey>,
}

impl Setup {
    /// Errors are printed; the exit code comes back.
    fn new(args: &ScanArgs) -> Result<Setup, i32> {
        let rs = load_rules(args.rules.as_deref())?;
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
                return Err(EXIT_ERROR);
            }
        };
        let cache = match &args.cache {
            None => None,
            Some(dir) => match sled::open(dir) {
                Ok(db) => Some(db),
                Err(e) => {
                    eprintln!("baomi: cannot open the cache {}: {e}", dir.display());
                    return Err(EXIT_ERROR);
                }
            },
        };
        let threads = args
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .max(1);
        Ok(Setup {
            rs,
            filters,
            cache,
            fingerprint_key: None,
            threads,
        })
    }
}

pub fn run(args: ScanArgs) -> i32 {
    // A baseline of a large site is megabytes of JSON: it is read while the rule set compiles
    // and the first files are scanned (their fingerprints need only its key), and waited for
    // when the first result is to be compared with it.
    let baseline_key = match &args.baseline {
        None => None,
        Some(file) => match BaselineKey::of(file, args.baseline_key.as_deref()) {
            Ok(k) => Some(k),
            Err(e) => {
                eprintln!("baomi: {e}");
                return EXIT_ERROR;
            }
        },
    };
    let mut opening = args
        .baseline
        .clone()
        .zip(baseline_key.clone())
        .map(|(file, key)| {
            let update = args.update_baseline;
            std::thread::spawn(move || Baseline::read(&file, key, update))
        });
    let mut setup = match Setup::new(&args) {
        Ok(s) => s,
        Err(code) => return code,
    };
    setup.fingerprint_key = baseline_key.map(|k| FingerprintKey {
        id: super::baseline::key_id(&k.key),
        key: k.key,
    });
    let mut baseline: Option<Baseline> = None;
    let mut baseline_error: Option<String> = None;
    let mut ready = |baseline: &mut Option<Baseline>, error: &mut Option<String>| {
        if let Some(handle) = opening.take() {
            match handle.join() {
                Ok(Ok(b)) => *baseline = Some(b),
                Ok(Err(e)) => *error = Some(e),
                Err(_) => *error = Some("reading the baseline failed".into()),
            }
        }
        error.is_none()
    };
    let today = crate::calendar::today_in_china();
    let suppressions = match load_suppressions(
        args.suppressions.as_deref(),
        args.rules.as_deref(),
        &setup.rs,
    ) {
        Ok(s) => s,
        Err(code) => return code,
    };
    // Value digests are keyed like the baseline's; the key is read only when an entry in force
    // names a value.
    let key = match &suppressions {
        Some(s) if s.active(today).any(|e| e.value.is_some()) => {
            match super::baseline::key(args.baseline_key.as_deref(), false) {
                Ok(k) => k,
                Err(e) => {
                    eprintln!("baomi: the suppressions name values by digest: {e}");
                    return EXIT_ERROR;
                }
            }
        }
        _ => Vec::new(),
    };
    let mut counts = BaselineCounts::default();
    let sections = match Sections::new(&args.paths, args.sections.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("baomi: {e}");
            return EXIT_ERROR;
        }
    };
    let progress = (!args.quiet && io::stderr().is_terminal()).then(progress_bar);
    let started = Instant::now();
    let total = Mutex::new(Counts::default());
    let mut summary = Summary {
        ruleset: setup.rs.id.clone(),
        date: crate::calendar::today_in_china().to_string(),
        roots: args.paths.clone(),
        ..Summary::default()
    };
    let mut main = main_printer(&args, &setup.rs, &sections);
    let mut html = args.html.clone().map(printer::Html::new);
    // Only JSON Lines prints each file's SHA-256.
    let hash = (args.format == ScanFormat::Json && !args.summary)
        || suppressions.as_ref().is_some_and(|s| s.needs_hash(today));
    // Sizes cost a system call per file; only the progress bar and `--max-size` use them.
    let sizes = progress.is_some() || args.max_size.is_some();
    let scanned = main.begin().and_then(|()| {
        scan_all(&setup, &args.paths, hash, sizes, &total, &mut |o| {
            if !ready(&mut baseline, &mut baseline_error) {
                return Err(io::Error::other("the baseline could not be read"));
            }
            let marked;
            let quieted;
            let result = match &o.result {
                Ok((s, cached)) => {
                    let s = match &suppressions {
                        Some(sup) => {
                            quieted = suppress(sup, &o.path, s, &key, today);
                            summary.suppressed += quieted.suppressed.iter().flatten().count();
                            &quieted
                        }
                        None => s,
                    };
                    match baseline.as_mut() {
                        None => {
                            let live = s.live();
                            summary.add_file(&o.path, s.decision, s.len, *cached, &live);
                            summary
                                .sections
                                .entry(sections.of(&o.path))
                                .or_default()
                                .add(s.decision == Decision::Hold, &live, 0, 0, None);
                            Ok(s)
                        }
                        Some(b) => {
                            let section = summary.sections.entry(sections.of(&o.path)).or_default();
                            marked = against(b, &o.path, s, args.only_new, &mut counts, section);
                            summary.add_file(
                                &o.path,
                                marked.decision,
                                marked.len,
                                *cached,
                                &marked.live(),
                            );
                            Ok(&marked)
                        }
                    }
                }
                Err(message) => {
                    summary.add_error();
                    if let Some(b) = baseline.as_mut() {
                        b.unread(&o.path);
                    }
                    Err(message.as_str())
                }
            };
            if let Some(h) = html.as_mut() {
                h.file(&o.path, result)?;
            }
            main.file(&o.path, result)?;
            if let Some(bar) = &progress {
                show_progress(bar, &total, &summary);
            }
            Ok(())
        })
    });
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    // (An audit of nothing never asked for it.)
    ready(&mut baseline, &mut baseline_error);
    if let Some(e) = baseline_error {
        eprintln!("baomi: {e}");
        return EXIT_ERROR;
    }
    if let Some(db) = &setup.cache {
        let _ = db.flush();
    }
    let skipped = total.lock().unwrap_or_else(|p| p.into_inner()).skipped;
    if let Some(b) = &baseline {
        counts.fixed = b.fixed();
        for e in &counts.fixed {
            summary
                .sections
                .entry(sections.of(&e.path))
                .or_default()
                .fixed += 1;
        }
        summary.baseline = Some(counts);
    }
    if let Some(sup) = &suppressions {
        summary.expired_suppressions = sup
            .expired(today)
            .map(|e| {
                format!(
                    "{}:{} {}（{} 添加，{} 到期）：{}",
                    sup.source, e.line, e.id, e.added_by, e.expires, e.reason
                )
            })
            .collect();
        for line in &summary.expired_suppressions {
            eprintln!("baomi: suppression expired, no longer applied: {line}");
        }
    }
    summary.close(started.elapsed().as_secs_f64(), skipped);
    if let Err(e) = scanned.and_then(|()| main.finish(&summary)) {
        return write_failed(&e, &summary);
    }
    if let Some(h) = html.as_mut() {
        if let Err(e) = h.finish(&summary) {
            let file = h.path().display();
            eprintln!(
                "baomi: cannot write the HTML report {file}: {}",
                io_message(&e)
            );
            return EXIT_ERROR;
        }
    }
    if let Some(b) = &baseline {
        // A new baseline is written, an existing one only when asked; never after a scan cut
        // short, which would record its missing findings as fixed.
        if (summary.errors > 0 || summary.skipped > 0) && (!b.existed() || args.update_baseline) {
            eprintln!(
                "baomi: the baseline was not written: {} file(s) could not be read and {} were skipped by the filters, and their findings would be missing from it",
                summary.errors, summary.skipped
            );
        } else if !b.existed() || args.update_baseline {
            match b.write(&setup.rs.id) {
                Ok(n) => eprintln!(
                    "baomi: baseline {} written ({n} findings)",
                    args.baseline.as_deref().unwrap_or(Path::new("")).display()
                ),
                Err(e) => {
                    eprintln!("baomi: {e}");
                    return EXIT_ERROR;
                }
            }
        }
    }
    // The process ends here: the baseline's index (entries for every finding of the site) is
    // left to the exit rather than freed entry by entry.
    std::mem::forget(baseline);
    exit_code(&summary)
}

/// A file's result with the suppressions in force: each finding covered marked, the decision
/// taken from the others.
fn suppress(
    sup: &crate::suppress::Suppressions,
    path: &str,
    s: &Scanned,
    key: &[u8],
    today: crate::calendar::Day,
) -> Scanned {
    let sha = (!s.sha256.is_empty()).then_some(s.sha256.as_str());
    let marks = sup.apply(&s.findings, Some(path), sha, key, today);
    let mut out = s.clone();
    if marks.iter().any(Option::is_some) {
        let holds = s
            .findings
            .iter()
            .zip(&marks)
            .any(|(f, m)| m.is_none() && f.severity == crate::engine::Severity::Hold);
        out.decision = if holds {
            Decision::Hold
        } else {
            Decision::Approve
        };
        out.suppressed = marks;
    }
    out
}

/// A file's result against the baseline: each finding marked new or unchanged (and, with
/// `only_new`, only the new ones kept, the decision taken from them).
fn against(
    b: &mut Baseline,
    path: &str,
    s: &Scanned,
    only_new: bool,
    counts: &mut BaselineCounts,
    section: &mut SectionCounts,
) -> Scanned {
    // Every finding goes into the baseline; a suppressed one counts as neither new nor
    // unchanged (it is known and accepted until its suppression expires).
    let (states, oldest) = b.classify(path, &s.findings, &s.fingerprints);
    let live = |i: usize| s.mark(i).is_none();
    let new = (0..states.len())
        .filter(|&i| states[i] == State::New && live(i))
        .count();
    let unchanged = (0..states.len())
        .filter(|&i| states[i] == State::Unchanged && live(i))
        .count();
    counts.new += new;
    counts.unchanged += unchanged;
    section.add(
        s.decision == Decision::Hold,
        &s.live(),
        new,
        unchanged,
        oldest.as_deref(),
    );
    // Only what is printed is copied: with `--only-new`, the new findings alone.
    let mut out = Scanned {
        decision: s.decision,
        sha256: s.sha256.clone(),
        len: s.len,
        findings: Vec::new(),
        baseline: Vec::new(),
        suppressed: Vec::new(),
        fingerprints: Vec::new(),
        fingerprint_key: String::new(),
    };
    if only_new {
        let keep: Vec<usize> = (0..states.len())
            .filter(|&i| states[i] == State::New && live(i))
            .collect();
        let findings: Vec<_> = keep.iter().map(|&i| s.findings[i].clone()).collect();
        out.decision = crate::engine::Report::decision_for(&findings);
        out.findings = findings;
        out.baseline = keep.iter().map(|&i| states[i]).collect();
    } else {
        out.findings = s.findings.clone();
        out.suppressed = s.suppressed.clone();
        out.baseline = states;
    }
    out
}

/// The printer for standard output, as the arguments choose it.
fn main_printer<'a>(
    args: &ScanArgs,
    rs: &'a RuleSet,
    sections: &Sections,
) -> Box<dyn Printer + 'a> {
    // Colour codes are stripped unless standard output is a terminal.
    let out = anstream::AutoStream::auto(io::stdout().lock());
    match (args.summary, args.format) {
        (true, ScanFormat::Text) => Box::new(SummaryTable::new(out, false)),
        (true, ScanFormat::Json | ScanFormat::Sarif) => Box::new(SummaryTable::new(out, true)),
        (true, ScanFormat::Csv) => Box::new(printer::Csv::new(out, true)),
        (false, ScanFormat::Csv) => {
            Box::new(printer::Csv::new(out, false).with_sections(sections.clone()))
        }
        (false, ScanFormat::Text) => Box::new(Text::new(out)),
        (false, ScanFormat::Json) => Box::new(JsonLines::new(out, &rs.id)),
        (false, ScanFormat::Sarif) => Box::new(Sarif::new(out, rs)),
    }
}

fn progress_bar() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {pos}/{len} files  {msg}  {per_sec}  ETA {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

fn show_progress(bar: &indicatif::ProgressBar, total: &Mutex<Counts>, summary: &Summary) {
    let files = total.lock().unwrap_or_else(|p| p.into_inner()).files;
    bar.set_length(files as u64);
    bar.set_position((summary.files + summary.errors) as u64);
    bar.set_message(format!(
        "{:.1} MB  {} held",
        summary.bytes as f64 / 1e6,
        summary.hold
    ));
}

/// Runs the walker and the workers, and hands every outcome to `each` in walk order. The
/// first error of `each` stops the scan and comes back.
fn scan_all(
    setup: &Setup,
    paths: &[String],
    hash: bool,
    sizes: bool,
    total: &Mutex<Counts>,
    each: &mut dyn FnMut(Outcome) -> io::Result<()>,
) -> io::Result<()> {
    let window = Window::new(setup.threads);
    let busy = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let (item_tx, item_rx) = crossbeam_channel::bounded::<Batch>(QUEUE_BATCHES);
        let (out_tx, out_rx) = crossbeam_channel::bounded::<(usize, Vec<Outcome>)>(16);
        let (window, busy) = (&window, &busy);
        let filters = &setup.filters;
        scope.spawn(move || walk_all(paths, filters, sizes, window, &item_tx, total));
        for _ in 0..setup.threads {
            let (item_rx, out_tx) = (item_rx.clone(), out_tx.clone());
            scope.spawn(move || work(&item_rx, &out_tx, setup, hash, window, busy));
        }
        drop(out_tx);
        drop(item_rx);
        drain(out_rx, window, each)
    })
}

/// A worker: scans batch after batch and sends the outcomes on, until the walk ends or the
/// scan stops (it then drops the rest of its batch).
fn work(
    items: &Receiver<Batch>,
    out: &Sender<(usize, Vec<Outcome>)>,
    setup: &Setup,
    hash: bool,
    window: &Window,
    busy: &AtomicUsize,
) {
    for batch in items {
        // Workers busy with a batch: the cores of the others (waiting for work, done with it,
        // or not started yet) are lent to a large file, so one big document is not scanned on
        // one core while the others sit idle.
        busy.fetch_add(1, Ordering::Relaxed);
        let helpers = || {
            let busy = busy.load(Ordering::Relaxed);
            1 + setup.threads.saturating_sub(busy.max(1))
        };
        let mut outcomes = Vec::with_capacity(batch.items.len());
        for item in batch.items {
            if window.stopped() {
                break;
            }
            outcomes.push(match item {
                Item::Error { path, message } => Outcome {
                    path,
                    result: Err(message),
                },
                Item::Scan { path, source } => Outcome {
                    result: process(
                        &source,
                        &setup.rs,
                        setup.cache.as_ref(),
                        hash,
                        helpers(),
                        setup.fingerprint_key.as_ref(),
                    ),
                    path,
                },
            });
        }
        busy.fetch_sub(1, Ordering::Relaxed);
        if window.stopped() || out.send((batch.seq, outcomes)).is_err() {
            return;
        }
    }
}

/// The ordered drain: batches that finish early wait in a ring of the window's size (the
/// window admits no batch that would not fit) until the ones before them are handed on.
fn drain(
    outcomes: Receiver<(usize, Vec<Outcome>)>,
    window: &Window,
    each: &mut dyn FnMut(Outcome) -> io::Result<()>,
) -> io::Result<()> {
    let mut held: Vec<Option<Vec<Outcome>>> = (0..window.size).map(|_| None).collect();
    let mut next = 0usize;
    for (seq, batch) in &outcomes {
        let slot = &mut held[seq % window.size];
        debug_assert!(slot.is_none(), "batch {seq} is outside the window");
        *slot = Some(batch);
        while let Some(batch) = held[next % window.size].take() {
            for outcome in batch {
                if let Err(e) = each(outcome) {
                    // Stop the walker and the workers; dropping `outcomes` frees any worker
                    // waiting to send.
                    window.stop();
                    return Err(e);
                }
            }
            next += 1;
            window.printed(next);
        }
    }
    Ok(())
}

/// A write to the output failed: a closed pipe ends the scan quietly, with the exit code the
/// files printed so far give; anything else is an error.
fn write_failed(e: &io::Error, summary: &Summary) -> i32 {
    if e.kind() == io::ErrorKind::BrokenPipe {
        return exit_code(summary);
    }
    eprintln!("baomi: cannot write the output: {}", io_message(e));
    EXIT_ERROR
}

fn exit_code(summary: &Summary) -> i32 {
    if summary.errors > 0 {
        EXIT_ERROR
    } else if summary.hold > 0 {
        EXIT_HOLD
    } else {
        EXIT_APPROVE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(path: String) -> Outcome {
        Outcome {
            path,
            result: Err(String::new()),
        }
    }

    #[test]
    fn the_drain_restores_walk_order_within_the_window() {
        let window = Window::new(1);
        let (tx, rx) = crossbeam_channel::unbounded();
        // Every batch the window admits at once, the last first.
        for seq in (0..window.size).rev() {
            let batch = vec![outcome(format!("{seq}a")), outcome(format!("{seq}b"))];
            tx.send((seq, batch)).unwrap();
        }
        drop(tx);
        let mut seen = Vec::new();
        drain(rx, &window, &mut |o| {
            seen.push(o.path);
            Ok(())
        })
        .unwrap();
        let expected: Vec<String> = (0..window.size)
            .flat_map(|s| [format!("{s}a"), format!("{s}b")])
            .collect();
        assert_eq!(seen, expected);
        // All printed: the window has moved on by its whole size.
        assert!(window.admit(2 * window.size - 1));
    }

    #[test]
    fn a_failed_write_stops_the_scan() {
        let window = Window::new(1);
        let (tx, rx) = crossbeam_channel::unbounded();
        tx.send((0, vec![outcome("a".into()), outcome("b".into())]))
            .unwrap();
        let mut seen = 0;
        let e = drain(rx, &window, &mut |_| {
            seen += 1;
            Err(io::ErrorKind::BrokenPipe.into())
        })
        .unwrap_err();
        assert_eq!((e.kind(), seen), (io::ErrorKind::BrokenPipe, 1));
        assert!(window.stopped());
        assert!(
            tx.send((1, Vec::new())).is_err(),
            "the drain let go of the queue"
        );
    }

    #[test]
    fn the_walker_waits_for_room_and_a_stop_frees_it() {
        let window = Window::new(1);
        assert!(window.admit(window.size - 1));
        std::thread::scope(|s| {
            let waiting = s.spawn(|| window.admit(window.size));
            std::thread::sleep(Duration::from_millis(50));
            assert!(!waiting.is_finished(), "batch `size` waits for batch 0");
            window.printed(1);
            assert!(waiting.join().unwrap());
            let waiting = s.spawn(|| window.admit(window.size + 5));
            window.stop();
            assert!(!waiting.join().unwrap());
        });
    }
}

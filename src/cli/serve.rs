//! The service side of the command line: `baomi serve`, `baomi token`, `baomi audit`.

use super::common::{EXIT_APPROVE, EXIT_ERROR, EXIT_HOLD};
use crate::http::server::{self, ServerOptions};
use crate::http::{AppState, Limits};
use crate::rules::{self, RuleSet};
use crate::service::Service;
use crate::store::{Actor, DecisionStore, KvStore, Role};
use clap::{Args, Subcommand};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// `eprintln!` that never panics: a message that cannot be written (standard error on a full
/// disk, a closed pipe) is dropped rather than stopping the service.
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// Where a fresh start keeps its data: a directory in the working directory.
pub const DEFAULT_DATA: &str = "baomi-data";
pub const DEFAULT_ADDR: &str = "127.0.0.1:8750";
/// How often a node on a shared database reads the rule set and suppressions other nodes
/// recorded (a change reaches every node within this, plus a compile).
const FOLLOW_INTERVAL: Duration = Duration::from_millis(500);
/// The file, inside the data directory, holding the admin token made on a fresh start.
pub const ADMIN_TOKEN_FILE: &str = "admin.token";

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on. The default is loopback only.
    #[arg(long, env = "BAOMI_ADDR", default_value = DEFAULT_ADDR)]
    addr: String,
    /// Data directory (created if missing): the sled store, and the files a start makes
    /// (`admin.token`, `digest.key`) also with --store.
    #[arg(long, env = "BAOMI_DATA", default_value = DEFAULT_DATA)]
    data: PathBuf,
    /// Keep reviews, decisions, tokens, rule sets and the audit chain in this PostgreSQL
    /// database instead of the data directory: several nodes may share it
    /// (`postgres://user@host/db?sslmode=require&sslrootcert=ca.pem`; see docs/scale-out.md).
    #[arg(long, env = "BAOMI_STORE", value_name = "URL")]
    store: Option<String>,
    /// With --store: the most database connections readers use at once (writes have one more).
    #[arg(long, env = "BAOMI_STORE_POOL", default_value_t = 16)]
    store_pool: u32,
    /// Rule directory to use instead of the embedded default rule set.
    #[arg(long, env = "BAOMI_RULES", value_name = "DIR")]
    rules: Option<PathBuf>,
    /// Largest request body, in bytes.
    #[arg(long, env = "BAOMI_MAX_BODY", default_value_t = 16 * 1024 * 1024)]
    max_body: usize,
    /// Longest a request may take, body included, in seconds.
    #[arg(long, env = "BAOMI_REQUEST_TIMEOUT", default_value_t = 30)]
    request_timeout: u64,
    /// Longest wait for a request's headers, in seconds.
    #[arg(long, env = "BAOMI_HEADER_TIMEOUT", default_value_t = 10)]
    header_timeout: u64,
    /// Watch the rule directory (with --rules) every N milliseconds and reload what changed;
    /// 0, the default, leaves the watcher off: rules change by `POST /v1/rules/reload` or an
    /// edit, after the maintainer ran `baomi rules test` and `baomi rules diff`.
    #[arg(long, env = "BAOMI_WATCH_INTERVAL_MS", default_value_t = 0)]
    watch_interval_ms: u64,
    /// A labelled corpus (the labels file of `baomi eval`) every new rule set must pass before
    /// it goes in force, by reload, edit or watcher, besides its own examples.
    #[arg(long, env = "BAOMI_CHECK_LABELS", value_name = "FILE")]
    check_labels: Option<PathBuf>,
    /// With --check-labels: the lowest decision accuracy a rule set may have (default: that
    /// of the rules the service starts on).
    #[arg(long, value_name = "X", value_parser = super::eval::fraction_arg)]
    check_min_accuracy: Option<f64>,
    /// With --check-labels: the lowest hold recall a rule set may have (default: that of the
    /// rules the service starts on).
    #[arg(long, value_name = "X", value_parser = super::eval::fraction_arg)]
    check_min_hold_recall: Option<f64>,
    /// The time zone the console shows times in (an IANA name), whatever the browser's own.
    #[arg(long, env = "BAOMI_TIMEZONE", default_value = crate::http::DEFAULT_TIME_ZONE, value_parser = time_zone_arg)]
    timezone: String,
    /// Longest wait for requests in flight at shutdown, in seconds.
    #[arg(long, default_value_t = 30)]
    drain_timeout: u64,
    /// Most connections served at once (more get 503 with Retry-After).
    #[arg(long, env = "BAOMI_MAX_CONNECTIONS", default_value_t = 1024)]
    max_connections: usize,
    /// Most scans running at once (default: one fewer than the cores, at least one), so the
    /// gate keeps a core; a submission that waits 10 s for a scan gets 503 with Retry-After.
    #[arg(long, env = "BAOMI_SCAN_THREADS")]
    scan_threads: Option<usize>,
    /// A holiday calendar (holiday-cn JSON: a year file or an array of them) whose years
    /// replace the embedded ones: the State Council's notice for next year comes out each
    /// November, and needs no rebuild.
    #[arg(long, env = "BAOMI_CALENDAR", value_name = "FILE")]
    calendar: Option<PathBuf>,
    /// Disclosure within this many working days of the day the information was formed or
    /// changed (条例 art. 26).
    #[arg(long, env = "BAOMI_DISCLOSURE_DAYS", default_value_t = crate::service::DISCLOSURE_DAYS, value_parser = clap::value_parser!(u32).range(1..=365))]
    disclosure_days: u32,
    /// The review opinion within this many working days of submission.
    #[arg(long, env = "BAOMI_OPINION_DAYS", default_value_t = crate::service::OPINION_DAYS, value_parser = clap::value_parser!(u32).range(1..=365))]
    opinion_days: u32,
    /// Staged review, the stages in order (`初审,复审,终审`): a draft passes the gate only when
    /// every stage approved it, each by another person; a hold at any stage returns it to
    /// its submitter. Without it, one reviewer decides (and the engine's approve passes).
    #[arg(long, env = "BAOMI_STAGES", value_name = "LIST", value_parser = stages_arg)]
    stages: Option<String>,
    /// How often the clocks' gauges of /metrics (due soon, overdue) are computed, in seconds.
    #[arg(long, env = "BAOMI_CLOCK_INTERVAL", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    clock_interval: u64,
    /// The deployment's key for value digests (64 hexadecimal digits): give `baomi scan
    /// --baseline-key` the same file, so that a suppression naming a value applies in both.
    /// Default: `digest.key` in the data directory, made on first start.
    #[arg(long, env = "BAOMI_BASELINE_KEY", value_name = "FILE")]
    baseline_key: Option<PathBuf>,
}

/// `--stages`, checked when the command line is read (see [`crate::service::parse_stages`]).
fn stages_arg(s: &str) -> Result<String, String> {
    crate::service::parse_stages(s).map(|_| s.to_string())
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it once (only its hash is stored).
    Create {
        #[arg(long)]
        role: String,
        /// The person's name: an existing person, or a new one created with the token.
        #[arg(long)]
        name: String,
        /// The person's department, when the token creates the person.
        #[arg(long)]
        department: Option<String>,
        #[arg(long, env = "BAOMI_DATA", default_value = DEFAULT_DATA)]
        data: PathBuf,
        /// The PostgreSQL database to use instead of the data directory's sled store
        /// (`postgres://user@host/db?sslmode=require`).
        #[arg(long, env = "BAOMI_STORE", value_name = "URL")]
        store: Option<String>,
    },
    /// Revoke a token by its id, or every active token of a name.
    Revoke {
        id_or_name: String,
        #[arg(long, env = "BAOMI_DATA", default_value = DEFAULT_DATA)]
        data: PathBuf,
        /// The PostgreSQL database to use instead of the data directory's sled store
        /// (`postgres://user@host/db?sslmode=require`).
        #[arg(long, env = "BAOMI_STORE", value_name = "URL")]
        store: Option<String>,
    },
    /// List tokens (ids, names, roles; never the secrets).
    List {
        #[arg(long, env = "BAOMI_DATA", default_value = DEFAULT_DATA)]
        data: PathBuf,
        /// The PostgreSQL database to use instead of the data directory's sled store
        /// (`postgres://user@host/db?sslmode=require`).
        #[arg(long, env = "BAOMI_STORE", value_name = "URL")]
        store: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check the audit chain; exit 0 if intact, 1 naming the first broken record.
    Verify {
        #[arg(long, env = "BAOMI_DATA", default_value = DEFAULT_DATA)]
        data: PathBuf,
        /// The PostgreSQL database to use instead of the data directory's sled store
        /// (`postgres://user@host/db?sslmode=require`).
        #[arg(long, env = "BAOMI_STORE", value_name = "URL")]
        store: Option<String>,
    },
    /// Print the audit chain as JSON Lines.
    Export {
        #[arg(long, env = "BAOMI_DATA", default_value = DEFAULT_DATA)]
        data: PathBuf,
        /// The PostgreSQL database to use instead of the data directory's sled store
        /// (`postgres://user@host/db?sslmode=require`).
        #[arg(long, env = "BAOMI_STORE", value_name = "URL")]
        store: Option<String>,
        /// Only records after this sequence number.
        #[arg(long, default_value_t = 0)]
        after: u64,
    },
}

fn cli_actor() -> Actor {
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    Actor {
        name: format!("cli:{user}"),
        role: Role::Admin,
    }
}

pub(super) fn open_store(data: &Path, store: Option<&str>) -> Result<KvStore, i32> {
    if let Some(url) = store {
        return KvStore::open_postgres(url, 4).map_err(|e| {
            say!("baomi: {e}");
            EXIT_ERROR
        });
    }
    if !data.join("conf").exists() && !data.join("db").exists() {
        say!(
            "baomi: {} is not a baomi data directory (start `baomi serve --data {}` once to create it)",
            data.display(),
            data.display()
        );
        return Err(EXIT_ERROR);
    }
    KvStore::open(data).map_err(|e| {
        say!("baomi: {e}");
        EXIT_ERROR
    })
}

pub fn token(cmd: TokenCommand) -> i32 {
    match cmd {
        TokenCommand::Create {
            role,
            name,
            department,
            data,
            store,
        } => {
            let Some(role) = Role::parse(&role) else {
                say!(
                    "baomi: unknown role {role:?}; expected submitter, reviewer, publisher, maintainer or admin"
                );
                return EXIT_ERROR;
            };
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 64 {
                say!("baomi: --name must be 1 to 64 characters");
                return EXIT_ERROR;
            }
            if store.is_none() {
                if let Err(e) = std::fs::create_dir_all(&data) {
                    say!("baomi: cannot create {}: {e}", data.display());
                    return EXIT_ERROR;
                }
            }
            let store = match KvStore::open_at(&data, store.as_deref(), 2) {
                Ok(s) => s,
                Err(e) => {
                    say!("baomi: {e}");
                    return EXIT_ERROR;
                }
            };
            match store.create_token(name, department.as_deref(), role, &cli_actor()) {
                Ok((secret, record)) => {
                    say!(
                        "token {} for {} as {} (shown once; keep it secret):",
                        record.id,
                        record.name,
                        record.role
                    );
                    println!("{secret}");
                    EXIT_APPROVE
                }
                Err(e) => {
                    say!("baomi: {e}");
                    EXIT_ERROR
                }
            }
        }
        TokenCommand::Revoke {
            id_or_name,
            data,
            store,
        } => {
            let store = match open_store(&data, store.as_deref()) {
                Ok(s) => s,
                Err(c) => return c,
            };
            match store.revoke_token(&id_or_name, &cli_actor()) {
                Ok(revoked) => {
                    for t in revoked {
                        println!("revoked {} ({} as {})", t.id, t.name, t.role);
                    }
                    EXIT_APPROVE
                }
                Err(e) => {
                    say!("baomi: {e}");
                    EXIT_ERROR
                }
            }
        }
        TokenCommand::List { data, store } => {
            let store = match open_store(&data, store.as_deref()) {
                Ok(s) => s,
                Err(c) => return c,
            };
            match store.tokens() {
                Ok(tokens) => {
                    for t in tokens {
                        println!(
                            "{}  {:<10}  {}  created {}{}",
                            t.id,
                            t.role,
                            t.name,
                            t.created_at,
                            t.revoked_at
                                .map(|r| format!(", revoked {r}"))
                                .unwrap_or_default()
                        );
                    }
                    EXIT_APPROVE
                }
                Err(e) => {
                    say!("baomi: {e}");
                    EXIT_ERROR
                }
            }
        }
    }
}

pub fn audit(cmd: AuditCommand) -> i32 {
    match cmd {
        AuditCommand::Verify { data, store } => {
            let store = match open_store(&data, store.as_deref()) {
                Ok(s) => s,
                Err(c) => return c,
            };
            match store.verify_audit() {
                Ok(n) => {
                    println!("audit chain intact: {n} record(s)");
                    EXIT_APPROVE
                }
                Err(e) => {
                    println!("audit chain BROKEN: {e}");
                    EXIT_HOLD
                }
            }
        }
        AuditCommand::Export { data, store, after } => {
            let store = match open_store(&data, store.as_deref()) {
                Ok(s) => s,
                Err(c) => return c,
            };
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            let mut after = after;
            loop {
                let batch = match store.audit(after, 1000) {
                    Ok(b) => b,
                    Err(e) => {
                        say!("baomi: {e}");
                        return EXIT_ERROR;
                    }
                };
                let Some(last) = batch.last() else { break };
                after = last.seq;
                for r in &batch {
                    let line = serde_json::to_string(r).unwrap_or_default();
                    if writeln!(out, "{line}").is_err() {
                        return EXIT_ERROR;
                    }
                }
            }
            let _ = out.flush();
            EXIT_APPROVE
        }
    }
}

pub fn serve(args: ServeArgs) -> i32 {
    init_logging();
    let rules = match load_rules(args.rules.as_deref()) {
        Ok(r) => Arc::new(r),
        Err(code) => return code,
    };
    if let Err(e) = std::fs::create_dir_all(&args.data) {
        say!(
            "baomi: cannot create the data directory {}: {e}",
            args.data.display()
        );
        return EXIT_ERROR;
    }
    let store = match KvStore::open_at(&args.data, args.store.as_deref(), args.store_pool) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            say!("baomi: refusing to serve: {e}");
            return EXIT_ERROR;
        }
    };
    match store.verify_audit() {
        Ok(n) => tracing::info!(records = n, "audit chain verified"),
        Err(e) => {
            say!(
                "baomi: refusing to serve: {e}. Run `baomi audit verify --data {}` and restore the data directory from a backup.",
                args.data.display()
            );
            return EXIT_ERROR;
        }
    }
    let system = Actor {
        name: "baomi serve".into(),
        role: Role::Admin,
    };
    if let Err(code) = bootstrap_admin(&*store, &args.data, &system) {
        return code;
    }
    let mut calendar = crate::calendar::Calendar::embedded();
    if let Some(path) = &args.calendar {
        calendar = match calendar.with_file(path) {
            Ok(c) => c,
            Err(e) => {
                say!("baomi: refusing to serve: --calendar: {e}");
                return EXIT_ERROR;
            }
        };
    }
    let this_year = crate::calendar::today_in_china().year();
    let missing = calendar.missing_years(this_year, this_year + 1);
    if !missing.is_empty() {
        tracing::warn!(
            years = ?missing,
            "the calendar has no holiday notice for these years: they are counted Monday to Friday (give --calendar FILE once the State Council's notice is out)"
        );
    }
    let stages = args.stages.as_deref().map_or_else(Vec::new, |s| {
        crate::service::parse_stages(s).unwrap_or_default()
    });
    if !stages.is_empty() {
        tracing::info!(stages = %stages.join(" → "), "staged review");
    }
    let mut service =
        Service::new(store.clone(), rules.clone()).with_office(crate::service::Office {
            calendar,
            disclosure: crate::calendar::Limit {
                working_days: args.disclosure_days,
            },
            opinion: crate::calendar::Limit {
                working_days: args.opinion_days,
            },
            stages,
        });
    if let Some(n) = args.scan_threads {
        service = service.with_scan_slots(n, Duration::from_secs(10));
    }
    let key_file = args
        .baseline_key
        .clone()
        .unwrap_or_else(|| args.data.join("digest.key"));
    match super::baseline::key_or_make(&key_file) {
        Ok(k) => service = service.with_digest_key(k),
        Err(e) => {
            say!("baomi: refusing to serve: --baseline-key: {e}");
            return EXIT_ERROR;
        }
    }
    if let Some(dir) = &args.rules {
        service = service.with_rules_dir(dir.clone());
    }
    if let Some(labels) = &args.check_labels {
        // The thresholds default to the figures of the rules the service starts on: a change
        // may not make the corpus worse.
        let figures = match super::eval::corpus_figures(labels, &rules) {
            Ok(f) => f,
            Err(e) => {
                say!("baomi: refusing to serve: --check-labels: {e}");
                return EXIT_ERROR;
            }
        };
        let min_accuracy = args.check_min_accuracy.or(figures.accuracy).unwrap_or(0.0);
        let min_recall = args
            .check_min_hold_recall
            .or(figures.hold_recall)
            .unwrap_or(0.0);
        tracing::info!(
            labels = %labels.display(),
            min_accuracy,
            min_hold_recall = min_recall,
            "every new rule set is checked against the labelled corpus"
        );
        service = service.with_rules_check(Box::new(super::eval::corpus_check(
            labels.clone(),
            min_accuracy,
            min_recall,
        )));
        // The rules it starts on, from the figures already measured.
        let problems = figures.problems(labels, min_accuracy, min_recall);
        if !problems.is_empty() {
            say!(
                "baomi: refusing to serve: the rules fail --check-labels: {}",
                problems.join("; ")
            );
            return EXIT_ERROR;
        }
    }
    // With a database several nodes share, the rule set it recorded last is the one in force
    // (a node started on the embedded rules must not undo a reload made on another); a rules
    // directory given to this node is imported into it.
    let follows = store.database().is_some();
    let started = if follows && args.rules.is_none() {
        service.follow_store().map(|_| ())
    } else {
        Ok(())
    };
    if let Err(e) = started.and_then(|_| service.record_in_force(&system, "start-up")) {
        say!("baomi: refusing to serve: {e}");
        return EXIT_ERROR;
    }
    // The rules directory's suppression file: entries not recorded yet await approval.
    match service.import_suppressions() {
        Ok(_) => {}
        Err(crate::service::ServiceError::RulesRejected(errors, _)) => {
            say!(
                "baomi: refusing to serve: the suppression file of the rules directory: {}",
                errors.join("; ")
            );
            return EXIT_ERROR;
        }
        Err(e) => {
            say!("baomi: refusing to serve: {e}");
            return EXIT_ERROR;
        }
    }
    if let Err(e) = service.refresh_suppressions() {
        say!("baomi: refusing to serve: {e}");
        return EXIT_ERROR;
    }
    let service = Arc::new(service);
    // Engine holds made under other rule sets are re-checked in the background: once now, and
    // after every rule-set change.
    {
        let service = service.clone();
        if let Err(e) = std::thread::Builder::new()
            .name("re-check".into())
            .spawn(move || service.run_rechecks())
        {
            say!("baomi: cannot start the re-check thread: {e}");
            return EXIT_ERROR;
        }
    }
    service.request_recheck();
    // The clocks' gauges, on a timer: a scrape reads figures, it never walks the queue.
    {
        let service = service.clone();
        let every = Duration::from_secs(args.clock_interval);
        if let Err(e) = std::thread::Builder::new()
            .name("clocks".into())
            .spawn(move || loop {
                if let Err(e) = service.update_clock_gauges() {
                    tracing::warn!(error = %e, "the clocks' gauges could not be computed");
                }
                // Suppressions expire on their date: the next pass after midnight ends them.
                if let Err(e) = service.refresh_suppressions() {
                    tracing::warn!(error = %e, "expired suppressions could not be ended");
                }
                std::thread::sleep(every);
            })
        {
            say!("baomi: cannot start the clocks thread: {e}");
            return EXIT_ERROR;
        }
    }
    // Other nodes' rule-set changes and suppression decisions, from the shared database.
    if follows {
        let service = service.clone();
        if let Err(e) = std::thread::Builder::new()
            .name("follow".into())
            .spawn(move || loop {
                std::thread::sleep(FOLLOW_INTERVAL);
                if let Err(e) = service.follow_store() {
                    tracing::warn!(error = %e, "the rule set another node recorded is not in force here");
                }
                if let Err(e) = service.refresh_suppressions() {
                    tracing::warn!(error = %e, "suppressions could not be read");
                }
            })
        {
            say!("baomi: cannot start the follower thread: {e}");
            return EXIT_ERROR;
        }
    }
    let state = AppState {
        service: service.clone(),
        limits: Limits {
            max_body: args.max_body,
            request_timeout: Duration::from_secs(args.request_timeout.max(1)),
        },
        time_zone: args.timezone.as_str().into(),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            say!("baomi: cannot start the runtime: {e}");
            return EXIT_ERROR;
        }
    };
    let options = ServerOptions {
        header_timeout: Duration::from_secs(args.header_timeout.max(1)),
        drain: Duration::from_secs(args.drain_timeout),
        max_connections: args.max_connections,
    };
    let code = runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(&args.addr).await {
            Ok(l) => l,
            Err(e) => {
                say!("baomi: cannot listen on {}: {e}", args.addr);
                return EXIT_ERROR;
            }
        };
        let local = listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_else(|_| args.addr.clone());
        tracing::info!(
            addr = %local,
            data = %args.data.display(),
            ruleset = %rules.id,
            "baomi serve ready"
        );
        if let (Some(dir), true) = (args.rules.clone(), args.watch_interval_ms > 0) {
            tokio::spawn(watch_rules(
                service.clone(),
                dir,
                Duration::from_millis(args.watch_interval_ms),
            ));
        }
        let _ = writeln!(std::io::stdout(), "baomi: listening on http://{local}");
        let _ = std::io::stdout().flush();
        server::run(
            listener,
            crate::http::router(state),
            options,
            server::shutdown_signal(),
        )
        .await;
        EXIT_APPROVE
    });
    // Every acknowledged write was flushed already; this covers the rest (token lookups do not
    // write, so normally there is nothing left).
    drop(runtime);
    if let Ok(store) = Arc::try_unwrap(store) {
        drop(store);
    }
    tracing::info!("stopped");
    code
}

/// Compiles the rule set and runs its examples, as a reload would: a rule set that a reload
/// would refuse does not start the service either.
fn load_rules(dir: Option<&Path>) -> Result<RuleSet, i32> {
    let files = match dir {
        None => rules::embedded_sources(),
        Some(d) => rules::load_dir(d).map_err(|e| {
            say!("baomi: refusing to serve: {e}");
            EXIT_ERROR
        })?,
    };
    Service::compile_checked(&files).map_err(|errs| {
        for e in &errs {
            say!("{e}");
        }
        say!(
            "baomi: refusing to serve: the rule set has {} error(s)",
            errs.len()
        );
        EXIT_ERROR
    })
}

/// Looks for changed rule files every `interval` and reloads when something changed. A rule set
/// that does not validate is logged with its errors and the old one keeps serving; the watcher
/// tries again only after the files change again.
async fn watch_rules(service: Arc<Service>, dir: PathBuf, interval: Duration) {
    let actor = Actor {
        name: "rules watcher".into(),
        role: Role::Maintainer,
    };
    let mut seen = fingerprint(&dir);
    loop {
        tokio::time::sleep(interval).await;
        let now = fingerprint(&dir);
        if now == seen {
            continue;
        }
        seen = now;
        let (service, actor) = (service.clone(), actor.clone());
        let result = tokio::task::spawn_blocking(move || service.reload(&actor)).await;
        match result {
            Ok(Ok(change)) => tracing::info!(
                old = %change.old,
                new = %change.new,
                changed = change.changed,
                ms = change.compile_ms,
                "rules directory changed: reloaded"
            ),
            Ok(Err(crate::service::ServiceError::RulesRejected(errors, _))) => {
                for e in &errors {
                    tracing::warn!(error = %e, "rule set rejected");
                }
            }
            Ok(Err(e)) => tracing::warn!(error = %e, "rules reload failed"),
            Err(_) => tracing::warn!("rules reload panicked"),
        }
    }
}

/// Names, sizes and modification times of the rule files: cheap to read every second.
fn fingerprint(dir: &Path) -> Vec<(String, u64, Option<std::time::SystemTime>)> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if !name.ends_with(".toml") {
                continue;
            }
            if let Ok(m) = e.metadata() {
                out.push((name, m.len(), m.modified().ok()));
            }
        }
    }
    out.sort();
    out
}

/// A fresh data directory has no tokens, so nobody could use the service. The first start
/// creates one admin token and writes it to `DATA/admin.token`, readable by the owner only:
/// whoever can read the data directory can administer the service, nobody else can, and no
/// request is ever served without a token.
fn bootstrap_admin(store: &dyn DecisionStore, data: &Path, system: &Actor) -> Result<(), i32> {
    let tokens = store.tokens().map_err(|e| {
        say!("baomi: refusing to serve: {e}");
        EXIT_ERROR
    })?;
    if !tokens.is_empty() {
        return Ok(());
    }
    let (secret, record) = store
        .create_token("admin", None, Role::Admin, system)
        .map_err(|e| {
            say!("baomi: refusing to serve: {e}");
            EXIT_ERROR
        })?;
    let path = data.join(ADMIN_TOKEN_FILE);
    if let Err(e) = write_private(&path, &format!("{secret}\n")) {
        say!("baomi: cannot write {}: {e}", path.display());
        return Err(EXIT_ERROR);
    }
    tracing::info!(token = %record.id, path = %path.display(), "fresh start: created an admin token");
    say!(
        "baomi: fresh start: an admin token (id {}) is in {}; create others with POST /v1/tokens or `baomi token create`",
        record.id,
        path.display()
    );
    Ok(())
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    f.write_all(contents.as_bytes())?;
    f.sync_all()
}

/// Logs go to stderr; `BAOMI_LOG` (or `RUST_LOG`) sets the filter, `info` by default.
fn init_logging() {
    let filter = std::env::var("BAOMI_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(|| LossyStderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        // By default a failed write is reported with `eprintln!`, which panics when stderr
        // cannot be written (a full disk): inside sled, holding its locks.
        .log_internal_errors(false)
        .try_init();
}

/// Standard error for logs, where a write that fails (a full disk, a closed pipe) is dropped:
/// losing a log line must never stop the service.
struct LossyStderr;

impl std::io::Write for LossyStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let _ = std::io::stderr().write_all(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let _ = std::io::stderr().flush();
        Ok(())
    }
}

/// An IANA time zone name (`Asia/Shanghai`, `UTC`): letters, digits and `_+-/` only, and, where
/// this machine has a zone database, one it knows.
fn time_zone_arg(s: &str) -> Result<String, String> {
    let well_formed = !s.is_empty()
        && s.len() <= 64
        && !s.starts_with('/')
        && !s
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..")
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+-/".contains(c));
    if !well_formed {
        return Err(format!(
            "`{s}` is not a time zone name (an IANA name such as Asia/Shanghai)"
        ));
    }
    let db = std::path::Path::new("/usr/share/zoneinfo");
    if db.is_dir() && !db.join(s).is_file() {
        return Err(format!(
            "unknown time zone `{s}` (not in {}); use an IANA name such as Asia/Shanghai",
            db.display()
        ));
    }
    Ok(s.to_string())
}

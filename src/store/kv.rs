//! The ordered key-value trees the store's logic runs on: sled's, or one PostgreSQL table.
//!
//! [`super::kv_store::KvStore`] keeps reviews, decisions, the audit chain and the rest in
//! numbered trees of byte keys (see its layout table). This module gives those trees one face
//! over two engines, so that every rule of the store (four eyes, versions, the chain, the
//! gate's answers) is written once and behaves the same on both:
//!
//! - **sled**: the trees of one embedded database in the data directory.
//! - **PostgreSQL**: one table `baomi_kv (tree, key, value)` whose primary key orders each
//!   tree's keys as sled does (`bytea` compares bytewise, a prefix before its extensions).
//!   Readers take a pooled connection and see only committed transactions. Writers go through
//!   one connection per node ([`PgKv::writer`]) whose open transaction holds a cluster-wide
//!   advisory lock, so the writes of every node form one sequence and the audit chain never
//!   forks; several writes share a transaction and its commit (group commit, see
//!   [`super::kv_store`]).
//!
//! Errors of both engines come back as `sled::Error` so that the store's code handles them in
//! one way (as [`super::StoreError::Io`]); a PostgreSQL error is wrapped as an I/O error that
//! says it came from the database.

use sled::IVec;
use std::cell::Cell;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::ops::{Bound, RangeBounds};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// The schema versions this binary knows, in order: each migration runs once, in its own
/// transaction, and `baomi_schema` records it.
const MIGRATIONS: &[(i32, &str)] = &[(
    1,
    "CREATE TABLE baomi_kv (
         tree smallint NOT NULL,
         key bytea NOT NULL,
         value bytea NOT NULL,
         PRIMARY KEY (tree, key)
     );",
)];

/// The advisory lock every writing transaction holds (and the one migrations hold): "baomi" in
/// ASCII.
const WRITE_LOCK: i64 = 0x62_61_6f_6d_69;

/// How many rows a range scan fetches at first; each further page is four times larger, up
/// to [`PAGE_MAX`] (most scans stop after a few rows; the chain's verification reads them all).
const PAGE_FIRST: i64 = 64;
const PAGE_MAX: i64 = 4096;

type Tls = tokio_postgres_rustls::MakeRustlsConnect;

/// One key to set (`Some`) or remove (`None`) in a tree.
pub(super) type Write = (usize, Vec<u8>, Option<Vec<u8>>);
type Pool = r2d2::Pool<Manager>;

/// A connection with the statements it prepared: each statement is parsed and planned once
/// per connection, so a read is one round trip (bind and execute), not two.
pub(super) struct Conn {
    client: postgres::Client,
    statements: HashMap<String, postgres::Statement>,
}

impl Conn {
    fn statement(&mut self, sql: &str) -> Result<postgres::Statement, postgres::Error> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(sql)?;
        self.statements.insert(sql.to_string(), s.clone());
        Ok(s)
    }

    fn query(
        &mut self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Vec<postgres::Row>, postgres::Error> {
        let statement = self.statement(sql)?;
        self.client.query(&statement, params)
    }

    fn execute(
        &mut self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<u64, postgres::Error> {
        let statement = self.statement(sql)?;
        self.client.execute(&statement, params)
    }
}

/// Makes the pool's connections (r2d2's manager).
pub(super) struct Manager {
    config: postgres::Config,
    tls: Tls,
}

impl Manager {
    fn connect(&self) -> Result<Conn, postgres::Error> {
        Ok(Conn {
            client: self.config.connect(self.tls.clone())?,
            statements: HashMap::new(),
        })
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = Conn;
    type Error = postgres::Error;

    fn connect(&self) -> Result<Conn, postgres::Error> {
        Manager::connect(self)
    }

    fn is_valid(&self, conn: &mut Conn) -> Result<(), postgres::Error> {
        conn.client.simple_query("").map(|_| ())
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        conn.client.is_closed()
    }
}

thread_local! {
    /// Set while this thread holds the store's writer lock: its reads then go through the
    /// writer's open transaction (they must see the writes of that transaction not yet
    /// committed, as a sled writer sees its own).
    static IN_WRITE: Cell<bool> = const { Cell::new(false) };
}

/// Marks the current thread as the writer until dropped.
pub(super) struct WriteScope(());

impl WriteScope {
    pub(super) fn enter() -> WriteScope {
        IN_WRITE.with(|c| c.set(true));
        WriteScope(())
    }
}

impl Drop for WriteScope {
    fn drop(&mut self) {
        IN_WRITE.with(|c| c.set(false));
    }
}

/// Whether the current thread holds the store's writer lock.
pub(super) fn in_write() -> bool {
    IN_WRITE.with(Cell::get)
}

/// The store's trees on one engine.
pub(super) enum Kv {
    Sled(Vec<sled::Tree>),
    Pg(Arc<PgKv>),
}

impl Kv {
    pub(super) fn tree(&self, tree: usize) -> Tree<'_> {
        Tree { kv: self, tree }
    }

    pub(super) fn pg(&self) -> Option<&Arc<PgKv>> {
        match self {
            Kv::Pg(p) => Some(p),
            Kv::Sled(_) => None,
        }
    }
}

/// One tree, with the methods of `sled::Tree` the store uses.
pub(super) struct Tree<'a> {
    kv: &'a Kv,
    tree: usize,
}

impl<'a> Tree<'a> {
    pub(super) fn get(&self, key: impl AsRef<[u8]>) -> sled::Result<Option<IVec>> {
        match self.kv {
            Kv::Sled(t) => t[self.tree].get(key),
            Kv::Pg(p) => p.get(self.tree, key.as_ref()),
        }
    }

    pub(super) fn contains_key(&self, key: impl AsRef<[u8]>) -> sled::Result<bool> {
        Ok(self.get(key)?.is_some())
    }

    pub(super) fn iter(&self) -> Iter<'a> {
        self.scan(Bound::Unbounded, Bound::Unbounded)
    }

    pub(super) fn scan_prefix(&self, prefix: impl AsRef<[u8]>) -> Iter<'a> {
        let prefix = prefix.as_ref().to_vec();
        match self.kv {
            Kv::Sled(t) => Iter::Sled(t[self.tree].scan_prefix(prefix)),
            Kv::Pg(_) => {
                let upper = match successor(&prefix) {
                    Some(s) => Bound::Excluded(s),
                    None => Bound::Unbounded,
                };
                self.scan(Bound::Included(prefix), upper)
            }
        }
    }

    pub(super) fn range<K: AsRef<[u8]>, R: RangeBounds<K>>(&self, range: R) -> Iter<'a> {
        let own = |b: Bound<&K>| match b {
            Bound::Included(k) => Bound::Included(k.as_ref().to_vec()),
            Bound::Excluded(k) => Bound::Excluded(k.as_ref().to_vec()),
            Bound::Unbounded => Bound::Unbounded,
        };
        self.scan(own(range.start_bound()), own(range.end_bound()))
    }

    fn scan(&self, lower: Bound<Vec<u8>>, upper: Bound<Vec<u8>>) -> Iter<'a> {
        match self.kv {
            Kv::Sled(t) => Iter::Sled(t[self.tree].range((lower, upper))),
            Kv::Pg(p) => Iter::Pg(PgIter {
                kv: p,
                tree: self.tree as i16,
                lower,
                upper,
                buffer: VecDeque::new(),
                page: PAGE_FIRST,
                direction: None,
                done: false,
            }),
        }
    }

    pub(super) fn last(&self) -> sled::Result<Option<(IVec, IVec)>> {
        self.iter().next_back().transpose()
    }
}

/// The smallest key greater than every key that starts with `prefix` (none when the prefix is
/// all 0xff bytes).
fn successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut s = prefix.to_vec();
    while let Some(last) = s.pop() {
        if last < 0xff {
            s.push(last + 1);
            return Some(s);
        }
    }
    None
}

/// A range of a tree, in key order from either end (one direction per iterator, as `.rev()`
/// gives).
pub(super) enum Iter<'a> {
    Sled(sled::Iter),
    Pg(PgIter<'a>),
}

impl Iterator for Iter<'_> {
    type Item = sled::Result<(IVec, IVec)>;
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Sled(i) => i.next(),
            Iter::Pg(i) => i.step(false),
        }
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Sled(i) => i.next_back(),
            Iter::Pg(i) => i.step(true),
        }
    }
}

/// Pages through a range with keyset queries: each page starts after the last key returned.
pub(super) struct PgIter<'a> {
    kv: &'a PgKv,
    tree: i16,
    lower: Bound<Vec<u8>>,
    upper: Bound<Vec<u8>>,
    buffer: VecDeque<(Vec<u8>, Vec<u8>)>,
    page: i64,
    /// `Some(true)` once read from the back.
    direction: Option<bool>,
    done: bool,
}

impl PgIter<'_> {
    fn step(&mut self, back: bool) -> Option<sled::Result<(IVec, IVec)>> {
        if *self.direction.get_or_insert(back) != back {
            return Some(Err(db_error(
                "a range was read from both ends (the store never does this)",
            )));
        }
        if self.buffer.is_empty() && !self.done {
            if let Err(e) = self.fetch(back) {
                self.done = true;
                return Some(Err(e));
            }
        }
        let (k, v) = self.buffer.pop_front()?;
        Some(Ok((IVec::from(k), IVec::from(v))))
    }

    fn fetch(&mut self, back: bool) -> sled::Result<()> {
        // Only the bounds a range has are in the statement, so that every prepared form can
        // use the primary key's order (`$n IS NULL OR key > $n` would make a generic plan
        // filter the whole tree).
        let mut sql = String::from("SELECT key, value FROM baomi_kv WHERE tree = $1");
        let mut keys: Vec<&Vec<u8>> = Vec::new();
        for (bound, incl, excl) in [(&self.lower, ">=", ">"), (&self.upper, "<=", "<")] {
            let (op, key) = match bound {
                Bound::Included(k) => (incl, k),
                Bound::Excluded(k) => (excl, k),
                Bound::Unbounded => continue,
            };
            keys.push(key);
            sql.push_str(&format!(" AND key {op} ${}", keys.len() + 2));
        }
        sql.push_str(if back {
            " ORDER BY key DESC LIMIT $2"
        } else {
            " ORDER BY key ASC LIMIT $2"
        });
        let mut params: Vec<&(dyn postgres::types::ToSql + Sync)> = vec![&self.tree, &self.page];
        params.extend(
            keys.iter()
                .map(|k| *k as &(dyn postgres::types::ToSql + Sync)),
        );
        let rows = self.kv.query(&sql, &params)?;
        let n = rows.len() as i64;
        for row in rows {
            let k: Vec<u8> = row.get(0);
            let v: Vec<u8> = row.get(1);
            self.buffer.push_back((k, v));
        }
        if n < self.page {
            self.done = true;
        } else if let Some((k, _)) = self.buffer.back() {
            // The next page starts after the last key of this one.
            if back {
                self.upper = Bound::Excluded(k.clone());
            } else {
                self.lower = Bound::Excluded(k.clone());
            }
        }
        self.page = (self.page * 4).min(PAGE_MAX);
        Ok(())
    }
}

/// The trees in one PostgreSQL table.
pub(super) struct PgKv {
    pool: Pool,
    /// The connection writes go through, and whether its transaction is open.
    writer: Mutex<PgWriter>,
    manager: Manager,
    /// Where the database is, without its password (for messages).
    pub(super) shown: String,
}

pub(super) struct PgWriter {
    client: Option<Conn>,
    /// A transaction is open (it holds the write lock).
    pub(super) open: bool,
    /// A statement of the open transaction failed: it can only be rolled back.
    pub(super) broken: bool,
}

/// What a commit did.
pub(super) enum Committed {
    Yes,
    /// The transaction was rolled back (a statement in it failed, or the database refused the
    /// commit): none of its writes happened.
    No(String),
    /// The connection failed during the commit: the writes may or may not have happened.
    InDoubt(String),
}

fn db_error(message: impl std::fmt::Display) -> sled::Error {
    sled::Error::Io(std::io::Error::other(format!("PostgreSQL: {message}")))
}

fn pg_error(e: postgres::Error) -> sled::Error {
    // The server's message and detail, without the values a statement carried.
    match e.as_db_error() {
        Some(d) => db_error(format!("{} ({})", d.message(), d.code().code())),
        None => db_error(e),
    }
}

impl PgKv {
    /// Connects to `url` (a `postgres://` URL or a `key=value` string; `sslmode` and, beside
    /// it, `sslrootcert=FILE` for the authority that signed the server's certificate), creates
    /// or migrates the schema, and refuses a schema newer than this binary knows.
    pub(super) fn connect(url: &str, pool_size: u32) -> Result<PgKv, String> {
        let (url, root_cert) = take_sslrootcert(url);
        let config: postgres::Config = url
            .parse()
            .map_err(|e| format!("the database address is not valid: {e}"))?;
        let shown = show(&config);
        let tls = tls(root_cert.as_deref())?;
        let manager = Manager {
            config: config.clone(),
            tls: tls.clone(),
        };
        // One connection first, so that a refusal says why at once (the pool retries until
        // its timeout and keeps only the last error's summary).
        manager.connect().map_err(|e| {
            let mut why = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                why.push_str(&format!(": {s}"));
                source = s.source();
            }
            format!("cannot connect to the database {shown}: {why}")
        })?;
        let pool = r2d2::Pool::builder()
            .max_size(pool_size.max(1))
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(10))
            // No test query before each use (a round trip per read): a connection the server
            // closed fails its next query, which answers 503, and the pool drops it.
            .test_on_check_out(false)
            .build(manager)
            .map_err(|e| format!("cannot connect to the database {shown}: {e}"))?;
        let kv = PgKv {
            pool,
            writer: Mutex::new(PgWriter {
                client: None,
                open: false,
                broken: false,
            }),
            manager: Manager { config, tls },
            shown,
        };
        kv.migrate()?;
        Ok(kv)
    }

    fn migrate(&self) -> Result<(), String> {
        let shown = &self.shown;
        let mut c = self
            .pool
            .get()
            .map_err(|e| format!("cannot connect to the database {shown}: {e}"))?;
        let mut t = c
            .client
            .transaction()
            .map_err(|e| format!("the database {shown}: {}", pg_error(e)))?;
        let step = |t: &mut postgres::Transaction<'_>, sql: &str| {
            t.batch_execute(sql)
                .map_err(|e| format!("the database {shown}: {}", pg_error(e)))
        };
        // Two nodes starting at once: one migrates, the other waits and finds it done.
        step(
            &mut t,
            &format!("SELECT pg_advisory_xact_lock({WRITE_LOCK})"),
        )?;
        step(
            &mut t,
            "CREATE TABLE IF NOT EXISTS baomi_schema (
                 version integer PRIMARY KEY,
                 applied_at timestamptz NOT NULL DEFAULT now()
             )",
        )?;
        let current: i32 = t
            .query_one("SELECT coalesce(max(version), 0) FROM baomi_schema", &[])
            .map_err(|e| format!("the database {shown}: {}", pg_error(e)))?
            .get(0);
        let known = MIGRATIONS.last().map_or(0, |m| m.0);
        if current > known {
            return Err(format!(
                "the database {shown} has baomi schema version {current}, newer than this binary knows ({known}): run the newer baomi, or restore a backup made by this version"
            ));
        }
        for (version, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
            step(&mut t, sql)?;
            t.execute("INSERT INTO baomi_schema (version) VALUES ($1)", &[version])
                .map_err(|e| format!("the database {shown}: {}", pg_error(e)))?;
            tracing::info!(version, "database schema migrated");
        }
        t.commit()
            .map_err(|e| format!("the database {shown}: {}", pg_error(e)))
    }

    /// Runs a read on the writer's transaction when this thread is writing, else on a pooled
    /// connection (which sees committed data only).
    fn query(
        &self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> sled::Result<Vec<postgres::Row>> {
        if in_write() {
            let mut w = self.lock_writer();
            w.run(|c| c.query(sql, params))
        } else {
            let mut c = self.pool.get().map_err(db_error)?;
            c.query(sql, params).map_err(pg_error)
        }
    }

    fn get(&self, tree: usize, key: &[u8]) -> sled::Result<Option<IVec>> {
        let rows = self.query(
            "SELECT value FROM baomi_kv WHERE tree = $1 AND key = $2",
            &[&(tree as i16), &key],
        )?;
        Ok(rows.first().map(|r| IVec::from(r.get::<_, Vec<u8>>(0))))
    }

    pub(super) fn lock_writer(&self) -> MutexGuard<'_, PgWriter> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Opens the writer's transaction if none is open: connects when needed, and waits for the
    /// cluster-wide write lock (another node's open transaction).
    pub(super) fn begin(&self, w: &mut PgWriter) -> sled::Result<bool> {
        if w.open {
            return Ok(false);
        }
        if w.client.as_ref().is_none_or(|c| c.client.is_closed()) {
            w.client = Some(self.manager.connect().map_err(pg_error)?);
        }
        w.broken = false;
        let sql = format!("BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK})");
        match w.client.as_mut().map(|c| c.client.batch_execute(&sql)) {
            Some(Ok(())) => {
                w.open = true;
                Ok(true)
            }
            Some(Err(e)) => {
                w.client = None;
                Err(pg_error(e))
            }
            None => Err(db_error("no connection")),
        }
    }

    /// Writes (`Some`) and removes (`None`) keys in the open transaction; the last of several
    /// writes of one key wins.
    pub(super) fn apply(&self, writes: &[Write]) -> sled::Result<()> {
        let mut last: BTreeMap<(i16, &[u8]), Option<&[u8]>> = BTreeMap::new();
        for (tree, key, value) in writes {
            last.insert((*tree as i16, key.as_slice()), value.as_deref());
        }
        let (mut set_t, mut set_k, mut set_v) = (Vec::new(), Vec::new(), Vec::new());
        let (mut del_t, mut del_k) = (Vec::new(), Vec::new());
        for ((tree, key), value) in last {
            match value {
                Some(v) => {
                    set_t.push(tree);
                    set_k.push(key);
                    set_v.push(v);
                }
                None => {
                    del_t.push(tree);
                    del_k.push(key);
                }
            }
        }
        let mut w = self.lock_writer();
        if !w.open {
            return Err(db_error("a write outside a transaction"));
        }
        if !del_t.is_empty() {
            w.run(|c| {
                c.execute(
                    "DELETE FROM baomi_kv USING unnest($1::int2[], $2::bytea[]) AS d(tree, key) \
                     WHERE baomi_kv.tree = d.tree AND baomi_kv.key = d.key",
                    &[&del_t, &del_k],
                )
            })?;
        }
        if !set_t.is_empty() {
            w.run(|c| {
                c.execute(
                    "INSERT INTO baomi_kv (tree, key, value) \
                     SELECT * FROM unnest($1::int2[], $2::bytea[], $3::bytea[]) \
                     ON CONFLICT (tree, key) DO UPDATE SET value = EXCLUDED.value",
                    &[&set_t, &set_k, &set_v],
                )
            })?;
        }
        Ok(())
    }

    /// Commits the writer's open transaction (or rolls it back if a statement in it failed).
    /// `synchronous_commit` is the server's; baomi refuses to start when it is off.
    pub(super) fn commit(&self, w: &mut PgWriter) -> Committed {
        if !w.open {
            return Committed::Yes;
        }
        w.open = false;
        let Some(client) = w.client.as_mut().map(|c| &mut c.client) else {
            return Committed::No("the connection was lost".into());
        };
        if w.broken {
            let _ = client.batch_execute("ROLLBACK");
            return Committed::No("a statement of the transaction failed".into());
        }
        // A failed statement marks the transaction broken (every statement goes through
        // `PgWriter::run`), so a transaction the server aborted is never taken as committed
        // (PostgreSQL answers COMMIT of an aborted transaction with ROLLBACK, not an error).
        match client.batch_execute("COMMIT") {
            Ok(()) => Committed::Yes,
            Err(e) if e.as_db_error().is_some() => {
                let _ = client.batch_execute("ROLLBACK");
                Committed::No(pg_error(e).to_string())
            }
            Err(e) => {
                w.client = None;
                Committed::InDoubt(pg_error(e).to_string())
            }
        }
    }

    /// Checks that the server acknowledges a commit only once it is on disk.
    pub(super) fn check_durability(&self) -> Result<(), String> {
        let mut c = self.pool.get().map_err(|e| e.to_string())?;
        let row = c
            .client
            .query_one("SHOW synchronous_commit", &[])
            .map_err(|e| pg_error(e).to_string())?;
        let value: String = row.get(0);
        let fsync: String = c
            .client
            .query_one("SHOW fsync", &[])
            .map_err(|e| pg_error(e).to_string())?
            .get(0);
        if value == "off" || fsync == "off" {
            return Err(format!(
                "the database {} acknowledges commits before they are on disk (synchronous_commit = {value}, fsync = {fsync}); baomi acknowledges a decision only once it is durable",
                self.shown
            ));
        }
        Ok(())
    }
}

impl PgWriter {
    /// Runs a statement in the open transaction; a failure marks it broken (PostgreSQL refuses
    /// everything after a failed statement until the transaction ends).
    fn run<T>(
        &mut self,
        f: impl FnOnce(&mut Conn) -> Result<T, postgres::Error>,
    ) -> sled::Result<T> {
        if self.broken {
            return Err(db_error("an earlier statement of this transaction failed"));
        }
        let Some(client) = self.client.as_mut() else {
            return Err(db_error("the connection was lost"));
        };
        f(client).map_err(|e| {
            self.broken = true;
            pg_error(e)
        })
    }
}

/// Removes `sslrootcert=…` from a URL's query or a key=value string (tokio-postgres does not
/// know it) and returns it apart.
fn take_sslrootcert(url: &str) -> (String, Option<String>) {
    if let Some((base, query)) = url.split_once('?') {
        let mut kept = Vec::new();
        let mut cert = None;
        for pair in query.split('&') {
            match pair.strip_prefix("sslrootcert=") {
                Some(v) => cert = Some(v.to_string()),
                None => kept.push(pair),
            }
        }
        let url = if kept.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        return (url, cert);
    }
    let mut kept = Vec::new();
    let mut cert = None;
    for part in url.split_whitespace() {
        match part.strip_prefix("sslrootcert=") {
            Some(v) => cert = Some(v.to_string()),
            None => kept.push(part),
        }
    }
    (kept.join(" "), cert)
}

/// The TLS connector: the server's certificate is checked against `root_cert` when given, else
/// against the system's authorities. Whether TLS is used at all is the URL's `sslmode`
/// (`disable`, `prefer`, the default, or `require`).
fn tls(root_cert: Option<&str>) -> Result<Tls, String> {
    let mut roots = rustls::RootCertStore::empty();
    match root_cert {
        Some(path) => {
            let pem = std::fs::read(path).map_err(|e| format!("sslrootcert {path}: {e}"))?;
            let mut any = false;
            for cert in rustls_pki_certs(&pem) {
                roots
                    .add(cert)
                    .map_err(|e| format!("sslrootcert {path}: {e}"))?;
                any = true;
            }
            if !any {
                return Err(format!("sslrootcert {path}: no PEM certificate in it"));
            }
        }
        None => {
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
        }
    }
    // ring, not aws-lc-rs: it builds with the C compiler alone (no cmake). Its provider is
    // deprecated only for lacking post-quantum key exchange, which PostgreSQL does not use.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

/// The certificates of a PEM file.
fn rustls_pki_certs(pem: &[u8]) -> Vec<rustls::pki_types::CertificateDer<'static>> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::pem_slice_iter(pem)
        .filter_map(Result::ok)
        .collect()
}

/// `user@host:port/dbname`, never the password.
fn show(config: &postgres::Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            postgres::config::Host::Tcp(h) => h.clone(),
            postgres::config::Host::Unix(p) => p.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".into());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "{}@{host}:{port}/{}",
        config.get_user().unwrap_or("?"),
        config.get_dbname().unwrap_or("?")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn successor_bounds_a_prefix() {
        assert_eq!(successor(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(successor(&[1, 0xff]), Some(vec![2]));
        assert_eq!(successor(&[0xff, 0xff]), None);
    }

    #[test]
    fn sslrootcert_is_taken_out() {
        assert_eq!(
            take_sslrootcert("postgres://u@h/db?sslmode=require&sslrootcert=/ca.pem"),
            (
                "postgres://u@h/db?sslmode=require".to_string(),
                Some("/ca.pem".to_string())
            )
        );
        assert_eq!(
            take_sslrootcert("host=h sslrootcert=/c.pem dbname=d"),
            ("host=h dbname=d".to_string(), Some("/c.pem".to_string()))
        );
        assert_eq!(take_sslrootcert("postgres://h/d").1, None);
    }
}

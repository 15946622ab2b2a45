//! `baomi store migrate`: copy a store between sled and PostgreSQL, and check the copy.

use super::common::{EXIT_APPROVE, EXIT_ERROR};
use crate::store::{DecisionStore, KvStore};
use clap::Subcommand;
use std::io::Write;
use std::path::Path;

#[derive(Subcommand)]
pub enum StoreCommand {
    /// Copy every review, decision, content, token, rule set, suppression and the audit chain
    /// from one store into a new one (a data directory or an empty PostgreSQL database), then
    /// verify the chain on the copy. Stop the service first. Each side is a data directory or
    /// a `postgres://` URL: sled to PostgreSQL to scale out, PostgreSQL to sled for a backup an
    /// office can take home.
    Migrate {
        /// The store to copy: a data directory, or a PostgreSQL URL.
        #[arg(long, value_name = "DIR|URL")]
        from: String,
        /// The new store: a data directory that does not exist yet (or is empty), or an empty
        /// PostgreSQL database.
        #[arg(long, value_name = "DIR|URL")]
        to: String,
    },
}

fn is_url(s: &str) -> bool {
    s.starts_with("postgres://") || s.starts_with("postgresql://") || s.contains("host=")
}

/// Opens one side; a new data directory is made only for the target (`target`), and any other
/// must be a baomi data directory already.
fn open(place: &str, target: bool) -> Result<KvStore, String> {
    let dir = Path::new(place);
    if is_url(place) {
        return KvStore::open_at(dir, Some(place), 2).map_err(|e| e.to_string());
    }
    if target {
        let empty = match std::fs::read_dir(dir) {
            Ok(mut entries) => entries.next().is_none(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
            Err(e) => return Err(format!("{place}: {e}")),
        };
        if !empty {
            return Err(format!(
                "{place} is not empty: the copy goes into a new data directory"
            ));
        }
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {place}: {e}"))?;
    } else if !dir.join("db").exists() && !dir.join("conf").exists() {
        return Err(format!("{place} is not a baomi data directory"));
    }
    KvStore::open(dir).map_err(|e| e.to_string())
}

pub fn run(cmd: StoreCommand) -> i32 {
    let StoreCommand::Migrate { from, to } = cmd;
    let mut err = std::io::stderr();
    let source = match open(&from, false) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(err, "baomi: --from: {e}");
            return EXIT_ERROR;
        }
    };
    let records = match source.verify_audit() {
        Ok(n) => n,
        Err(e) => {
            let _ = writeln!(
                err,
                "baomi: the source's audit chain is broken: {e}; nothing copied"
            );
            return EXIT_ERROR;
        }
    };
    let target = match open(&to, true) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(err, "baomi: --to: {e}");
            return EXIT_ERROR;
        }
    };
    let counts = match source.copy_into(&target) {
        Ok(c) => c,
        Err(e) => {
            let _ = writeln!(err, "baomi: the copy failed, and the target holds none of it on PostgreSQL (a data directory may hold part: remove it): {e}");
            return EXIT_ERROR;
        }
    };
    drop(target);
    // The copy is checked as the service would open it.
    let copied = match open(&to, false).and_then(|t| t.verify_audit().map_err(|e| e.to_string())) {
        Ok(n) => n,
        Err(e) => {
            let _ = writeln!(err, "baomi: the copy does not verify: {e}");
            return EXIT_ERROR;
        }
    };
    if copied != records {
        let _ = writeln!(
            err,
            "baomi: the copy's chain has {copied} records, the source's {records}"
        );
        return EXIT_ERROR;
    }
    let mut out = std::io::stdout().lock();
    for (tree, n) in &counts {
        if *n > 0 {
            let _ = writeln!(out, "{tree:<13} {n:>9} keys");
        }
    }
    let _ = writeln!(
        out,
        "copied; the audit chain verifies on the copy: {copied} record(s)"
    );
    EXIT_APPROVE
}

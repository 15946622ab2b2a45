//! The `baomi` command line. Thin: it reads files, calls the engine and prints.
//!
//! This module only parses the command line and hands each subcommand to its module:
//! [`scan`] (files → decisions, in parallel, printed in walk order), [`eval`] (a labelled
//! corpus), `rules` (check, test, diff), [`serve`] (the service, tokens, the audit chain),
//! `stats` (the figures for the annual report, from a stopped store).
//! Beside them: `common` (exit codes, output format, loading a rule set, I/O messages),
//! `files` (reading a document, the one walker of paths), `printer` (the outputs of a scan
//! behind one trait), `summary` (the totals of a scan), `html_report` (the scan as one
//! HTML page) and `alloc` (the binary's allocator: huge pages for large buffers).
//!
//! Exit codes: 0 every file approves, 1 at least one file holds, 2 an error (2 wins).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

mod alloc;
mod baseline;
mod common;
pub mod eval;
mod files;
mod html_report;
mod printer;
mod redact;
mod rules;
pub mod scan;
mod sections;
pub mod serve;
mod stats;
mod store;
mod summary;

pub use alloc::HugeAlloc;
use common::Format;
pub use common::{EXIT_APPROVE, EXIT_ERROR, EXIT_HOLD};

#[derive(Parser)]
#[command(
    name = "baomi",
    version,
    about = "保密 — pre-publication confidentiality review for Chinese government documents"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan files, directories (recursively, in parallel) or `-` (stdin); exit 0 approve, 1
    /// hold, 2 error.
    Scan(scan::ScanArgs),
    /// Run a rule set over a labelled corpus and report accuracy, hold precision and recall,
    /// per-category and per-tag results and every misclassified file; exit 1 below
    /// --min-accuracy or --min-hold-recall, 2 on errors.
    Eval(eval::EvalArgs),
    /// Write the publishable copy of each file with its personal data masked in place (text,
    /// HTML, DOCX), cleaned of comments, tracked deletions and hidden text, and proven by a
    /// rescan; exit 0 the copy approves, 1 it still holds for findings no mask fixes, 2 error.
    Redact(redact::RedactArgs),
    /// Work with rule sets.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// Run the review service (HTTP API, durable decisions, publishing gate).
    Serve(serve::ServeArgs),
    /// Create, revoke and list API tokens (while the service is stopped).
    Token {
        #[command(subcommand)]
        command: serve::TokenCommand,
    },
    /// Verify or export the audit chain (while the service is stopped).
    Audit {
        #[command(subcommand)]
        command: serve::AuditCommand,
    },
    /// The figures for the annual report (while the service is stopped): drafts received,
    /// approved, held by category, published, working days to a decision, overdue; per month,
    /// category, department or reviewer; as text, CSV, JSON or an Excel workbook.
    Stats(stats::StatsArgs),
    /// Move a store between sled and PostgreSQL (while the service is stopped).
    Store {
        #[command(subcommand)]
        command: store::StoreCommand,
    },
}

#[derive(Subcommand)]
enum RulesCommand {
    /// Run a corpus through two rule sets and list the documents whose decision or findings
    /// change, with the rules responsible; exit 0 if nothing changes, 1 if something does.
    /// With --labels, say for each labelled document whether the edit fixes or breaks it.
    Diff {
        /// The rule set before the edit (default: the embedded rule set).
        #[arg(long, value_name = "DIR")]
        old: Option<PathBuf>,
        /// The rule set after the edit.
        #[arg(long, value_name = "DIR")]
        new: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// A labels file (as for `baomi eval`): judge each changed labelled document (fixes,
        /// breaks, other) and give the accuracy before and after.
        #[arg(long, value_name = "FILE")]
        labels: Option<PathBuf>,
        /// Files or directories (recursive) to run through both.
        #[arg(required = true, value_name = "CORPUS")]
        corpus: Vec<String>,
    },
    /// Compile a rule set and run every rule's examples; exit 1 if any example fails.
    Test {
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
    },
    /// Compile a rule set and report every problem with file:line:column; exit 2 on errors.
    /// Also checks the suppressions: those of the rules directory, or `--suppressions FILE`.
    Check {
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
        /// A suppression file to check against the rule set.
        #[arg(long, value_name = "FILE")]
        suppressions: Option<PathBuf>,
    },
    /// Print the digest a suppression names a value by (`hmac-sha256:…`), under the
    /// deployment's key: the value itself never goes into the file.
    Digest {
        /// The key (64 hexadecimal digits). Default: ~/.config/baomi/baseline.key.
        #[arg(long, value_name = "FILE", env = "BAOMI_BASELINE_KEY")]
        baseline_key: Option<PathBuf>,
        /// The values, as they appear in the document (spaces and full-width digits do not
        /// count).
        #[arg(required = true, value_name = "VALUE")]
        values: Vec<String>,
    },
}

/// Runs the CLI and returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_APPROVE
            };
        }
    };
    match cli.command {
        Command::Scan(args) => scan::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Redact(args) => redact::run(args),
        Command::Rules { command } => match command {
            RulesCommand::Test { rules } => rules::test(rules.as_deref()),
            RulesCommand::Diff {
                old,
                new,
                format,
                labels,
                corpus,
            } => rules::diff(old.as_deref(), &new, format, labels.as_deref(), &corpus),
            RulesCommand::Check {
                rules,
                suppressions,
            } => rules::check(rules.as_deref(), suppressions.as_deref()),
            RulesCommand::Digest {
                baseline_key,
                values,
            } => rules::digest(baseline_key.as_deref(), &values),
        },
        Command::Serve(args) => serve::serve(args),
        Command::Token { command } => serve::token(command),
        Command::Audit { command } => serve::audit(command),
        Command::Stats(args) => stats::run(args),
        Command::Store { command } => store::run(command),
    }
}

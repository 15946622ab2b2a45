//! `baomi redact`: the publishable copy of each file, with its personal data masked in place
//! and the proof that the copy leaks none of it (see [`crate::redact`]).
//!
//! Exit codes: 0 every copy was written and approves; 1 a copy was written but still holds for
//! findings no mask can fix (a classification mark, a 稳控 plan), which are listed; 2 an error,
//! or a copy that failed its proof (then nothing is written for that file).

use std::path::{Path, PathBuf};

use clap::Args;

use super::common::{io_message, load_rules, EXIT_APPROVE, EXIT_ERROR, EXIT_HOLD};
use crate::redact::{self, Policy, RedactError};

#[derive(Args)]
pub struct RedactArgs {
    /// Files to redact: `.txt` (any encoding baomi reads), `.html`, `.docx`.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Where to write the copy (one input file only).
    #[arg(short, long, value_name = "OUT")]
    output: Option<PathBuf>,
    /// Written beside each input, before its extension: `名单.txt` → `名单.redacted.txt`.
    #[arg(long, default_value = ".redacted", value_name = "SUFFIX")]
    suffix: String,
    /// The redaction policy (TOML; see the README). Default: the common practice.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Rule set directory (default: the embedded rules).
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
    /// Replace an existing output file.
    #[arg(long)]
    force: bool,
}

pub fn run(args: RedactArgs) -> i32 {
    if args.output.is_some() && args.files.len() > 1 {
        eprintln!("baomi redact: -o names one output; give one input file, or use --suffix");
        return EXIT_ERROR;
    }
    let policy = match &args.policy {
        None => Policy::default(),
        Some(p) => match std::fs::read_to_string(p) {
            Ok(text) => match Policy::parse(&text, &p.display().to_string()) {
                Ok(policy) => policy,
                Err(e) => {
                    eprintln!("baomi redact: {e}");
                    return EXIT_ERROR;
                }
            },
            Err(e) => {
                eprintln!("baomi redact: {}: {}", p.display(), io_message(&e));
                return EXIT_ERROR;
            }
        },
    };
    let rules = match load_rules(args.rules.as_deref()) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let mut code = EXIT_APPROVE;
    for file in &args.files {
        let out = args
            .output
            .clone()
            .unwrap_or_else(|| with_suffix(file, &args.suffix));
        let c = one(&rules.engine, file, &out, &policy, args.force);
        code = code.max(c);
    }
    code
}

fn one(engine: &crate::Engine, file: &Path, out: &Path, policy: &Policy, force: bool) -> i32 {
    let shown = file.display();
    if out == file {
        eprintln!("{shown}: the copy would overwrite the original; choose another -o or --suffix");
        return EXIT_ERROR;
    }
    if out.exists() && !force {
        eprintln!(
            "{shown}: {} exists; use --force to replace it",
            out.display()
        );
        return EXIT_ERROR;
    }
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{shown}: {}", io_message(&e));
            return EXIT_ERROR;
        }
    };
    let name = file.file_name().and_then(|n| n.to_str());
    let started = std::time::Instant::now();
    let r = match redact::redact(engine, &bytes, name, policy) {
        Ok(r) => r,
        Err(e) => {
            let what = match e {
                RedactError::Proof(_) => "未写出脱敏稿",
                _ => "无法脱敏",
            };
            eprintln!("{shown}: {what}：{e}");
            return EXIT_ERROR;
        }
    };
    if let Err(e) = write_atomically(out, &r.bytes) {
        eprintln!("{}: {}", out.display(), io_message(&e));
        return EXIT_ERROR;
    }
    let n: usize = r.masked.iter().map(|m| m.occurrences).sum();
    println!(
        "{shown} → {}：遮盖 {} 个值、{n} 处（{} ms）",
        out.display(),
        r.masked.len(),
        started.elapsed().as_millis()
    );
    for m in &r.masked {
        if m.occurrences == 0 {
            println!("  {}  {}  已随清理删除", m.kind.zh(), m.shown);
        } else {
            println!("  {}  {}  {} 处", m.kind.zh(), m.shown, m.occurrences);
        }
    }
    for c in &r.cleaned {
        println!("  清理：{c}");
    }
    if r.unmasked.is_empty() {
        println!("  复查：脱敏稿未发现个人信息，可以送审");
        EXIT_APPROVE
    } else {
        println!(
            "  仍须暂缓发布 HOLD：以下 {} 条发现无法自动遮盖，须人工处理",
            r.unmasked.len()
        );
        for f in &r.unmasked {
            println!(
                "    第 {} 行  {}（{}）  {}",
                f.line,
                f.rule_label(),
                f.category.zh(),
                f.reason
            );
        }
        EXIT_HOLD
    }
}

/// `dir/名单.txt` + `.redacted` → `dir/名单.redacted.txt`.
fn with_suffix(file: &Path, suffix: &str) -> PathBuf {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match file.extension() {
        Some(ext) => format!("{stem}{suffix}.{}", ext.to_string_lossy()),
        None => format!("{stem}{suffix}"),
    };
    file.with_file_name(name)
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.baomi-tmp",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    ));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

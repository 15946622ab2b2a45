//! Scan throughput on a generated Chinese corpus, and rule-set build time.
//!
//! `cargo bench --bench scan` (release profile, one thread unless a name says otherwise). Throughput is reported in MB/s of
//! UTF-8 input; the corpus is realistic government prose with identifiers and terms planted at
//! realistic rates (see `corpus/mod.rs`).

#[path = "../tests/support/adversarial.rs"]
mod adversarial;
mod corpus;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::time::Duration;

use baomi::rules::{self, SourceFile};

const CORPUS_BYTES: usize = 8 * 1024 * 1024;
const TODAY: u32 = 20261126;

/// The shipped rule set plus one extra rule file with `n` generated terms.
fn with_extra_lexicon(n: usize) -> Vec<SourceFile> {
    let mut files = rules::embedded_sources();
    let terms = corpus::extra_lexicon(n, 1);
    let mut text = String::from(
        "category = \"process_internal\"\n\n[[rule]]\nid = \"extra_lexicon\"\nseverity = \"warn\"\ndescription = \"bench: extra lexicon\"\nterms = [\n",
    );
    for t in terms {
        text.push_str(&format!("  \"{t}\",\n"));
    }
    text.push_str("]\n");
    files.push(SourceFile {
        name: "extra_lexicon.toml".into(),
        text,
    });
    files
}

fn scan(c: &mut Criterion) {
    let text = corpus::generate(CORPUS_BYTES, 42);
    let mut g = c.benchmark_group("scan");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(10));

    let shipped = rules::default_ruleset(TODAY);
    let report = shipped.engine.scan(&text);
    eprintln!(
        "shipped rule set: {} literals, lexicon {} KiB; corpus {} bytes → {} findings ({} hold)",
        shipped.engine.literal_count(),
        shipped.engine.lexicon_memory() / 1024,
        text.len(),
        report.findings.len(),
        report
            .findings
            .iter()
            .filter(|f| f.severity == baomi::Severity::Hold)
            .count()
    );
    g.bench_with_input(BenchmarkId::new("shipped", text.len()), &text, |b, t| {
        b.iter(|| shipped.engine.scan(t))
    });
    // The same document on two threads (`Engine::scan_on`, as `baomi scan` runs one large file).
    g.bench_with_input(
        BenchmarkId::new("shipped_2_threads", text.len()),
        &text,
        |b, t| {
            b.iter(|| {
                shipped
                    .engine
                    .scan_on(t, &baomi::engine::Cancel::new(), 2)
                    .expect("nothing cancels")
            })
        },
    );
    drop(shipped);

    let big = rules::compile(&with_extra_lexicon(20_000), TODAY).expect("extra lexicon compiles");
    eprintln!(
        "shipped + 20,000 terms: {} literals, lexicon {} KiB",
        big.engine.literal_count(),
        big.engine.lexicon_memory() / 1024
    );
    g.bench_with_input(
        BenchmarkId::new("shipped+20k", text.len()),
        &text,
        |b, t| b.iter(|| big.engine.scan(t)),
    );
    g.finish();

    let mut g = c.benchmark_group("fold");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.sample_size(10);
    g.bench_function("normalize_only", |b| {
        b.iter(|| baomi::engine::fold(&text).text().len())
    });
    g.finish();
}

fn build(c: &mut Criterion) {
    let mut g = c.benchmark_group("build");
    g.sample_size(20);
    let files = rules::embedded_sources();
    g.bench_function("shipped", |b| {
        b.iter(|| rules::compile(&files, TODAY).is_ok())
    });
    let big = with_extra_lexicon(20_000);
    g.sample_size(10);
    g.bench_function("shipped+20k", |b| {
        b.iter(|| rules::compile(&big, TODAY).is_ok())
    });
    g.finish();
}

/// The worst document of each stage (`tests/support/adversarial.rs`) at 1, 4 and 16 MiB,
/// through the whole path a file takes (`input::scan_bytes`: decoding or HTML extraction, then
/// the engine), so the figures sit beside the ordinary corpus's. `tests/adversarial.rs` checks
/// the same documents for linear work.
fn adversarial(c: &mut Criterion) {
    let shipped = rules::default_ruleset(TODAY);
    let mut g = c.benchmark_group("adversarial");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(5));
    g.warm_up_time(Duration::from_secs(1));
    for gen in adversarial::all() {
        for mib in [1usize, 4, 16] {
            let doc = (gen.make)(mib << 20);
            g.throughput(Throughput::Bytes(doc.len() as u64));
            g.bench_with_input(
                BenchmarkId::new(gen.name, format!("{mib}MiB")),
                &doc,
                |b, d| {
                    b.iter(|| {
                        baomi::pipeline::scan_bytes(&shipped.engine, d).map(|r| r.findings.len())
                    })
                },
            );
        }
    }
    g.finish();
}

criterion_group!(benches, scan, build, adversarial);
criterion_main!(benches);

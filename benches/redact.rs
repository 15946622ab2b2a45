//! Redaction throughput per format: one 公示 list of 2,000 rows (a resident ID, a mobile and a
//! home address each, a name in its own column), written as text, as an HTML table and as a
//! `.docx` table, redacted end to end (extract, scan, plan, mask, rebuild, extract and scan
//! the copy again, look for every value). Run: `cargo bench --bench redact`.

use baomi::redact::{redact, Policy};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::io::Write;

const ROWS: usize = 2_000;
const SURNAMES: &str = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗";
const GIVEN: &str = "建国秀英明华志强丽娟海涛红梅晓东玉兰永刚春燕";

/// A valid resident ID: a region, a birth date from `n`, a sequence, its check digit.
fn resident_id(n: usize) -> String {
    let body = format!(
        "110101{:04}{:02}{:02}{:03}",
        1950 + n % 50,
        1 + n % 12,
        1 + n % 28,
        n % 1000
    );
    let check = baomi::engine::validate::id_check_char(body.as_bytes());
    format!("{body}{check}")
}

fn rows() -> Vec<[String; 5]> {
    let s: Vec<char> = SURNAMES.chars().collect();
    let g: Vec<char> = GIVEN.chars().collect();
    (0..ROWS)
        .map(|i| {
            [
                (i + 1).to_string(),
                format!(
                    "{}{}{}",
                    s[i % s.len()],
                    g[(i / 3) % g.len()],
                    g[(i / 7 + 1) % g.len()]
                ),
                resident_id(i),
                format!("139{:08}", i * 7 + 11),
                format!(
                    "北京市东城区东华门街道南池子大街{}号{}单元{}",
                    i % 90 + 1,
                    i % 6 + 1,
                    101 + i % 700
                ),
            ]
        })
        .collect()
}

const HEAD: [&str; 5] = ["序号", "姓名", "身份证号码", "联系电话", "家庭住址"];

fn text() -> Vec<u8> {
    let mut t = String::from(
        "关于2026年度城乡低保对象的公示\n\n序号  姓名  身份证号码  联系电话  家庭住址\n",
    );
    for r in rows() {
        t.push_str(&r.join("  "));
        t.push('\n');
    }
    t.into_bytes()
}

fn html() -> Vec<u8> {
    let mut t = String::from("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>公示</title></head><body><table><tr>");
    for h in HEAD {
        t.push_str(&format!("<th>{h}</th>"));
    }
    t.push_str("</tr>\n");
    for r in rows() {
        t.push_str("<tr>");
        for c in r {
            t.push_str(&format!("<td>{c}</td>"));
        }
        t.push_str("</tr>\n");
    }
    t.push_str("</table></body></html>\n");
    t.into_bytes()
}

fn docx() -> Vec<u8> {
    let cell = |s: &str| format!("<w:tc><w:p><w:r><w:t>{s}</w:t></w:r></w:p></w:tc>");
    let mut body = String::from("<w:tbl>");
    body.push_str(&format!(
        "<w:tr>{}</w:tr>",
        HEAD.iter().map(|h| cell(h)).collect::<String>()
    ));
    for r in rows() {
        body.push_str(&format!(
            "<w:tr>{}</w:tr>",
            r.iter().map(|c| cell(c)).collect::<String>()
        ));
    }
    body.push_str("</w:tbl>");
    let document = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body><w:p><w:r><w:t>关于2026年度城乡低保对象的公示</w:t></w:r></w:p>{body}</w:body></w:document>");
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default();
    for (name, data) in [
        ("[Content_Types].xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>".to_string()),
        ("word/document.xml", document),
    ] {
        z.start_file(name, o).unwrap();
        z.write_all(data.as_bytes()).unwrap();
    }
    z.finish().unwrap().into_inner()
}

fn bench(c: &mut Criterion) {
    let rules = baomi::rules::compile(&baomi::rules::embedded_sources(), baomi::today()).unwrap();
    let policy = Policy::default();
    let mut g = c.benchmark_group("redact");
    g.sample_size(10);
    for (name, bytes) in [("txt", text()), ("html", html()), ("docx", docx())] {
        // The list must redact and approve, or the figure means nothing.
        let r = redact(
            &rules.engine,
            &bytes,
            Some(&format!("list.{name}")),
            &policy,
        )
        .unwrap();
        assert!(
            r.unmasked.is_empty(),
            "{name}: {:?}",
            r.unmasked.first().map(|f| &f.rule)
        );
        assert!(
            r.masked.len() >= 3 * ROWS,
            "{name}: {} values",
            r.masked.len()
        );
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| {
                redact(
                    &rules.engine,
                    &bytes,
                    Some(&format!("list.{name}")),
                    &policy,
                )
                .unwrap()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

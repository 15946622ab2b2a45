//! Extraction throughput: Word `.docx`, HTML and GBK text built from the generated corpus.
//!
//! `cargo bench --bench extract` (release profile, one thread). Throughput is MB/s of the
//! *input file* (the compressed .docx, the HTML page, the GBK bytes); the size of the extracted
//! text is printed once at the start.

mod corpus;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::io::Write;
use std::time::Duration;

const CORPUS_BYTES: usize = 8 * 1024 * 1024;

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A Word document: one paragraph per corpus line, every third paragraph split into runs with
/// run properties (as Word writes edited text), a table every 40 lines, a tracked insertion and a
/// comment now and then.
fn docx(text: &str) -> Vec<u8> {
    let mut body = String::with_capacity(text.len() * 2);
    let mut comments = String::new();
    for (i, line) in text.lines().enumerate() {
        let line = xml_escape(line);
        if i % 40 == 39 {
            body.push_str("<w:tbl><w:tr>");
            for cell in line.split_whitespace().take(5) {
                body.push_str(&format!(
                    "<w:tc><w:tcPr><w:tcW w:w=\"1800\" w:type=\"dxa\"/></w:tcPr><w:p><w:r><w:t>{cell}</w:t></w:r></w:p></w:tc>"
                ));
            }
            body.push_str("</w:tr></w:tbl>");
            continue;
        }
        body.push_str("<w:p><w:pPr><w:spacing w:line=\"560\" w:lineRule=\"exact\"/><w:ind w:firstLine=\"640\"/></w:pPr>");
        if i % 3 == 0 && line.chars().count() > 4 {
            let cut = line
                .char_indices()
                .nth(line.chars().count() / 2)
                .map_or(0, |c| c.0);
            let (a, b) = line.split_at(cut);
            body.push_str(&format!(
                "<w:r><w:rPr><w:rFonts w:ascii=\"仿宋_GB2312\" w:eastAsia=\"仿宋_GB2312\"/><w:sz w:val=\"32\"/></w:rPr><w:t xml:space=\"preserve\">{a}</w:t></w:r><w:proofErr w:type=\"spellStart\"/><w:r><w:rPr><w:rFonts w:ascii=\"仿宋_GB2312\" w:eastAsia=\"仿宋_GB2312\"/><w:sz w:val=\"32\"/><w:lang w:eastAsia=\"zh-CN\"/></w:rPr><w:t>{b}</w:t></w:r>"
            ));
        } else if i % 97 == 0 {
            body.push_str(&format!(
                "<w:ins w:id=\"{i}\" w:author=\"a\" w:date=\"2025-01-01T00:00:00Z\"><w:r><w:t>{line}</w:t></w:r></w:ins><w:commentRangeStart w:id=\"{i}\"/><w:r><w:commentReference w:id=\"{i}\"/></w:r>"
            ));
            comments.push_str(&format!(
                "<w:comment w:id=\"{i}\" w:author=\"b\"><w:p><w:r><w:t>请核实第{i}段数据。</w:t></w:r></w:p></w:comment>"
            ));
        } else {
            body.push_str(&format!(
                "<w:r><w:rPr><w:rFonts w:ascii=\"仿宋_GB2312\" w:eastAsia=\"仿宋_GB2312\"/><w:sz w:val=\"32\"/></w:rPr><w:t>{line}</w:t></w:r>"
            ));
        }
        body.push_str("</w:p>");
    }
    let ns = "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"";
    let document = format!("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document {ns}><w:body>{body}</w:body></w:document>");
    let comments = format!("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:comments {ns}>{comments}</w:comments>");
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in [
        ("[Content_Types].xml", "<Types/>".to_string()),
        ("word/document.xml", document),
        ("word/comments.xml", comments),
        (
            "word/header1.xml",
            format!("<w:hdr {ns}><w:p><w:r><w:t>某市人民政府办公室</w:t></w:r></w:p></w:hdr>"),
        ),
    ] {
        w.start_file(name, opts).unwrap();
        w.write_all(data.as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// An HTML page: paragraphs with inline spans, a table every 40 lines, a comment now and then.
fn html(text: &str) -> String {
    let mut out = String::from("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>某区人民政府门户网站</title><style>p{margin:0}</style></head><body><div class=\"article\">\n");
    for (i, line) in text.lines().enumerate() {
        let line = xml_escape(line);
        if i % 40 == 39 {
            out.push_str("<table><tr>");
            for cell in line.split_whitespace().take(5) {
                out.push_str(&format!("<td><span>{cell}</span></td>"));
            }
            out.push_str("</tr></table>\n");
        } else if i % 3 == 0 {
            out.push_str(&format!("<p style=\"text-indent:2em\"><span class=\"s1\">{line}</span>&nbsp;<a href=\"/x/{i}.html\" title=\"详情\">详情</a></p>\n"));
        } else if i % 101 == 0 {
            out.push_str(&format!("<!-- 第{i}段 -->\n<p>{line}</p>\n"));
        } else {
            out.push_str(&format!("<p>{line}</p>\n"));
        }
    }
    out.push_str("</div><script>var s = \"统计代码\";</script></body></html>\n");
    out
}

fn extract(c: &mut Criterion) {
    let text = corpus::generate(CORPUS_BYTES, 42);
    let docx = docx(&text);
    let html = html(&text);
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let gbk = gbk.into_owned();
    for (name, bytes) in [
        ("docx", &docx[..]),
        ("html", html.as_bytes()),
        ("gbk", &gbk[..]),
    ] {
        let doc = baomi::extract::extract(bytes).expect("extracts");
        eprintln!(
            "{name}: input {:.1} MiB, extracted text {:.1} MiB",
            bytes.len() as f64 / 1048576.0,
            doc.text.len() as f64 / 1048576.0
        );
    }
    let engine = baomi::rules::default_ruleset(20261126).engine;
    let mut g = c.benchmark_group("extract");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(8));
    g.throughput(Throughput::Bytes(docx.len() as u64));
    g.bench_function("docx", |b| {
        b.iter(|| baomi::extract::extract(&docx).unwrap().text.len())
    });
    g.throughput(Throughput::Bytes(html.len() as u64));
    g.bench_function("html", |b| {
        b.iter(|| baomi::extract::extract(html.as_bytes()).unwrap().text.len())
    });
    g.throughput(Throughput::Bytes(gbk.len() as u64));
    g.bench_function("gbk_text", |b| {
        b.iter(|| baomi::extract::extract(&gbk).unwrap().text.len())
    });
    g.finish();
    let mut g = c.benchmark_group("scan_bytes");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(8));
    g.throughput(Throughput::Bytes(docx.len() as u64));
    g.bench_function("docx", |b| {
        b.iter(|| {
            baomi::pipeline::scan_bytes(&engine, &docx)
                .unwrap()
                .findings
                .len()
        })
    });
    g.throughput(Throughput::Bytes(html.len() as u64));
    g.bench_function("html", |b| {
        b.iter(|| {
            baomi::pipeline::scan_bytes(&engine, html.as_bytes())
                .unwrap()
                .findings
                .len()
        })
    });
    g.finish();
}

criterion_group!(benches, extract);
criterion_main!(benches);

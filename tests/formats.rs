//! Word documents, HTML pages and legacy-encoded text through the real binary
//! (`fixtures/formats/`, expected results in `fixtures/formats/expected.toml`), the hostile inputs
//! with their exact errors, and properties of extraction on arbitrary and mutated input.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use baomi::extract::InputError;
use baomi::extract::{self, Format};
use baomi::pipeline::scan_bytes;
use baomi::{Location, Severity};
use proptest::prelude::*;

#[derive(serde::Deserialize)]
struct Manifest {
    doc: Vec<Doc>,
    error: Vec<ErrorCase>,
}

#[derive(serde::Deserialize)]
struct Doc {
    file: String,
    format: String,
    decision: String,
    categories: Vec<String>,
    locations: Vec<String>,
    #[serde(default)]
    note: String,
}

#[derive(serde::Deserialize)]
struct ErrorCase {
    file: String,
    error: String,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/formats")
}

fn manifest() -> Manifest {
    let text = std::fs::read_to_string(root().join("expected.toml")).expect("manifest");
    toml::from_str(&text).expect("manifest parses")
}

fn engine() -> baomi::Engine {
    baomi::rules::default_ruleset(baomi::today()).engine
}

fn files_in(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn every_file_has_a_manifest_entry() {
    let m = manifest();
    let listed: BTreeSet<String> = m
        .doc
        .iter()
        .filter(|d| !d.file.starts_with("hostile/"))
        .map(|d| d.file.clone())
        .collect();
    let mut on_disk = files_in(&root());
    on_disk.remove("make_fixtures.py");
    on_disk.remove("expected.toml");
    assert_eq!(on_disk, listed, "fixtures/formats and expected.toml agree");
    let hostile: BTreeSet<String> = files_in(&root().join("hostile"))
        .into_iter()
        .map(|f| format!("hostile/{f}"))
        .collect();
    // A hostile file is an exact error, or a document that holds (one that cannot be read).
    let listed: BTreeSet<String> = m
        .error
        .iter()
        .map(|e| e.file.clone())
        .chain(
            m.doc
                .iter()
                .filter(|d| d.file.starts_with("hostile/"))
                .map(|d| d.file.clone()),
        )
        .collect();
    assert_eq!(
        hostile, listed,
        "fixtures/formats/hostile and expected.toml agree"
    );
    // Twins: every format has documents that hold and documents that approve.
    for format in ["docx", "html", "text"] {
        for decision in ["hold", "approve"] {
            assert!(
                m.doc
                    .iter()
                    .any(|d| d.format == format && d.decision == decision),
                "a {format} fixture that must {decision}"
            );
        }
    }
}

#[test]
fn every_document_has_its_expected_decision_categories_and_locations() {
    let m = manifest();
    let out = Command::new(env!("CARGO_BIN_EXE_baomi"))
        .args(["scan", "--format", "json"])
        .args(m.doc.iter().map(|d| root().join(&d.file)))
        .output()
        .expect("run baomi");
    assert_eq!(out.status.code(), Some(1), "some fixtures hold: exit 1");
    let stdout = String::from_utf8(out.stdout).expect("UTF-8 output");
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), m.doc.len());
    let engine = engine();
    let mut failures = Vec::new();
    for (d, v) in m.doc.iter().zip(&lines) {
        assert!(v.get("error").is_none(), "{}: {}", d.file, v["error"]);
        let bytes = std::fs::read(root().join(&d.file)).unwrap();
        let doc = extract::extract(&bytes).expect("extracts");
        assert_eq!(doc.format.as_str(), d.format, "{}: detected format", d.file);
        // Spans are offsets into the extracted text, locations are valid names.
        let findings = v["findings"].as_array().unwrap();
        for f in findings {
            let (s, e) = (
                f["start"].as_u64().unwrap() as usize,
                f["end"].as_u64().unwrap() as usize,
            );
            assert_eq!(&doc.text[s..e], f["text"].as_str().unwrap(), "{}", d.file);
            let loc = Location::parse(f["location"].as_str().unwrap()).expect("location");
            assert_eq!(loc, doc.location_at(s), "{}", d.file);
        }
        assert_eq!(
            v["findings"],
            serde_json::to_value(&scan_bytes(&engine, &bytes).unwrap().findings).unwrap(),
            "{}: the binary and the library agree",
            d.file
        );
        let holds = || findings.iter().filter(|f| f["severity"] == "hold");
        let got_cats: BTreeSet<String> = holds()
            .map(|f| f["category"].as_str().unwrap().to_string())
            .collect();
        let got_locs: BTreeSet<String> = holds()
            .map(|f| f["location"].as_str().unwrap().to_string())
            .collect();
        let want_cats: BTreeSet<String> = d.categories.iter().cloned().collect();
        let want_locs: BTreeSet<String> = d.locations.iter().cloned().collect();
        if v["decision"] != d.decision.as_str() || got_cats != want_cats || got_locs != want_locs {
            let detail: Vec<String> = holds()
                .map(|f| format!("{}@{}", f["rule"], f["location"]))
                .collect();
            failures.push(format!(
                "{}: expected {} {want_cats:?} {want_locs:?}, got {} {got_cats:?} {got_locs:?} [{}] ({})",
                d.file,
                d.decision,
                v["decision"],
                detail.join(", "),
                d.note
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture(s) wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn review_traces_are_process_internal_holds_with_masked_reasons() {
    let engine = engine();
    let bytes = std::fs::read(root().join("hold_minutes_with_comments.docx")).unwrap();
    let r = scan_bytes(&engine, &bytes).unwrap();
    let comments: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule == "docx_comment")
        .collect();
    assert_eq!(comments.len(), 2, "one finding per comment");
    for f in &comments {
        assert_eq!(f.category, baomi::Category::ProcessInternal);
        assert_eq!(f.severity, Severity::Hold);
        assert_eq!(f.location, Location::Comment);
        assert!(
            !f.reason.contains(&f.text),
            "the reason never quotes the text"
        );
    }
    let bytes = std::fs::read(root().join("hold_notice_tracked_changes.docx")).unwrap();
    let r = scan_bytes(&engine, &bytes).unwrap();
    let locs: BTreeSet<Location> = r
        .findings
        .iter()
        .filter(|f| f.rule == "docx_tracked_change")
        .map(|f| f.location)
        .collect();
    assert_eq!(
        locs,
        [Location::TrackedInsertion, Location::TrackedDeletion]
            .into_iter()
            .collect()
    );
    // The built-in rules are not in the rule files, and `rules test` still passes.
    let out = Command::new(env!("CARGO_BIN_EXE_baomi"))
        .args(["rules", "test"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(!engine
        .rules()
        .any(|r| r.id == "docx_comment" || r.id == "docx_tracked_change"));
}

#[test]
fn hostile_inputs_are_exact_errors_quickly() {
    let m = manifest();
    for case in &m.error {
        let path = root().join(&case.file);
        let started = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_baomi"))
            .args(["scan", "--format", "json"])
            .arg(&path)
            .output()
            .expect("run baomi");
        let took = started.elapsed();
        assert_eq!(out.status.code(), Some(2), "{}: exit 2", case.file);
        let v: serde_json::Value =
            serde_json::from_slice(out.stdout.trim_ascii_end()).expect("one JSON line");
        assert_eq!(v["error"], case.error.as_str(), "{}", case.file);
        assert!(
            took < Duration::from_secs(20),
            "{}: {took:?} is too slow",
            case.file
        );
    }
}

#[test]
fn oversized_input_is_refused_before_anything_else() {
    let big = vec![b'a'; baomi::extract::MAX_INPUT_BYTES + 1];
    assert_eq!(
        scan_bytes(&engine(), &big).unwrap_err(),
        InputError::TooLarge { len: big.len() }
    );
}

/// A .docx built in memory with the `zip` crate (each entry: name, bytes).
fn zip_of(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1))
        .large_file(true);
    for (name, data) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn document_xml(body: &str) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
    )
    .into_bytes()
}

#[test]
fn the_total_of_all_parts_is_bounded() {
    // Five headers of 60 MiB each, every one under the part limit and the ratio limit.
    let mut part = Vec::with_capacity(60 << 20);
    let mut i: u64 = 0;
    while part.len() < 60 << 20 {
        i = i
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        part.extend_from_slice(format!("{:016x}", i >> 8).as_bytes());
    }
    let mut entries = vec![("word/document.xml", document_xml("<w:p/>"))];
    let names = [
        "word/header1.xml",
        "word/header2.xml",
        "word/header3.xml",
        "word/header4.xml",
        "word/header5.xml",
    ];
    for n in names {
        entries.push((n, part.clone()));
    }
    let zip = zip_of(&entries);
    let err = extract::extract(&zip).unwrap_err();
    assert_eq!(
        err.to_string(),
        "refused, safety limit exceeded: parts decompress to more than 256 MiB in total"
    );
}

#[test]
fn undeclared_entities_and_wrong_nesting_are_errors() {
    let cases: &[(&str, &str)] = &[
        (
            "<w:p><w:r><w:t>&custom;</w:t></w:r></w:p>",
            "malformed .docx: word/document.xml: reference to an undeclared entity (only the five XML entities are allowed)",
        ),
        (
            "<w:p><w:r><w:t>文字</w:r></w:t></w:p>",
            "malformed .docx: word/document.xml: malformed XML near byte",
        ),
    ];
    for (body, want) in cases {
        let zip = zip_of(&[("word/document.xml", document_xml(body))]);
        let err = extract::extract(&zip).unwrap_err().to_string();
        assert!(err.starts_with(want), "{err}");
        assert!(!err.contains("文字"), "no document text in errors: {err}");
    }
}

#[test]
fn docx_runs_tables_and_changes_are_joined_and_located() {
    let body = r#"<w:p><w:r><w:t>联系电话：138</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>0000</w:t></w:r><w:r><w:t>0001</w:t></w:r></w:p><w:tbl><w:tr><w:tc><w:p><w:r><w:t>138</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>0000</w:t></w:r></w:p></w:tc></w:tr></w:tbl><w:p><w:del w:id="1" w:author="a"><w:r><w:delText>内部</w:delText></w:r></w:del><w:ins w:id="2" w:author="a"><w:r><w:t>公开</w:t></w:r></w:ins><w:r><w:rPr><w:vanish/></w:rPr><w:t>隐</w:t></w:r><w:r><w:rPr><w:vanish w:val="0"/></w:rPr><w:t>显</w:t></w:r></w:p>"#;
    let zip = zip_of(&[("word/document.xml", document_xml(body))]);
    let doc = extract::extract(&zip).unwrap();
    assert_eq!(doc.format, Format::Docx);
    assert_eq!(
        doc.text,
        "联系电话：13800000001\n138 | 0000\n内部公开隐显\n"
    );
    let at = |s: &str| doc.location_at(doc.text.find(s).unwrap());
    assert_eq!(at("138 |"), Location::Table);
    assert_eq!(at("内部"), Location::TrackedDeletion);
    assert_eq!(at("公开"), Location::TrackedInsertion);
    assert_eq!(at("隐"), Location::HiddenText);
    assert_eq!(at("显"), Location::Body);
    assert_eq!(doc.traces.len(), 2);
}

// ---------------------------------------------------------------------------------------------
// Properties: never a panic, always the invariants
// ---------------------------------------------------------------------------------------------

fn check_invariants(bytes: &[u8]) {
    let engine = engine_cached();
    let Ok(doc) = extract::extract(bytes) else {
        // An error is fine; its message must not be empty.
        let e = extract::extract(bytes).unwrap_err();
        assert!(!e.to_string().is_empty());
        return;
    };
    let text: &str = &doc.text;
    let mut prev = 0;
    for s in &doc.segments {
        assert!(s.start >= prev && s.start <= text.len() && text.is_char_boundary(s.start));
        prev = s.start;
    }
    for t in &doc.traces {
        assert!(t.start <= t.end && t.end <= text.len());
        assert!(text.is_char_boundary(t.start) && text.is_char_boundary(t.end));
    }
    let r = scan_bytes(engine, bytes).expect("extracted once, extracts again");
    for f in &r.findings {
        assert_eq!(&text[f.start..f.end], f.text);
    }
}

/// Inputs the fuzz targets (`fuzz/`) found breaking a rule, kept in `fixtures/formats/fuzz/`:
/// each goes through extraction and the scan with the invariants, and an error's offset points
/// into the input.
#[test]
fn fuzz_findings_keep_the_invariants() {
    let dir = root().join("fuzz");
    let names = files_in(&dir);
    assert!(!names.is_empty());
    for name in names {
        let bytes = std::fs::read(dir.join(&name)).unwrap();
        check_invariants(&bytes);
        if let Err(e) = extract::extract(&bytes) {
            if let InputError::Binary { offset }
            | InputError::NotUtf8 { offset }
            | InputError::Undecodable { offset, .. } = e
            {
                assert!(
                    offset < bytes.len(),
                    "{name}: {e:?} past {} bytes",
                    bytes.len()
                );
            }
        }
    }
}

/// Found by the `text` fuzz target: a control character in UTF-16 text was reported at its
/// offset in the decoded text, past the end of the input.
#[test]
fn utf16_binary_offset_is_a_byte_offset_in_the_input() {
    let bytes = std::fs::read(root().join("fuzz/text_utf16_control_offset.txt")).unwrap();
    assert_eq!(bytes.len(), 176);
    // U+0001 is the 74th UTF-16 code unit after the byte-order mark (at 148 in the input, 212
    // in the decoded text).
    assert_eq!(
        extract::extract(&bytes).unwrap_err(),
        InputError::Binary { offset: 148 }
    );
}

fn engine_cached() -> &'static baomi::Engine {
    static ENGINE: std::sync::OnceLock<baomi::Engine> = std::sync::OnceLock::new();
    ENGINE.get_or_init(engine)
}

fn fixture_bytes(name: &str) -> Vec<u8> {
    std::fs::read(root().join(name)).unwrap()
}

/// Pieces of markup, CSS, URLs and script that the crawler-side readers of HTML parse.
const CRAWLER_PIECES: &[&str] = &[
    "<",
    ">",
    "&",
    "\"",
    "'",
    "\\",
    "\\3",
    "\\33 ",
    "%",
    "%E",
    "%D5",
    "?",
    "/*",
    "*/",
    "//",
    "<!--",
    "-->",
    "\n",
    "\r",
    ";",
    ":",
    "(",
    ")",
    "{",
    "}",
    "&lt;",
    "&quot;",
    "&amp;",
    "&Invisible",
    "&InvisibleTimes;",
    "<iframe srcdoc=\"",
    "content:\"",
    "tel:",
    "data-x=",
    "\u{8EAB}",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        check_invariants(&bytes);
    }

    #[test]
    fn arbitrary_bytes_behind_a_zip_magic_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let mut bytes = b"PK\x03\x04".to_vec();
        bytes.extend(tail);
        check_invariants(&bytes);
    }

    #[test]
    fn mutated_docx_never_panics(
        which in 0usize..4,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let name = [
            "hold_minutes_with_comments.docx",
            "hold_notice_tracked_changes.docx",
            "hold_textbox_marking_footnote.docx",
            "approve_report_header_footer_notes.docx",
        ][which];
        let mut bytes = fixture_bytes(name);
        for (i, b) in edits {
            let i = i.index(bytes.len());
            bytes[i] = b;
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len()));
        }
        check_invariants(&bytes);
    }

    #[test]
    fn docx_with_arbitrary_xml_never_panics(xml in "(<w:[a-zA-Z]{1,8}( w:val=\"[01]\")?/?>|</w:[a-zA-Z]{1,8}>|[^<&]{0,6}|&[a-z#0-9]{0,5};?){0,60}") {
        let zip = zip_of(&[("word/document.xml", document_xml(&xml)), ("word/comments.xml", xml.clone().into_bytes())]);
        check_invariants(&zip);
    }

    #[test]
    fn mutated_html_never_panics(
        which in 0usize..3,
        inserts in proptest::collection::vec((any::<prop::sample::Index>(), "(<|>|&|\"|'|<!--|-->|</|<script>|<td>|<span>|&#x|&#|;|\u{8EAB}|\n)"), 1..10),
    ) {
        let name = [
            "hold_notice_comment_hidden_div.html",
            "hold_subsidy_list_id_split_spans.html",
            "hold_script_data_ids.html",
        ][which];
        let mut text = String::from_utf8(fixture_bytes(name)).unwrap();
        for (i, s) in inserts {
            let mut at = i.index(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text.insert_str(at, &s);
        }
        check_invariants(text.as_bytes());
    }

    #[test]
    fn mutated_crawler_html_never_panics(
        which in 0usize..12,
        inserts in proptest::collection::vec((any::<prop::sample::Index>(), prop::sample::select(CRAWLER_PIECES)), 1..12),
    ) {
        let (_, mut text, _, _) = hidden_id_pages().swap_remove(which);
        for (i, s) in inserts {
            let mut at = i.index(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text.insert_str(at, s);
        }
        check_invariants(text.as_bytes());
    }

    #[test]
    fn html_inline_tags_never_split_an_identifier(
        tags in proptest::collection::vec("(<span>|</span>|<b>|</b>|<font color=\"red\">|</font>|<a href=\"#\">|</a>|<!-- x -->)", 0..4),
        split in 1usize..17,
    ) {
        let id = "110101195001010009";
        let (a, b) = id.split_at(split);
        let page = format!("<html><body><p>身份证号：{a}{}{b}</p></body></html>", tags.concat());
        let r = scan_bytes(engine_cached(), page.as_bytes()).unwrap();
        prop_assert!(r.findings.iter().any(|f| f.rule == "resident_id" && f.text == id), "{page}");
    }
}

// ---------------------------------------------------------------------------------------------
// HTML as a browser and a crawler see it: each way of hiding an ID, and its twin that approves
// ---------------------------------------------------------------------------------------------

/// A 低保 公示 page with `list` as its table body and `extra` after it (in the body, where a
/// link, an iframe or a script stands on a real page) and `head` in the `<head>`.
fn publicity_page(head: &str, list: &str, extra: &str) -> String {
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\">\
         <title>关于2024年第一季度城乡居民最低生活保障对象的公示</title>{head}</head><body>\
         <div class=\"article\"><h1>关于2024年第一季度城乡居民最低生活保障对象的公示</h1>\
         <p>根据《社会救助暂行办法》和《江苏省最低生活保障工作规程》，经本人申请、街道审核，\
         现将拟纳入最低生活保障的对象公示如下：</p>\
         <table><tr><th>序号</th><th>姓名</th><th>家庭人口</th><th>所在社区</th></tr>{list}</table>\
         <p>公示期为2024年3月1日至3月7日。如有异议，请在公示期内向玄武区民政局反映。</p>\
         <p>联系电话：025-84561234　电子邮箱：<a href=\"mailto:mzj@xuanwu.gov.cn\">mzj@xuanwu.gov.cn</a></p>\
         {extra}<p class=\"date\">玄武区民政局　2024年2月29日</p></div></body></html>"
    )
}

const ROW: &str = "<tr><td>1</td><td>王秀兰</td><td>2</td><td>梅园新村社区</td></tr>";

/// (what, a page that hides the checksum-valid ID 320102197803120415, the location its finding
/// must have, a twin page without it that must approve).
fn hidden_id_pages() -> Vec<(&'static str, String, Location, String)> {
    let id = "320102197803120415";
    let page = |head: &str, cell: &str, extra: &str| {
        let list = format!("{ROW}<tr><td>2</td><td>李建国</td><td>1</td><td>{cell}</td></tr>");
        publicity_page(head, &list, extra)
    };
    let plain = |extra: &str| page("", "兰园社区", extra);
    vec![
        (
            "&InvisibleTimes; inside the number",
            page("", "身份证号：3201021978&InvisibleTimes;03120415", ""),
            Location::Table,
            page("", "身份证号：320102**********15", ""),
        ),
        (
            "&ZeroWidthSpace; &NoBreak; &ic; inside the number",
            page("", "身份证号：320102&ZeroWidthSpace;1978&NoBreak;0312&ic;0415", ""),
            Location::Table,
            page("", "兰园&ZeroWidthSpace;社区&NoBreak;", ""),
        ),
        (
            "iframe srcdoc",
            plain(&format!(
                "<iframe srcdoc=\"&lt;p&gt;补充名单：张桂芳，身份证号{id}&lt;/p&gt;\"></iframe>"
            )),
            Location::Srcdoc,
            plain("<iframe srcdoc=\"&lt;p&gt;补充名单：张桂芳，身份证号320102**********15&lt;/p&gt;\"></iframe>"),
        ),
        (
            "CSS content in a style block, with escapes",
            page(
                "<style>.sfz-2::after{content:\"\\33 20102\" \"\\31 97803120415\"}</style>",
                "<span class=\"sfz-2\">兰园社区</span>",
                "",
            ),
            Location::CssContent,
            page(
                "<style>.sfz-2::after{content:\"\\2022\"} .clearfix::after{content:\"\";display:table}</style>",
                "<span class=\"sfz-2\">兰园社区</span>",
                "",
            ),
        ),
        (
            "CSS content in a style attribute",
            page("", &format!("<span style=\"content:'{id}'\">兰园社区</span>"), ""),
            Location::CssContent,
            page("", "<span style=\"color:#333;content:'*'\">兰园社区</span>", ""),
        ),
        (
            "a query string in a link",
            plain(&format!("<p><a href=\"/mzj/dbcx.jsp?xm=%E6%9D%8E%E5%BB%BA%E5%9B%BD&amp;sfzh={id}\">查看详情</a></p>")),
            Location::Link,
            plain("<p><a href=\"/mzj/dbcx.jsp?colid=1203&amp;page=2\">查看详情</a></p>"),
        ),
        (
            "a query string in an image src",
            plain(&format!("<img src=\"/upload/photo.jsp?sfz={id}\" alt=\"照片\">")),
            Location::Link,
            plain("<img src=\"/upload/2024/0229.jpg?v=20240229\" alt=\"照片\">"),
        ),
        (
            "a mobile number in a tel: link",
            plain("<p>经办人：<a href=\"tel:+86-139-1234-5678\">点击拨打</a></p>"),
            Location::Link,
            plain("<p>值班电话：<a href=\"tel:025-84561234\">点击拨打</a>　<a href=\"tel:12345\">12345</a>　<a href=\"mailto:xwqmzj@163.com\">邮箱</a></p>"),
        ),
        (
            "a data-* attribute",
            page("", &format!("<span data-sfzh=\"{id}\">兰园社区</span>"), ""),
            Location::DataAttribute,
            page("", "<span data-sfzh=\"320102**********15\" data-id=\"1203\">兰园社区</span>", ""),
        ),
        (
            "a // comment in a script",
            plain(&format!("<script>var total = 2; // 核对用：李建国 {id}\n</script>")),
            Location::ScriptComment,
            plain("<script>var total = 2; // 2024年第一季度\n</script>"),
        ),
        (
            "a /* */ comment in a script",
            plain(&format!("<script>/* 测试数据\n李建国 {id} */ var total = 2;</script>")),
            Location::ScriptComment,
            plain("<script>/* 测试数据已删除 */ var total = 2;</script>"),
        ),
        (
            "a string literal in a script (unchanged)",
            plain(&format!("<script>var list = [\"李建国\", \"{id}\"];</script>")),
            Location::Script,
            plain("<script>var list = [\"李建国\", \"320102**********15\"];</script>"),
        ),
    ]
}

#[test]
fn html_hides_no_id_from_a_browser_or_a_crawler() {
    let engine = engine_cached();
    let mut failures = Vec::new();
    for (what, hold, location, twin) in hidden_id_pages() {
        let r = scan_bytes(engine, hold.as_bytes()).unwrap();
        let held: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Hold)
            .map(|f| (f.rule.as_str(), f.location))
            .collect();
        let rule = if what.contains("mobile") {
            "mobile"
        } else {
            "resident_id"
        };
        if held != [(rule, location)] {
            failures.push(format!(
                "{what}: expected [{rule}@{location}], got {held:?}"
            ));
        }
        let r = scan_bytes(engine, twin.as_bytes()).unwrap();
        if r.decision != baomi::Decision::Approve {
            let got: Vec<_> = r
                .findings
                .iter()
                .map(|f| (&f.rule, f.severity, f.location))
                .collect();
            failures.push(format!("{what}: the twin must approve, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn html_crawler_locations_reach_the_binary_output() {
    // The names a rule or a reviewer sees, through `baomi scan --format json`.
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (i, (_, hold, _, _)) in hidden_id_pages().into_iter().enumerate() {
        let p = dir.path().join(format!("page{i:02}.html"));
        std::fs::write(&p, hold).unwrap();
        paths.push(p);
    }
    let out = Command::new(env!("CARGO_BIN_EXE_baomi"))
        .args(["scan", "--format", "json"])
        .args(&paths)
        .output()
        .expect("run baomi");
    assert_eq!(out.status.code(), Some(1));
    let names: BTreeSet<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .flat_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            assert_eq!(v["decision"], "hold", "{l}");
            v["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["location"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    for want in [
        "table",
        "srcdoc",
        "css_content",
        "link",
        "data_attribute",
        "script_comment",
        "script",
    ] {
        assert!(names.contains(want), "{want} in {names:?}");
    }
}

//! PDF through the real binary: the fixtures of `fixtures/formats/pdf/` (built by its
//! `make_pdfs.py` with reportlab, LibreOffice, ghostscript, qpdf and by hand), each with the
//! decision, categories, rules, locations and pages a reviewer should see; and the hostile PDFs
//! with the limit each one trips.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/formats/pdf")
        .join(name)
}

/// `baomi scan --format json FILE`: the report.
fn scan(name: &str) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_baomi"))
        .args(["scan", "--format", "json"])
        .arg(fixture(name))
        .output()
        .expect("run baomi");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().next().unwrap_or_else(|| {
        panic!(
            "{name}: no report; stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{name}: not JSON ({e}): {line}"))
}

fn findings(report: &Value) -> &Vec<Value> {
    report["findings"].as_array().expect("findings")
}

/// The findings of `category` (and `rule`, when given).
fn having<'a>(report: &'a Value, category: &str, rule: Option<&str>) -> Vec<&'a Value> {
    findings(report)
        .iter()
        .filter(|f| {
            let by = |r: &str| {
                f["rule"] == r
                    || f["also"]
                        .as_array()
                        .is_some_and(|a| a.iter().any(|x| x == r))
            };
            f["category"] == category && rule.is_none_or(by)
        })
        .collect()
}

#[track_caller]
fn assert_decision(report: &Value, decision: &str) {
    assert_eq!(report["decision"], decision, "{report:#}");
}

#[test]
fn reportlab_list_with_a_full_id_holds_at_page_1() {
    let r = scan("hold_gongshi_reportlab.pdf");
    assert_decision(&r, "hold");
    let ids = having(&r, "personal_privacy", Some("resident_id"));
    assert_eq!(ids.len(), 1, "{r:#}");
    assert_eq!(ids[0]["text"], "110101199003077774");
    assert_eq!(ids[0]["location"], "page");
    assert_eq!(ids[0]["page"], 1);
    // The columns stay columns: the table model sees a personal-information table.
    assert_eq!(
        having(&r, "personal_privacy", Some("pii_table")).len(),
        1,
        "{r:#}"
    );
}

#[test]
fn reportlab_list_with_masked_ids_approves() {
    let r = scan("approve_gongshi_masked_reportlab.pdf");
    assert_decision(&r, "approve");
}

#[test]
fn encrypted_with_the_empty_password_is_read() {
    let r = scan("approve_encrypted_empty_password.pdf");
    assert_decision(&r, "approve");
}

#[test]
fn encrypted_with_a_password_holds_unread() {
    let r = scan("hold_encrypted_password.pdf");
    assert_decision(&r, "hold");
    let u = having(&r, "unreadable", None);
    assert_eq!(u.len(), 1, "{r:#}");
    assert!(
        u[0]["reason"].as_str().unwrap_or("").contains("加密"),
        "{r:#}"
    );
}

#[test]
fn libreoffice_notice_marked_internal_holds() {
    for name in ["hold_notice_libreoffice.pdf", "hold_notice_ghostscript.pdf"] {
        let r = scan(name);
        assert_decision(&r, "hold");
        assert!(
            findings(&r).iter().any(|f| f["location"] == "page"
                && f["page"] == 1
                && f["text"].as_str().is_some_and(|t| t.contains("内部资料"))),
            "{name}: {r:#}"
        );
        assert!(having(&r, "unreadable", None).is_empty(), "{name}: {r:#}");
    }
}

#[test]
fn libreoffice_list_with_a_full_id_holds() {
    let r = scan("hold_gongshi_libreoffice.pdf");
    assert_decision(&r, "hold");
    let ids = having(&r, "personal_privacy", Some("resident_id"));
    assert_eq!(ids.len(), 1, "{r:#}");
    assert_eq!(ids[0]["page"], 1);
}

#[test]
fn identity_h_without_tounicode_holds_unreadable_naming_the_page() {
    let r = scan("hold_hand_identity_h_no_tounicode.pdf");
    assert_decision(&r, "hold");
    let u = having(&r, "unreadable", Some("unreadable_content"));
    assert_eq!(u.len(), 1, "{r:#}");
    assert_eq!(u[0]["location"], "page");
    assert_eq!(u[0]["page"], 1);
    let reason = u[0]["reason"].as_str().unwrap_or("");
    assert!(
        reason.contains("第 1 页") && reason.contains("Identity-H"),
        "{reason}"
    );
    // Nothing else: the glyph ids are not read as text.
    assert_eq!(findings(&r).len(), 1, "{r:#}");
}

/// LibreOffice's subsets carry only a (1,0) code → glyph `cmap`: with the `/ToUnicode` gone,
/// nothing says what the glyphs are.
#[test]
fn embedded_subset_without_tounicode_or_unicode_cmap_holds_unreadable() {
    let r = scan("hold_libreoffice_no_tounicode.pdf");
    assert_decision(&r, "hold");
    let u = having(&r, "unreadable", Some("unreadable_content"));
    assert_eq!(u.len(), 1, "{r:#}");
    assert_eq!(u[0]["page"], 1);
    assert_eq!(findings(&r).len(), 1, "garbage read as text: {r:#}");
    assert!(
        u[0]["reason"]
            .as_str()
            .is_some_and(|t| t.contains("无编码和 ToUnicode")),
        "{r:#}"
    );
}

/// Identity-H without `/ToUnicode`, but the embedded TrueType subset keeps its Unicode `cmap`:
/// the glyphs are read through it, and the ID holds the document on its own.
#[test]
fn identity_h_with_an_embedded_unicode_cmap_is_read() {
    let r = scan("hold_hand_identity_h_embedded_cmap.pdf");
    assert_decision(&r, "hold");
    assert!(having(&r, "unreadable", None).is_empty(), "{r:#}");
    let ids = having(&r, "personal_privacy", Some("resident_id"));
    assert_eq!(ids.len(), 1, "{r:#}");
    assert_eq!(ids[0]["text"], "110101199003077774");
    assert_eq!(ids[0]["location"], "page");
    assert_eq!(ids[0]["page"], 1);
    assert_eq!(
        text("hold_hand_identity_h_embedded_cmap.pdf"),
        "个人信息登记\n申请人：张伟  身份证号：110101199003077774\n"
    );
    // CIDs that are the full font's glyph ids, through a /CIDToGIDMap stream: a harmless
    // notice approves.
    let r = scan("approve_hand_identity_h_embedded_cmap_cidtogid.pdf");
    assert_decision(&r, "approve");
    assert_eq!(
        text("approve_hand_identity_h_embedded_cmap_cidtogid.pdf"),
        "关于开展全民健身活动的通知\n各社区：请于10月15日前报名。\n"
    );
}

/// One glyph of the subset has no `cmap` entry: the page stays unreadable, naming why.
#[test]
fn identity_h_with_a_glyph_missing_from_the_cmap_holds_unreadable() {
    let r = scan("hold_hand_identity_h_cmap_missing_glyph.pdf");
    assert_decision(&r, "hold");
    let u = having(&r, "unreadable", Some("unreadable_content"));
    assert_eq!(u.len(), 1, "{r:#}");
    assert_eq!(u[0]["page"], 1);
    let reason = u[0]["reason"].as_str().unwrap_or("");
    assert!(reason.contains("缺少所用字形"), "{reason}");
    assert_eq!(findings(&r).len(), 1, "{r:#}");
}

#[test]
fn scanned_page_holds_unreadable() {
    let r = scan("hold_scanned_page.pdf");
    assert_decision(&r, "hold");
    let u = having(&r, "unreadable", Some("unreadable_content"));
    assert_eq!(u.len(), 1, "{r:#}");
    assert_eq!(u[0]["location"], "page");
    assert_eq!(u[0]["page"], 1);
    assert!(u[0]["reason"].as_str().unwrap_or("").contains("没有文字层"));
}

#[test]
fn info_author_with_a_full_id_holds_at_properties() {
    let r = scan("hold_info_author_id.pdf");
    assert_decision(&r, "hold");
    let ids = having(&r, "personal_privacy", Some("resident_id"));
    assert_eq!(ids.len(), 1, "{r:#}");
    assert_eq!(ids[0]["location"], "properties");
}

#[test]
fn annotation_and_form_field_text_is_read() {
    let r = scan("hold_annotation_form.pdf");
    assert_decision(&r, "hold");
    let ids = having(&r, "personal_privacy", Some("resident_id"));
    assert_eq!(ids.len(), 2, "{r:#}");
    // The note's text, on its page.
    assert_eq!(ids[0]["text"], "110101199003077774");
    assert_eq!(ids[0]["location"], "annotation");
    assert_eq!(ids[0]["page"], 1);
    // The form field's value, on the page of its widget.
    assert_eq!(ids[1]["text"], "44030619851212123X");
    assert_eq!(ids[1]["location"], "annotation");
    assert_eq!(ids[1]["page"], 1);
}

#[test]
fn predefined_gb_cmaps_are_decoded() {
    for name in [
        "hold_hand_gbk_euc.pdf",
        "hold_hand_unigb_utf16.pdf",
        "hold_hand_gb_euc.pdf",
    ] {
        let r = scan(name);
        assert_decision(&r, "hold");
        assert!(having(&r, "unreadable", None).is_empty(), "{name}: {r:#}");
        assert!(
            findings(&r)
                .iter()
                .all(|f| f["location"] == "page" && f["page"] == 1),
            "{name}: {r:#}"
        );
    }
    let ids = scan("hold_hand_gbk_euc.pdf");
    assert_eq!(
        having(&ids, "personal_privacy", Some("resident_id"))[0]["text"],
        "110101199003077774"
    );
}

/// The text extracted by the library: the lines and the columns as the engine reads them.
fn text(name: &str) -> String {
    let bytes = std::fs::read(fixture(name)).expect("fixture");
    let doc = baomi::extract::extract(&bytes).expect("extracts");
    doc.text.into_owned()
}

#[test]
fn simple_fonts_with_differences_and_tounicode_ranges() {
    let r = scan("approve_hand_simple_fonts.pdf");
    assert_decision(&r, "approve");
    // WinAnsi (\222 is a right quote, \351 é), /Differences (Alpha, beta), a ToUnicode with
    // bfchar, an array bfrange and an incrementing bfrange; TJ kerning of -200 (a fifth of an em) is a space, of
    // -3000 a column gap.
    assert_eq!(
        text("approve_hand_simple_fonts.pdf"),
        "Secret \u{2019}quoted\u{2019} caf\u{e9}\n\u{391}\u{3b2}\n公开信息\n1 2\t3\n"
    );
}

#[test]
fn table_rows_keep_their_columns() {
    let t = text("hold_gongshi_reportlab.pdf");
    assert!(
        t.contains("\n序号\t姓名\t身份证号\t保障金额（元）\n1\t张伟\t110101199003077774\t650\n"),
        "{t}"
    );
}

/// Each hostile PDF is refused with the limit it trips, quickly.
#[test]
fn hostile_pdfs_trip_their_limits() {
    let cases = [
        (
            "hostile/hostile_bomb.pdf",
            "decompresses to more than 64 MiB",
        ),
        (
            "hostile/hostile_kids_cycle.pdf",
            "page tree refers back to itself",
        ),
        ("hostile/hostile_form_self.pdf", "Form XObject draws itself"),
        ("hostile/hostile_operators.pdf", "content-stream operators"),
        ("hostile/hostile_pages.pdf", "more than 10000 pages"),
    ];
    for (name, expected) in cases {
        let start = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_baomi"))
            .args(["scan", "--format", "json"])
            .arg(fixture(name))
            .output()
            .expect("run");
        let elapsed = start.elapsed();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(2), "{name}: {all}");
        assert!(all.contains(expected), "{name}: want {expected:?} in {all}");
        assert!(elapsed < Duration::from_secs(10), "{name}: {elapsed:?}");
    }
}

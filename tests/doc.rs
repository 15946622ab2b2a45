//! Word 97–2003 `.doc` (and `.wps`) through the real binary, on the fixtures in
//! `fixtures/formats/doc/` (written by LibreOffice from `make_doc_fixtures.py`'s documents).

#[path = "common/scan_json.rs"]
mod scan_json;

use scan_json::findings;

/// `baomi scan --format json` on a fixture of `fixtures/formats/doc/`.
fn scan(name: &str) -> (i32, serde_json::Value) {
    scan_json::scan_json(&scan_json::format_fixture("doc", name))
}

fn has(v: &serde_json::Value, rule: &str, category: &str, severity: &str, location: &str) -> bool {
    findings(v)
        .iter()
        .any(|f| f.0 == rule && f.1 == category && f.2 == severity && f.3 == location)
}

#[test]
fn full_id_in_a_table_holds_as_personal_privacy_in_the_table() {
    for name in [
        "hold_subsidy_list_full_id.doc",
        "hold_subsidy_list_full_id.wps",
    ] {
        let (code, v) = scan(name);
        assert_eq!(code, 1, "{name}: {v}");
        assert_eq!(v["decision"], "hold");
        assert!(
            has(&v, "resident_id", "personal_privacy", "hold", "table"),
            "{name}: {v}"
        );
        assert!(
            has(&v, "pii_table", "personal_privacy", "hold", "table"),
            "{name}: {v}"
        );
        // Cells stay apart: the ID is its own cell, not glued to the name.
        let id = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == "resident_id")
            .unwrap();
        assert_eq!(id["text"], "110101199003077774");
    }
}

#[test]
fn masked_ids_approve() {
    let (code, v) = scan("approve_subsidy_list_masked.doc");
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["decision"], "approve");
    assert!(findings(&v).iter().all(|f| f.2 != "hold"), "{v}");
}

#[test]
fn internal_marking_holds_in_the_body_and_in_the_header() {
    let (code, v) = scan("hold_notice_internal_marking.doc");
    assert_eq!(code, 1, "{v}");
    assert!(
        has(&v, "internal_marking", "process_internal", "hold", "body"),
        "{v}"
    );
    assert!(
        has(&v, "internal_marking", "process_internal", "hold", "header"),
        "{v}"
    );
}

#[test]
fn a_comment_holds_at_location_comment() {
    let (code, v) = scan("hold_minutes_with_comment.doc");
    assert_eq!(code, 1, "{v}");
    assert!(
        has(&v, "docx_comment", "process_internal", "hold", "comment"),
        "{v}"
    );
    let c = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "docx_comment")
        .unwrap();
    assert_eq!(c["text"], "此项尚未经党组会研究，请删除后再公开");
}

#[test]
fn an_id_in_the_author_property_holds_at_properties() {
    let (code, v) = scan("hold_author_property_id.doc");
    assert_eq!(code, 1, "{v}");
    assert!(
        has(&v, "resident_id", "personal_privacy", "hold", "properties"),
        "{v}"
    );
    assert!(findings(&v).iter().all(|f| f.3 == "properties"), "{v}");
}

#[test]
fn an_encrypted_doc_holds_unread() {
    let (code, v) = scan("hold_encrypted_flag.doc");
    assert_eq!(code, 1, "{v}");
    assert!(
        has(&v, "unreadable_content", "unreadable", "hold", "body"),
        "{v}"
    );
}

#[test]
fn truncated_and_corrupt_files_exit_2_naming_the_problem() {
    for (name, want) in [
        ("error_truncated.doc", "malformed OLE compound file"),
        (
            "error_bad_fib.doc",
            "malformed doc: WordDocument: no Word file information block",
        ),
        (
            "error_counts_beyond_pieces.doc",
            "malformed doc: FIB counts 30000",
        ),
    ] {
        let (code, v) = scan(name);
        assert_eq!(code, 2, "{name}: {v}");
        let err = v["error"].as_str().expect("an error");
        assert!(err.contains(want), "{name}: {err}");
        // The error names the structure, not the text.
        assert!(!err.contains("会议"), "{err}");
    }
}

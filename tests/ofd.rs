//! OFD (GB/T 33190) through the real binary, on the fixtures in `fixtures/formats/ofd/`
//! (hand-built to the standard's structure by `make_ofd_fixtures.py`).

#[path = "common/scan_json.rs"]
mod scan_json;

use scan_json::findings;

/// `baomi scan --format json` on a fixture of `fixtures/formats/ofd/`.
fn scan(name: &str) -> (i32, serde_json::Value) {
    scan_json::scan_json(&scan_json::format_fixture("ofd", name))
}

fn has(v: &serde_json::Value, rule: &str, category: &str, severity: &str, location: &str) -> bool {
    findings(v)
        .iter()
        .any(|f| f.0 == rule && f.1 == category && f.2 == severity && f.3 == location)
}

/// The findings of `rule`: (location, page).
fn at(v: &serde_json::Value, rule: &str) -> Vec<(String, Option<u64>)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| scan_json::found_by(f, rule))
        .map(|f| {
            (
                f["location"].as_str().unwrap_or_default().to_string(),
                f["page"].as_u64(),
            )
        })
        .collect()
}

#[test]
fn full_id_in_a_table_holds_on_its_page_and_columns_stay_columns() {
    let (code, v) = scan("hold_subsidy_list_full_id.ofd");
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["decision"], "hold");
    assert!(
        has(&v, "resident_id", "personal_privacy", "hold", "page"),
        "{v}"
    );
    assert_eq!(at(&v, "resident_id"), vec![("page".into(), Some(1))]);
    // The table model saw the columns (a header with 身份证号 over the ID's column).
    assert_eq!(at(&v, "pii_table"), vec![("page".into(), Some(1))], "{v}");
}

#[test]
fn masked_ids_approve_with_absolute_page_paths() {
    let (code, v) = scan("approve_subsidy_list_masked.ofd");
    assert_eq!(code, 0, "{v}");
    assert!(findings(&v).iter().all(|f| f.2 != "hold"), "{v}");
    // The pages were read (BaseLoc="/Doc_0/…"): the title's keyword is found on page 1.
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["page"] == 1),
        "{v}"
    );
}

#[test]
fn internal_marking_on_page_two_written_one_code_per_character_holds() {
    let (code, v) = scan("hold_notice_internal_marking.ofd");
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        at(&v, "internal_marking"),
        vec![("page".into(), Some(2))],
        "{v}"
    );
    assert!(has(
        &v,
        "internal_marking",
        "process_internal",
        "hold",
        "page"
    ));
}

#[test]
fn a_marking_in_the_template_page_holds() {
    let (code, v) = scan("hold_template_marking.ofd");
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        at(&v, "internal_marking"),
        vec![("page".into(), Some(1))],
        "{v}"
    );
}

#[test]
fn a_scanned_page_holds_unreadable_with_its_page() {
    let (code, v) = scan("hold_scanned_page.ofd");
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        at(&v, "unreadable_content"),
        vec![("page".into(), Some(2))],
        "{v}"
    );
    let f = &v["findings"].as_array().unwrap()[0];
    assert!(
        f["reason"]
            .as_str()
            .unwrap()
            .contains("第 2 页没有文字（扫描件或图片）"),
        "{f}"
    );
}

#[test]
fn an_id_in_the_author_holds_at_properties() {
    let (code, v) = scan("hold_author_property_id.ofd");
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        at(&v, "resident_id"),
        vec![("properties".into(), None)],
        "{v}"
    );
}

#[test]
fn an_id_in_an_annotation_remark_holds_at_annotation_with_its_page() {
    let (code, v) = scan("hold_annotation_remark.ofd");
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        at(&v, "resident_id"),
        vec![("annotation".into(), Some(2))],
        "{v}"
    );
}

#[test]
fn broken_packages_exit_2_naming_the_problem() {
    for (name, want) in [
        (
            "error_truncated.ofd",
            "no end-of-central-directory record (truncated?)",
        ),
        (
            "error_malformed_page.ofd",
            "malformed OFD: Doc_0/Pages/Page_0/Content.xml: malformed XML",
        ),
        (
            "error_missing_document.ofd",
            "malformed OFD: document root Doc_0/Document.xml is missing",
        ),
        ("error_dtd_entities.ofd", "DTD) refused"),
        (
            "error_shared_page_part.ofd",
            "pages 1 and 2 name the same content part",
        ),
    ] {
        let (code, v) = scan(name);
        assert_eq!(code, 2, "{name}: {v}");
        let err = v["error"].as_str().expect("an error");
        assert!(err.contains(want), "{name}: {err}");
    }
}

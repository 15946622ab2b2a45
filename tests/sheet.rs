//! Spreadsheets and CSV through the real binary (`fixtures/formats/sheet/`, written by
//! LibreOffice from `make_sheets.py`; hostile ones by `make_hostile.py`): the decision, the
//! held categories, and where each hold was found — sheet, cell, comment, properties.

use std::path::{Path, PathBuf};
#[path = "common/scan_json.rs"]
mod scan_json;

fn dir() -> PathBuf {
    scan_json::format_fixture("sheet", "")
}

fn scan(file: &Path) -> (i32, serde_json::Value) {
    scan_json::scan_json(file)
}

/// (rule, location, sheet, cell) of each hold finding.
fn holds(v: &serde_json::Value) -> Vec<(String, String, String, String)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "hold")
        .flat_map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or("").to_string();
            scan_json::rules_of(f)
                .into_iter()
                .map(move |r| (r, s("location"), s("sheet"), s("cell")))
        })
        .collect()
}

fn has(v: &serde_json::Value, rule: &str, location: &str, sheet: &str, cell: &str) -> bool {
    holds(v).contains(&(rule.into(), location.into(), sheet.into(), cell.into()))
}

#[test]
fn a_full_id_in_one_cell_holds_at_that_cell_in_every_format() {
    for ext in ["xlsx", "xls", "ods", "et"] {
        let (code, v) = scan(&dir().join(format!("hold_public_list_full_id.{ext}")));
        assert_eq!(
            (code, v["decision"].as_str()),
            (1, Some("hold")),
            "{ext}: {v}"
        );
        assert!(
            has(&v, "resident_id", "sheet", "公示名单", "C5"),
            "{ext}: {v}"
        );
        // The 身份证号 header two rows up names the column: the table rule sees it too.
        assert!(
            has(&v, "pii_table", "sheet", "公示名单", "C5"),
            "{ext}: {v}"
        );
        assert!(
            holds(&v)
                .iter()
                .all(|h| h.3.ends_with('5') && h.3.len() == 2),
            "{ext}: only that row holds: {v}"
        );
        // The reason and the shown text are masked; the full number is nowhere in a reason.
        assert!(!v.to_string().contains("reason\":\"330106198503120037"));
    }
}

#[test]
fn the_masked_twin_approves_in_every_format() {
    for ext in ["xlsx", "xls", "ods"] {
        let (code, v) = scan(&dir().join(format!("approve_public_list_masked.{ext}")));
        assert_eq!(
            (code, v["decision"].as_str()),
            (0, Some("approve")),
            "{ext}: {v}"
        );
    }
    let (code, v) = scan(&dir().join("approve_masked_list.csv"));
    assert_eq!((code, v["decision"].as_str()), (0, Some("approve")), "{v}");
}

#[test]
fn hidden_sheets_hidden_rows_comments_and_properties_are_read() {
    for ext in ["xlsx", "xls", "ods"] {
        let (_, v) = scan(&dir().join(format!("hold_hidden_sheet.{ext}")));
        assert!(has(&v, "resident_id", "sheet", "底稿", "B2"), "{ext}: {v}");
        assert!(has(&v, "mobile", "sheet", "底稿", "C2"), "{ext}: {v}");
    }
    let (_, v) = scan(&dir().join("hold_hidden_row.xlsx"));
    assert!(has(&v, "resident_id", "sheet", "公示名单", "C5"), "{v}");
    let (_, v) = scan(&dir().join("hold_cell_comment.xlsx"));
    assert!(has(&v, "resident_id", "comment", "公示名单", "C4"), "{v}");
    assert!(has(&v, "mobile", "comment", "公示名单", "C4"), "{v}");
    let (_, v) = scan(&dir().join("hold_author_property.xlsx"));
    assert!(has(&v, "resident_id", "properties", "", ""), "{v}");
    assert!(holds(&v).iter().all(|h| h.1 == "properties"), "{v}");
}

#[test]
fn a_full_id_in_an_xls_cell_comment_holds_at_the_commented_cell() {
    // The list's own IDs are all masked; the only full one is in the comment (批注) on C4,
    // which Excel 97–2003 keeps in Obj, TxO, Continue and Note records. WPS .et the same.
    for ext in ["xls", "et"] {
        let (code, v) = scan(&dir().join(format!("hold_xls_cell_comment.{ext}")));
        assert_eq!(
            (code, v["decision"].as_str()),
            (1, Some("hold")),
            "{ext}: {v}"
        );
        assert_eq!(
            holds(&v),
            vec![(
                "resident_id".to_string(),
                "comment".to_string(),
                "公示名单".to_string(),
                "C4".to_string()
            )],
            "{ext}: {v}"
        );
        let f = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == "resident_id")
            .unwrap();
        assert_eq!(f["category"], "personal_privacy", "{ext}: {f}");
    }
}

#[test]
fn an_xls_with_harmless_comments_approves() {
    let (code, v) = scan(&dir().join("approve_xls_comment_harmless.xls"));
    assert_eq!((code, v["decision"].as_str()), (0, Some("approve")), "{v}");
    assert!(holds(&v).is_empty(), "{v}");
}

#[test]
fn csv_columns_are_a_table_in_utf8_and_gbk() {
    let (code, v) = scan(&dir().join("hold_passport_list.csv"));
    assert_eq!(code, 1, "{v}");
    assert!(has(&v, "passport_field", "table", "", "D2"), "{v}");
    assert!(has(&v, "passport_field", "table", "", "D3"), "{v}");
    let (_, v) = scan(&dir().join("hold_gbk_list.csv"));
    assert!(has(&v, "pii_table", "table", "", "C2"), "{v}");
}

#[test]
fn a_csv_without_its_name_is_recognised_by_its_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("export");
    std::fs::copy(dir().join("hold_passport_list.csv"), &copy).unwrap();
    let (code, v) = scan(&copy);
    assert_eq!(code, 1, "{v}");
    assert!(has(&v, "passport_field", "table", "", "D3"), "{v}");
}

#[test]
fn an_id_in_the_file_name_holds_apart_from_the_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let named = tmp.path().join("张桂兰110101199003077715医保材料.xlsx");
    std::fs::copy(dir().join("approve_public_list_masked.xlsx"), &named).unwrap();
    let (code, v) = scan(&named);
    assert_eq!(code, 1, "{v}");
    assert!(has(&v, "resident_id", "file_name", "", ""), "{v}");
    assert_eq!(
        v["sha256"],
        scan(&dir().join("approve_public_list_masked.xlsx")).1["sha256"],
        "the bytes are the same; only the name holds"
    );
}

#[test]
fn hostile_spreadsheets_are_exact_errors() {
    for (file, error) in [
        (
            "xls_huge_dimension.xls",
            "refused, safety limit exceeded: xls sheet spans 16777216 cells (rows × columns), limit 8000000",
        ),
        (
            // Found by the fuzzer: a DIMENSIONS record the reader reserved and aborted on.
            "xls_dimensions_overflow.xls",
            "refused, safety limit exceeded: xls sheet spans 8303513960448 cells (rows × columns), limit 8000000",
        ),
        (
            "ods_repeat_bomb.ods",
            "refused, safety limit exceeded: workbook has more than 4000000 non-empty cells",
        ),
        (
            "xlsx_no_sheet_part.xlsx",
            "malformed xlsx: a part the workbook names is missing",
        ),
    ] {
        let (code, v) = scan(&dir().join("hostile").join(file));
        assert_eq!(code, 2, "{file}: {v}");
        assert_eq!(v["error"], error, "{file}");
    }
}

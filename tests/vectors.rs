//! The synthetic identifier vectors (`fixtures/vectors/identifiers.json`, a verbatim copy of
//! `shared/vectors/identifiers.json`) through the validators and through the whole engine.
//!
//! Every vector is checked twice where it makes sense: by the validator in
//! `baomi::engine::validate`, and by scanning it (alone and inside a Chinese sentence) with the
//! default rule set, asserting the rule, the severity and the exact span.
//!
//! Vectors the engine once got wrong are listed in `KNOWN_*` constants and asserted by tests of
//! their own, so a regression names the case.

#[path = "common/mod11_2.rs"]
mod mod11_2;
#[path = "common/ruleset.rs"]
mod ruleset;
#[path = "common/spans.rs"]
mod spans;
use mod11_2::mod11_2;
use ruleset::ruleset;
use spans::assert_spans;
use std::path::Path;
use std::sync::OnceLock;

use baomi::engine::validate::{
    check_id18, check_mobile, luhn, valid_id15, valid_uscc, IdCheck, MobileCheck,
};
use baomi::{Decision, Finding, Report, Severity};
use serde_json::Value;

const TODAY: u32 = 20261126;

fn vectors() -> &'static Value {
    static V: OnceLock<Value> = OnceLock::new();
    V.get_or_init(|| {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/vectors/identifiers.json");
        let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        serde_json::from_str(&text).expect("identifiers.json parses")
    })
}

/// `(value, note)` of every entry of a group.
fn group(name: &str) -> Vec<(String, String)> {
    let arr = vectors()[name]
        .as_array()
        .unwrap_or_else(|| panic!("group {name} missing"));
    assert!(!arr.is_empty(), "group {name} is empty");
    arr.iter()
        .map(|v| {
            (
                v["value"].as_str().expect("value").to_string(),
                v["note"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// Scans and checks the span invariant of every finding.
fn scan(text: &str) -> Report {
    let r = ruleset().engine.scan(text);
    assert_spans(text, &r.findings);
    assert_eq!(r.decision, Report::decision_for(&r.findings));
    r
}

fn of_rule<'a>(r: &'a Report, rule: &str) -> Vec<&'a Finding> {
    r.findings.iter().filter(|f| f.rule == rule).collect()
}

fn holds(r: &Report) -> Vec<String> {
    r.findings
        .iter()
        .filter(|f| f.severity == Severity::Hold)
        .map(|f| format!("{}:{:?}", f.rule, f.text))
        .collect()
}

/// Asserts exactly one finding of `rule` with `severity` whose span is `want` at byte `start`.
fn expect_one(text: &str, rule: &str, severity: Severity, want: &str, start: usize) -> Vec<String> {
    let r = scan(text);
    let mine = of_rule(&r, rule);
    let mut errs = Vec::new();
    if mine.len() != 1 {
        errs.push(format!(
            "{text:?}: expected one `{rule}` finding, got {:?}",
            r.findings
        ));
        return errs;
    }
    let f = mine[0];
    if f.severity != severity || f.text != want || f.start != start || f.end != start + want.len() {
        errs.push(format!(
            "{text:?}: expected {rule} {severity} {want:?} at {start}, got {} {:?} at {}..{}",
            f.severity, f.text, f.start, f.end
        ));
    }
    errs
}

fn report(errs: Vec<String>) {
    assert!(
        errs.is_empty(),
        "{} problem(s):\n{}",
        errs.len(),
        errs.join("\n")
    );
}

/// Sentences to embed a value in: prefix, suffix. No identifier keyword nearby.
const PLAIN: [(&str, &str); 3] = [
    ("经核实，该号码为", "，请予登记。"),
    ("附件第三行", "已录入系统"),
    ("", ""),
];

// ---------------------------------------------------------------------------------------------
// The file itself
// ---------------------------------------------------------------------------------------------

#[test]
fn vector_file_is_a_verbatim_copy_with_every_group() {
    let v = vectors();
    for g in [
        "id18_valid",
        "id18_invalid",
        "id15_valid",
        "uscc_valid",
        "uscc_invalid",
        "mobile_valid",
        "mobile_invalid",
        "bankcard_valid",
        "bankcard_invalid",
        "masked_safe",
        "evasion",
    ] {
        assert!(v[g].as_array().is_some_and(|a| !a.is_empty()), "group {g}");
    }
    // The shared copy may be absent on other machines; compare when it is there.
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors/identifiers.json");
    if let Ok(orig) = std::fs::read(&shared) {
        let ours = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/vectors/identifiers.json"),
        )
        .unwrap();
        assert!(
            orig == ours,
            "fixtures/vectors/identifiers.json differs from shared/vectors/identifiers.json"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 18-digit resident identity numbers
// ---------------------------------------------------------------------------------------------

#[test]
fn id18_valid_vectors_validate() {
    let mut errs = Vec::new();
    for (v, note) in group("id18_valid") {
        if check_id18(&v, TODAY) != IdCheck::Valid {
            errs.push(format!("{v} ({note}): {:?}", check_id18(&v, TODAY)));
        }
        // Our own check-character computation agrees with the vector.
        if mod11_2(&v[..17]) != v.as_bytes()[17].to_ascii_uppercase() as char {
            errs.push(format!(
                "{v}: vector check character disagrees with MOD 11-2"
            ));
        }
        // Upper- and lower-case X are the same number.
        let flipped = if v.ends_with('x') {
            v.to_uppercase()
        } else {
            v.to_lowercase()
        };
        if check_id18(&flipped, TODAY) != IdCheck::Valid {
            errs.push(format!("{flipped}: case of the check character matters"));
        }
    }
    report(errs);
}

#[test]
fn id18_invalid_vectors_do_not_validate() {
    let mut errs = Vec::new();
    for (v, note) in group("id18_invalid") {
        let got = check_id18(&v, TODAY);
        // Only a wrong check character over a real region and date is `BadCheck`; bad dates
        // (30 Feb, month 13, 2099, 1899, ...), provinces, lengths and characters are `Invalid`.
        let want = if note == "wrong check digit" {
            IdCheck::BadCheck
        } else {
            IdCheck::Invalid
        };
        if got != want {
            errs.push(format!("{v} ({note}): expected {want:?}, got {got:?}"));
        }
    }
    report(errs);
}

#[test]
fn id18_birth_date_is_bounded_by_today() {
    // Born today: valid; born tomorrow: not (the engine never reads the clock).
    let d17 = "11010120261126001";
    let id = format!("{d17}{}", mod11_2(d17));
    assert_eq!(check_id18(&id, TODAY), IdCheck::Valid);
    assert_eq!(check_id18(&id, TODAY - 1), IdCheck::Invalid);
}

#[test]
fn id18_valid_vectors_hold_with_exact_span() {
    let mut errs = Vec::new();
    for (v, _) in group("id18_valid") {
        for (pre, post) in PLAIN {
            let text = format!("{pre}{v}{post}");
            errs.extend(expect_one(
                &text,
                "resident_id",
                Severity::Hold,
                &v,
                pre.len(),
            ));
            if scan(&text).decision != Decision::Hold {
                errs.push(format!("{text:?}: not held"));
            }
        }
        // With a keyword, on the second line of a document.
        let text = format!("关于某事项的公示\n申请人张三，身份证号码：{v}。\n");
        let r = scan(&text);
        let f = of_rule(&r, "resident_id");
        if f.len() != 1 || f[0].line != 2 || f[0].column != 13 || f[0].text != v {
            errs.push(format!("{text:?}: expected resident_id at 2:13, got {f:?}"));
        }
    }
    report(errs);
}

#[test]
fn id18_invalid_vectors_never_hold() {
    let mut errs = Vec::new();
    for (v, note) in group("id18_invalid") {
        let bad_check = check_id18(&v, TODAY) == IdCheck::BadCheck;
        for (pre, post) in PLAIN {
            let text = format!("{pre}{v}{post}");
            let r = scan(&text);
            if !holds(&r).is_empty() {
                errs.push(format!("{text:?} ({note}): holds {:?}", holds(&r)));
            }
            if !of_rule(&r, "resident_id").is_empty() {
                errs.push(format!(
                    "{text:?} ({note}): resident_id without keyword {:?}",
                    r.findings
                ));
            }
        }
        // Near 身份证号码 only a bad check character over a real region and date warns.
        let text = format!("身份证号码：{v}");
        let r = scan(&text);
        let mine = of_rule(&r, "resident_id");
        if !holds(&r).is_empty() {
            errs.push(format!("{text:?} ({note}): holds {:?}", holds(&r)));
        }
        if bad_check {
            if mine.len() != 1 || mine[0].severity != Severity::Warn || mine[0].text != v {
                errs.push(format!(
                    "{text:?} ({note}): expected one resident_id warn, got {mine:?}"
                ));
            }
        } else if !mine.is_empty() {
            errs.push(format!("{text:?} ({note}): expected nothing, got {mine:?}"));
        }
    }
    report(errs);
}

#[test]
fn example_id_on_the_allow_list_is_not_a_finding() {
    for text in [
        "例：11010519491231002X",
        "身份证号码填写示例：11010519491231002X。",
    ] {
        let r = scan(text);
        assert!(
            of_rule(&r, "resident_id").is_empty(),
            "{text:?}: {:?}",
            r.findings
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 15-digit numbers
// ---------------------------------------------------------------------------------------------

#[test]
fn id15_valid_vectors_validate_and_convert() {
    let arr = vectors()["id15_valid"].as_array().unwrap();
    let mut errs = Vec::new();
    for e in arr {
        let v = e["value"].as_str().unwrap();
        let as18 = e["as18"].as_str().unwrap();
        if !valid_id15(v, TODAY) {
            errs.push(format!("{v}: valid_id15 is false"));
        }
        let d17 = format!("{}19{}", &v[..6], &v[6..]);
        let conv = format!("{d17}{}", mod11_2(&d17));
        if conv != as18 {
            errs.push(format!("{v}: converts to {conv}, vector says {as18}"));
        }
        if check_id18(as18, TODAY) != IdCheck::Valid {
            errs.push(format!("{as18}: 18-digit form does not validate"));
        }
    }
    report(errs);
}

#[test]
fn id15_holds_only_with_a_keyword() {
    let mut errs = Vec::new();
    for (v, _) in group("id15_valid") {
        for pre in ["身份证号码：", "公民身份号码", "当事人张某，证件号码"] {
            let text = format!("{pre}{v}。");
            errs.extend(expect_one(
                &text,
                "resident_id",
                Severity::Hold,
                &v,
                pre.len(),
            ));
        }
        for (pre, post) in PLAIN {
            let text = format!("{pre}{v}{post}");
            let r = scan(&text);
            if !holds(&r).is_empty() {
                errs.push(format!(
                    "{text:?}: 15 digits without keyword hold {:?}",
                    holds(&r)
                ));
            }
        }
    }
    report(errs);
}

// ---------------------------------------------------------------------------------------------
// Unified social credit codes
// ---------------------------------------------------------------------------------------------

/// Valid USCCs the engine reports as an under-masked ID (the `X` inside is taken for a mask).
const KNOWN_USCC_FINDINGS: [&str; 2] = ["52420106MA700000XU", "91420106MA110000X8"];

#[test]
fn uscc_vectors_validate() {
    let mut errs = Vec::new();
    for (v, note) in group("uscc_valid") {
        if !valid_uscc(&v) {
            errs.push(format!("valid {v} ({note}) rejected"));
        }
        // Case matters to the validator: callers upper-case first.
        if v.bytes().any(|b| b.is_ascii_alphabetic()) && valid_uscc(&v.to_lowercase()) {
            errs.push(format!("lower-case {} accepted", v.to_lowercase()));
        }
    }
    for (v, note) in group("uscc_invalid") {
        if valid_uscc(&v) {
            errs.push(format!("invalid {v} ({note}) accepted"));
        }
    }
    // The lower-case vector is the upper-case valid one.
    assert!(valid_uscc("93330106MA3000002M"));
    assert!(!valid_uscc("93330106ma3000002m"));
    report(errs);
}

fn uscc_scan_errors(values: &[String]) -> Vec<String> {
    let mut errs = Vec::new();
    for v in values {
        for (pre, post) in [
            ("统一社会信用代码：", "。"),
            ("索引号：", "/2024-00012"),
            ("", ""),
        ] {
            let text = format!("{pre}{v}{post}");
            let r = scan(&text);
            if !r.findings.is_empty() {
                errs.push(format!(
                    "{text:?}: a public organisation code is a finding: {:?}",
                    r.findings
                ));
            }
        }
    }
    errs
}

#[test]
fn uscc_is_never_a_finding() {
    let mut values: Vec<String> = group("uscc_valid")
        .into_iter()
        .map(|(v, _)| v)
        .filter(|v| !KNOWN_USCC_FINDINGS.contains(&v.as_str()))
        .collect();
    // The scanner upper-cases before it validates: the lower-case code is a code too.
    values.push("93330106ma3000002m".into());
    // The index number from domain.md §3.7.
    values.push("11330211002868065K".into());
    report(uscc_scan_errors(&values));
}

#[test]
fn uscc_with_x_is_never_a_finding() {
    let values: Vec<String> = KNOWN_USCC_FINDINGS.iter().map(|s| s.to_string()).collect();
    report(uscc_scan_errors(&values));
}

#[test]
fn invalid_uscc_does_not_hold() {
    let mut errs = Vec::new();
    for (v, note) in group("uscc_invalid") {
        let text = format!("统一社会信用代码：{v}。");
        let r = scan(&text);
        if !holds(&r).is_empty() {
            errs.push(format!("{text:?} ({note}): {:?}", holds(&r)));
        }
    }
    report(errs);
}

#[test]
fn index_number_holds_no_identifier() {
    let text = "索引号：11330211002868065K/2016-00012\n发布机构：某区人民政府办公室";
    let r = scan(text);
    assert!(r.findings.is_empty(), "{:?}", r.findings);
}

// ---------------------------------------------------------------------------------------------
// Mobile numbers
// ---------------------------------------------------------------------------------------------

/// The part of a formatted mobile number a finding covers: the country code is not personal.
fn mobile_span(v: &str) -> &str {
    for p in ["+86 ", "0086-", "(+86)"] {
        if let Some(rest) = v.strip_prefix(p) {
            return rest;
        }
    }
    v
}

#[test]
fn mobile_valid_vectors() {
    let mut errs = Vec::new();
    for (v, note) in group("mobile_valid") {
        if v.len() == 11
            && v.bytes().all(|b| b.is_ascii_digit())
            && check_mobile(&v) != MobileCheck::Allocated
        {
            errs.push(format!("{v} ({note}): {:?}", check_mobile(&v)));
        }
        let want = mobile_span(&v);
        for (pre, post) in PLAIN.into_iter().chain([("联系电话：", "（工作日）")]) {
            let text = format!("{pre}{v}{post}");
            let start = pre.len() + (v.len() - want.len());
            errs.extend(expect_one(&text, "mobile", Severity::Hold, want, start));
        }
    }
    report(errs);
}

#[test]
fn mobile_invalid_vectors_never_hold() {
    let mut errs = Vec::new();
    for (v, note) in group("mobile_invalid") {
        let digits = v.len() == 11 && v.bytes().all(|b| b.is_ascii_digit());
        if digits {
            let want = if v.as_bytes()[1] >= b'3' {
                MobileCheck::Unallocated
            } else {
                MobileCheck::No
            };
            if check_mobile(&v) != want {
                errs.push(format!(
                    "{v} ({note}): expected {want:?}, got {:?}",
                    check_mobile(&v)
                ));
            }
        } else if check_mobile(&v) != MobileCheck::No {
            errs.push(format!("{v} ({note}): {:?}", check_mobile(&v)));
        }
        for (pre, post) in PLAIN.into_iter().chain([("联系电话：", "。")]) {
            let text = format!("{pre}{v}{post}");
            let r = scan(&text);
            if of_rule(&r, "mobile")
                .iter()
                .any(|f| f.severity == Severity::Hold)
                || !holds(&r).is_empty()
            {
                errs.push(format!("{text:?} ({note}): holds {:?}", holds(&r)));
            }
            // Only an unallocated `1[3-9]` eleven-digit number may warn; landlines, hotlines,
            // wrong lengths and foreign numbers are nothing at all.
            let may_warn = digits && check_mobile(&v) == MobileCheck::Unallocated;
            if !may_warn && !r.findings.is_empty() {
                errs.push(format!(
                    "{text:?} ({note}): expected no finding, got {:?}",
                    r.findings
                ));
            }
        }
    }
    report(errs);
}

#[test]
fn allow_listed_example_mobile_is_not_a_finding() {
    let r = scan("如：13800138000");
    assert!(of_rule(&r, "mobile").is_empty(), "{:?}", r.findings);
}

// ---------------------------------------------------------------------------------------------
// Bank cards
// ---------------------------------------------------------------------------------------------

#[test]
fn bankcard_valid_vectors_hold_without_keyword() {
    let mut errs = Vec::new();
    for (v, note) in group("bankcard_valid") {
        if !(v.starts_with("62") && (16..=19).contains(&v.len()) && luhn(&v)) {
            errs.push(format!("{v} ({note}): not a 62 + Luhn card"));
        }
        for (pre, post) in PLAIN.into_iter().chain([("银行卡号：", "。")]) {
            let text = format!("{pre}{v}{post}");
            errs.extend(expect_one(
                &text,
                "bank_card",
                Severity::Hold,
                &v,
                pre.len(),
            ));
        }
    }
    report(errs);
}

/// What an invalid card vector should do, read from its note.
#[derive(Debug, PartialEq)]
enum CardClass {
    /// 62, 16–19 digits, Luhn fails: some real UnionPay cards do → warn near a keyword only.
    LuhnFails,
    /// Luhn passes but not 62 (Visa, Discover, JCB, legacy 9558): a card only near a keyword.
    KeywordOnly,
    /// Wrong length or an obviously fake number: never a finding.
    Never,
}

fn card_class(v: &str, note: &str) -> CardClass {
    if note.contains("Luhn fails") {
        assert!(v.starts_with("62") && !luhn(v), "{v}: note says Luhn fails");
        CardClass::LuhnFails
    } else if note.contains("not 62") {
        assert!(
            !v.starts_with("62") && luhn(v),
            "{v}: note says Luhn-valid, not 62"
        );
        CardClass::KeywordOnly
    } else if note.contains("digits") || note.contains("repeated") {
        CardClass::Never
    } else {
        panic!("{v}: unclassified note {note:?}")
    }
}

/// Invalid card vectors the engine gets wrong: a repeated-digit non-number warns near 卡号.
const KNOWN_CARD_WARNINGS: [&str; 1] = ["6666666666666666"];

fn card_invalid_errors(only_known: bool) -> Vec<String> {
    let mut errs = Vec::new();
    for (v, note) in group("bankcard_invalid") {
        if KNOWN_CARD_WARNINGS.contains(&v.as_str()) != only_known {
            continue;
        }
        let class = card_class(&v, &note);
        if luhn(&v) && v.starts_with("62") && (16..=19).contains(&v.len()) {
            errs.push(format!("{v}: is a 62 + Luhn card"));
        }
        // Without a keyword: nothing.
        for (pre, post) in PLAIN {
            let text = format!("{pre}{v}{post}");
            let r = scan(&text);
            if !r.findings.is_empty() {
                errs.push(format!(
                    "{text:?} ({note}): expected no finding, got {:?}",
                    r.findings
                ));
            }
        }
        // With a keyword.
        for pre in ["银行卡号：", "开户行：某银行 账号："] {
            let text = format!("{pre}{v}");
            let r = scan(&text);
            let mine = of_rule(&r, "bank_card");
            let ok = match class {
                CardClass::LuhnFails => {
                    mine.len() == 1
                        && mine[0].severity == Severity::Warn
                        && mine[0].text == v
                        && mine[0].start == pre.len()
                }
                CardClass::KeywordOnly => {
                    mine.len() == 1
                        && mine[0].severity == Severity::Hold
                        && mine[0].text == v
                        && mine[0].start == pre.len()
                }
                CardClass::Never => r.findings.is_empty(),
            };
            if !ok {
                errs.push(format!(
                    "{text:?} ({note}, {class:?}): got {:?}",
                    r.findings
                ));
            }
        }
    }
    errs
}

#[test]
fn bankcard_invalid_vectors_follow_their_notes() {
    report(card_invalid_errors(false));
}

#[test]
fn repeated_digit_card_never_fires() {
    report(card_invalid_errors(true));
}

// ---------------------------------------------------------------------------------------------
// Masked values and evasions
// ---------------------------------------------------------------------------------------------

#[test]
fn masked_values_are_never_findings() {
    let mut errs = Vec::new();
    let mut values: Vec<String> = group("masked_safe").into_iter().map(|(v, _)| v).collect();
    values.push("<td>138</td><td>0000</td><td>0001</td>".into());
    for v in values {
        for (pre, post) in PLAIN.into_iter().chain([
            ("身份证号：", "，"),
            ("联系电话：", "。"),
            ("银行卡号：", "。"),
            ("申请人：", "，男，"),
        ]) {
            let text = format!("{pre}{v}{post}");
            let r = scan(&text);
            if !r.findings.is_empty() {
                errs.push(format!(
                    "{text:?}: expected no finding, got {:?}",
                    r.findings
                ));
            }
        }
    }
    report(errs);
}

#[test]
fn under_masked_values_warn_but_never_hold() {
    for (text, rule) in [
        ("身份证号：11010119900101**15", "resident_id"),
        ("手机：138*0000001", "mobile"),
    ] {
        let r = scan(text);
        let mine = of_rule(&r, rule);
        assert_eq!(r.decision, Decision::Approve, "{text:?}: {:?}", r.findings);
        assert!(
            mine.len() == 1 && mine[0].severity == Severity::Warn,
            "{text:?}: {:?}",
            r.findings
        );
    }
}

/// Evasions through HTML inline tags inside a number (checked in their own test).
const KNOWN_EVASION_MISSES: [&str; 2] =
    ["<span>138</span><span>0000</span>0001", "1380000<br/>0001"];

fn evasion_errors(only_known: bool) -> Vec<String> {
    let mut errs = Vec::new();
    for e in vectors()["evasion"].as_array().unwrap() {
        let case = e["case"].as_str().unwrap();
        let text = e["text"].as_str().unwrap();
        if KNOWN_EVASION_MISSES.contains(&text) != only_known {
            continue;
        }
        let detect = e["expect_detect"].as_bool().unwrap();
        let r = scan(text);
        if detect {
            let kinds: Vec<&str> = e["got"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k.as_str().unwrap())
                .collect();
            for k in kinds {
                let rule = match k {
                    "id18" => "resident_id",
                    other => other,
                };
                if !of_rule(&r, rule)
                    .iter()
                    .any(|f| f.severity == Severity::Hold)
                {
                    errs.push(format!(
                        "{case} {text:?}: expected a `{rule}` hold, got {:?}",
                        r.findings
                    ));
                }
            }
            if r.decision != Decision::Hold {
                errs.push(format!("{case} {text:?}: not held"));
            }
            // Inside a sentence the finding still covers the whole evasive spelling.
            let wrapped = format!("联系方式为{text}，请勿外泄");
            let r2 = scan(&wrapped);
            // (Markup around the digits may stay outside the span: the span runs from the
            // first to the last character of the number.)
            let w = "联系方式为".len();
            let digits = |s: &str| -> String { s.chars().filter(|c| c.is_numeric()).collect() };
            if !r2.findings.iter().any(|f| {
                f.severity == Severity::Hold
                    && f.start >= w
                    && f.end <= w + text.len()
                    && digits(&f.text) == digits(text)
                    && (f.text == text || text.starts_with('<') || text.contains("<br"))
            }) {
                errs.push(format!(
                    "{case} {wrapped:?}: expected a hold spanning {text:?}, got {:?}",
                    r2.findings
                ));
            }
        } else if r.decision != Decision::Approve || !holds(&r).is_empty() {
            errs.push(format!(
                "{case} {text:?}: expected no hold, got {:?}",
                holds(&r)
            ));
        }
    }
    errs
}

#[test]
fn evasions_are_caught() {
    report(evasion_errors(false));
}

#[test]
fn html_split_evasions_are_caught() {
    report(evasion_errors(true));
}

#[test]
fn multiplication_sign_check_char_is_x() {
    report(expect_one(
        "证件号码11010119750501001×。",
        "resident_id",
        Severity::Hold,
        "11010119750501001×",
        "证件号码".len(),
    ));
}

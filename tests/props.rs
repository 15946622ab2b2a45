//! Properties of the engine over generated Chinese-ish text.
//!
//! (a) scanning never panics and every finding's span lies on character boundaries and slices to
//!     its text; line, column, order and decision are consistent;
//! (b) a valid 18-digit ID between ideographs holds (unless a record-number label such as 批号
//!     precedes it), its masked form does not;
//! (c) the same for mobile numbers;
//! (d) the folded view maps back to the original monotonically, character by character.
//!
//! The seed is fixed and failures are not persisted, so runs are deterministic and write nothing.

#[path = "common/mod11_2.rs"]
mod mod11_2;
#[path = "common/ruleset.rs"]
mod ruleset;
use mod11_2::mod11_2;
use ruleset::ruleset;
use std::sync::OnceLock;

use baomi::engine::fold;
use baomi::{Decision, Report, Severity};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, RngSeed};

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(0xBA0_0001),
        ..Config::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

/// Characters the rules care about: lexicon ideographs (simplified and traditional), marks.
const LEXICON_CHARS: &str = "内部资料秘密机密绝密★☆＊*年长期稳控名单上访非访进京标底价万元商核心普通妥否请批示身份证号码卡手机電話內資機祕絕長期徵見稿讨论草拟签发患者男女岁确诊住址栋单元室";
const PUNCT: &str = "，。；：、！？（）《》“”【】-./·_|~：:,;()[]<>";
const SPACES: &str = " \t\n\n\r\u{3000}\u{a0}\u{2009}";
const FULL_WIDTH: &str = "０１２３４５６７８９ｘＸＡＢ－．＊";
const INVISIBLE: &str = "\u{200b}\u{200c}\u{200d}\u{2060}\u{feff}\u{ad}\u{202e}\u{180e}\u{fe0f}";
const ODD: &str = "Ⅹ×○〇一二三四五六七八九零幺两壹贰⽂⻄😀é\u{301}\u{1F1E8}\u{1F1F3}";

fn chars_of(s: &'static str) -> Vec<char> {
    s.chars().collect()
}

fn chinese_ish_char() -> impl Strategy<Value = char> {
    prop_oneof![
        5 => (0x4E00u32..=0x9FA5).prop_map(|u| char::from_u32(u).unwrap()),
        4 => select(chars_of(LEXICON_CHARS)),
        3 => select(chars_of(PUNCT)),
        3 => prop_oneof![proptest::char::range('0', '9'), proptest::char::range('a', 'z'), proptest::char::range('A', 'Z')],
        2 => select(chars_of(SPACES)),
        1 => select(chars_of(FULL_WIDTH)),
        1 => select(chars_of(INVISIBLE)),
        1 => select(chars_of(ODD)),
    ]
}

/// Whole pieces that make findings likely, so that spans are exercised, not just the empty case.
const PIECES: &[&str] = &[
    "内部资料",
    "內部資料",
    "内 部 资 料",
    "内\u{200b}部资料",
    "秘密★1年",
    "机 密 ★ 长 期",
    "绝密＊长期",
    "妥否，请批示。",
    "落实稳控措施",
    "标底价：356.8万元",
    "核心商密★5年",
    "身份证号：",
    "卡号：",
    "13900000001",
    "１３９００００００１",
    "139-0000-0001",
    "110101195001010009",
    "110101 19500101 0009",
    "6222020000000007",
    "一三八零零零零零零零一",
    "患者王建华，男，52岁，确诊为白血病。",
    "住址：幸福路18号",
    "\r\n",
    "\n",
    "000123\n",
    "11330211002868065K/2016-00012",
    "138****0001",
    "<span>",
    "（讨论稿）",
    "关于某事的请示\n",
    "密级：机密",
    "联系电话：",
    "低保户 王秀兰 ",
];

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(chinese_ish_char(), 0..160).prop_map(|v| v.into_iter().collect())
}

fn text_with_pieces() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![3 => chinese_ish_char().prop_map(String::from), 1 => select(PIECES).prop_map(String::from)],
        0..80,
    )
    .prop_map(|v| v.concat())
}

/// Ideographs that are neither Chinese numerals nor lexicon characters: safe neighbours.
const NEIGHBOURS: &str = "的是在了为人张李王省市区县镇街路甲乙丙丁某其此该有";

/// A Han character, optionally preceded (left) or followed (right) by a space.
fn boundary(left: bool) -> impl Strategy<Value = String> {
    (select(chars_of(NEIGHBOURS)), any::<bool>()).prop_map(move |(c, space)| match (space, left) {
        (false, _) => c.to_string(),
        (true, true) => format!("{c} "),
        (true, false) => format!(" {c}"),
    })
}

/// Labels of record numbers (`@record_number` in `rules/common.toml`): a number right after one
/// is a 编号, not a personal identifier, by design.
fn record_labels() -> &'static [String] {
    static L: OnceLock<Vec<String>> = OnceLock::new();
    L.get_or_init(|| {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/common.toml");
        let v: toml::Value = toml::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        v.get("sets")
            .and_then(|s| s.get("record_number"))
            .and_then(|r| r.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|w| w.as_str())
                    .map(|w| fold(w).text().to_string())
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// True if the text just before an inserted value names a record number.
fn after_record_label(before: &str) -> bool {
    let tail: String = {
        let cs: Vec<char> = before.chars().collect();
        cs[cs.len().saturating_sub(40)..].iter().collect()
    };
    let folded = fold(&tail);
    record_labels()
        .iter()
        .any(|w| folded.text().contains(w.as_str()))
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        _ => 31,
    }
}

const REGIONS: &[&str] = &[
    "110101", "330211", "440305", "310104", "510104", "620102", "500103", "810000",
];

/// A valid 18-digit ID: real region, real birth date 1950–2010, MOD 11-2 check character.
fn valid_id() -> impl Strategy<Value = String> {
    (select(REGIONS), 1950u32..=2010, 1u32..=12)
        .prop_flat_map(|(r, y, m)| {
            (
                Just(r),
                Just(y),
                Just(m),
                1..=days_in_month(y, m),
                0u32..1000,
                any::<bool>(),
            )
        })
        .prop_map(|(r, y, m, d, seq, lower)| {
            let d17 = format!("{r}{y:04}{m:02}{d:02}{seq:03}");
            let c = mod11_2(&d17);
            let c = if lower { c.to_ascii_lowercase() } else { c };
            format!("{d17}{c}")
        })
}

const MOBILE_PREFIXES: &[&str] = &[
    "139", "186", "150", "177", "135", "188", "199", "166", "147", "170", "198", "131",
];

fn valid_mobile() -> impl Strategy<Value = String> {
    (select(MOBILE_PREFIXES), 0u32..100_000_000).prop_map(|(p, n)| format!("{p}{n:08}"))
}

const MASKS: &[char] = &['*', '＊', '×', '●', 'x', 'X', '#'];

/// Replaces the characters at `range` (char indices) with `mask`.
fn mask(s: &str, range: std::ops::Range<usize>, m: char) -> String {
    s.chars()
        .enumerate()
        .map(|(i, c)| if range.contains(&i) { m } else { c })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

fn check_report(text: &str, r: &Report) -> Result<(), TestCaseError> {
    prop_assert_eq!(r.decision, Report::decision_for(&r.findings));
    let mut prev = 0;
    for f in &r.findings {
        prop_assert!(
            f.start <= f.end && f.end <= text.len(),
            "span {}..{} of {}",
            f.start,
            f.end,
            text.len()
        );
        prop_assert!(
            text.is_char_boundary(f.start) && text.is_char_boundary(f.end),
            "not on char boundaries: {:?}",
            f
        );
        prop_assert_eq!(&text[f.start..f.end], f.text.as_str());
        prop_assert!(f.start >= prev, "findings not sorted by start");
        prev = f.start;
        let line_start = text[..f.start].rfind('\n').map_or(0, |i| i + 1);
        prop_assert_eq!(f.line, text[..f.start].matches('\n').count() + 1);
        prop_assert_eq!(f.column, text[line_start..f.start].chars().count() + 1);
    }
    Ok(())
}

fn scan_checked(text: &str) -> Result<Report, TestCaseError> {
    let r = ruleset().engine.scan(text);
    check_report(text, &r)?;
    Ok(r)
}

// ---------------------------------------------------------------------------------------------
// (a) spans
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn spans_slice_to_text_for_arbitrary_text(t in text()) {
        scan_checked(&t)?;
    }

    #[test]
    fn spans_slice_to_text_with_rule_pieces(t in text_with_pieces()) {
        let r = scan_checked(&t)?;
        // The same text scanned twice gives the same report.
        prop_assert_eq!(ruleset().engine.scan(&t), r);
    }
}

// ---------------------------------------------------------------------------------------------
// (b) resident IDs
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn valid_id_between_ideographs_holds(
        left in text(), l in boundary(true), id in valid_id(), r in boundary(false), right in text(),
    ) {
        prop_assume!(!after_record_label(&format!("{left}{l}")));
        let start = left.len() + l.len();
        let doc = format!("{left}{l}{id}{r}{right}");
        let rep = scan_checked(&doc)?;
        prop_assert_eq!(rep.decision, Decision::Hold);
        prop_assert!(
            rep.findings.iter().any(|f| f.rule == "resident_id" && f.severity == Severity::Hold
                && f.start == start && f.text == id),
            "no resident_id hold for {} at {}: {:?}", id, start, rep.findings
        );
    }

    #[test]
    fn masked_id_does_not_hold(
        left in text(), l in boundary(true), id in valid_id(), m in select(MASKS), r in boundary(false), right in text(),
    ) {
        let masked = mask(&id, 6..16, m);
        let start = left.len() + l.len();
        let end = start + masked.len();
        let doc = format!("{left}{l}{masked}{r}{right}");
        let rep = scan_checked(&doc)?;
        prop_assert!(
            !rep.findings.iter().any(|f| f.rule == "resident_id" && f.start < end && f.end > start),
            "masked {} is a finding: {:?}", masked, rep.findings
        );
    }
}

// ---------------------------------------------------------------------------------------------
// (c) mobile numbers
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn valid_mobile_between_ideographs_holds(
        left in text(), l in boundary(true), mobile in valid_mobile(), sep in select(&["", " ", "-", "."][..]),
        r in boundary(false), right in text(),
    ) {
        // 3-4-4 grouping with one separator, or none.
        let shown = format!("{}{sep}{}{sep}{}", &mobile[..3], &mobile[3..7], &mobile[7..]);
        prop_assume!(!after_record_label(&format!("{left}{l}")));
        let start = left.len() + l.len();
        let doc = format!("{left}{l}{shown}{r}{right}");
        let rep = scan_checked(&doc)?;
        prop_assert_eq!(rep.decision, Decision::Hold);
        prop_assert!(
            rep.findings.iter().any(|f| f.rule == "mobile" && f.severity == Severity::Hold
                && f.start == start && f.text == shown),
            "no mobile hold for {:?} at {}: {:?}", shown, start, rep.findings
        );
    }

    #[test]
    fn masked_mobile_does_not_hold(
        left in text(), l in boundary(true), mobile in valid_mobile(), m in select(MASKS), spaced in any::<bool>(),
        r in boundary(false), right in text(),
    ) {
        let stars: String = std::iter::repeat_n(m, 4).collect();
        let masked = if spaced {
            format!("{} {stars} {}", &mobile[..3], &mobile[7..])
        } else {
            format!("{}{stars}{}", &mobile[..3], &mobile[7..])
        };
        let start = left.len() + l.len();
        let end = start + masked.len();
        let doc = format!("{left}{l}{masked}{r}{right}");
        let rep = scan_checked(&doc)?;
        prop_assert!(
            !rep.findings.iter().any(|f| f.rule == "mobile" && f.severity == Severity::Hold && f.start < end && f.end > start),
            "masked {:?} holds: {:?}", masked, rep.findings
        );
    }
}

// ---------------------------------------------------------------------------------------------
// (d) the fold map
// ---------------------------------------------------------------------------------------------

fn check_fold(t: &str) -> Result<(), TestCaseError> {
    let f = fold(t);
    let folded = f.text();
    // Character boundaries of the folded text, including its end.
    let bounds: Vec<usize> = folded
        .char_indices()
        .map(|(i, _)| i)
        .chain([folded.len()])
        .collect();
    let (mut last_s, mut last_e) = (0, 0);
    for &p in &bounds {
        let (s, e) = (f.map_start(p), f.map_end(p));
        prop_assert!(s <= t.len() && e <= t.len());
        prop_assert!(
            t.is_char_boundary(s) && t.is_char_boundary(e),
            "map of {} off a char boundary",
            p
        );
        prop_assert!(
            s >= last_s && e >= last_e,
            "map not monotone at folded {}",
            p
        );
        last_s = s;
        last_e = e;
    }
    // Each folded character comes from a non-empty original span that folds back to it, and
    // consecutive characters come from consecutive, non-overlapping spans.
    let mut prev_end = 0;
    for w in bounds.windows(2) {
        let (s, e) = f.map_span(w[0], w[1]);
        prop_assert!(s < e, "empty original span for folded {}..{}", w[0], w[1]);
        prop_assert!(s >= prev_end, "original spans overlap at folded {}", w[0]);
        prev_end = e;
        let again = fold(&t[s..e]);
        prop_assert_eq!(
            again.text(),
            &folded[w[0]..w[1]],
            "original {:?} does not fold to its folded char",
            &t[s..e]
        );
    }
    // Any folded span maps to an ordered original span.
    for (i, &a) in bounds.iter().enumerate().step_by(3) {
        for &b in bounds[i..].iter().step_by(5) {
            let (s, e) = f.map_span(a, b);
            prop_assert!(s <= e, "map_span({}, {}) = ({}, {})", a, b, s, e);
        }
    }
    if f.is_identity() {
        prop_assert_eq!(folded, t);
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn fold_map_is_monotone(t in text()) {
        check_fold(&t)?;
    }

    #[test]
    fn fold_map_is_monotone_with_rule_pieces(t in text_with_pieces()) {
        check_fold(&t)?;
        let r = ruleset().engine.scan(&t);
        for f in &r.findings {
            prop_assert!(f.start <= f.end);
        }
    }
}

#[test]
fn fold_examples_round_trip() {
    for t in [
        "内 部 资 料",
        "內\u{200b}部 資料",
        "１３８ ００００ ０００１",
        "内\n部\n资\n料\n",
        "\u{feff}秘密",
        "⽂件",
        "a\r\nb",
    ] {
        check_fold(t).unwrap();
    }
}

//! The figures for the annual report (`baomi stats`, `GET /v1/stats`).
//!
//! First as tables of audit records with known answers: months in China's time zone, working
//! days across 春节 and 国庆 (调休 Saturdays counted), medians and the 90th percentile, overdue
//! drafts (decided late, still undecided, replaced by a version), overrides, returns,
//! redacted copies that went online, holds written before their categories were recorded.
//! Then end to end on the real binary: drafts submitted, held, approved, overridden,
//! returned, revised, redacted and gated (the same bytes more than once), the service stopped,
//! and `baomi stats` in every grouping compared with figures this file recomputes on its own
//! from `baomi audit export`, and with what `GET /v1/stats` said while the service ran.

mod support;

#[path = "common/stats_recompute.rs"]
mod recompute;
use recompute::{assert_agrees, cats, figures, recompute};

use baomi::calendar::{Calendar, Day};
use baomi::engine::Decision;
use baomi::stats::{self, table, Group, Period, Sources, Stats};
use baomi::store::{AuditAction, AuditRecord, Role};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use support::{binary, Client, Server};

// ---------------------------------------------------------------------------------------------
// Known answers from hand-made records

struct Log(Vec<AuditRecord>);

impl Log {
    fn add(
        &mut self,
        at: &str,
        actor: &str,
        action: AuditAction,
        review: u64,
        decision: Option<Decision>,
        detail: &str,
    ) {
        let seq = self.0.len() as u64 + 1;
        self.0.push(AuditRecord {
            seq,
            at: at.to_string(),
            actor: actor.to_string(),
            role: Role::Reviewer,
            action,
            review: Some(review),
            sha256: Some(format!("{review:064x}")),
            decision,
            ruleset: Some("rs-test".into()),
            detail: detail.to_string(),
            prev: String::new(),
            hash: String::new(),
        });
    }
}

use AuditAction::*;
use Decision::{Approve, Hold};

/// Drafts of 2026 (times are UTC; China is UTC+8):
/// A 李四, 2 Feb 12: approved by 王丽 on Feb 24 (3 working days: 春节, and Sat Feb 14 worked).
/// B 李四, Feb 12 in China (Feb 11 in UTC): held for state secret and privacy, approved over
///   the hold by 陈主任 on Mar 20 (22 working days: overdue). A stage approval before it is
///   no decision.
/// C 赵 敏, Sep 30: held for a commercial secret, returned on Oct 9 (2 working days: 国庆).
/// D 赵敏, Oct 10 (a worked Saturday): version 2 of C, approved by the engine, held by a
///   re-check under new rules; never decided by a reviewer (overdue on Dec 31).
/// E 王五 (no department), Mar 2: held, written before categories were recorded; a redacted
///   copy F of it passed the gate; never decided (overdue).
/// Outside 2026: G (Dec 31 2025 in China) and H (Jan 1 2027 in China).
fn known_log() -> Vec<AuditRecord> {
    let mut l = Log(Vec::new());
    l.add(
        "2025-12-31T15:59:59.000Z",
        "李四",
        ReviewSubmitted,
        7,
        Some(Approve),
        "0 finding(s)",
    );
    l.add(
        "2026-02-12T01:00:00.000Z",
        "李四",
        ReviewSubmitted,
        1,
        Some(Approve),
        "0 finding(s)",
    );
    l.add(
        "2026-02-11T17:30:00.000Z",
        "李四",
        ReviewSubmitted,
        2,
        Some(Hold),
        "3 finding(s); held: state_secret, personal_privacy",
    );
    l.add(
        "2026-02-24T02:00:00.000Z",
        "王丽",
        OverrideRecorded,
        1,
        Some(Approve),
        "已核对",
    );
    l.add(
        "2026-02-25T02:00:00.000Z",
        "王丽",
        StageApproved,
        2,
        Some(Approve),
        "科室初审",
    );
    l.add(
        "2026-03-02T02:00:00.000Z",
        "王五",
        ReviewSubmitted,
        5,
        Some(Hold),
        "4 finding(s)",
    );
    l.add(
        "2026-03-03T02:00:00.000Z",
        "王丽",
        RedactionCreated,
        6,
        Some(Approve),
        "redacted copy of review 5: 3 value(s) masked in 5 place(s); 0 finding(s)",
    );
    l.add(
        "2026-03-04T02:00:00.000Z",
        "流水线",
        GatePassed,
        6,
        Some(Approve),
        "first",
    );
    l.add(
        "2026-03-20T09:00:00.000Z",
        "陈主任",
        OverrideRecorded,
        2,
        Some(Approve),
        "可公开",
    );
    l.add(
        "2026-03-21T02:00:00.000Z",
        "流水线",
        GatePassed,
        1,
        Some(Approve),
        "first",
    );
    l.add(
        "2026-09-30T02:00:00.000Z",
        "赵 敏",
        ReviewSubmitted,
        3,
        Some(Hold),
        "1 finding(s); held: commercial_secret",
    );
    l.add(
        "2026-10-09T02:00:00.000Z",
        "王丽",
        ReviewReturned,
        3,
        Some(Hold),
        "请删去标底",
    );
    l.add(
        "2026-10-10T02:00:00.000Z",
        "赵敏",
        VersionSubmitted,
        4,
        Some(Approve),
        "version 2 of review 3, which it supersedes; 0 finding(s)",
    );
    l.add(
        "2026-11-02T02:00:00.000Z",
        "baomi serve",
        DecisionRecorded,
        4,
        Some(Hold),
        "按现行规则重新审查; held: stability",
    );
    l.add(
        "2026-12-31T16:00:00.000Z",
        "李四",
        ReviewSubmitted,
        8,
        Some(Approve),
        "0 finding(s)",
    );
    l.0
}

fn departments() -> BTreeMap<String, String> {
    [("李四", "城关街道办事处"), ("赵敏", "区民政局")]
        .into_iter()
        .map(|(n, d)| (baomi::store::person_key(n), d.to_string()))
        .collect()
}

fn known(group: Group) -> Stats {
    let records = known_log();
    let departments = departments();
    let calendar = Calendar::embedded();
    let sources = Sources {
        records: &records,
        departments: &departments,
        calendar: &calendar,
        limit: baomi::calendar::limits::DISCLOSURE,
        as_of: Day::parse("2026-12-31").unwrap(),
    };
    stats::compute(&sources, Period::year(2026).unwrap(), group)
}

#[test]
fn the_known_year_adds_up() {
    let s = serde_json::to_value(known(Group::Month)).unwrap();
    assert_eq!(
        (&s["from"], &s["to"]),
        (&json!("2026-01-01"), &json!("2026-12-31"))
    );
    assert_eq!(s["limit_working_days"], 20);
    let total = &s["total"];
    let expected = json!({
        "received": 5, "versions": 1, "engine_held": 3,
        "held_by_category": cats(&[("state_secret", 1), ("personal_privacy", 1),
            ("commercial_secret", 1), ("unrecorded", 1)]),
        "approved": 2, "approved_after_override": 1, "held": 3, "returned": 1, "pending": 2,
        "redacted": 1, "published": 2, "decided": 3,
        // A 3, B 22, C 2 working days.
        "decision_days_median": 3.0, "decision_days_p90": 22, "overdue": 3,
    });
    assert_eq!(figures(total), figures(&expected), "{total:#}");
    assert_eq!(total["decision_days"], json!({"2": 1, "3": 1, "22": 1}));
    // Twelve months, each draft in the month it was received in China.
    let rows = s["rows"].as_array().unwrap();
    let months: Vec<(&str, u64)> = rows
        .iter()
        .map(|r| {
            (
                r["label"].as_str().unwrap(),
                r["received"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(months.len(), 12);
    assert_eq!(months[0], ("2026年1月", 0));
    assert_eq!(months[1], ("2026年2月", 2));
    assert_eq!(months[2], ("2026年3月", 1));
    assert_eq!(months[8], ("2026年9月", 1));
    assert_eq!(months[9], ("2026年10月", 1));
    assert_eq!(months.iter().map(|m| m.1).sum::<u64>(), 5);
    assert_eq!(rows[1]["key"], "2026-02");
    assert_eq!(rows[1]["overdue"], 1, "B, decided after 22 working days");
    assert_eq!(rows[1]["decision_days_median"], 12.5, "A 3 and B 22");
    assert_eq!(rows[0]["decision_days_median"], Value::Null);
    // The one hold written before categories were recorded is said so.
    let notes = s["notes"].as_array().unwrap();
    assert!(
        notes
            .iter()
            .any(|n| n.as_str().unwrap().contains("未记录类别")),
        "{notes:?}"
    );
}

#[test]
fn rows_per_category_department_and_reviewer() {
    let by = |g: Group| -> Vec<(String, u64)> {
        serde_json::to_value(known(g)).unwrap()["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["label"].as_str().unwrap().to_string(),
                    r["received"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let own = |v: &[(&str, u64)]| -> Vec<(String, u64)> {
        v.iter().map(|(l, n)| (l.to_string(), *n)).collect()
    };
    // What the engine held at receipt: D's later re-check hold is not a category of receipt.
    assert_eq!(
        by(Group::Category),
        own(&[
            ("国家秘密", 1),
            ("内部事项", 0),
            ("社会稳定", 0),
            ("商业秘密", 1),
            ("个人隐私", 1),
            ("无法读取", 0),
            ("未记录类别", 1),
            ("未被拦截", 2),
        ])
    );
    // 赵 敏 and 赵敏 are one person; 王五 has no department. The largest first, ties by
    // name (区 before 城 in character order), the row without one last.
    assert_eq!(
        by(Group::Dept),
        own(&[("区民政局", 2), ("城关街道办事处", 2), ("（未填部门）", 1)])
    );
    // The reviewer of the first reviewer decision; a stage approval is none.
    assert_eq!(
        by(Group::Reviewer),
        own(&[("王丽", 2), ("陈主任", 1), ("（未经人工审核）", 2)])
    );
    let s = serde_json::to_value(known(Group::Reviewer)).unwrap();
    let chen = &s["rows"][1];
    assert_eq!(
        (&chen["approved_after_override"], &chen["overdue"]),
        (&json!(1), &json!(1))
    );
}

#[test]
fn the_table_is_shaped_for_the_report() {
    let s = known(Group::Month);
    let t = table::table(&s);
    assert_eq!(t.header[0], "月份");
    assert_eq!(t.header[1], "收到送审稿");
    assert!(
        t.header.contains(&"拦截类别：未记录".to_string()),
        "{:?}",
        t.header
    );
    assert!(t.header.contains(&"超过20个工作日未决定".to_string()));
    assert_eq!(t.rows.len(), 13, "twelve months and the totals");
    let csv = String::from_utf8(table::csv(&s)).unwrap();
    assert!(
        csv.starts_with("\u{feff}月份,收到送审稿,其中修改稿,"),
        "{csv}"
    );
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 14);
    assert!(lines[13].starts_with("合计,5,1,3,"), "{}", lines[13]);
    // The median of February is between two days; an empty month has none.
    assert!(lines[2].contains(",12.5,22,"), "{}", lines[2]);
    assert!(lines[1].ends_with(",,,0"), "{}", lines[1]);

    // A department a spreadsheet would run as a formula is text.
    let records = known_log();
    let mut departments = departments();
    departments.insert("李四".into(), "=HYPERLINK(\"x\")".into());
    let calendar = Calendar::embedded();
    let sources = Sources {
        records: &records,
        departments: &departments,
        calendar: &calendar,
        limit: baomi::calendar::limits::DISCLOSURE,
        as_of: Day::parse("2026-12-31").unwrap(),
    };
    let s = stats::compute(&sources, Period::year(2026).unwrap(), Group::Dept);
    let csv = String::from_utf8(table::csv(&s)).unwrap();
    assert!(csv.contains("\"'=HYPERLINK(\"\"x\"\")\",2,"), "{csv}");

    // The workbook reads back with the same figures, as numbers.
    let s = known(Group::Month);
    let rows = read_xlsx(&table::xlsx(&s).unwrap());
    assert_eq!(rows[0][0], "月份");
    assert_eq!(rows[13][0], "合计");
    assert_eq!(rows[13][1], "5");
    assert_eq!(
        rows[2][rows[0].iter().position(|h| h.contains("中位数")).unwrap()],
        "12.5"
    );
    assert!(
        rows[15][0].starts_with("保密审查统计：2026-01-01 至 2026-12-31"),
        "{:?}",
        rows[15]
    );
}

/// The cells of the workbook's one sheet, as text (numbers as they print).
fn read_xlsx(bytes: &[u8]) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let range = book.worksheet_range("保密审查统计").unwrap();
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

#[test]
fn periods_are_checked() {
    assert!(Period::year(2026).is_ok());
    assert!(Period::year(1969).is_err());
    let d = |s: &str| Day::parse(s).unwrap();
    assert!(Period::new(d("2026-02-01"), d("2026-01-31")).is_err());
    assert!(Period::new(d("2016-01-01"), d("2026-12-31")).is_err());
    assert!(Period::new(d("2017-01-01"), d("2026-12-31")).is_ok());
}

// ---------------------------------------------------------------------------------------------
// End to end

fn pct(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

fn submit(c: &mut Client, token: &str, title: &str, content: &str, revises: Option<u64>) -> Value {
    let mut body = json!({"title": title, "content": content});
    if let Some(r) = revises {
        body["revises"] = json!(r);
    }
    let r = c.post_json("/v1/reviews", Some(token), &body);
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()
}

fn decide(c: &mut Client, token: &str, id: u64, path: &str, body: Value) {
    let r = c.post_json(&format!("/v1/reviews/{id}/{path}"), Some(token), &body);
    assert_eq!(r.status, 201, "{}", r.text());
}

fn gate(c: &mut Client, publisher: &str, sha: &Value) -> u16 {
    c.post_json("/v1/gate", Some(publisher), &json!({ "sha256": sha }))
        .status
}

fn baomi(args: &[&str], data: &Path) -> Vec<u8> {
    let out = Command::new(binary())
        .args(args)
        .arg("--data")
        .arg(data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "baomi {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn baomi_stats_agrees_with_the_figures_recomputed_from_the_audit_export() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start(&data, &[]);
    let lisi = server.token_in("李四", "submitter", "城关街道办事处");
    let zhao = server.token_in("赵敏", "submitter", "区民政局");
    let wang = server.token_in("王丽", "reviewer", "保密办");
    let chen = server.token("陈主任", "reviewer");
    let publisher = server.token("发布流水线", "publisher");
    let mut c = server.client();

    // d1: approved by the engine and by 王丽; gated three times, recorded once.
    let d1 = submit(
        &mut c,
        &lisi,
        "关于开展节能宣传周活动的通知",
        "请各科室做好节能宣传。",
        None,
    );
    decide(
        &mut c,
        &wang,
        d1["id"].as_u64().unwrap(),
        "decisions",
        json!({"decision": "approve", "reason": "已核对"}),
    );
    for _ in 0..3 {
        assert_eq!(gate(&mut c, &publisher, &d1["sha256"]), 200);
    }
    // d2: held for a tender's base price, approved over the hold by 陈主任, gated twice.
    let d2 = submit(
        &mut c,
        &lisi,
        "关于某项目招标的通知",
        "本项目标底为3680万元，请各投标单位注意。",
        None,
    );
    assert_eq!(d2["decision"], "hold");
    decide(
        &mut c,
        &chen,
        d2["id"].as_u64().unwrap(),
        "decisions",
        json!({"decision": "approve", "reason": "已开标，可公开"}),
    );
    assert_eq!(gate(&mut c, &publisher, &d2["sha256"]), 200);
    assert_eq!(gate(&mut c, &publisher, &d2["sha256"]), 200);
    // d3: held for two categories; 王丽 confirms the hold; the gate refuses.
    let d3 = submit(
        &mut c,
        &zhao,
        "关于印发应急预案的通知",
        "机密★5年\n本项目标底为3680万元。",
        None,
    );
    assert_eq!(
        d3["categories"],
        json!(["state_secret", "commercial_secret"])
    );
    decide(
        &mut c,
        &wang,
        d3["id"].as_u64().unwrap(),
        "decisions",
        json!({"decision": "hold", "reason": "涉密"}),
    );
    assert_eq!(gate(&mut c, &publisher, &d3["sha256"]), 409);
    // d4: returned by 王丽; d6, its second version, waits.
    let d4 = submit(
        &mut c,
        &zhao,
        "关于冬季送温暖活动的通知",
        "走访慰问困难群众。",
        None,
    );
    let d4_id = d4["id"].as_u64().unwrap();
    decide(
        &mut c,
        &wang,
        d4_id,
        "return",
        json!({"reason": "请补充走访时间"}),
    );
    assert_eq!(gate(&mut c, &publisher, &d4["sha256"]), 409);
    let d6 = submit(
        &mut c,
        &zhao,
        "关于冬季送温暖活动的通知",
        "12月20日走访慰问困难群众。",
        Some(d4_id),
    );
    assert_eq!(d6["version"], 2);
    // d5: a held list; 王丽's redacted copy passes the gate for it.
    c.extra_headers = vec![("X-File-Name".into(), pct("名单.txt"))];
    let list = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/redact/gongshi_list.txt"),
    )
    .unwrap();
    let r = c.post_bytes("/v1/reviews", Some(&lisi), &list);
    c.extra_headers.clear();
    assert_eq!(r.status, 201, "{}", r.text());
    let d5 = r.json();
    assert_eq!(d5["decision"], "hold");
    let r = c
        .request(
            "POST",
            &format!("/v1/reviews/{}/redactions", d5["id"]),
            Some(&wang),
            None,
            b"",
        )
        .unwrap();
    assert_eq!(r.status, 201, "{}", r.text());
    let copy = r.json()["review"].clone();
    assert_eq!(gate(&mut c, &publisher, &copy["sha256"]), 200);
    assert_eq!(gate(&mut c, &publisher, &copy["sha256"]), 200);
    // d7: bytes the gate had never seen: scanned, recorded as the publisher's, passed.
    let r = c.post_bytes(
        "/v1/gate",
        Some(&publisher),
        "关于调整办公时间的通知\n自下周一起执行夏季作息时间。".as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let d7_sha = r.json()["sha256"].clone();
    assert_eq!(gate(&mut c, &publisher, &d7_sha), 200);

    // The audit tells each first pass once.
    let audit = c.get("/v1/audit?limit=10000", Some(&server.admin)).json();
    let passes: Vec<&Value> = audit["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "gate_passed")
        .collect();
    assert_eq!(passes.len(), 4, "{passes:#?}");
    let shas: BTreeSet<&str> = passes
        .iter()
        .map(|p| p["sha256"].as_str().unwrap())
        .collect();
    assert_eq!(shas.len(), 4);

    // The API while it runs: reviewers and admins only; typed parameters.
    let year = Day::today_in_china().year();
    let (from, to) = (format!("{year}-01-01"), format!("{year}-12-31"));
    for token in [&lisi, &publisher] {
        assert_eq!(c.get("/v1/stats", Some(token)).status, 403);
    }
    assert_eq!(c.get("/v1/stats", None).status, 401);
    for bad in [
        "group=week",
        "from=2026-02-30&to=2026-03-01",
        "from=2026-01-01",
        "format=pdf",
        "year=2026",
        "from=2010-01-01&to=2026-12-31",
    ] {
        let r = c.get(&format!("/v1/stats?{bad}"), Some(&wang));
        assert_eq!(r.status, 400, "{bad}: {}", r.text());
    }
    let mut api = BTreeMap::new();
    for g in ["month", "category", "dept", "reviewer"] {
        let r = c.get(
            &format!("/v1/stats?from={from}&to={to}&group={g}"),
            Some(&wang),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        api.insert(g, r.json());
    }
    assert_eq!(
        c.get("/v1/stats", Some(&server.admin)).json()["total"],
        api["month"]["total"]
    );
    let csv = c.get(
        &format!("/v1/stats?from={from}&to={to}&group=dept&format=csv"),
        Some(&wang),
    );
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(csv.header("content-disposition").unwrap().contains(".csv"));
    let xlsx = c.get("/v1/stats?format=xlsx&group=category", Some(&wang));
    assert_eq!(xlsx.status, 200);
    let sheet = read_xlsx(&xlsx.body);
    assert_eq!(sheet[0][0], "类别");
    assert_eq!(server.terminate(), Some(0));

    // On the stopped store: the export, and the figures in every grouping.
    let data_s = data.as_path();
    let export = String::from_utf8(baomi(&["audit", "export"], data_s)).unwrap();
    let depts: BTreeMap<&str, &str> = [
        ("李四", "城关街道办事处"),
        ("赵敏", "区民政局"),
        ("王丽", "保密办"),
    ]
    .into();
    let y = year.to_string();
    for g in ["month", "category", "dept", "reviewer"] {
        let out = baomi(
            &["stats", "--year", &y, "--group", g, "--format", "json"],
            data_s,
        );
        let cli: Value = serde_json::from_slice(&out).unwrap();
        assert_agrees(
            &format!("baomi stats --group {g}"),
            &cli,
            &recompute(&export, year, g, &depts),
        );
        // What the service said while it ran is what the stopped store says.
        assert_eq!(cli["rows"], api[g]["rows"], "{g}: GET /v1/stats");
        assert_eq!(cli["total"], api[g]["total"], "{g}: GET /v1/stats");
    }

    // And the numbers themselves, against what this test did.
    let cli: Value =
        serde_json::from_slice(&baomi(&["stats", "--year", &y, "--format", "json"], data_s))
            .unwrap();
    let t = &cli["total"];
    let got: Vec<u64> = [
        "received",
        "versions",
        "engine_held",
        "approved",
        "approved_after_override",
        "held",
        "returned",
        "pending",
        "redacted",
        "published",
        "decided",
        "overdue",
    ]
    .iter()
    .map(|f| t[*f].as_u64().unwrap())
    .collect();
    assert_eq!(got, [7, 1, 3, 4, 1, 3, 1, 3, 1, 4, 4, 0], "{t:#}");
    assert_eq!(
        t["held_by_category"],
        cats(&[
            ("state_secret", 1),
            ("commercial_secret", 2),
            ("personal_privacy", 1)
        ])
    );

    // The CSV for the report, and the text to read.
    let csv = String::from_utf8(baomi(
        &["stats", "--year", &y, "--group", "dept", "--format", "csv"],
        data_s,
    ))
    .unwrap();
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(lines[0].starts_with("\u{feff}部门,收到送审稿,"), "{csv}");
    assert!(
        lines.iter().any(|l| l.starts_with("城关街道办事处,3,")),
        "{csv}"
    );
    assert!(lines.iter().any(|l| l.starts_with("区民政局,3,")), "{csv}");
    assert!(lines.last().unwrap().starts_with("合计,7,"), "{csv}");
    let text = String::from_utf8(baomi(&["stats", "--year", &y], data_s)).unwrap();
    assert!(text.contains("合计\n  收到 7（修改稿 1）"), "{text}");
    let file = dir.path().join("统计.xlsx");
    baomi(
        &[
            "stats",
            "--year",
            &y,
            "--format",
            "xlsx",
            "--output",
            file.to_str().unwrap(),
        ],
        data_s,
    );
    let sheet = read_xlsx(&std::fs::read(&file).unwrap());
    assert_eq!(
        (sheet[0][0].as_str(), sheet[13][0].as_str()),
        ("月份", "合计")
    );
    assert!(sheet[15][0].starts_with("保密审查统计："), "{sheet:?}");
}

//! The office's year on a real `baomi serve` with a real sled directory: the legal clocks on
//! China's official calendar (from the day the information was formed, across 春节), in the API,
//! the queue sorted by them and `/metrics`; the calendar replaced at start-up; and review in
//! three stages (初审 → 复审 → 终审), each by another person, with a hold at stage two.

mod support;

use baomi::calendar::{Calendar, Day};
use serde_json::{json, Value};
use support::{Client, Server};

fn data_dir() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    (dir, data)
}

/// Text the engine holds (an internal-material marking), so the review stays open.
const HELD: &str = "内部资料 注意保管\n关于做好年度重点工作的安排，请各单位认真落实。";
/// Text the engine approves.
const CLEAN: &str =
    "关于开展全民健身月活动的通知\n各街道、社区：为丰富居民文化生活，现组织开展全民健身月活动。";

fn submit(c: &mut Client, token: &str, body: Value) -> Value {
    let r = c.post_json("/v1/reviews", Some(token), &body);
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()
}

fn today() -> Day {
    Day::today_in_china()
}

#[test]
fn clocks_count_working_days_on_the_official_calendar_from_the_day_information_was_formed() {
    let (_dir, data) = data_dir();
    let server = Server::start(&data, &["--clock-interval", "1"]);
    let s = server.token("李四", "submitter");
    let r = server.token("王丽", "reviewer");
    let mut c = server.client();
    let cal = Calendar::embedded();

    // Formed before 春节 2026 (15–23 February off, 14 and 28 February worked): day one is
    // 11 February, and the twentieth working day is 16 March.
    let before = submit(
        &mut c,
        &s,
        json!({"title": "春节前形成的信息", "content": HELD, "formed_on": "2026-02-10"}),
    );
    assert_eq!(before["formed_on"], "2026-02-10");
    let d = &before["clocks"]["disclosure"];
    assert_eq!(
        (d["limit"].as_u64(), d["from"].as_str(), d["due"].as_str()),
        (Some(20), Some("2026-02-10"), Some("2026-03-16")),
        "{d}"
    );
    assert_eq!(d["state"], "overdue", "{d}");
    let expect_left = cal.working_days_between(today(), Day::parse("2026-03-16").unwrap());
    assert_eq!(d["left"].as_i64(), Some(expect_left.min(-1)));
    // The opinion counts 15 working days from the submission day.
    let o = &before["clocks"]["opinion"];
    assert_eq!(o["from"].as_str(), Some(today().to_string().as_str()));
    assert_eq!(
        o["due"].as_str(),
        Some(cal.add_working_days(today(), 15).to_string().as_str())
    );
    assert!(o["stopped_on"].is_null());
    let id_before = before["id"].as_u64().unwrap();

    // The same in the review as read, and an upload names the day in the query.
    let got = c.get(&format!("/v1/reviews/{id_before}"), Some(&r)).json();
    assert_eq!(got["clocks"]["disclosure"]["due"], "2026-03-16");
    let up = c.post_bytes(
        "/v1/reviews?formed_on=2026-09-28&name=%E9%80%9A%E7%9F%A5.txt",
        Some(&s),
        format!("国庆前形成的信息\n{HELD}").as_bytes(),
    );
    assert_eq!(up.status, 201, "{}", up.text());
    let up = up.json();
    // 国庆 2026: 1–7 October off, 10 October (a Saturday) worked; Monday to Friday alone
    // would say 26 October.
    let national_day = cal.add_working_days(Day::parse("2026-09-28").unwrap(), 20);
    assert_eq!(up["clocks"]["disclosure"]["due"], national_day.to_string());
    assert_eq!(national_day.to_string(), "2026-10-30");

    // Bad dates are refused with the field named, nothing recorded.
    for (bad, why) in [
        ("2026-02-30", "not a date"),
        ("10/02/2026", "not a date"),
        ("2999-01-01", "after today"),
    ] {
        let r2 = c.post_json(
            "/v1/reviews",
            Some(&s),
            &json!({"content": format!("{HELD}{bad}"), "formed_on": bad}),
        );
        assert_eq!(r2.status, 400, "{bad}: {}", r2.text());
        assert!(
            r2.text().contains("formed_on") && r2.text().contains(why),
            "{}",
            r2.text()
        );
    }

    // Without a day, the submission day; a new version keeps its draft's day.
    let plain = submit(&mut c, &s, json!({"title": "今日形成", "content": HELD}));
    assert_eq!(plain["clocks"]["disclosure"]["from"], today().to_string());
    let v2 = submit(
        &mut c,
        &s,
        json!({"title": "春节前形成的信息（修改稿）", "content": format!("{HELD}\n已修改。"), "revises": id_before}),
    );
    assert_eq!(v2["formed_on"], "2026-02-10");
    assert_eq!(v2["clocks"]["disclosure"]["due"], "2026-03-16");
    // The superseded version has no clocks: its newest version carries the count on.
    let old = c.get(&format!("/v1/reviews/{id_before}"), Some(&r)).json();
    assert!(old["clocks"].is_null(), "{old}");

    // The queue sorted by due date: the most urgent first (the overdue new version, then the
    // upload of 28 September, then today's).
    let q = c.get("/v1/reviews?sort=due", Some(&r)).json();
    let order: Vec<u64> = q["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_u64().unwrap())
        .collect();
    let (v2_id, up_id, plain_id) = (
        v2["id"].as_u64().unwrap(),
        up["id"].as_u64().unwrap(),
        plain["id"].as_u64().unwrap(),
    );
    assert_eq!(order, vec![v2_id, up_id, plain_id], "{q}");
    assert!(q["reviews"][0]["clocks"]["disclosure"]["due"].is_string());
    assert_eq!(c.get("/v1/reviews?sort=soon", Some(&r)).status, 400);

    // A reviewer's approve stops both clocks on the day it was made.
    let approved = c.post_json(
        &format!("/v1/reviews/{plain_id}/decisions"),
        Some(&r),
        &json!({"decision": "approve", "reason": "标注为内部资料系误标，内容可公开"}),
    );
    assert_eq!(approved.status, 201, "{}", approved.text());
    let a = approved.json();
    for clock in ["disclosure", "opinion"] {
        assert_eq!(a["clocks"][clock]["stopped_on"], today().to_string());
        assert_eq!(a["clocks"][clock]["state"], "met");
    }
    // A return stops the opinion clock only: the disclosure is still owed.
    let returned = c.post_json(
        &format!("/v1/reviews/{up_id}/return"),
        Some(&r),
        &json!({"reason": "请删除内部资料标注"}),
    );
    assert_eq!(returned.status, 201, "{}", returned.text());
    let ret = returned.json();
    assert_eq!(ret["clocks"]["opinion"]["state"], "met");
    assert!(ret["clocks"]["disclosure"]["stopped_on"].is_null());
    assert_eq!(ret["clocks"]["disclosure"]["state"], "overdue");

    // /metrics: computed on a timer, the open reviews overdue on disclosure (the new version
    // and the returned upload).
    let mut last = String::new();
    for _ in 0..50 {
        last = c.get("/metrics", None).text();
        if last.contains("baomi_reviews_overdue{clock=\"disclosure\"} 2") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(
        last.contains("baomi_reviews_overdue{clock=\"disclosure\"} 2"),
        "{last}"
    );
    assert!(last.contains("baomi_clocks_computed_timestamp_seconds "));
    assert!(last.contains("# TYPE baomi_reviews_due_soon gauge"));

    // /healthz and /v1/me say how the clocks count.
    let h = c.get("/healthz", None).json();
    assert_eq!(h["office"]["disclosure_days"], 20);
    assert_eq!(h["office"]["opinion_days"], 15);
    let year = today().year();
    let missing: Vec<i32> = cal.missing_years(year, year + 1);
    assert_eq!(h["office"]["missing_years"], json!(missing));
    let me = c.get("/v1/me", Some(&r)).json();
    assert_eq!(me["office"]["stages"], json!([]));
}

/// A year file in holiday-cn's format for `year`: 1 and 2 May off, 9 May (a Saturday or not)
/// worked.
fn year_file(year: i32) -> String {
    json!({
        "year": year,
        "papers": [format!("https://www.gov.cn/example/{year}.htm")],
        "days": [
            {"name": "劳动节", "date": format!("{year}-05-01"), "isOffDay": true},
            {"name": "劳动节", "date": format!("{year}-05-02"), "isOffDay": true},
            {"name": "劳动节", "date": format!("{year}-05-09"), "isOffDay": false},
        ]
    })
    .to_string()
}

#[test]
fn a_calendar_file_replaces_the_years_it_names_and_a_bad_one_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let year = today().year();
    let file = dir.path().join("holidays.json");
    std::fs::write(&file, year_file(year + 1)).unwrap();
    let data = dir.path().join("data");
    let server = Server::start(&data, &["--calendar", file.to_str().unwrap()]);
    let mut c = server.client();
    let h = c.get("/healthz", None).json();
    let missing = h["office"]["missing_years"].as_array().unwrap().clone();
    assert!(
        !missing.contains(&json!(year + 1)),
        "the file gives {}: {h}",
        year + 1
    );
    drop(server);

    // A file that is not the format: the service refuses to start, naming the file and where.
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        "{\"year\": 2027,\n \"days\": [{\"date\": \"2027-13-01\"}]}",
    )
    .unwrap();
    let err = Server::try_start(
        &dir.path().join("data2"),
        &["--calendar", bad.to_str().unwrap()],
    )
    .err()
    .expect("a bad calendar stops the start");
    assert!(
        err.contains("--calendar") && err.contains("bad.json"),
        "{err}"
    );
}

fn decide(c: &mut Client, token: &str, id: u64, body: Value) -> (u16, Value) {
    let r = c.post_json(&format!("/v1/reviews/{id}/decisions"), Some(token), &body);
    let status = r.status;
    (status, r.json())
}

fn gate(c: &mut Client, token: &str, sha: &str) -> Value {
    let g = c.post_json("/v1/gate", Some(token), &json!({ "sha256": sha }));
    let v = g.json();
    // 200 for allowed, 409 for refused.
    let expect = if v["allowed"] == true { 200 } else { 409 };
    assert_eq!(g.status, expect, "{}", g.text());
    v
}

#[test]
fn a_three_stage_deployment_needs_three_people_in_order_and_a_hold_returns_the_draft() {
    let (_dir, data) = data_dir();
    let server = Server::start(&data, &["--stages", "初审,复审,终审"]);
    let s = server.token("李四", "submitter");
    let a = server.token("王丽", "reviewer");
    let b = server.token("赵敏", "reviewer");
    let z = server.token("陈刚", "reviewer");
    let p = server.token("流水线", "publisher");
    let mut c = server.client();
    assert_eq!(
        c.get("/healthz", None).json()["office"]["stages"],
        json!(["初审", "复审", "终审"])
    );

    // The engine approves, and still nothing passes the gate.
    let one = submit(&mut c, &s, json!({"title": "健身月通知", "content": CLEAN}));
    assert_eq!(one["decision"], "approve");
    let (id, sha) = (
        one["id"].as_u64().unwrap(),
        one["sha256"].as_str().unwrap().to_string(),
    );
    let g = gate(&mut c, &p, &sha);
    assert_eq!(g["allowed"], false, "{g}");
    assert!(
        g["reasons"][0]
            .as_str()
            .unwrap()
            .contains("初审、复审、终审"),
        "{g}"
    );
    // Engine-approved but staged: its clocks run.
    assert!(one["clocks"]["opinion"]["stopped_on"].is_null(), "{one}");

    // 初审 by 王丽.
    let (st, r1) = decide(
        &mut c,
        &a,
        id,
        json!({"decision": "approve", "reason": "初审无涉密内容", "stage": "初审"}),
    );
    assert_eq!(st, 201, "{r1}");
    let last = r1["decisions"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["kind"].as_str(), last["stage"].as_str()),
        (Some("stage"), Some("初审"))
    );
    assert_eq!(r1["state"], "pending");
    assert_eq!(r1["stages_passed"][0]["by"], "王丽");
    assert_eq!(gate(&mut c, &p, &sha)["allowed"], false);

    // Four eyes per stage: 王丽 cannot also pass 复审; the submitter cannot decide at all.
    let (st, e) = decide(
        &mut c,
        &a,
        id,
        json!({"decision": "approve", "reason": "复审同意"}),
    );
    assert_eq!(st, 403, "{e}");
    assert!(
        e["message"].as_str().unwrap().contains("different person"),
        "{e}"
    );
    let (st, _) = decide(
        &mut c,
        &s,
        id,
        json!({"decision": "approve", "reason": "自审"}),
    );
    assert_eq!(st, 403);
    // 王丽's next review is not this one: it waits for someone else.
    let next = c.get("/v1/reviews/next", Some(&a)).json();
    assert!(
        next["review"].is_null() || next["review"]["id"] != id,
        "{next}"
    );
    // Naming the stage just passed is refused (two reviewers on one stage).
    let (st, e) = decide(
        &mut c,
        &b,
        id,
        json!({"decision": "approve", "reason": "初审同意", "stage": "初审"}),
    );
    assert_eq!(st, 409, "{e}");
    assert!(e["message"].as_str().unwrap().contains("复审"), "{e}");

    // 复审 by 赵敏, 终审 by 陈刚: then, and only then, the bytes pass.
    let (st, r2) = decide(
        &mut c,
        &b,
        id,
        json!({"decision": "approve", "reason": "复审同意"}),
    );
    assert_eq!(st, 201, "{r2}");
    assert_eq!(r2["stages_passed"].as_array().unwrap().len(), 2);
    assert_eq!(gate(&mut c, &p, &sha)["allowed"], false);
    let (st, r3) = decide(
        &mut c,
        &z,
        id,
        json!({"decision": "approve", "reason": "终审同意发布", "stage": "终审"}),
    );
    assert_eq!(st, 201, "{r3}");
    assert_eq!(r3["state"], "approved");
    let last = r3["decisions"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["kind"].as_str(), last["stage"].as_str()),
        (Some("override"), Some("终审"))
    );
    assert_eq!(r3["clocks"]["opinion"]["state"], "met");
    let g = gate(&mut c, &p, &sha);
    assert_eq!(g["allowed"], true, "{g}");
    assert_eq!(g["decided_by"], "陈刚");
    // Passed every stage: another approve is refused.
    let (st, _) = decide(
        &mut c,
        &a,
        id,
        json!({"decision": "approve", "reason": "再次同意"}),
    );
    assert_eq!(st, 409);

    // A second draft: 初审 passes, 复审 holds — the draft goes back to its submitter with the
    // reason, the gate refuses it, and a new version starts again at 初审.
    let two = submit(
        &mut c,
        &s,
        json!({"title": "志愿者名单", "content": format!("{CLEAN}\n附志愿者名单。")}),
    );
    let id2 = two["id"].as_u64().unwrap();
    let sha2 = two["sha256"].as_str().unwrap().to_string();
    let (st, _) = decide(
        &mut c,
        &b,
        id2,
        json!({"decision": "approve", "reason": "初审同意"}),
    );
    assert_eq!(st, 201);
    let (st, held) = decide(
        &mut c,
        &a,
        id2,
        json!({"decision": "hold", "reason": "名单须征得本人同意后公开", "stage": "复审"}),
    );
    assert_eq!(st, 201, "{held}");
    assert_eq!(held["state"], "returned");
    assert_eq!(held["state_reason"], "名单须征得本人同意后公开");
    let last = held["decisions"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (last["kind"].as_str(), last["stage"].as_str()),
        (Some("return"), Some("复审"))
    );
    assert!(held["stages_passed"]
        .as_array()
        .is_none_or(|v| v.is_empty()));
    let g = gate(&mut c, &p, &sha2);
    assert_eq!(g["allowed"], false);
    assert!(g["reasons"][0].as_str().unwrap().contains("退回"), "{g}");
    // The submitter sees it returned, with the reason.
    let mine = c.get("/v1/reviews?state=returned", Some(&s)).json();
    assert_eq!(mine["reviews"][0]["id"], id2, "{mine}");
    let v2 = submit(
        &mut c,
        &s,
        json!({"title": "志愿者名单", "content": format!("{CLEAN}\n附已征得本人同意的志愿者名单。"), "revises": id2}),
    );
    assert_eq!(v2["version"], 2);
    assert!(v2["stages_passed"].as_array().is_none_or(|v| v.is_empty()));

    // The history and the audit chain tell each stage's reviewer, time and reason.
    let full = c.get(&format!("/v1/reviews/{id}"), Some(&a)).json();
    let stages: Vec<(String, String, String)> = full["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["stage"].is_string())
        .map(|d| {
            assert!(d["at"].is_string());
            (
                d["stage"].as_str().unwrap().to_string(),
                d["by"].as_str().unwrap().to_string(),
                d["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        stages,
        vec![
            ("初审".into(), "王丽".into(), "初审无涉密内容".into()),
            ("复审".into(), "赵敏".into(), "复审同意".into()),
            ("终审".into(), "陈刚".into(), "终审同意发布".into()),
        ]
    );
    let admin = std::fs::read_to_string(data.join("admin.token")).unwrap();
    let audit = c.get("/v1/audit", Some(admin.trim()));
    assert_eq!(audit.status, 200, "{}", audit.text());
    let text = audit.text();
    assert_eq!(text.matches("\"stage_approved\"").count(), 3, "{text}");
    assert!(text.contains("【终审】终审同意发布"));
    assert!(text.contains("【复审】名单须征得本人同意后公开"));
}

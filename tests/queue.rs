//! The reviewers' work as they meet it, on a real `baomi serve` with a real sled directory:
//! review states (待审, 已退回, 已通过, 已拦截), returning a draft to its submitter, the queue
//! (pending by default, oldest first; state, department, date and full-text filters), claims and
//! assignments (我的待办), the next review (下一件), and a store written before all of this.

mod support;

use serde_json::{json, Value};
use support::{document, Client, Server};

fn data_dir() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    (dir, data)
}

/// The ids of a queue page.
fn ids(page: &Value) -> Vec<u64> {
    page["reviews"]
        .as_array()
        .unwrap_or_else(|| panic!("not a page: {page}"))
        .iter()
        .map(|r| r["id"].as_u64().unwrap())
        .collect()
}

fn list(c: &mut Client, token: &str, query: &str) -> Vec<u64> {
    let r = c.get(&format!("/v1/reviews{query}"), Some(token));
    assert_eq!(r.status, 200, "{query}: {}", r.text());
    ids(&r.json())
}

/// Percent-encodes a query value.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn submit(c: &mut Client, token: &str, title: &str, content: &str) -> u64 {
    let r = c.post_json(
        "/v1/reviews",
        Some(token),
        &json!({"title": title, "content": content}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["id"].as_u64().unwrap()
}

fn decide(c: &mut Client, token: &str, id: u64, decision: &str, reason: &str) -> Value {
    let r = c.post_json(
        &format!("/v1/reviews/{id}/decisions"),
        Some(token),
        &json!({"decision": decision, "reason": reason}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()
}

/// A submission whose body holds `phrase` in its middle, between paragraphs that do not.
fn body_with(n: usize, phrase: &str) -> String {
    let before = document(n, 1500, None);
    let after = document(n + 100, 1500, None);
    format!("{before}关于{phrase}的有关安排另行通知。\n{after}")
}

/// A reviewer returns a draft with a reason: the submitter sees 已退回 and the reason in their
/// own list; the return is in the history and the audit chain, counts once when retried, needs a
/// reason, and nobody returns what they submitted.
#[test]
fn a_returned_draft_reaches_its_submitter_with_the_reason() {
    let (_dir, data) = data_dir();
    let server = Server::start(&data, &[]);
    let submitter = server.token("李四", "submitter");
    let reviewer = server.token("王丽", "reviewer");
    let chief = server.token("陈主任", "reviewer");
    let third = server.token("周强", "reviewer");
    let mut c = server.client();
    let id = submit(
        &mut c,
        &submitter,
        "关于开展冬季送温暖活动的通知",
        &document(1, 800, None),
    );
    let r = c.get(&format!("/v1/reviews/{id}"), Some(&submitter)).json();
    assert_eq!(r["state"], "pending");
    assert_eq!(r["decision"], "approve", "the engine approves it");
    assert!(r.get("state_reason").is_none());

    let path = format!("/v1/reviews/{id}/return");
    // A submitter may not return anything; a reviewer who submitted the same bytes may not
    // return them (four eyes); a reason is required.
    let own = c.post_json(&path, Some(&submitter), &json!({"reason": "自己退回"}));
    assert_eq!(own.status, 403, "{}", own.text());
    let same_bytes = c.post_json(
        "/v1/reviews",
        Some(&chief),
        &json!({"title": "关于开展冬季送温暖活动的通知", "content": document(1, 800, None)}),
    );
    assert_eq!(same_bytes.status, 201);
    let r = c.post_json(&path, Some(&chief), &json!({"reason": "请补充"}));
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(r.json()["message"].as_str().unwrap().contains("four eyes"));
    let r = c.post_json(&path, Some(&reviewer), &json!({"reason": "  "}));
    assert_eq!(r.status, 400);
    assert!(r.json()["message"].as_str().unwrap().contains("reason"));
    let r = c.post_json(&path, Some(&reviewer), &json!({}));
    assert_eq!(r.status, 400);

    // Returned, with a retry under the same Idempotency-Key.
    let reason = "请删去第三段走访对象的家庭住址后重新送审";
    let send = |c: &mut Client| {
        c.extra_headers = vec![("Idempotency-Key".into(), "return-1".into())];
        let r = c.post_json(&path, Some(&reviewer), &json!({ "reason": reason }));
        c.extra_headers.clear();
        r
    };
    let first = send(&mut c);
    assert_eq!(first.status, 201, "{}", first.text());
    let second = send(&mut c);
    assert_eq!(second.status, 201, "{}", second.text());
    let r = second.json();
    assert_eq!(r["state"], "returned");
    assert_eq!(r["state_reason"], reason);
    assert_eq!(r["decision"], "hold", "a return holds");
    let history = r["decisions"].as_array().unwrap();
    assert_eq!(history.len(), 2, "the retry recorded nothing: {history:?}");
    assert_eq!(history[1]["kind"], "return");
    assert_eq!(history[1]["by"], "王丽");
    assert_eq!(history[1]["reason"], reason);

    // The submitter sees it in their own list, with the reason.
    let mine = c.get("/v1/reviews", Some(&submitter)).json();
    let item = &mine["reviews"][0];
    assert_eq!(item["id"], id);
    assert_eq!(item["state"], "returned");
    assert_eq!(item["state_reason"], reason);
    assert_eq!(item["decided_by"], "return");
    // ... and it left the reviewers' default queue (pending only).
    assert!(!list(&mut c, &reviewer, "").contains(&id));
    assert_eq!(list(&mut c, &reviewer, "?state=returned"), vec![id]);

    let audit = c.get("/v1/audit", Some(&server.admin)).json();
    let returns = audit["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "review_returned")
        .count();
    assert_eq!(returns, 1);
    let v = c.get("/v1/audit/verify", Some(&server.admin));
    assert_eq!(v.status, 200, "{}", v.text());

    // A reviewer may approve it after all: 已通过.
    let r = decide(&mut c, &third, id, "approve", "已核实无住址信息");
    assert_eq!(r["state"], "approved");
    assert_eq!(r["state_reason"], "已核实无住址信息");
    let r = decide(&mut c, &reviewer, id, "hold", "仍须修改");
    assert_eq!(r["state"], "held");
    assert_eq!(list(&mut c, &reviewer, "?state=held"), vec![id]);

    // States and the return survive a restart.
    assert_eq!(server.terminate(), Some(0));
    let server = Server::start(&data, &[]);
    let mut c = server.client();
    let r = c.get(&format!("/v1/reviews/{id}"), Some(&reviewer)).json();
    assert_eq!(r["state"], "held");
    assert_eq!(r["decisions"][1]["kind"], "return");
}

/// The default queue lists only pending reviews, oldest first; search finds a review by a
/// phrase from the middle of its text or by its title, and nothing that lacks it; department
/// and date filters; a submitter searches their own reviews only.
#[test]
fn the_queue_is_pending_first_and_searchable() {
    let (_dir, data) = data_dir();
    let server = Server::start(&data, &[]);
    let lisi = server.token_in("李四", "submitter", "城关街道办事处");
    let zhao = server.token_in("赵敏", "submitter", "区民政局");
    let reviewer = server.token("王丽", "reviewer");
    let mut c = server.client();
    let phrase = "城东片区老旧小区加装电梯补贴";
    let a = submit(
        &mut c,
        &lisi,
        "关于做好医保缴费工作的通知",
        &document(1, 2000, None),
    );
    let b = submit(&mut c, &zhao, "关于征求意见的公告", &body_with(2, phrase));
    let d = submit(
        &mut c,
        &lisi,
        "关于开展冬季消防安全检查的通知",
        &document(3, 2000, None),
    );
    let e = submit(
        &mut c,
        &zhao,
        "关于调整办公时间的通知",
        &document(4, 2000, None),
    );

    // Pending only, oldest first; a decided review leaves the default view.
    assert_eq!(list(&mut c, &reviewer, ""), vec![a, b, d, e]);
    decide(&mut c, &reviewer, a, "approve", "无问题");
    assert_eq!(list(&mut c, &reviewer, ""), vec![b, d, e]);
    assert_eq!(list(&mut c, &reviewer, "?state=all"), vec![a, b, d, e]);
    assert_eq!(list(&mut c, &reviewer, "?state=approved"), vec![a]);
    let page = c.get("/v1/reviews", Some(&reviewer)).json();
    assert!(page["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["state"] == "pending"));
    assert_eq!(page["reviews"][0]["department"], "区民政局");

    // Full-text search: a phrase from the middle of the body, part of it, its traditional and
    // spaced-out forms; titles; nothing for text no review holds.
    let q = |c: &mut Client, token: &str, text: &str, extra: &str| {
        list(c, token, &format!("?state=all&q={}{extra}", enc(text)))
    };
    assert_eq!(q(&mut c, &reviewer, phrase, ""), vec![b]);
    assert_eq!(q(&mut c, &reviewer, "加装电梯", ""), vec![b]);
    assert_eq!(q(&mut c, &reviewer, "加裝電梯", ""), vec![b]);
    assert_eq!(q(&mut c, &reviewer, "老旧 小区", ""), vec![b]);
    assert_eq!(q(&mut c, &reviewer, "消防安全检查", ""), vec![d]);
    assert_eq!(
        q(&mut c, &reviewer, "医疗保险参保缴费", ""),
        vec![a, b, d, e]
    );
    assert!(q(&mut c, &reviewer, "城西片区", "").is_empty());
    assert!(q(&mut c, &reviewer, "加装电梯补助", "").is_empty());
    // Combined with the other filters; the default (pending) applies to a search too.
    assert_eq!(
        list(&mut c, &reviewer, &format!("?q={}", enc("医疗保险"))),
        vec![b, d, e]
    );
    assert_eq!(
        q(
            &mut c,
            &reviewer,
            "医疗保险",
            &format!("&department={}", enc("区民政局"))
        ),
        vec![b, e]
    );
    assert_eq!(
        q(&mut c, &reviewer, "医疗保险", "&order=desc&limit=2"),
        vec![e, d]
    );

    // Department: the submitter's person record, compared like names.
    assert_eq!(
        list(
            &mut c,
            &reviewer,
            &format!("?state=all&department={}", enc("城关街道办事处"))
        ),
        vec![a, d]
    );
    assert_eq!(
        list(
            &mut c,
            &reviewer,
            &format!("?department={}", enc(" 区民政局 "))
        ),
        vec![b, e]
    );
    assert!(list(&mut c, &reviewer, &format!("?department={}", enc("财政局"))).is_empty());

    // Dates.
    let today = c.get(&format!("/v1/reviews/{a}"), Some(&reviewer)).json()["submitted_at"]
        .as_str()
        .unwrap()[..10]
        .to_string();
    assert_eq!(
        list(
            &mut c,
            &reviewer,
            &format!("?state=all&from={today}&to={today}")
        ),
        vec![a, b, d, e]
    );
    assert!(list(&mut c, &reviewer, "?from=2099-01-01").is_empty());
    assert!(list(&mut c, &reviewer, "?to=2000-01-01").is_empty());

    // A submitter searches their own reviews only.
    assert!(q(&mut c, &lisi, phrase, "").is_empty());
    assert_eq!(q(&mut c, &zhao, phrase, ""), vec![b]);
    assert_eq!(
        list(&mut c, &lisi, ""),
        vec![a, d],
        "every state of their own"
    );

    // Search survives a restart (the index is on disk).
    assert_eq!(server.terminate(), Some(0));
    let server = Server::start(&data, &[]);
    let mut c = server.client();
    assert_eq!(q(&mut c, &reviewer, phrase, ""), vec![b]);
}

/// Claims and assignments make 我的待办 (`assignee=me`); 下一件 skips what the reviewer
/// cannot decide (their own content) and what someone else took up.
#[test]
fn claims_assignments_and_the_next_review() {
    let (_dir, data) = data_dir();
    let server = Server::start(&data, &[]);
    let submitter = server.token("李四", "submitter");
    let wang = server.token("王丽", "reviewer");
    let chen = server.token("陈主任", "reviewer");
    let zhao = server.token("赵六", "reviewer");
    let mut c = server.client();
    let r1 = submit(&mut c, &submitter, "第一份通知", &document(1, 600, None));
    let r2 = submit(&mut c, &submitter, "第二份通知", &document(2, 600, None));
    let own = submit(&mut c, &zhao, "赵六起草的通知", &document(3, 600, None));
    let r4 = submit(&mut c, &submitter, "第四份通知", &document(4, 600, None));
    let mine = |c: &mut Client, token: &str| list(c, token, "?assignee=me");

    // 王丽 claims the first; a second claim by her changes nothing; 陈主任 cannot claim it.
    let claim = |c: &mut Client, token: &str, id: u64| {
        c.request(
            "POST",
            &format!("/v1/reviews/{id}/claim"),
            Some(token),
            None,
            b"",
        )
        .unwrap()
    };
    let r = claim(&mut c, &wang, r1);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["assignee"]["name"], "王丽");
    assert_eq!(r.json()["assignee"]["by"], "王丽");
    assert_eq!(claim(&mut c, &wang, r1).status, 200);
    let r = claim(&mut c, &chen, r1);
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(r.json()["message"].as_str().unwrap().contains("王丽"));
    // Four eyes: nobody takes up what they submitted; a submitter claims nothing.
    assert_eq!(claim(&mut c, &zhao, own).status, 403);
    assert_eq!(claim(&mut c, &submitter, r2).status, 403);

    // 陈主任 assigns the second to 王丽, and takes the first over by assignment.
    let assign = |c: &mut Client, token: &str, id: u64, who: &str| {
        c.post_json(
            &format!("/v1/reviews/{id}/assign"),
            Some(token),
            &json!({ "assignee": who }),
        )
    };
    let r = assign(&mut c, &chen, r2, "王 丽");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["assignee"]["name"], "王丽", "the name as stored");
    assert_eq!(r.json()["assignee"]["by"], "陈主任");
    assert_eq!(mine(&mut c, &wang), vec![r1, r2]);
    assert!(mine(&mut c, &chen).is_empty());
    assert_eq!(
        list(&mut c, &chen, &format!("?assignee={}", enc("王丽"))),
        vec![r1, r2]
    );
    // Only to a reviewer; never to the person who submitted the content.
    let r = assign(&mut c, &chen, r4, "李四");
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.json()["message"].as_str().unwrap().contains("reviewer"));
    let r = assign(&mut c, &chen, r4, "无此人");
    assert_eq!(r.status, 400, "{}", r.text());
    let r = assign(&mut c, &chen, own, "赵六");
    assert_eq!(r.status, 403, "{}", r.text());
    let r = assign(&mut c, &chen, r1, "陈主任");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(mine(&mut c, &wang), vec![r2]);
    assert_eq!(mine(&mut c, &chen), vec![r1]);
    // The queue shows the assignee.
    let page = c.get("/v1/reviews", Some(&wang)).json();
    assert_eq!(page["reviews"][0]["assignee"]["name"], "陈主任");

    // 下一件, oldest first: for 王丽, her own assignment and what nobody took up, never 陈主任's.
    let next = |c: &mut Client, token: &str, query: &str| -> Option<u64> {
        let r = c.get(&format!("/v1/reviews/next{query}"), Some(token));
        assert_eq!(r.status, 200, "{query}: {}", r.text());
        r.json()["review"]["id"].as_u64()
    };
    assert_eq!(next(&mut c, &wang, ""), Some(r2));
    assert_eq!(next(&mut c, &wang, &format!("?after={r2}")), Some(own));
    assert_eq!(next(&mut c, &wang, &format!("?after={own}")), Some(r4));
    // Past the end, from the start again (never the one just decided).
    assert_eq!(next(&mut c, &wang, &format!("?after={r4}")), Some(r2));
    // 赵六 never gets his own draft.
    assert_eq!(next(&mut c, &zhao, &format!("?after={r2}")), Some(r4));
    // With the queue's filters: 我的待办 only.
    assert_eq!(next(&mut c, &wang, "?assignee=me"), Some(r2));
    decide(&mut c, &wang, r2, "approve", "无问题");
    assert_eq!(
        next(&mut c, &wang, &format!("?assignee=me&after={r2}")),
        None
    );
    assert_eq!(next(&mut c, &wang, &format!("?after={r2}")), Some(own));
    // Nothing left: null.
    decide(&mut c, &wang, own, "approve", "无问题");
    decide(&mut c, &wang, r4, "hold", "须修改");
    decide(&mut c, &chen, r1, "approve", "无问题");
    assert_eq!(next(&mut c, &wang, ""), None);
    let r = c.get("/v1/reviews/next", Some(&submitter));
    assert_eq!(r.status, 403);

    // Claims and assignments are audited, and survive a restart.
    let audit = c.get("/v1/audit", Some(&server.admin)).json();
    let details: Vec<&str> = audit["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "review_assigned")
        .map(|r| r["detail"].as_str().unwrap())
        .collect();
    assert_eq!(
        details,
        ["claimed by 王丽", "assigned to 王丽", "assigned to 陈主任"]
    );
    assert_eq!(server.terminate(), Some(0));
    let server = Server::start(&data, &[]);
    let mut c = server.client();
    assert_eq!(list(&mut c, &chen, "?state=all&assignee=me"), vec![r1]);
}

/// A store written before states, claims and the search index (format 2: 35-byte summaries,
/// no index, no assignments) opens: its reviews keep their states, are indexed for search on
/// the first start, and can be returned, claimed and searched like new ones.
#[test]
fn a_store_from_before_states_keeps_working() {
    let (_dir, data) = data_dir();
    let phrase = "城北污水处理厂提标改造工程";
    let (submitter, reviewer, a, b, d);
    {
        let server = Server::start(&data, &[]);
        submitter = server.token("李四", "submitter");
        reviewer = server.token("王丽", "reviewer");
        let mut c = server.client();
        a = submit(&mut c, &submitter, "关于停水的通知", &body_with(1, phrase));
        b = submit(
            &mut c,
            &submitter,
            "关于停电的通知",
            &document(2, 900, None),
        );
        d = submit(
            &mut c,
            &submitter,
            "关于停气的通知",
            &document(3, 900, None),
        );
        decide(&mut c, &reviewer, b, "approve", "无问题");
        decide(&mut c, &reviewer, d, "hold", "须修改");
        assert_eq!(server.terminate(), Some(0));
    }
    // Make it what an earlier baomi wrote: format 2, no index, no assignments, short
    // summaries.
    {
        let db = sled::open(&data).unwrap();
        let meta = db.open_tree("meta").unwrap();
        meta.insert("format", &2u64.to_be_bytes()).unwrap();
        meta.remove("search_indexed").unwrap();
        assert!(db.drop_tree("ngrams").unwrap());
        assert!(db.drop_tree("assignments").unwrap());
        let summaries = db.open_tree("summaries").unwrap();
        for item in summaries.iter() {
            let (k, v) = item.unwrap();
            assert_eq!(v.len(), 44);
            summaries.insert(k, &v[..35]).unwrap();
        }
        db.flush().unwrap();
    }
    let server = Server::start(&data, &[]);
    let mut c = server.client();
    assert!(
        server.stderr().contains("indexed for search"),
        "{}",
        server.stderr()
    );
    assert_eq!(list(&mut c, &reviewer, ""), vec![a]);
    let states: Vec<String> = c.get("/v1/reviews?state=all", Some(&reviewer)).json()["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["state"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(states, ["pending", "approved", "held"]);
    assert_eq!(
        list(&mut c, &reviewer, &format!("?state=all&q={}", enc(phrase))),
        vec![a]
    );
    assert_eq!(
        list(&mut c, &reviewer, &format!("?state=all&q={}", enc("停电"))),
        vec![b]
    );
    let r = c.post_json(
        &format!("/v1/reviews/{a}/return"),
        Some(&reviewer),
        &json!({"reason": "请补充施工期间的临时供水安排"}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let r = c
        .request(
            "POST",
            &format!("/v1/reviews/{d}/claim"),
            Some(&reviewer),
            None,
            b"",
        )
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(list(&mut c, &reviewer, "?state=all&assignee=me"), vec![d]);
    let mine = c.get("/v1/reviews", Some(&submitter)).json();
    assert_eq!(mine["reviews"][0]["state"], "returned");
    let new = submit(&mut c, &submitter, "关于停暖的通知", &body_with(4, phrase));
    assert_eq!(
        list(&mut c, &reviewer, &format!("?state=all&q={}", enc(phrase))),
        vec![a, new]
    );
    let v = c.get("/v1/audit/verify", Some(&server.admin));
    assert_eq!(v.status, 200, "{}", v.text());
    // Converted once: the next start indexes nothing.
    assert_eq!(server.terminate(), Some(0));
    let server = Server::start(&data, &[]);
    assert!(!server.stderr().contains("indexed for search"));
    let mut c = server.client();
    assert_eq!(
        list(&mut c, &reviewer, &format!("?state=all&q={}", enc(phrase))),
        vec![a, new]
    );
}

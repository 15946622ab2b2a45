//! 生成脱敏稿 in the service (`POST /v1/reviews/{id}/redactions`), on a real `baomi serve` with
//! a real sled directory: a held 公示 list becomes a redacted copy — a new review linked to
//! it, made by the code `baomi redact` runs — that the gate passes once approved while the
//! original still holds; what no mask fixes keeps the copy held and is listed; four eyes covers
//! the copy and its original; redacting again is idempotent; and every refusal is clear and
//! records nothing.

mod support;

use serde_json::{json, Value};
use std::io::Read;
use std::path::{Path, PathBuf};
use support::{Client, Response, Server};

fn data_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    (dir, data)
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(name),
    )
    .unwrap()
}

/// The values no copy of the `fixtures/redact` lists may contain.
fn values() -> Vec<String> {
    String::from_utf8(fixture("redact/values.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

fn pct(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// Uploads `bytes` under `name`; the review.
fn upload(c: &mut Client, token: &str, name: &str, bytes: &[u8]) -> Value {
    c.extra_headers = vec![("X-File-Name".into(), pct(name))];
    let r = c.post_bytes("/v1/reviews", Some(token), bytes);
    c.extra_headers.clear();
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()
}

fn redact(c: &mut Client, token: &str, id: u64, body: Option<Value>) -> Response {
    match body {
        Some(b) => c.post_json(&format!("/v1/reviews/{id}/redactions"), Some(token), &b),
        None => c
            .request(
                "POST",
                &format!("/v1/reviews/{id}/redactions"),
                Some(token),
                None,
                b"",
            )
            .unwrap(),
    }
}

fn gate(c: &mut Client, publisher: &str, sha: &Value) -> u16 {
    c.post_json("/v1/gate", Some(publisher), &json!({ "sha256": sha }))
        .status
}

/// Every text a file holds: each part of a ZIP package, or the file as UTF-8.
fn parts(bytes: &[u8]) -> Vec<(String, String)> {
    if bytes.starts_with(b"PK") {
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
        (0..z.len())
            .map(|i| {
                let mut f = z.by_index(i).unwrap();
                let mut b = Vec::new();
                f.read_to_end(&mut b).unwrap();
                (
                    f.name().to_string(),
                    String::from_utf8_lossy(&b).into_owned(),
                )
            })
            .collect()
    } else {
        vec![("file".into(), String::from_utf8_lossy(bytes).into_owned())]
    }
}

/// Markup removed and the characters that may split a value: what a value reads as.
fn flat(s: &str) -> String {
    let mut out = String::new();
    let mut tag = false;
    for c in s.chars() {
        match c {
            '<' => tag = true,
            '>' if tag => tag = false,
            _ if tag => {}
            ' ' | '\u{3000}' | '\u{200B}' | '-' => {}
            c => out.push(c),
        }
    }
    out
}

fn audit_count(c: &mut Client, admin: &str) -> usize {
    c.get("/v1/audit", Some(admin)).json()["records"]
        .as_array()
        .unwrap()
        .len()
}

/// The whole flow on the Word list of `fixtures/redact`: held as submitted; the reviewer's
/// redacted copy is a new review of their own, linked both ways, named and titled as the copy,
/// with none of the values in any part of its package and the masks where the page shows them;
/// the engine approves it, so the gate passes the copy's bytes — and never the original's.
#[test]
fn a_held_list_becomes_a_linked_copy_that_the_gate_passes_while_the_original_holds() {
    let (_dir, data) = data_dir();
    let server = Server::start(&data, &[]);
    let lisi = server.token_in("李四", "submitter", "城关街道办事处");
    let wang = server.token("王丽", "reviewer");
    let publisher = server.token("发布流水线", "publisher");
    let admin = server.admin.clone();
    let mut c = server.client();

    let original = upload(
        &mut c,
        &lisi,
        "低保公示名单.docx",
        &fixture("redact/gongshi_list.docx"),
    );
    let oid = original["id"].as_u64().unwrap();
    assert_eq!(original["decision"], "hold", "{original}");
    assert_eq!(gate(&mut c, &publisher, &original["sha256"]), 409);
    let before = audit_count(&mut c, &admin);

    let r = redact(&mut c, &wang, oid, None);
    assert_eq!(r.status, 201, "{}", r.text());
    let a = r.json();
    let copy = &a["review"];
    let cid = copy["id"].as_u64().unwrap();
    assert_eq!(
        r.header("location"),
        Some(format!("/v1/reviews/{cid}").as_str())
    );
    assert!(a["created"].as_bool().unwrap());
    assert_eq!(a["redacted_from"], oid);
    assert_eq!(
        (&copy["redacted_from"], &copy["via"]),
        (&json!(oid), &json!("redaction"))
    );
    assert_eq!(copy["submitter"], "王丽", "the copy is hers: {copy}");
    assert_eq!(copy["state"], "pending");
    assert_eq!(copy["file_name"], "低保公示名单（脱敏稿）.docx");
    assert!(
        copy["title"].as_str().unwrap().ends_with("（脱敏稿）"),
        "{}",
        copy["title"]
    );
    // The default policy, every field given.
    assert_eq!(a["policy"]["mask"], "*");
    assert_eq!(
        a["policy"]["resident_id"],
        json!({"keep_start": 6, "keep_end": 4})
    );
    assert_eq!(a["policy"]["name"]["mask"], "*");
    // What was masked, as published; what cleaning removed.
    let masked = a["masked"].as_array().unwrap();
    let kinds: Vec<&str> = masked.iter().map(|m| m["kind"].as_str().unwrap()).collect();
    for k in ["resident_id", "mobile", "bank_card", "name"] {
        assert!(kinds.contains(&k), "{k} among {kinds:?}");
    }
    assert!(
        masked
            .iter()
            .any(|m| m["shown"] == "110101********0009" && m["occurrences"].as_u64() > Some(0)),
        "{masked:?}"
    );
    assert!(!a["cleaned"].as_array().unwrap().is_empty(), "{a}");
    // Nothing left that a mask cannot fix: the engine approves the copy.
    assert_eq!(a["unmasked"], json!([]));
    assert_eq!(copy["decision"], "approve", "{copy}");

    // The masks stand where the answer says, in the text the page shows.
    let text = c
        .get(&format!("/v1/reviews/{cid}/text"), Some(&wang))
        .json()["text"]
        .as_str()
        .unwrap()
        .to_string();
    let marks = a["marks"].as_array().unwrap();
    assert!(!marks.is_empty());
    for m in marks {
        let (s, e) = (
            m[0].as_u64().unwrap() as usize,
            m[1].as_u64().unwrap() as usize,
        );
        assert!(text[s..e].contains('*'), "{:?}", &text[s..e]);
    }
    assert!(text.contains("110101********0009"), "{text}");

    // The copy's bytes: none of the values in any part, and a Word package.
    let bytes = c.get(&format!("/v1/reviews/{cid}/content"), Some(&wang));
    assert_eq!(bytes.status, 200);
    assert_eq!(
        bytes.header("content-type"),
        Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    );
    for (part, t) in parts(&bytes.body) {
        let t = flat(&t);
        for v in values() {
            assert!(!t.contains(&v), "{part} holds {v}");
        }
    }

    // Linked both ways, with the policy, on GET of either review.
    let o = c.get(&format!("/v1/reviews/{oid}"), Some(&wang)).json();
    let links = o["redactions"].as_array().unwrap();
    assert_eq!(links.len(), 1, "{o}");
    assert_eq!(
        (&links[0]["id"], &links[0]["by"]),
        (&json!(cid), &json!("王丽"))
    );
    assert_eq!(links[0]["policy"], a["policy"]);
    assert_eq!(o["decision"], "hold", "the original is untouched");
    assert_eq!(o["decisions"].as_array().unwrap().len(), 1);
    let got = c.get(&format!("/v1/reviews/{cid}"), Some(&wang)).json();
    assert_eq!(got["redacted_from"], oid);
    assert_eq!(got["redaction"]["policy"], a["policy"]);
    assert_eq!(got["redaction"]["masked"], a["masked"]);

    // The gate knows only bytes: the copy passes, the original still holds, by hash and by
    // its own bytes; the publisher fetches the copy, never the original.
    assert_eq!(gate(&mut c, &publisher, &copy["sha256"]), 200);
    assert_eq!(gate(&mut c, &publisher, &original["sha256"]), 409);
    let g = c.post_bytes(
        "/v1/gate",
        Some(&publisher),
        &fixture("redact/gongshi_list.docx"),
    );
    assert_eq!(g.status, 409, "{}", g.text());
    assert_eq!(
        c.get(&format!("/v1/reviews/{cid}/content"), Some(&publisher))
            .status,
        200
    );
    assert_eq!(
        c.get(&format!("/v1/reviews/{oid}/content"), Some(&publisher))
            .status,
        409
    );

    // One audit record tells of the copy, one of the gate's first pass of its bytes (the
    // later passes record nothing); the chain verifies.
    let audit = c.get("/v1/audit", Some(&admin)).json();
    let records = audit["records"].as_array().unwrap();
    assert_eq!(
        records.len(),
        before + 2,
        "one record for the copy, one for its first gate pass: {audit}"
    );
    let passes: Vec<&Value> = records
        .iter()
        .filter(|r| r["action"] == "gate_passed")
        .collect();
    assert_eq!(passes.len(), 1, "{passes:?}");
    assert_eq!(
        (&passes[0]["review"], &passes[0]["sha256"]),
        (&json!(cid), &copy["sha256"])
    );
    let rec = records
        .iter()
        .find(|r| r["action"] == "redaction_created")
        .expect("a redaction_created record");
    assert_eq!(
        (&rec["review"], &rec["actor"]),
        (&json!(cid), &json!("王丽"))
    );
    let detail = rec["detail"].as_str().unwrap();
    assert!(
        detail.starts_with(&format!("redacted copy of review {oid}: ")),
        "{detail}"
    );
    assert_eq!(c.get("/v1/audit/verify", Some(&admin)).status, 200);

    // The log never quotes a value.
    let log = server.stderr();
    assert!(log.contains("redacted copy made"), "{log}");
    for v in values() {
        assert!(!log.contains(&v), "the log quotes {v}");
    }

    // All of it survives a restart.
    assert_eq!(server.terminate(), Some(0));
    let server = Server::start(&data, &[]);
    let mut c = server.client();
    let o = c.get(&format!("/v1/reviews/{oid}"), Some(&wang)).json();
    assert_eq!(o["redactions"][0]["id"], cid);
    let got = c.get(&format!("/v1/reviews/{cid}"), Some(&wang)).json();
    assert_eq!(got["redacted_from"], oid);
}

/// A copy that still holds for what no mask fixes (内部资料) is made, lists it, and holds at
/// the gate until another reviewer approves it; its maker cannot (four eyes), nor can the
/// person who submitted the original; the original holds throughout. Redacting again under
/// the same policy answers the same copy and records nothing; another policy makes another.
#[test]
fn what_no_mask_fixes_keeps_the_copy_held_until_another_reviewer_approves_it() {
    let (_dir, data) = data_dir();
    let server = Server::start(&data, &[]);
    let wang = server.token("王丽", "reviewer");
    let chen = server.token("陈主任", "reviewer");
    let zhou = server.token("周强", "reviewer");
    let publisher = server.token("发布流水线", "publisher");
    let admin = server.admin.clone();
    let mut c = server.client();

    // 周强, a reviewer, submits the draft himself.
    let draft = "内部资料 不得外传\n\n关于救助对象的核查情况\n申请人：张建国，身份证号：110101195001010009，手机13800000000。\n";
    let original = upload(&mut c, &zhou, "核查情况.txt", draft.as_bytes());
    let oid = original["id"].as_u64().unwrap();

    let r = redact(&mut c, &wang, oid, Some(json!({})));
    assert_eq!(r.status, 201, "{}", r.text());
    let a = r.json();
    let cid = a["review"]["id"].as_u64().unwrap();
    let sha = a["review"]["sha256"].clone();
    let unmasked: Vec<&str> = a["unmasked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["category"].as_str().unwrap())
        .collect();
    assert!(
        !unmasked.is_empty() && unmasked.iter().all(|c| *c == "process_internal"),
        "{unmasked:?}"
    );
    assert_eq!(a["review"]["decision"], "hold");
    let copy_text = String::from_utf8(
        c.get(&format!("/v1/reviews/{cid}/content"), Some(&wang))
            .body,
    )
    .unwrap();
    assert_eq!(
        copy_text,
        "内部资料 不得外传\n\n关于救助对象的核查情况\n申请人：张**，身份证号：110101********0009，手机138****0000。\n"
    );
    assert_eq!(gate(&mut c, &publisher, &sha), 409, "held until approved");

    // Four eyes: its maker, and the person who submitted the original, may not decide it.
    let approve = json!({"decision": "approve", "reason": "内部资料标记系模板残留，已核实可公开"});
    let own = c.post_json(
        &format!("/v1/reviews/{cid}/decisions"),
        Some(&wang),
        &approve,
    );
    assert_eq!(own.status, 403, "{}", own.text());
    let orig = c.post_json(
        &format!("/v1/reviews/{cid}/decisions"),
        Some(&zhou),
        &approve,
    );
    assert_eq!(orig.status, 403, "{}", orig.text());
    assert!(
        orig.text().contains("the original of this redacted copy"),
        "{}",
        orig.text()
    );
    let claim = c.post_json(&format!("/v1/reviews/{cid}/claim"), Some(&zhou), &json!({}));
    assert_eq!(claim.status, 403, "{}", claim.text());
    let next = c.get("/v1/reviews/next", Some(&zhou)).json();
    assert!(
        next["review"].is_null() || next["review"]["id"] != cid,
        "下一件 offers 周强 the copy of his own draft: {next}"
    );
    assert_eq!(gate(&mut c, &publisher, &sha), 409);

    // Another reviewer approves it: the copy passes, the original still holds.
    let ok = c.post_json(
        &format!("/v1/reviews/{cid}/decisions"),
        Some(&chen),
        &approve,
    );
    assert_eq!(ok.status, 201, "{}", ok.text());
    assert_eq!(gate(&mut c, &publisher, &sha), 200);
    assert_eq!(gate(&mut c, &publisher, &original["sha256"]), 409);
    let g = c.post_bytes("/v1/gate", Some(&publisher), draft.as_bytes());
    assert_eq!(g.status, 409, "the original's bytes: {}", g.text());

    // Twice, the same policy: the same copy, nothing recorded.
    let before = audit_count(&mut c, &admin);
    let again = redact(&mut c, &wang, oid, None);
    assert_eq!(again.status, 200, "{}", again.text());
    let again = again.json();
    assert_eq!(again["review"]["id"], cid);
    assert_eq!(again["created"], false);
    assert_eq!(audit_count(&mut c, &admin), before);
    // Another policy (given as TOML text): another copy.
    let r = redact(
        &mut c,
        &wang,
        oid,
        Some(json!({"policy": "[name]\nmask = \"某\"\n"})),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let other = r.json();
    assert_eq!(other["policy"]["name"]["mask"], "某");
    let other_id = other["review"]["id"].as_u64().unwrap();
    assert!(String::from_utf8(
        c.get(&format!("/v1/reviews/{other_id}/content"), Some(&wang))
            .body
    )
    .unwrap()
    .contains("张某某"));
    // ... or as a policy file's body.
    let r = c
        .request(
            "POST",
            &format!("/v1/reviews/{oid}/redactions"),
            Some(&chen),
            Some("application/toml"),
            b"[mobile]\nkeep_start = 3\nkeep_end = 2\n",
        )
        .unwrap();
    assert_eq!(r.status, 201, "{}", r.text());
    assert!(r.text().contains("138******00"), "{}", r.text());
    let o = c.get(&format!("/v1/reviews/{oid}"), Some(&admin)).json();
    let ids: Vec<u64> = o["redactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids.len(), 3, "{o}");
    assert_eq!(&ids[..2], &[cid, other_id]);
}

/// Who may not, what cannot be, and what is wrong: refused with a clear answer, nothing
/// recorded, never a value in the message or the log.
#[test]
fn refusals_are_clear_and_record_nothing() {
    let (_dir, data) = data_dir();
    let server = Server::start(&data, &[]);
    let lisi = server.token("李四", "submitter");
    let wang = server.token("王丽", "reviewer");
    let publisher = server.token("发布流水线", "publisher");
    let admin = server.admin.clone();
    let mut c = server.client();
    let held = upload(
        &mut c,
        &lisi,
        "名单.txt",
        &fixture("redact/gongshi_list.txt"),
    );
    let id = held["id"].as_u64().unwrap();
    let before = audit_count(&mut c, &admin);

    // Roles and tokens: the submitter of the list itself, a publisher, a wrong token, none.
    for token in [&lisi, &publisher] {
        let r = redact(&mut c, token, id, None);
        assert_eq!(r.status, 403, "{}", r.text());
    }
    assert_eq!(redact(&mut c, "not-a-token", id, None).status, 401);
    let r = c
        .request(
            "POST",
            &format!("/v1/reviews/{id}/redactions"),
            None,
            None,
            b"",
        )
        .unwrap();
    assert_eq!(r.status, 401);
    // A review that does not exist, an id that is none.
    let r = redact(&mut c, &wang, 999, None);
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (404, Some("not_found"))
    );
    let r = c
        .request("POST", "/v1/reviews/01/redactions", Some(&wang), None, b"")
        .unwrap();
    assert_eq!(r.status, 400);

    // Policies that do not validate say where; a body of another type is refused.
    for (body, want) in [
        (
            json!({"policy": "[resident_id]\nkeep_start = 10\nkeep_end = 4\n"}),
            "field `policy`:1:1: ",
        ),
        (
            json!({"policy": {"mobile": {"keep_start": 9, "keep_end": 4}}}),
            "at least 4",
        ),
        (
            json!({"policy": {"mask": "ab"}}),
            "`mask` must be one character",
        ),
        (json!({"policy": {"masks": "*"}}), "masks"),
        (json!({"policy": 7}), "field `policy`"),
        (json!({"polcy": {}}), "invalid JSON body"),
    ] {
        let r = redact(&mut c, &wang, id, Some(body.clone()));
        assert_eq!(r.status, 400, "{body}: {}", r.text());
        let m = r.json()["message"].as_str().unwrap().to_string();
        assert!(m.contains(want), "{body}: {m}");
    }
    let r = c
        .request(
            "POST",
            &format!("/v1/reviews/{id}/redactions"),
            Some(&wang),
            Some("text/plain"),
            b"mask = \"*\"",
        )
        .unwrap();
    assert_eq!(r.status, 415, "{}", r.text());

    // Formats that cannot be rewritten safely: 422 in Chinese and English, nothing recorded.
    for (name, bytes) in [
        (
            "公示.pdf",
            fixture("formats/pdf/approve_gongshi_masked_reportlab.pdf"),
        ),
        (
            "名单.xlsx",
            fixture("formats/sheet/approve_public_list_masked.xlsx"),
        ),
    ] {
        let rid = upload(&mut c, &lisi, name, &bytes)["id"].as_u64().unwrap();
        let n = audit_count(&mut c, &admin);
        let r = redact(&mut c, &wang, rid, None);
        assert_eq!(r.status, 422, "{name}: {}", r.text());
        let v = r.json();
        assert_eq!(v["code"], "not_redactable", "{v}");
        let m = v["message"].as_str().unwrap();
        assert!(
            m.contains("暂不能安全地改写") && m.contains("cannot be redacted"),
            "{m}"
        );
        assert_eq!(audit_count(&mut c, &admin), n, "{name}: nothing recorded");
    }

    // Nothing a mask can hide: no copy.
    let clean = upload(
        &mut c,
        &lisi,
        "通知.txt",
        "关于开展节能宣传周活动的通知\n请各单位做好宣传。\n".as_bytes(),
    );
    let n = audit_count(&mut c, &admin);
    let r = redact(&mut c, &wang, clean["id"].as_u64().unwrap(), None);
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.json()["code"], "nothing_to_redact");
    assert_eq!(audit_count(&mut c, &admin), n);

    // A copy that fails its proof (the number also stands split by a comma, where the mask
    // does not reach and the proof still reads it): 422, nothing recorded, the value unquoted.
    let split =
        "申请人：张建国，身份证号：110101195001010009。\n档案编号：110101，195001010009。\n";
    let sid = upload(&mut c, &lisi, "档案.txt", split.as_bytes())["id"]
        .as_u64()
        .unwrap();
    let n = audit_count(&mut c, &admin);
    let r = redact(&mut c, &wang, sid, None);
    assert_eq!(r.status, 422, "{}", r.text());
    let v = r.json();
    assert_eq!(v["code"], "redaction_failed", "{v}");
    let m = v["message"].as_str().unwrap();
    assert!(
        m.contains("未通过复查") && m.contains("failed its proof"),
        "{m}"
    );
    assert!(!m.contains("195001010009") && !m.contains("张建国"), "{m}");
    assert_eq!(audit_count(&mut c, &admin), n);
    let s = c.get(&format!("/v1/reviews/{sid}"), Some(&wang)).json();
    assert!(s.get("redactions").is_none(), "{s}");

    // None of it recorded anything for the list; no value reached the log.
    assert_eq!(
        audit_count(&mut c, &admin),
        before + 4,
        "the four uploads only"
    );
    let o = c.get(&format!("/v1/reviews/{id}"), Some(&wang)).json();
    assert!(o.get("redactions").is_none(), "{o}");
    let log = server.stderr();
    assert!(log.contains("redaction refused"), "{log}");
    for v in values().iter().chain([&"195001010009".to_string()]) {
        assert!(!log.contains(v.as_str()), "the log quotes {v}");
    }
}

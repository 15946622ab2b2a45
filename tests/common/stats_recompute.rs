//! The figures for the annual report recomputed from `baomi audit export` apart from
//! `src/stats` (which they check): the drafts of a year, each as the audit records say it
//! stands, counted row by row. Shared by tests/stats.rs and tests/console.rs.

#![allow(dead_code)]

use baomi::calendar::{Calendar, Day};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// A row's main figures, in the order of [`FIGURES`].
pub fn figures(r: &Value) -> Vec<Value> {
    FIGURES.iter().map(|f| r[*f].clone()).collect()
}

pub const FIGURES: [&str; 15] = [
    "received",
    "versions",
    "engine_held",
    "held_by_category",
    "approved",
    "approved_after_override",
    "held",
    "returned",
    "pending",
    "redacted",
    "published",
    "decided",
    "decision_days_median",
    "decision_days_p90",
    "overdue",
];

pub fn cats(pairs: &[(&str, u64)]) -> Value {
    let mut m = serde_json::Map::new();
    for c in [
        "state_secret",
        "process_internal",
        "stability",
        "commercial_secret",
        "personal_privacy",
        "unreadable",
    ] {
        m.insert(c.into(), json!(0));
    }
    for (k, v) in pairs {
        m.insert((*k).into(), json!(v));
    }
    Value::Object(m)
}

/// The figures recomputed from the exported audit records, apart from `src/stats`: the drafts
/// of `year`, each as the records say it stands, then counted row by row.
pub fn recompute(export: &str, year: i32, group: &str, depts: &BTreeMap<&str, &str>) -> Value {
    let calendar = Calendar::embedded();
    let records: Vec<Value> = export
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let china_day = |at: &Value| {
        Day::from_unix_ms_in_china(baomi::parse_timestamp_ms(at.as_str().unwrap()).unwrap())
    };
    #[derive(Default, Clone)]
    struct D {
        day: Option<Day>,
        month: String,
        version: bool,
        submitter: String,
        held_for: Option<Vec<String>>,
        engine_last: String,
        reviewer: Vec<(Day, String, String, String)>, // day, by, action, decision
        engine_before_last_reviewer: String,
        superseded: bool,
        redacted: bool,
        published: bool,
    }
    let mut drafts: BTreeMap<u64, D> = BTreeMap::new();
    let mut copy_of: BTreeMap<u64, u64> = BTreeMap::new();
    for r in &records {
        let Some(id) = r["review"].as_u64() else {
            continue;
        };
        let action = r["action"].as_str().unwrap();
        let decision = r["decision"].as_str().unwrap_or("").to_string();
        match action {
            "review_submitted" | "version_submitted" => {
                let day = china_day(&r["at"]);
                let (y, m, _) = day.ymd();
                let detail = r["detail"].as_str().unwrap();
                if action == "version_submitted" {
                    let old: u64 = detail
                        .split(" of review ")
                        .nth(1)
                        .unwrap()
                        .split(',')
                        .next()
                        .unwrap()
                        .parse()
                        .unwrap();
                    drafts.get_mut(&old).unwrap().superseded = true;
                }
                let held_for = (decision == "hold").then(|| {
                    detail
                        .rsplit_once("; held: ")
                        .unwrap()
                        .1
                        .split(", ")
                        .map(str::to_string)
                        .collect()
                });
                drafts.insert(
                    id,
                    D {
                        day: Some(day),
                        month: format!("{y:04}-{m:02}"),
                        version: action == "version_submitted",
                        submitter: r["actor"].as_str().unwrap().to_string(),
                        held_for,
                        engine_last: decision,
                        ..D::default()
                    },
                );
            }
            "redaction_created" => {
                let from: u64 = r["detail"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("redacted copy of review ")
                    .split(':')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap();
                copy_of.insert(id, from);
                drafts.get_mut(&from).unwrap().redacted = true;
            }
            "decision_recorded" => drafts.get_mut(&id).unwrap().engine_last = decision,
            "override_recorded" | "review_returned" => {
                if let Some(d) = drafts.get_mut(&id) {
                    d.engine_before_last_reviewer = d.engine_last.clone();
                    let by = r["actor"].as_str().unwrap().to_string();
                    d.reviewer
                        .push((china_day(&r["at"]), by, action.into(), decision));
                }
            }
            "gate_passed" => {
                let of = copy_of.get(&id).copied().unwrap_or(id);
                drafts.get_mut(&of).unwrap().published = true;
            }
            _ => {}
        }
    }
    let today = Day::today_in_china();
    let row = |of: &[&D]| -> Value {
        let count = |f: &dyn Fn(&D) -> bool| of.iter().filter(|d| f(d)).count();
        let now_approve = |d: &D| match d.reviewer.last() {
            Some(r) => r.3 == "approve",
            None => d.engine_last == "approve",
        };
        let mut held_by = cats(&[]);
        for d in of {
            for c in d.held_for.iter().flatten() {
                let n = held_by[c].as_u64().unwrap();
                held_by[c] = json!(n + 1);
            }
        }
        let mut days: Vec<i64> = of
            .iter()
            .filter_map(|d| {
                d.reviewer
                    .first()
                    .map(|r| calendar.working_days_between(d.day.unwrap(), r.0))
            })
            .collect();
        days.sort();
        let median = match days.len() {
            0 => Value::Null,
            n if n % 2 == 1 => json!(days[n / 2] as f64),
            n => json!((days[n / 2 - 1] + days[n / 2]) as f64 / 2.0),
        };
        // Nearest rank: the smallest value at least 90% of them do not exceed.
        let p90 = (1..=days.len())
            .find(|k| k * 10 >= days.len() * 9)
            .map_or(Value::Null, |k| json!(days[k - 1]));
        json!({
            "received": of.len(),
            "versions": count(&|d| d.version),
            "engine_held": count(&|d| d.held_for.is_some()),
            "held_by_category": held_by,
            "approved": count(&|d| now_approve(d)),
            "approved_after_override": count(&|d| d.reviewer.last().is_some_and(|r| r.2 == "override_recorded" && r.3 == "approve") && d.engine_before_last_reviewer == "hold"),
            "held": count(&|d| !now_approve(d)),
            "returned": count(&|d| d.reviewer.last().is_some_and(|r| r.2 == "review_returned")),
            "pending": count(&|d| d.reviewer.is_empty() && !d.superseded),
            "redacted": count(&|d| d.redacted),
            "published": count(&|d| d.published),
            "decided": days.len(),
            "decision_days_median": median,
            "decision_days_p90": p90,
            "overdue": count(&|d| {
                let due = calendar.add_working_days(d.day.unwrap(), 20);
                d.reviewer.first().map_or(today, |r| r.0) > due
            }),
        })
    };
    let cohort: Vec<&D> = drafts
        .values()
        .filter(|d| d.day.unwrap().year() == year)
        .collect();
    let key_of = |d: &D| -> Vec<String> {
        match group {
            "month" => vec![d.month.clone()],
            "dept" => vec![depts.get(d.submitter.as_str()).unwrap_or(&"").to_string()],
            "reviewer" => vec![d.reviewer.first().map(|r| r.1.clone()).unwrap_or_default()],
            _ => match &d.held_for {
                Some(c) => c.clone(),
                None => vec!["none".into()],
            },
        }
    };
    let keys: BTreeSet<String> = cohort.iter().flat_map(|d| key_of(d)).collect();
    let rows: BTreeMap<String, Value> = keys
        .into_iter()
        .map(|k| {
            let of: Vec<&D> = cohort
                .iter()
                .copied()
                .filter(|d| key_of(d).contains(&k))
                .collect();
            (k, row(&of))
        })
        .collect();
    json!({"rows": rows, "total": row(&cohort)})
}

/// `baomi stats` (JSON) against the recomputation: the totals, and every row that has drafts.
pub fn assert_agrees(name: &str, stats: &Value, expected: &Value) {
    assert_eq!(
        figures(&stats["total"]),
        figures(&expected["total"]),
        "{name}: totals\n{:#}\n{:#}",
        stats["total"],
        expected["total"]
    );
    let got: BTreeMap<String, Vec<Value>> = stats["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["received"].as_u64() > Some(0))
        .map(|r| (r["key"].as_str().unwrap().to_string(), figures(r)))
        .collect();
    let want: BTreeMap<String, Vec<Value>> = expected["rows"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), figures(v)))
        .collect();
    assert_eq!(got, want, "{name}: rows");
}

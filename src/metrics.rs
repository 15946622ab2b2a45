//! Counters and latency histograms for `GET /metrics`, in the Prometheus text format.
//!
//! Label values are fixed words (decisions, categories, route templates, status codes), never
//! document text, so the exposition is safe to show to anyone who can reach the port.

use crate::engine::Decision;
use crate::store::{DecisionKind, Review};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Default)]
pub struct Metrics {
    counters: Mutex<BTreeMap<(&'static str, String), u64>>,
    /// Values set, not counted: the clocks' figures, computed on a timer.
    gauges: Mutex<BTreeMap<(&'static str, String), i64>>,
    histograms: Mutex<BTreeMap<String, Histogram>>,
}

#[derive(Default, Clone)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

const HELP: &[(&str, &str, &str)] = &[
    (
        "baomi_rules_reloads_total",
        "counter",
        "Rule-set reloads and edits by outcome (changed, unchanged, edited, rejected).",
    ),
    (
        "baomi_reviews_total",
        "counter",
        "Reviews recorded, by the engine's decision.",
    ),
    (
        "baomi_review_holds_total",
        "counter",
        "Reviews recorded with at least one hold finding in the category.",
    ),
    (
        "baomi_decisions_total",
        "counter",
        "Decisions recorded after the first, by kind and outcome.",
    ),
    ("baomi_gate_total", "counter", "Gate answers."),
    (
        "baomi_store_errors_total",
        "counter",
        "Storage errors seen by the service.",
    ),
    (
        "baomi_http_requests_total",
        "counter",
        "HTTP requests by route and status.",
    ),
    (
        "baomi_reviews_due_soon",
        "gauge",
        "Open reviews whose clock (disclosure or opinion) has at most 5 working days left, computed on a timer.",
    ),
    (
        "baomi_reviews_overdue",
        "gauge",
        "Open reviews whose clock (disclosure or opinion) is past its due day, computed on a timer.",
    ),
    (
        "baomi_clocks_computed_timestamp_seconds",
        "gauge",
        "When the clock gauges were last computed (Unix time).",
    ),
];

impl Metrics {
    fn add(&self, name: &'static str, labels: String) {
        let mut c = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        *c.entry((name, labels)).or_default() += 1;
    }

    pub fn review_recorded(&self, review: &Review) {
        self.add(
            "baomi_reviews_total",
            format!("decision=\"{}\"", review.decision),
        );
        for c in &review.categories {
            self.add("baomi_review_holds_total", format!("category=\"{c}\""));
        }
    }

    pub fn decision_recorded(&self, kind: DecisionKind, decision: Decision) {
        let kind = kind.as_str();
        self.add(
            "baomi_decisions_total",
            format!("kind=\"{kind}\",decision=\"{decision}\""),
        );
    }

    pub fn gate(&self, allowed: bool) {
        self.add("baomi_gate_total", format!("allowed=\"{allowed}\""));
    }

    pub fn rules_reload(&self, outcome: &str) {
        self.add(
            "baomi_rules_reloads_total",
            format!("outcome=\"{outcome}\""),
        );
    }

    /// Replaces every sample of the gauge `name` with `samples` (labels, value).
    pub fn set_gauge(&self, name: &'static str, samples: Vec<(String, i64)>) {
        let mut g = self.gauges.lock().unwrap_or_else(|p| p.into_inner());
        g.retain(|(n, _), _| *n != name);
        for (labels, v) in samples {
            g.insert((name, labels), v);
        }
    }

    pub fn store_error(&self) {
        self.add("baomi_store_errors_total", String::new());
    }

    /// One finished HTTP request; `route` is the route template, never the raw path.
    pub fn request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        self.add(
            "baomi_http_requests_total",
            format!("method=\"{method}\",route=\"{route}\",status=\"{status}\""),
        );
        let secs = elapsed.as_secs_f64();
        let mut h = self.histograms.lock().unwrap_or_else(|p| p.into_inner());
        let h = h
            .entry(format!("method=\"{method}\",route=\"{route}\""))
            .or_default();
        for (i, le) in BUCKETS.iter().enumerate() {
            if secs <= *le {
                h.buckets[i] += 1;
            }
        }
        h.count += 1;
        h.sum += secs;
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut counters: BTreeMap<(&'static str, String), i128> = self
            .counters
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(k, v)| (k.clone(), i128::from(*v)))
            .collect();
        counters.extend(
            self.gauges
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .map(|(k, v)| (k.clone(), i128::from(*v))),
        );
        let histograms = self
            .histograms
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let mut out = String::new();
        for (name, kind, help) in HELP {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            let mut any = false;
            for ((n, labels), v) in &counters {
                if n == name {
                    any = true;
                    if labels.is_empty() {
                        let _ = writeln!(out, "{name} {v}");
                    } else {
                        let _ = writeln!(out, "{name}{{{labels}}} {v}");
                    }
                }
            }
            if !any && *name == "baomi_store_errors_total" {
                let _ = writeln!(out, "{name} 0");
            }
        }
        let name = "baomi_http_request_duration_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} HTTP request latency by route.\n# TYPE {name} histogram"
        );
        for (labels, h) in &histograms {
            for (i, le) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "{name}_bucket{{{labels},le=\"{le}\"}} {}",
                    h.buckets[i]
                );
            }
            let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {}", h.count);
            let _ = writeln!(out, "{name}_sum{{{labels}}} {}", h.sum);
            let _ = writeln!(out, "{name}_count{{{labels}}} {}", h.count);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Category;

    /// The sample lines of `out` (no comments), as written.
    fn samples(out: &str) -> Vec<&str> {
        out.lines().filter(|l| !l.starts_with('#')).collect()
    }

    fn review(decision: Decision, categories: Vec<Category>) -> Review {
        serde_json::from_value(serde_json::json!({
            "id": 1,
            "sha256": "00",
            "title": null,
            "submitter": "李四",
            "submitter_role": "submitter",
            "via": "api",
            "content_kind": "bytes",
            "len": 2,
            "submitted_at": "2026-11-26T00:00:00.000Z",
            "ruleset": "r",
            "findings": [],
            "categories": categories,
            "decision": decision,
            "updated_at": "2026-11-26T00:00:00.000Z",
            "decisions": [],
        }))
        .expect("a review")
    }

    #[test]
    fn an_empty_registry_says_what_it_counts() {
        let out = Metrics::default().render();
        for (name, kind, _) in HELP {
            assert!(out.contains(&format!("# HELP {name} ")), "{name}");
            assert!(out.contains(&format!("# TYPE {name} {kind}\n")), "{name}");
        }
        assert!(out.contains("# TYPE baomi_http_request_duration_seconds histogram\n"));
        // Only the storage error counter is written before it counts anything.
        assert_eq!(samples(&out), ["baomi_store_errors_total 0"]);
    }

    #[test]
    fn counters_count_by_their_labels() {
        let m = Metrics::default();
        m.review_recorded(&review(
            Decision::Hold,
            vec![Category::PersonalPrivacy, Category::StateSecret],
        ));
        m.review_recorded(&review(Decision::Approve, Vec::new()));
        m.decision_recorded(DecisionKind::Override, Decision::Approve);
        m.decision_recorded(DecisionKind::Engine, Decision::Hold);
        m.gate(true);
        m.gate(true);
        m.gate(false);
        m.rules_reload("unchanged");
        m.store_error();
        m.store_error();
        let out = m.render();
        let s = samples(&out);
        for line in [
            "baomi_reviews_total{decision=\"approve\"} 1",
            "baomi_reviews_total{decision=\"hold\"} 1",
            "baomi_review_holds_total{category=\"personal_privacy\"} 1",
            "baomi_review_holds_total{category=\"state_secret\"} 1",
            "baomi_decisions_total{kind=\"engine\",decision=\"hold\"} 1",
            "baomi_decisions_total{kind=\"override\",decision=\"approve\"} 1",
            "baomi_gate_total{allowed=\"false\"} 1",
            "baomi_gate_total{allowed=\"true\"} 2",
            "baomi_rules_reloads_total{outcome=\"unchanged\"} 1",
            "baomi_store_errors_total 2",
        ] {
            assert!(s.contains(&line), "{line} missing from\n{out}");
        }
        assert_eq!(s.len(), 10, "{out}");
        // Each sample stands under its own HELP and TYPE.
        let gate = out.find("# TYPE baomi_gate_total counter").unwrap();
        let next = out.find("# HELP baomi_store_errors_total").unwrap();
        let at = out.find("baomi_gate_total{allowed=\"true\"} 2").unwrap();
        assert!(gate < at && at < next);
    }

    #[test]
    fn request_latencies_fill_cumulative_buckets() {
        let m = Metrics::default();
        m.request("GET", "/v1/reviews", 200, Duration::from_millis(3));
        m.request("GET", "/v1/reviews", 400, Duration::from_secs(7));
        m.request("POST", "/v1/gate", 200, Duration::from_micros(100));
        let out = m.render();
        let s = samples(&out);
        let h = "baomi_http_request_duration_seconds";
        let reviews = "method=\"GET\",route=\"/v1/reviews\"";
        for line in [
            format!("baomi_http_requests_total{{{reviews},status=\"200\"}} 1"),
            format!("baomi_http_requests_total{{{reviews},status=\"400\"}} 1"),
            // 3 ms: not within 2.5 ms, within 5 ms and every bucket above; 7 s only in +Inf.
            format!("{h}_bucket{{{reviews},le=\"0.0025\"}} 0"),
            format!("{h}_bucket{{{reviews},le=\"0.005\"}} 1"),
            format!("{h}_bucket{{{reviews},le=\"5\"}} 1"),
            format!("{h}_bucket{{{reviews},le=\"+Inf\"}} 2"),
            format!("{h}_count{{{reviews}}} 2"),
            format!("{h}_sum{{{reviews}}} 7.003"),
            format!("{h}_bucket{{method=\"POST\",route=\"/v1/gate\",le=\"0.0005\"}} 1"),
        ] {
            assert!(s.contains(&line.as_str()), "{line} missing from\n{out}");
        }
        // Per route: one line per bucket, +Inf, sum and count.
        let lines = |route: &str| s.iter().filter(|l| l.contains(route)).count();
        assert_eq!(lines("/v1/gate"), 1 + BUCKETS.len() + 3);
        assert_eq!(lines("/v1/reviews"), 2 + BUCKETS.len() + 3);
        // Buckets never decrease.
        let counts: Vec<u64> = s
            .iter()
            .filter(|l| l.starts_with(&format!("{h}_bucket{{{reviews}")))
            .map(|l| l.rsplit(' ').next().unwrap().parse().unwrap())
            .collect();
        assert!(counts.windows(2).all(|w| w[0] <= w[1]), "{counts:?}");
    }
}

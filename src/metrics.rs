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
        let kind = match kind {
            DecisionKind::Engine => "engine",
            DecisionKind::Override => "override",
        };
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
        let counters = self
            .counters
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
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

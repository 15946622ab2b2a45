//! Invariants shared by the fuzz targets (included by each with `#[path = "check.rs"] mod check;`).
//! Cheap checks only: a target that spends its time checking finds less.
#![allow(dead_code)]

use std::sync::OnceLock;

use baomi::extract::InputError;
use baomi::extract::{Document, Format};
use baomi::rules::{default_ruleset, RuleSet};
use baomi::{Decision, Report, Severity};

/// A fixed date, so that a crash reproduces whatever day it is replayed.
pub const TODAY: u32 = 20261126;

/// The embedded rule set, compiled once per process.
pub fn ruleset() -> &'static RuleSet {
    static RS: OnceLock<RuleSet> = OnceLock::new();
    RS.get_or_init(|| default_ruleset(TODAY))
}

/// A [`Document`]'s documented invariants: segments sorted, starting at 0 when there is text,
/// on character boundaries; traces inside the text on character boundaries.
pub fn document(doc: &Document<'_>) {
    let text: &str = &doc.text;
    if !text.is_empty() {
        assert!(!doc.segments.is_empty(), "text without segments");
        assert_eq!(doc.segments[0].start, 0, "first segment not at 0");
    }
    for w in doc.segments.windows(2) {
        assert!(w[0].start <= w[1].start, "segments not sorted: {w:?}");
    }
    for s in &doc.segments {
        assert!(s.start <= text.len(), "segment past the text: {s:?}");
        assert!(
            text.is_char_boundary(s.start),
            "segment inside a char: {s:?}"
        );
    }
    for t in &doc.traces {
        assert!(t.start <= t.end && t.end <= text.len(), "bad trace {t:?}");
        assert!(
            text.is_char_boundary(t.start) && text.is_char_boundary(t.end),
            "trace inside a char: {t:?}"
        );
    }
    match doc.format {
        Format::Docx => {}
        // A legacy .doc's comments are traces; its revisions are not read.
        Format::Doc => assert!(
            doc.traces
                .iter()
                .all(|t| t.kind == baomi::extract::TraceKind::Comment),
            "a .doc trace that is not a comment"
        ),
        _ => assert!(doc.traces.is_empty(), "traces outside a Word document"),
    }
    for u in &doc.unreadable {
        assert!(
            u.pos <= text.len() && text.is_char_boundary(u.pos),
            "unreadable part off the text: {u:?}"
        );
        assert!(!u.why.is_empty(), "unreadable part without a reason");
    }
    for s in &doc.segments {
        if let Some(i) = s.at.sheet {
            assert!(
                (i as usize) < doc.sheets.len(),
                "segment names a missing sheet: {s:?}"
            );
        }
    }
}

/// Extracts `bytes` and checks the outcome: a document keeps its invariants and the scan of
/// it the report's; an error's offsets point into the input. The tail of every target that
/// goes through `extract`.
pub fn extracted(bytes: &[u8]) {
    match baomi::extract::extract(bytes) {
        Ok(doc) => {
            document(&doc);
            let r = baomi::pipeline::scan_document(&ruleset().engine, &doc);
            report(&doc.text, &r);
        }
        Err(e) => error(&e, bytes.len()),
    }
}

/// Error offsets point into the input.
pub fn error(e: &InputError, len: usize) {
    match *e {
        InputError::Binary { offset }
        | InputError::NotUtf8 { offset }
        | InputError::Undecodable { offset, .. } => {
            assert!(offset <= len, "{e:?}: offset past {len} bytes")
        }
        _ => {}
    }
}

/// A report's invariants over the text it was made from: spans inside the text on character
/// boundaries that slice to the finding's text, line and column of `start`, findings sorted by
/// start, the decision hold iff a finding holds, the rule set's id.
pub fn report(text: &str, r: &Report) {
    assert_eq!(r.ruleset, ruleset().id, "report carries the rule-set id");
    let holds = r.findings.iter().any(|f| f.severity == Severity::Hold);
    assert_eq!(
        r.decision == Decision::Hold,
        holds,
        "decision {} with findings {:?}",
        r.decision,
        r.findings
    );
    for w in r.findings.windows(2) {
        assert!(w[0].start <= w[1].start, "findings not sorted: {w:?}");
    }
    for f in &r.findings {
        assert!(f.start <= f.end && f.end <= text.len(), "bad span {f:?}");
        assert!(
            text.is_char_boundary(f.start) && text.is_char_boundary(f.end),
            "span inside a char: {f:?}"
        );
        assert_eq!(
            &text[f.start..f.end],
            f.text,
            "span does not slice to its text"
        );
        let before = &text[..f.start];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        assert_eq!(f.line, before.matches('\n').count() + 1, "line of {f:?}");
        assert_eq!(
            f.column,
            text[line_start..f.start].chars().count() + 1,
            "column of {f:?}"
        );
    }
}

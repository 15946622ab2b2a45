//! The shipped rule set: every rule's examples pass, and every single term of every term rule
//! is found on its own (no term is dead weight or shadowed by its own exceptions).

use baomi::engine::{Matcher, Scope};
use baomi::rules;

const TODAY: u32 = 20261126;

#[test]
fn shipped_rule_examples_pass() {
    let rs = rules::default_ruleset(TODAY);
    let (count, failures) = rules::run_examples(&rs);
    assert!(count > 150, "the shipped rules carry examples ({count})");
    let msgs: Vec<String> = failures.iter().map(ToString::to_string).collect();
    assert!(msgs.is_empty(), "{}", msgs.join("\n"));
}

#[test]
fn every_rule_has_examples_that_must_match() {
    let rs = rules::default_ruleset(TODAY);
    let missing: Vec<&str> = rs
        .examples
        .iter()
        .filter(|e| e.hold.is_empty() && e.warn.is_empty())
        .map(|e| e.rule.as_str())
        .collect();
    assert!(
        missing.is_empty(),
        "rules without a matching example: {missing:?}"
    );
}

#[test]
fn every_term_is_found_on_its_own() {
    let rs = rules::default_ruleset(TODAY);
    let mut failures = Vec::new();
    let mut n = 0;
    for rule in rs.engine.rules() {
        let Matcher::Terms(terms) = &rule.matcher else {
            continue;
        };
        for term in terms {
            n += 1;
            // First line, alone: satisfies title, head and whole-line scopes.
            let text = format!("{term}\n正文。");
            let findings = rs.engine.scan_each_rule(&text);
            let found = findings
                .iter()
                .any(|f| f.rule == rule.id && f.start == 0 && f.text == term.as_str());
            if !found {
                failures.push(format!(
                    "{} ({:?}): term {term:?} not found: {findings:?}",
                    rule.id, rule.scope
                ));
            }
            // A marking rule whose mentions are no finding (`mention = "drop"`) is rightly
            // silent inside a running sentence.
            let mentions_dropped = matches!(rule.mention, Some(baomi::engine::Action::Drop));
            if rule.scope == Scope::Anywhere && !rule.whole_line && !mentions_dropped {
                // And inside unspaced Chinese text.
                let text = format!("经研究，{term}相关事项如下");
                if !rs
                    .engine
                    .scan_each_rule(&text)
                    .iter()
                    .any(|f| f.rule == rule.id && f.text == term.as_str())
                {
                    failures.push(format!(
                        "{}: term {term:?} not found inside a sentence",
                        rule.id
                    ));
                }
            }
        }
    }
    assert!(n > 200, "the shipped rules have terms ({n})");
    assert!(
        failures.is_empty(),
        "{} term(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_embedded_rule_set_is_the_rules_directory() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let on_disk = rules::load_dir(&dir).expect("rules/ loads");
    assert_eq!(
        rules::ruleset_id(&on_disk),
        rules::ruleset_id(&rules::embedded_sources())
    );
    let names: Vec<String> = on_disk
        .iter()
        .map(|f| f.name.rsplit('/').next().unwrap().to_string())
        .collect();
    let embedded: Vec<String> = rules::embedded_sources()
        .into_iter()
        .map(|f| f.name)
        .collect();
    for n in &names {
        assert!(
            embedded.contains(n),
            "rules/{n} is not embedded in the binary"
        );
    }
}

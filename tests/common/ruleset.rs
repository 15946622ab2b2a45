//! The shipped rule set, compiled once per test binary, with a fixed "today" so that birth
//! dates in the fixtures stay valid whatever day the tests run.

use baomi::rules::{default_ruleset, RuleSet};
use std::sync::OnceLock;

pub fn ruleset() -> &'static RuleSet {
    static RS: OnceLock<RuleSet> = OnceLock::new();
    RS.get_or_init(|| default_ruleset(20261126))
}

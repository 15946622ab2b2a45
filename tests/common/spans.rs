//! Checks every report's findings must pass.

use baomi::Finding;

/// Every finding's span lies in `text`, on character boundaries, and slices to its `text`.
pub fn assert_spans(text: &str, findings: &[Finding]) {
    for f in findings {
        assert!(
            f.start <= f.end && f.end <= text.len(),
            "{text:?}: bad span {f:?}"
        );
        assert!(
            text.is_char_boundary(f.start) && text.is_char_boundary(f.end),
            "{text:?}: not on char boundaries {f:?}"
        );
        assert_eq!(
            &text[f.start..f.end],
            f.text,
            "{text:?}: span does not slice to text"
        );
    }
}

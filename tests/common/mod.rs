//! Helpers shared by the integration tests.
#![allow(dead_code)]

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

/// ISO 7064 MOD 11-2 check character, written independently of the engine.
pub fn mod11_2(d17: &str) -> char {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let s: u32 = d17
        .bytes()
        .zip(W)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'][(s % 11) as usize]
}

//! The resident ID check character, computed independently of the engine.

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

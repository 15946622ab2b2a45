//! A tokenizer for PDF content streams and CMap files: the same syntax (numbers, strings, names,
//! arrays, dictionaries, operators). Streaming and allocation-light, so that a stream of ten
//! million operators costs time in proportion and no memory beyond one operand list.

/// One token. Strings are decoded (escapes, hex); names and operators borrow the input.
#[derive(Clone, Debug, PartialEq)]
pub enum Tok<'a> {
    Num(f64),
    Str(Vec<u8>),
    Name(&'a [u8]),
    ArrayStart,
    ArrayEnd,
    DictStart,
    DictEnd,
    /// An operator (`Tj`, `BT`, `begincmap`, …), or `true`/`false`/`null`.
    Op(&'a [u8]),
}

pub struct Lexer<'a> {
    data: &'a [u8],
    pos: usize,
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t' | b'\x0C' | b'\0')
}

fn is_delim(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

impl<'a> Lexer<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Lexer { data, pos: 0 }
    }

    fn skip_space(&mut self) {
        while let Some(&b) = self.data.get(self.pos) {
            if is_space(b) {
                self.pos += 1;
            } else if b == b'%' {
                while let Some(&c) = self.data.get(self.pos) {
                    if c == b'\n' || c == b'\r' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    /// Skips an inline image's data after its `ID` operator: up to the `EI` that stands alone
    /// between white space (or the end).
    pub fn skip_inline_image(&mut self) {
        let start = (self.pos + 1).min(self.data.len());
        let mut i = start;
        while let Some(off) = memchr::memmem::find(&self.data[i..], b"EI") {
            let at = i + off;
            let before = at == start || self.data.get(at - 1).is_some_and(|&b| is_space(b));
            let after = self.data.get(at + 2).is_none_or(|&b| is_space(b));
            if before && after {
                self.pos = at + 2;
                return;
            }
            i = at + 2;
        }
        self.pos = self.data.len();
    }

    fn literal(&mut self) -> Vec<u8> {
        // At the byte after '('.
        let mut out = Vec::new();
        let mut depth = 1usize;
        while let Some(&b) = self.data.get(self.pos) {
            self.pos += 1;
            match b {
                b'(' => {
                    depth += 1;
                    out.push(b);
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                    out.push(b);
                }
                b'\\' => {
                    let Some(&e) = self.data.get(self.pos) else {
                        break;
                    };
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.data.get(self.pos) {
                                    Some(&d @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push((v & 0xFF) as u8);
                        }
                        b'\r' => {
                            if self.data.get(self.pos) == Some(&b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        other => out.push(other),
                    }
                }
                _ => out.push(b),
            }
        }
        out
    }

    fn hex(&mut self) -> Vec<u8> {
        // At the byte after '<'.
        let mut out = Vec::new();
        let mut high: Option<u8> = None;
        while let Some(&b) = self.data.get(self.pos) {
            self.pos += 1;
            if b == b'>' {
                break;
            }
            if let Some(v) = hex_val(b) {
                match high.take() {
                    Some(h) => out.push(h << 4 | v),
                    None => high = Some(v),
                }
            }
        }
        if let Some(h) = high {
            out.push(h << 4);
        }
        out
    }

    fn regular(&mut self) -> &'a [u8] {
        let start = self.pos;
        while let Some(&b) = self.data.get(self.pos) {
            if is_space(b) || is_delim(b) {
                break;
            }
            self.pos += 1;
        }
        &self.data[start..self.pos]
    }
}

fn number(word: &[u8]) -> Option<f64> {
    let first = *word.first()?;
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.')) {
        return None;
    }
    if !word
        .iter()
        .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.'))
    {
        return None;
    }
    // PDF numbers have no exponent; a stray second sign ("--5") is read as far as it goes.
    let s = std::str::from_utf8(word).ok()?;
    s.parse::<f64>()
        .ok()
        .or_else(|| {
            let end = s[1..].find(['+', '-']).map_or(s.len(), |i| i + 1);
            s[..end].parse::<f64>().ok()
        })
        .or(Some(0.0))
}

impl<'a> Iterator for Lexer<'a> {
    type Item = Tok<'a>;

    fn next(&mut self) -> Option<Tok<'a>> {
        loop {
            self.skip_space();
            let &b = self.data.get(self.pos)?;
            match b {
                b'(' => {
                    self.pos += 1;
                    return Some(Tok::Str(self.literal()));
                }
                b'<' => {
                    if self.data.get(self.pos + 1) == Some(&b'<') {
                        self.pos += 2;
                        return Some(Tok::DictStart);
                    }
                    self.pos += 1;
                    return Some(Tok::Str(self.hex()));
                }
                b'>' => {
                    self.pos += 1;
                    if self.data.get(self.pos) == Some(&b'>') {
                        self.pos += 1;
                        return Some(Tok::DictEnd);
                    }
                    continue;
                }
                b'[' => {
                    self.pos += 1;
                    return Some(Tok::ArrayStart);
                }
                b']' => {
                    self.pos += 1;
                    return Some(Tok::ArrayEnd);
                }
                b'{' | b'}' | b')' => {
                    self.pos += 1;
                    continue;
                }
                b'/' => {
                    self.pos += 1;
                    return Some(Tok::Name(self.regular()));
                }
                _ => {
                    let word = self.regular();
                    if word.is_empty() {
                        self.pos += 1;
                        continue;
                    }
                    return Some(match number(word) {
                        Some(n) => Tok::Num(n),
                        None => Tok::Op(word),
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        let toks: Vec<_> =
            Lexer::new(b"BT /F1 12 Tf (a\\(b\\)\\101) Tj <4E2D 6> Tj [(x) -250 (y)] TJ % c\nET")
                .collect();
        assert_eq!(toks[0], Tok::Op(b"BT"));
        assert_eq!(toks[1], Tok::Name(b"F1"));
        assert_eq!(toks[2], Tok::Num(12.0));
        assert_eq!(toks[4], Tok::Str(b"a(b)A".to_vec()));
        assert_eq!(toks[6], Tok::Str(vec![0x4E, 0x2D, 0x60]));
        assert_eq!(toks[10], Tok::Num(-250.0));
        assert_eq!(toks.last(), Some(&Tok::Op(b"ET")));
    }

    #[test]
    fn inline_image_is_skipped() {
        let mut lx = Lexer::new(b"BI /W 1 ID \x00\xFFEI\xFF EI Q");
        while let Some(t) = lx.next() {
            if t == Tok::Op(b"ID") {
                lx.skip_inline_image();
                break;
            }
        }
        assert_eq!(lx.next(), Some(Tok::Op(b"Q")));
    }
}

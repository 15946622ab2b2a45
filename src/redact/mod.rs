//! Redaction: the publishable copy of a held document, with its personal data masked in place
//! in the original format, and the proof that the copy leaks none of it.
//!
//! Pure like the engine: bytes in, bytes out, no I/O.
//!
//! **What is masked.** Every `personal_privacy` hold finding gives a *value*: its significant
//! characters (digits and letters of a number, the characters of an address or a name), folded
//! as the engine folds them (full-width digits, zero-width characters), and which of them stay
//! visible under the [`Policy`]. A person's name is a value too, but only in a record (a line)
//! that carries a held identifier of that person: names in 任前公示 or 表彰 lists are published
//! on purpose. Findings of the other categories (a classification mark, a 稳控 plan, a 标底)
//! cannot be masked automatically: they are reported and the copy still holds.
//!
//! **Masking in place, by value.** Each value is looked for in the *source* (the decoded text
//! of a `.txt`, the markup of an HTML page, every XML part of a `.docx`) with the evasions the
//! engine sees through between and inside its characters: tags between runs (`</w:t></w:r><w:r>
//! <w:t>`, `<span>`), blanks, zero-width characters, hyphens, character references (`&#51;`)
//! and full-width forms. Each hidden character's own bytes are replaced by the mask, so the
//! layout stays and tags are untouched. Looking for the value rather than mapping one finding
//! back to its bytes masks **every occurrence the same way** (a copy in a comment, an
//! attribute, a hidden cell, the document properties), so two masks can never be combined to
//! rebuild a value.
//!
//! **Proof.** The copy is extracted and scanned again. A redaction succeeds only if no
//! `personal_privacy` hold remains and no value occurs anywhere: not in the raw bytes (every
//! ZIP part, attributes and metadata included) and not in the folded text of the
//! re-extraction with its separators removed. Otherwise it fails and no copy is given.

mod docx;
pub mod policy;

use crate::engine::{fold, Category, Engine, Finding, Severity};
use crate::extract::{self, Format, InputError};
use crate::pipeline;
pub use policy::{Policy, PolicyError};
use regex::Regex;
use std::fmt;

/// A redacted copy and what it took.
#[derive(Debug)]
pub struct Redaction {
    pub bytes: Vec<u8>,
    pub format: Format,
    /// The values masked, each shown masked (`110101********0009`), and how often.
    pub masked: Vec<Masked>,
    /// Hold findings no mask can fix: the copy still holds for them.
    pub unmasked: Vec<Finding>,
    /// What the cleaning of the package removed (comments, tracked deletions, hidden text,
    /// properties), in Chinese, for the report.
    pub cleaned: Vec<String>,
    /// The rescan of the copy: its findings.
    pub after: Vec<Finding>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Masked {
    pub kind: Kind,
    /// The value as published: its visible characters and masks.
    pub shown: String,
    /// How many places it was masked in (parts and occurrences).
    pub occurrences: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    ResidentId,
    Mobile,
    BankCard,
    Passport,
    Address,
    Name,
    /// Any other personal data (a diagnosis, a status): hidden whole.
    Other,
}

impl Kind {
    /// The kind's name in the API: `resident_id`, `mobile`, `bank_card`, `passport`,
    /// `address`, `name`, `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ResidentId => "resident_id",
            Kind::Mobile => "mobile",
            Kind::BankCard => "bank_card",
            Kind::Passport => "passport",
            Kind::Address => "address",
            Kind::Name => "name",
            Kind::Other => "other",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Kind::ResidentId => "身份证号码",
            Kind::Mobile => "手机号码",
            Kind::BankCard => "银行卡号",
            Kind::Passport => "证件号码",
            Kind::Address => "家庭住址",
            Kind::Name => "姓名",
            Kind::Other => "其他个人信息",
        }
    }
}

#[derive(Debug)]
pub enum RedactError {
    /// The file could not be read.
    Input(InputError),
    /// A format that cannot be rewritten safely yet.
    Unsupported(String),
    /// The copy could not be written in the source's own encoding.
    Encoding(String),
    /// The copy still leaks: no copy is given. The message never quotes the value.
    Proof(String),
}

impl fmt::Display for RedactError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedactError::Input(e) => write!(f, "{e}"),
            RedactError::Unsupported(m) | RedactError::Encoding(m) => f.write_str(m),
            RedactError::Proof(m) => write!(f, "脱敏稿未通过复查，未写出：{m}"),
        }
    }
}

impl std::error::Error for RedactError {}

/// One value to mask: its canonical characters and which of them stay visible.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Value {
    kind: Kind,
    /// Folded as the engine folds (what the proof looks for).
    chars: Vec<char>,
    keep: Vec<bool>,
    /// The characters as the source wrote them where folding changed them (a traditional
    /// 張 for 张), one per character of `chars`; empty when they are the same.
    forms: Vec<char>,
}

impl Value {
    fn shown(&self, mask: &str, name_mask: &str) -> String {
        let m = if self.kind == Kind::Name {
            name_mask
        } else {
            mask
        };
        self.chars
            .iter()
            .zip(&self.keep)
            .map(|(c, k)| if *k { c.to_string() } else { m.to_string() })
            .collect()
    }
}

/// Redacts `bytes` (a `.txt`, `.html` or `.docx`; `name` helps tell a `.csv`).
pub fn redact(
    engine: &Engine,
    bytes: &[u8],
    name: Option<&str>,
    policy: &Policy,
) -> Result<Redaction, RedactError> {
    let doc = extract::extract_named(bytes, name).map_err(RedactError::Input)?;
    let format = doc.format;
    match format {
        Format::Text | Format::Csv | Format::Html | Format::Docx => {}
        other => {
            return Err(RedactError::Unsupported(format!(
                "{} 文件暂不能安全地改写，请另存为 .docx、.html 或 .txt 后再脱敏 (redaction supports text, HTML and DOCX)",
                other.as_str()
            )))
        }
    }
    let report = pipeline::scan_document(engine, &doc);
    let values = plan(&doc.text, &report.findings, policy);
    let mask = policy.mask.as_str();
    let name_mask = policy.name.mask.as_str();
    let matcher = Matcher::new(&values);
    let mut counts = vec![0usize; values.len()];
    let mut cleaned = Vec::new();
    let out = match format {
        Format::Docx => docx::rewrite(bytes, &matcher, mask, name_mask, &mut counts, &mut cleaned)?,
        _ => {
            let (source, encoding) =
                extract::encoding::decode(bytes).map_err(RedactError::Input)?;
            let mut text = mask_all(&source, &matcher, mask, name_mask, &mut counts);
            if format == Format::Html {
                text = drop_html_comments_with_masks(&text, mask, name_mask, &mut cleaned);
            }
            encode_like(&text, bytes, &source, encoding)?
        }
    };
    let after = prove(engine, &out, name, &values)?;
    // What still holds is what the copy holds for, not what the original did: cleaning the
    // package fixes comments and tracked changes.
    let unmasked: Vec<Finding> = after
        .iter()
        .filter(|f| f.severity == Severity::Hold)
        .cloned()
        .collect();
    let masked = values
        .iter()
        .zip(counts)
        .map(|(v, n)| Masked {
            kind: v.kind,
            shown: v.shown(mask, name_mask),
            occurrences: n,
        })
        .collect();
    Ok(Redaction {
        bytes: out,
        format,
        masked,
        unmasked,
        cleaned,
        after,
    })
}

/// Where the masked values stand in `text`, the extracted text of a copy: the byte spans of
/// each value as published (`shown`: its visible characters and masks), its characters apart
/// by nothing or by what may stand between the characters of a number (blanks, zero-width
/// characters, hyphens, dots, slashes), the visible ones in their ASCII or full-width form.
/// Sorted, without overlaps. For a reviewer's view of the copy: the proof does not rely on it.
pub fn mask_spans(text: &str, shown: &[&str]) -> Vec<(usize, usize)> {
    let mut alternatives: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for s in shown.iter().filter(|s| seen.insert(**s)) {
        let chars: Vec<String> = s
            .chars()
            .map(|c| {
                let wide = (c.is_ascii_graphic())
                    .then(|| char::from_u32(c as u32 + 0xFEE0))
                    .flatten();
                let lower = c.to_ascii_lowercase();
                let mut class = regex::escape(&c.to_string());
                if lower != c {
                    class.push('|');
                    class.push_str(&regex::escape(&lower.to_string()));
                }
                if let Some(w) = wide {
                    class.push('|');
                    class.push_str(&regex::escape(&w.to_string()));
                }
                format!("(?:{class})")
            })
            .collect();
        if !chars.is_empty() {
            alternatives.push(chars.join(SPAN_GAP));
        }
    }
    if alternatives.is_empty() {
        return Vec::new();
    }
    // Longest first, so that a value inside another is not found in its place.
    alternatives.sort_by_key(|a| std::cmp::Reverse(a.len()));
    // A list of thousands of rows makes a large pattern; past the limit, no highlights.
    let Ok(re) = regex::RegexBuilder::new(&alternatives.join("|"))
        .size_limit(64 << 20)
        .build()
    else {
        return Vec::new();
    };
    re.find_iter(text).map(|m| (m.start(), m.end())).collect()
}

/// What may stand between two characters of a value in extracted text.
const SPAN_GAP: &str =
    r"[ \t\u{3000}\u{00A0}\u{200B}-\u{200D}\u{2060}\u{FEFF}\u{00AD}\-\u{2010}-\u{2014}./·]{0,3}";

/// The values to mask in `text` (the extracted text `findings` point into). Findings of other
/// categories are left alone: no mask fixes them.
pub(crate) fn plan(text: &str, findings: &[Finding], policy: &Policy) -> Vec<Value> {
    let mut values: Vec<Value> = Vec::new();
    let mut records: Vec<(usize, usize)> = Vec::new();
    let mut seen: std::collections::HashSet<Vec<char>> = std::collections::HashSet::new();
    let mut push = |values: &mut Vec<Value>, v: Value| {
        if !v.chars.is_empty() && v.keep.iter().any(|k| !k) && seen.insert(v.chars.clone()) {
            values.push(v);
        }
    };
    for f in findings.iter().filter(|f| f.severity == Severity::Hold) {
        let (s, e) = (f.start.min(text.len()), f.end.min(text.len()));
        if f.category != Category::PersonalPrivacy
            || !text.is_char_boundary(s)
            || !text.is_char_boundary(e)
            || s >= e
        {
            continue;
        }
        records.push((line_start(text, s), line_end(text, e)));
        // Data that is personal only beside a person (a diagnosis, 低保 beside an ID number) is
        // published once the person cannot be told: their identifiers and name are masked, and
        // the proof's rescan says whether that was enough.
        if f.rule.ends_with("_with_person") || f.rule.ends_with("_with_identifier") {
            continue;
        }
        let span = &text[s..e];
        let kind = kind_of(&f.rule, span);
        let v = match kind {
            Kind::Address => address_value(text, s, e, &policy.address),
            Kind::Other => {
                let chars = significant(span, true);
                let keep = vec![false; chars.len()];
                Value {
                    kind,
                    forms: source_forms(span, &chars),
                    chars,
                    keep,
                }
            }
            _ => {
                let chars = significant(after_label(span), false);
                let forms = source_forms(after_label(span), &chars);
                let k = match kind {
                    Kind::ResidentId => policy.resident_id,
                    Kind::Mobile => policy.mobile,
                    Kind::BankCard => policy.bank_card,
                    _ => policy.passport,
                };
                let n = chars.len();
                let keep = (0..n)
                    .map(|i| {
                        (i < k.keep_start || i + k.keep_end >= n)
                            && k.keep_start + k.keep_end + 4 <= n
                    })
                    .collect();
                Value {
                    kind,
                    chars,
                    keep,
                    forms,
                }
            }
        };
        push(&mut values, v);
    }
    records.sort();
    records.dedup();
    // A home address in a table's address column, in a record with a held identifier.
    let headers = header_columns(text, ADDRESS_HEADS);
    for &(a, b) in &records {
        if let Some(cell) = cell_under(&headers, &text[a..b], a) {
            let s = cell.as_ptr() as usize - text.as_ptr() as usize;
            push(
                &mut values,
                address_value(text, s, s + cell.len(), &policy.address),
            );
        }
    }
    if policy.name.enabled {
        for name in names_in_records(text, &records) {
            let chars = significant(&name, true);
            let surname = surname_len(&chars);
            let keep = (0..chars.len()).map(|i| i < surname).collect();
            let forms = source_forms(&name, &chars);
            push(
                &mut values,
                Value {
                    kind: Kind::Name,
                    chars,
                    keep,
                    forms,
                },
            );
        }
    }
    values
}

fn kind_of(rule: &str, span: &str) -> Kind {
    match rule {
        "resident_id" | "social_card_field" => Kind::ResidentId,
        "mobile" => Kind::Mobile,
        "bank_card" => Kind::BankCard,
        "passport" | "passport_field" | "travel_permit" | "permit_field" => Kind::Passport,
        "home_address" => Kind::Address,
        _ => {
            let sig = significant(after_label(span), false);
            let digits = sig.iter().filter(|c| c.is_ascii_digit()).count();
            match (sig.len(), digits) {
                (15 | 18, d) if d >= 14 => Kind::ResidentId,
                (11, 11) if sig[0] == '1' => Kind::Mobile,
                (16..=19, d) if d == sig.len() => Kind::BankCard,
                _ => Kind::Other,
            }
        }
    }
}

/// The part of a finding after its label (`护照号码：E12345678` → `E12345678`).
fn after_label(span: &str) -> &str {
    match span.rfind(['：', ':']) {
        Some(i) => &span[i + span[i..].chars().next().map_or(1, char::len_utf8)..],
        None => span,
    }
}

/// The significant characters of `s` as the engine folds them: ASCII letters (upper case) and
/// digits, and with `han` Chinese characters too; blanks, zero-width characters, hyphens and
/// punctuation are separators.
fn significant(s: &str, han: bool) -> Vec<char> {
    fold(s)
        .text()
        .chars()
        .filter_map(|c| {
            let c = fold_width(c).to_ascii_uppercase();
            if c.is_ascii_alphanumeric() || (han && is_han(c)) {
                Some(c)
            } else {
                None
            }
        })
        .collect()
}

/// The significant characters of `s` as written, when they differ from the folded `chars`
/// one for one; else empty.
fn source_forms(s: &str, chars: &[char]) -> Vec<char> {
    let raw: Vec<char> = s
        .chars()
        .map(|c| fold_width(c).to_ascii_uppercase())
        .filter(|c| c.is_ascii_alphanumeric() || is_han(*c))
        .collect();
    if raw.len() == chars.len() && raw.as_slice() != chars {
        raw
    } else {
        Vec::new()
    }
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{3134F}')
}

fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// A home address from the end of its label to the end of its run of address characters (a
/// finding may stop at 号 while 2幢301室 follows), kept up to the policy's word.
fn address_value(text: &str, s: usize, e: usize, p: &policy::AddressPolicy) -> Value {
    let span = &text[s..e];
    let start = s + (span.len() - after_label(span).len());
    let mut end = e;
    for c in text[e..].chars() {
        let more = c.is_ascii_alphanumeric()
            || matches!(fold_width(c), '0'..='9' | 'A'..='Z' | 'a'..='z' | '-' | '#')
            || "幢栋单元室号楼层弄巷户组村座区期之－".contains(c);
        if !more {
            break;
        }
        end += c.len_utf8();
    }
    let chars = significant(&text[start..end], true);
    let forms = source_forms(&text[start..end], &chars);
    let joined: String = chars.iter().collect();
    let through = p
        .keep_through
        .iter()
        .filter_map(|w| {
            joined
                .find(w.as_str())
                .map(|i| joined[..i + w.len()].chars().count())
        })
        .next()
        .unwrap_or(p.fallback_keep.min(chars.len().saturating_sub(1)));
    let keep = (0..chars.len()).map(|i| i < through).collect();
    Value {
        kind: Kind::Address,
        chars,
        keep,
        forms,
    }
}

const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "夏侯", "令狐", "端木", "独孤", "南宫", "西门", "轩辕", "呼延",
];

fn surname_len(name: &[char]) -> usize {
    let s: String = name.iter().take(2).collect();
    if name.len() >= 3 && COMPOUND_SURNAMES.contains(&s.as_str()) {
        2
    } else {
        1
    }
}

/// The names of persons in `records` (lines that carry a held identifier): after a label
/// (`姓名：张三`, `申请人：`, `患者：`), in a table column headed 姓名/户主/申请人, or right
/// before the identifier's bracket (`王芳同志（身份证号：…`).
fn names_in_records(text: &str, records: &[(usize, usize)]) -> Vec<String> {
    use std::sync::OnceLock;
    static LABEL: OnceLock<Regex> = OnceLock::new();
    static BEFORE: OnceLock<Regex> = OnceLock::new();
    let label = LABEL.get_or_init(|| {
        Regex::new(r"(?:姓\s*名|申请人|户\s*主|患者|当事人|联系人|监护人|困难群众|救助对象|家属)\s*[：:]\s*(\p{Han}{2,4}?)(?:[，,。；;（(\s、]|同志|先生|女士|$)").unwrap()
    });
    let before = BEFORE.get_or_init(|| {
        Regex::new(r"(?:^|[，,。；;：:\s、])(\p{Han}{2,4}?)(?:同志|先生|女士)?[（(](?:身份证|公民身份|证件|手机|电话|联系)").unwrap()
    });
    let mut names: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut add = |n: &str| {
        let n = n.trim();
        if (2..=4).contains(&n.chars().count())
            && !NOT_NAMES.iter().any(|w| n.contains(w))
            && seen.insert(n.to_string())
        {
            names.push(n.to_string());
        }
    };
    let headers = header_columns(text, NAME_HEADS);
    for &(a, b) in records {
        let line = &text[a..b];
        for c in label.captures_iter(line) {
            add(&c[1]);
        }
        for c in before.captures_iter(line) {
            add(&c[1]);
        }
        if let Some(cell) = cell_under(&headers, line, a) {
            if cell.chars().all(is_han) {
                add(cell);
            }
        }
    }
    names
}

/// Words that are not a person's name though they stand where one would.
const NOT_NAMES: &[&str] = &[
    "身份", "号码", "电话", "手机", "地址", "住址", "本人", "同上", "无",
];

/// Header lines (their start) with a column headed by one of `heads`, and that column's index.
fn header_columns(text: &str, heads: &[&str]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let cells = cells(line);
        if cells.len() >= 3 {
            if let Some(i) = cells.iter().position(|c| {
                let c: String = c.chars().filter(|c| !c.is_whitespace()).collect();
                heads.contains(&c.as_str())
            }) {
                out.push((at, i));
            }
        }
        at += line.len();
    }
    out
}

const NAME_HEADS: &[&str] = &[
    "姓名",
    "户主",
    "户主姓名",
    "申请人",
    "申请人姓名",
    "救助对象",
    "患者姓名",
];
const ADDRESS_HEADS: &[&str] = &[
    "家庭住址",
    "住址",
    "家庭地址",
    "居住地址",
    "现住址",
    "户籍地址",
];

/// The cell of `line` (starting at `a`) under the nearest header above with such a column.
fn cell_under<'t>(headers: &[(usize, usize)], line: &'t str, a: usize) -> Option<&'t str> {
    let (_, col) = headers.iter().rev().find(|(h, _)| *h < a)?;
    cells(line).get(*col).copied()
}

/// A line's cells: apart by tabs, `|`, or runs of two blanks or more (a table copied from a
/// PDF or typed with spaces).
fn cells(line: &str) -> Vec<&str> {
    let line = line.trim_end_matches(['\n', '\r']);
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < line.len() {
        let c = line[i..].chars().next().unwrap_or(' ');
        let w = c.len_utf8();
        let sep = c == '\t'
            || c == '|'
            || ((c == ' ' || c == '\u{3000}') && {
                let next = line[i + w..].chars().next();
                matches!(next, Some(' ' | '\u{3000}'))
            });
        if sep {
            let cell = line[start..i].trim();
            if !cell.is_empty() {
                out.push(cell);
            }
            let mut j = i + w;
            while j < line.len() {
                let d = line[j..].chars().next().unwrap_or('x');
                if d == ' ' || d == '\u{3000}' || d == '\t' || d == '|' {
                    j += d.len_utf8();
                } else {
                    break;
                }
            }
            start = j;
            i = j;
        } else {
            i += w;
        }
    }
    let cell = line[start..].trim();
    if !cell.is_empty() {
        out.push(cell);
    }
    out
}

fn line_start(text: &str, p: usize) -> usize {
    text[..p].rfind('\n').map_or(0, |i| i + 1)
}

fn line_end(text: &str, p: usize) -> usize {
    text[p..].find('\n').map_or(text.len(), |i| p + i)
}

/// Finds every value in a source at once, through the evasions between and inside their
/// characters. The source is read once into a stream of its significant characters (each with
/// the bytes it was written with): tags (`<…>`), blanks, zero-width characters, soft hyphens,
/// hyphens, dots and slashes are left out between them; character references (`&#51;`,
/// `&#x33;`), JavaScript escapes (`\u0033`) and percent escapes (`%33`) are read as the
/// character they stand for; full-width forms as their ASCII forms; any other character ends a
/// run. The values are then found in the stream with one Aho-Corasick automaton: linear in the
/// source and the values, however many rows a list has.
pub(crate) struct Matcher {
    ac: Option<aho_corasick::AhoCorasick>,
    /// Pattern → value.
    of: Vec<usize>,
    values: Vec<(Kind, Vec<bool>)>,
}

/// Stands between two runs of significant characters in the stream.
const BREAK: char = '\u{1}';

impl Matcher {
    pub(crate) fn new(values: &[Value]) -> Matcher {
        let mut patterns: Vec<String> = Vec::new();
        let mut of = Vec::new();
        for (i, v) in values.iter().enumerate() {
            patterns.push(v.chars.iter().collect());
            of.push(i);
            if !v.forms.is_empty() {
                patterns.push(v.forms.iter().collect());
                of.push(i);
            }
        }
        let ac = (!patterns.is_empty()).then(|| {
            aho_corasick::AhoCorasick::builder()
                .match_kind(aho_corasick::MatchKind::LeftmostLongest)
                .build(&patterns)
                .expect("a few thousand short patterns build")
        });
        Matcher {
            ac,
            of,
            values: values.iter().map(|v| (v.kind, v.keep.clone())).collect(),
        }
    }
}

/// The significant characters of a source, and for each (by its byte offset in `text`) the
/// source bytes it was written with.
struct Stream {
    text: String,
    /// For each byte of `text` that starts a character: the source span; other bytes unused.
    spans: Vec<(u32, u32)>,
}

fn stream(source: &str, skip_tags: bool) -> Stream {
    let mut text = String::with_capacity(source.len());
    let mut spans = Vec::with_capacity(source.len());
    let b = source.as_bytes();
    let mut i = 0;
    let push = |text: &mut String, spans: &mut Vec<(u32, u32)>, c: char, s: usize, e: usize| {
        if c == BREAK && text.ends_with(BREAK) {
            return;
        }
        let at = text.len();
        text.push(c);
        spans.resize(text.len(), (0, 0));
        spans[at] = (s as u32, e as u32);
    };
    while i < source.len() {
        let c = source[i..].chars().next().expect("in bounds");
        let w = c.len_utf8();
        // A tag: up to its `>`, unless another `<` or a line feed comes first.
        if c == '<' && skip_tags {
            let rest = &b[i + 1..];
            if let Some(j) = rest.iter().position(|&x| matches!(x, b'>' | b'<' | b'\n')) {
                if rest[j] == b'>' {
                    i += j + 2;
                    continue;
                }
            }
        }
        let (c, len) = match c {
            '&' => reference(&source[i..]).unwrap_or((c, 1)),
            '\\' => escape(&source[i..], 'u', 4).unwrap_or((c, 1)),
            '%' => escape(&source[i..], '%', 2)
                .filter(|(c, _)| c.is_ascii_alphanumeric())
                .unwrap_or((c, 1)),
            _ => (c, w),
        };
        let c = fold_width(c);
        if matches!(
            c,
            ' ' | '\t' | '\r' | '\u{3000}' | '\u{00A0}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' | '-' | '\u{2010}'..='\u{2014}' | '.' | '/' | '·'
        ) {
            i += len;
            continue;
        }
        let c = c.to_ascii_uppercase();
        if c.is_ascii_alphanumeric() || is_han(c) {
            push(&mut text, &mut spans, c, i, i + len);
        } else {
            push(&mut text, &mut spans, BREAK, i, i + len);
        }
        i += len;
    }
    Stream { text, spans }
}

/// A character reference at the start of `s` (`&#51;`, `&#x33;`, `&nbsp;`): the character and
/// the reference's length.
fn reference(s: &str) -> Option<(char, usize)> {
    let end = s.as_bytes()[..s.len().min(12)]
        .iter()
        .position(|&b| b == b';')?;
    let body = &s[1..end];
    let c = if let Some(hex) = body
        .strip_prefix('#')
        .and_then(|h| h.strip_prefix(['x', 'X']))
    {
        char::from_u32(u32::from_str_radix(hex, 16).ok()?)?
    } else if let Some(dec) = body.strip_prefix('#') {
        char::from_u32(dec.parse().ok()?)?
    } else {
        match body {
            "nbsp" => '\u{00A0}',
            "shy" => '\u{00AD}',
            _ => return None,
        }
    };
    Some((c, end + 1))
}

/// `\uXXXX` (with `lead` = `u`, 4 digits) or `%XX` (with `lead` = `%`, 2 digits).
fn escape(s: &str, lead: char, digits: usize) -> Option<(char, usize)> {
    let skip = if lead == '%' { 1 } else { 2 };
    if lead == 'u' && !s.starts_with("\\u") {
        return None;
    }
    let hex = s.get(skip..skip + digits)?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some((
        char::from_u32(u32::from_str_radix(hex, 16).ok()?)?,
        skip + digits,
    ))
}

/// Masks every value in `source`; `counts[i]` grows by the occurrences of value `i` masked.
/// Twice: with tags read as separators (a value split by `<span>`s or Word runs), then with
/// tags read as text (a value inside an attribute: `data-phone="…"`, `alt="…"`).
pub(crate) fn mask_all(
    source: &str,
    matcher: &Matcher,
    mask: &str,
    name_mask: &str,
    counts: &mut [usize],
) -> String {
    let once = mask_pass(source, matcher, mask, name_mask, counts, true);
    mask_pass(&once, matcher, mask, name_mask, counts, false)
}

fn mask_pass(
    source: &str,
    matcher: &Matcher,
    mask: &str,
    name_mask: &str,
    counts: &mut [usize],
    skip_tags: bool,
) -> String {
    let Some(ac) = &matcher.ac else {
        return source.to_string();
    };
    let st = stream(source, skip_tags);
    let mut edits: Vec<(usize, usize, &str)> = Vec::new();
    for m in ac.find_iter(&st.text) {
        let v = matcher.of[m.pattern().as_usize()];
        let (kind, keep) = &matcher.values[v];
        let numeric = !matches!(kind, Kind::Name | Kind::Address | Kind::Other);
        if numeric {
            // Part of a longer number is another number (a letter next to it is not: a value
            // is masked rather than missed).
            // Next to it in the source, not in the stream: blanks between two numbers of a
            // row part them.
            let first = st.spans[m.start()].0 as usize;
            let last_at = st.text[..m.end()]
                .char_indices()
                .next_back()
                .map_or(0, |(i, _)| i);
            let last = st.spans[last_at].1 as usize;
            let before = source[..first].chars().next_back();
            let after = source[last..].chars().next();
            let digit = |c: Option<char>| c.is_some_and(|c| fold_width(c).is_ascii_digit());
            if digit(before) || digit(after) {
                continue;
            }
        }
        counts[v] += 1;
        let m_mask = if *kind == Kind::Name { name_mask } else { mask };
        for ((at, _), keep) in st.text[m.start()..m.end()].char_indices().zip(keep) {
            if !keep {
                let (s, e) = st.spans[m.start() + at];
                edits.push((s as usize, e as usize, m_mask));
            }
        }
    }
    edits.sort();
    let mut out = String::with_capacity(source.len());
    let mut at = 0;
    for (s, e, m) in edits {
        if s < at {
            continue; // overlaps an edit already made
        }
        out.push_str(&source[at..s]);
        out.push_str(m);
        at = e;
    }
    out.push_str(&source[at..]);
    out
}

/// HTML comments that held a masked value are removed whole: a comment is never meant for the
/// reader.
fn drop_html_comments_with_masks(
    html: &str,
    mask: &str,
    name_mask: &str,
    cleaned: &mut Vec<String>,
) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    let mut removed = 0;
    while let Some(i) = rest.find("<!--") {
        let Some(j) = rest[i + 4..].find("-->") else {
            break;
        };
        let comment = &rest[i..i + 4 + j + 3];
        out.push_str(&rest[..i]);
        if comment.contains(mask) || comment.contains(name_mask) {
            removed += 1;
        } else {
            out.push_str(comment);
        }
        rest = &rest[i + 4 + j + 3..];
    }
    out.push_str(rest);
    if removed > 0 {
        cleaned.push(format!("删除了 {removed} 处含个人信息的 HTML 注释"));
    }
    out
}

/// The copy in the source's own encoding (and byte-order mark), or an error when that
/// encoding cannot carry it back exactly.
fn encode_like(
    text: &str,
    original: &[u8],
    decoded: &str,
    encoding: &'static str,
) -> Result<Vec<u8>, RedactError> {
    let enc = encoding_rs::Encoding::for_label(encoding.as_bytes()).unwrap_or(encoding_rs::UTF_8);
    let bom: &[u8] = if original.starts_with(b"\xEF\xBB\xBF") {
        b"\xEF\xBB\xBF"
    } else {
        b""
    };
    let encode = |s: &str| -> Option<Vec<u8>> {
        if enc == encoding_rs::UTF_8 {
            let mut v = bom.to_vec();
            v.extend_from_slice(s.as_bytes());
            return Some(v);
        }
        if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
            let le = enc == encoding_rs::UTF_16LE;
            let mut v: Vec<u8> = if le {
                vec![0xFF, 0xFE]
            } else {
                vec![0xFE, 0xFF]
            };
            for u in s.encode_utf16() {
                v.extend_from_slice(&if le { u.to_le_bytes() } else { u.to_be_bytes() });
            }
            return Some(v);
        }
        let (bytes, _, unmappable) = enc.encode(s);
        (!unmappable).then(|| bytes.into_owned())
    };
    // Only an encoding that gives the source back exactly may carry the copy.
    if encode(decoded).as_deref() != Some(original) {
        return Err(RedactError::Encoding(format!(
            "无法按原编码（{encoding}）原样写回此文件，请另存为 UTF-8 后再脱敏 (the file does not round-trip through {encoding})"
        )));
    }
    encode(text)
        .ok_or_else(|| RedactError::Encoding(format!("脱敏稿无法用原编码（{encoding}）写出")))
}

/// Extracts and scans the copy: no `personal_privacy` hold may remain and no value may occur,
/// in the raw bytes or in the folded text. Returns the copy's findings.
fn prove(
    engine: &Engine,
    copy: &[u8],
    name: Option<&str>,
    values: &[Value],
) -> Result<Vec<Finding>, RedactError> {
    let doc = extract::extract_named(copy, name)
        .map_err(|e| RedactError::Proof(format!("脱敏稿无法读取：{e}")))?;
    let report = pipeline::scan_document(engine, &doc);
    if let Some(f) = report
        .findings
        .iter()
        .find(|f| f.severity == Severity::Hold && f.category == Category::PersonalPrivacy)
    {
        return Err(RedactError::Proof(format!(
            "第 {} 行仍有个人信息（{}，{}）",
            f.line,
            f.rule_label(),
            f.rule
        )));
    }
    let mut texts: Vec<(String, String)> = vec![("提取的文字".into(), doc.text.to_string())];
    for (part, bytes) in raw_parts(copy) {
        texts.push((part, String::from_utf8_lossy(&bytes).into_owned()));
    }
    if values.is_empty() {
        return Ok(report.findings);
    }
    let patterns: Vec<String> = values.iter().map(|v| v.chars.iter().collect()).collect();
    let ac = aho_corasick::AhoCorasick::new(&patterns).expect("short patterns build");
    for (where_, t) in &texts {
        let stream: String = significant(&strip_tags(t), true).into_iter().collect();
        if let Some(m) = ac.find(&stream) {
            let v = &values[m.pattern().as_usize()];
            // Never the value itself: its kind and length say which.
            return Err(RedactError::Proof(format!(
                "{}中仍能找到一个被遮盖的{}（{} 个字符）",
                where_,
                v.kind.zh(),
                v.chars.len()
            )));
        }
    }
    Ok(report.findings)
}

/// Every part of a ZIP package (decompressed) or the whole file.
fn raw_parts(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    if bytes.starts_with(b"PK\x03\x04") {
        docx::parts(bytes)
            .into_iter()
            .map(|(n, b)| (format!("包内文件 {n} "), b))
            .collect()
    } else {
        match extract::encoding::decode(bytes) {
            Ok((t, _)) => vec![("文件内容".into(), t.into_owned().into_bytes())],
            Err(_) => vec![("文件内容".into(), bytes.to_vec())],
        }
    }
}

/// Markup removed, references decoded: what a value split by tags reads as.
fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    extract::html::decode_entities(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    use proptest::prelude::*;

    fn contains(hay: &[char], needle: &[char]) -> bool {
        !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
    }

    fn value(kind: Kind, s: &str, keep: &str) -> Value {
        Value {
            kind,
            chars: s.chars().collect(),
            keep: keep.chars().map(|c| c == 'k').collect(),
            forms: Vec::new(),
        }
    }

    /// One digit as a source may write it: plain, full-width, a decimal or hex reference.
    fn written(d: char, how: u8) -> String {
        match how % 4 {
            0 => d.to_string(),
            1 => char::from_u32(d as u32 + 0xFEE0).unwrap().to_string(),
            2 => format!("&#{};", d as u32),
            _ => format!("&#x{:X};", d as u32),
        }
    }

    const SEPARATORS: &[&str] = &[
        "",
        " ",
        "\u{200B}",
        "-",
        "</span><span>",
        "</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>",
        "&nbsp;",
        "\u{3000}",
    ];

    proptest! {
        /// However a number is written and split, once masked no hidden digit is left and the
        /// value cannot be read back from the text with tags, references and blanks removed.
        #[test]
        fn a_masked_number_cannot_be_read_back(
            digits in proptest::collection::vec(0u8..10, 18),
            hows in proptest::collection::vec(0u8..4, 18),
            seps in proptest::collection::vec(0usize..SEPARATORS.len(), 18),
            before in "[a-z，。 ]{0,4}",
        ) {
            let chars: Vec<char> = digits.iter().map(|d| (b'0' + d) as char).collect();
            let v = Value {
                kind: Kind::ResidentId,
                chars: chars.clone(),
                keep: (0..18).map(|i| !(6..14).contains(&i)).collect(),
                forms: Vec::new(),
            };
            let mut src = before.clone();
            for (i, c) in chars.iter().enumerate() {
                if i > 0 {
                    src.push_str(SEPARATORS[seps[i]]);
                }
                src.push_str(&written(*c, hows[i]));
            }
            src.push('。');
            let mut n = vec![0];
            let out = mask_all(&src, &Matcher::new(std::slice::from_ref(&v)), "*", "*", &mut n);
            prop_assert_eq!(n[0], 1, "not found in {}", src);
            let stream = significant(&strip_tags(&out), false);
            prop_assert!(!contains(&stream, &chars), "{} -> {}", src, out);
            // Exactly the 8 hidden digits were replaced.
            prop_assert_eq!(out.matches('*').count(), 8);
        }
    }

    #[test]
    fn a_value_is_found_through_tags_blanks_references_and_full_width_forms() {
        let v = value(Kind::Mobile, "13800000001", "kkk----kkkk");
        let f = Matcher::new(std::slice::from_ref(&v));
        let mut n = vec![0];
        for (src, want) in [
            ("电话13800000001。", "电话138****0001。"),
            ("电话１３８０００００００１", "电话１３８****０００１"),
            (
                "<td>138</td><td>0000 0001</td>",
                "<td>138</td><td>**** 0001</td>",
            ),
            ("1&#51;8\u{200B}0000-0001", "1&#51;8\u{200B}****-0001"),
            (
                "<w:t>13800</w:t></w:r><w:r><w:t>000001</w:t>",
                "<w:t>138**</w:t></w:r><w:r><w:t>**0001</w:t>",
            ),
            // Part of a longer number is another number.
            ("6213800000001", "6213800000001"),
        ] {
            assert_eq!(mask_all(src, &f, "*", "*", &mut n), want, "{src}");
        }
    }

    #[test]
    fn names_are_found_only_in_records_with_a_held_identifier() {
        let text = "序号  姓名    身份证号码\n1     张建国  110101195001010009\n2     李秀英  （已脱敏）\n申请人：欧阳明华，身份证号：440305197007010028\n";
        let id1 = text.find("110101").unwrap();
        let id2 = text.find("440305").unwrap();
        let records = vec![
            (line_start(text, id1), line_end(text, id1)),
            (line_start(text, id2), line_end(text, id2)),
        ];
        let mut names = names_in_records(text, &records);
        names.sort();
        assert_eq!(names, vec!["张建国", "欧阳明华"]);
        assert_eq!(surname_len(&"欧阳明华".chars().collect::<Vec<_>>()), 2);
    }

    #[test]
    fn masks_are_found_in_the_copy_as_published() {
        let text = "身份证号：110101********0009，电话 １３８ ****０００１；张*，张*。";
        let spans = mask_spans(text, &["110101********0009", "138****0001", "张*"]);
        let found: Vec<&str> = spans.iter().map(|&(s, e)| &text[s..e]).collect();
        assert_eq!(
            found,
            vec!["110101********0009", "１３８ ****０００１", "张*", "张*"]
        );
        assert!(mask_spans(text, &[]).is_empty());
    }

    #[test]
    fn an_address_is_kept_through_its_street_and_hidden_after_it_to_the_room() {
        let text = "家庭住址：浙江省杭州市西湖区北山街道曙光路12号2幢301室，电话";
        let s = 0;
        let e = text.find("2幢").unwrap();
        let v = address_value(text, s, e, &policy::AddressPolicy::default());
        assert_eq!(v.shown("*", "*"), "浙江省杭州市西湖区北山街道************");
    }
}

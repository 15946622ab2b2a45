//! The rule engine: built once from rule specifications (building may fail), then scans text
//! (scanning cannot fail). Pure: no I/O, no clock, no async.
//!
//! A scan folds the text ([`normalize`]), finds every literal of every rule in the folded text
//! ([`lexicon`]), runs each regex rule only on the lines around its
//! keywords, runs the identifier and table detectors, applies exceptions, scopes and contexts,
//! and maps every surviving finding back to its span in the original text.

pub mod finding;
pub mod identifiers;
mod lexicon;
pub mod normalize;
pub mod spec;
mod tables;

use std::cell::OnceCell;
use std::collections::HashSet;

use regex::{Regex, RegexBuilder};

pub use finding::{Category, Decision, Finding, Location, Report, Severity, MAX_FINDINGS};
use identifiers::{IdContext, IdHit, IdScanner};
use lexicon::{Lexicon, LexiconBuilder, Role};
use normalize::Folded;
pub use spec::{
    Action, BuildError, ContextSpec, DetectorKind, Marker, Matcher, RuleSpec, Scope, Site, Window,
};

/// Limits on what a rule may ask of the engine.
pub const MAX_REGEX_SIZE: usize = 1 << 20;
pub const MAX_REGEX_NEST: u32 = 64;
pub const MAX_WINDOW_CHARS: usize = 500;
/// Texts longer than this are scanned in pieces (the engine keeps 32-bit offsets).
const MAX_PIECE: usize = 1 << 30;
/// Contexts whose window is at most this many characters read the window directly.
const DIRECT_WINDOW_CHARS: usize = 32;
/// The title position ends after three non-empty lines, and never later than this byte offset
/// (a document without line breaks has no title lines to speak of).
const TITLE_REACH: usize = 600;
/// The head (where a mark or 份号 stands) ends after five non-empty lines, or at this offset.
const HEAD_REACH: usize = 1000;
/// How far a regex window reaches: the keyword's line and the next one.
const REGEX_WINDOW_LINES: usize = 2;

struct Context {
    /// Words found by the lexicon (large windows).
    set: Option<u32>,
    /// Words searched directly in the window (small windows: a few characters around a match
    /// are cheaper to read than to track every occurrence of a common character).
    direct: Vec<String>,
    markers: Vec<Marker>,
    window: Window,
    action: Action,
    note: String,
}

enum CompiledMatcher {
    Terms,
    /// A regex; with a group named `hit`, the finding is that group rather than the whole match.
    Pattern(Regex, bool),
    Detector(DetectorKind),
}

struct Rule {
    spec: RuleSpec,
    matcher: CompiledMatcher,
    contexts: Vec<Context>,
    has_exceptions: bool,
}

/// Options that come from the caller because the engine must not read the clock.
#[derive(Clone, Copy, Debug)]
pub struct EngineOptions {
    /// Today as `YYYYMMDD`: birth dates after it are not real.
    pub today: u32,
}

/// A compiled rule set, ready to scan.
pub struct Engine {
    id: String,
    rules: Vec<Rule>,
    lexicon: Lexicon,
    set_count: usize,
    /// Context set holding the PII-table header words, if a `pii_table` rule exists.
    table_set: Option<u32>,
    id_ctx: IdContext,
    has_id_rules: bool,
    /// Rules with a built-in detector, in rule order.
    detector_rules: Vec<(usize, DetectorKind)>,
    today: u32,
}

/// A finding before it is mapped back to the original text.
struct Candidate {
    rule: u32,
    start: usize,
    end: usize,
    severity: Severity,
    reason: String,
    /// The span is already in original coordinates.
    original: bool,
}

fn person_regex() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝";
        let name = format!("[{SURNAMES}][\\p{{Han}}&&[^某甲乙丙丁]]{{1,2}}");
        let pattern = format!(
            "(?:姓名\\s*[:：]\\s*[\\p{{Han}}&&[^某]]{{2,4}})|(?:{name}\\s*[，,、（(]\\s*(?:[男女]\\s*[，,、）)]|\\d{{1,3}}\\s*岁|准考证|考号|身份证|证件号|学号|工号|住院号|病历号))|(?:(?:患者|病人|就诊人|上访人|信访人|户主|重点人员)\\s*[:：]?\\s*{name}(?:[，,。；;、\\s（(]|$))|(?m:^\\s*\\d{{1,4}}(?:\\t|[ \\u{{3000}}]{{1,4}}){name})"
        );
        Regex::new(&pattern).expect("the person pattern is valid")
    })
}

fn is_sentence_end(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '；' | '!' | '?' | ';' | '\n')
}

impl Engine {
    /// Compiles rule specifications. Every problem is reported, not just the first.
    pub fn build(specs: Vec<RuleSpec>, options: EngineOptions) -> Result<Engine, Vec<BuildError>> {
        normalize::warm_up();
        let mut errors = Vec::new();
        let mut lex = LexiconBuilder::default();
        let mut rules = Vec::with_capacity(specs.len());
        let mut set_count = 0u32;
        let mut table_set = None;
        let mut id_ctx = IdContext::default();
        let mut has_id_rules = false;
        let mut seen_ids = HashSet::new();

        for (ri, spec) in specs.into_iter().enumerate() {
            let r = ri as u32;
            let mut err = |site, message: String| {
                errors.push(BuildError {
                    rule: ri,
                    site,
                    message,
                })
            };
            if spec.id.trim().is_empty() {
                err(Site::Rule, "rule id is empty".into());
            } else if !seen_ids.insert(spec.id.clone()) {
                err(Site::Rule, format!("duplicate rule id `{}`", spec.id));
            }
            let fold_literal = |s: &str| normalize::fold(s.trim()).text().to_string();

            let matcher = match &spec.matcher {
                Matcher::Terms(terms) => {
                    if terms.is_empty() {
                        err(Site::Rule, "rule has no terms".into());
                    }
                    for (i, t) in terms.iter().enumerate() {
                        let f = fold_literal(t);
                        if f.is_empty() {
                            err(Site::Term(i), "term is empty or whitespace only".into());
                        } else if f.chars().count() < 2 {
                            err(
                                Site::Term(i),
                                format!(
                                    "term `{t}` is a single character; terms need at least two"
                                ),
                            );
                        } else {
                            lex.add(&f, Role::Term(r));
                        }
                    }
                    CompiledMatcher::Terms
                }
                Matcher::Pattern { pattern, keywords } => {
                    if keywords.is_empty() {
                        err(
                            Site::Pattern,
                            "a pattern rule needs `keywords`: the literals that trigger it".into(),
                        );
                    }
                    for (i, k) in keywords.iter().enumerate() {
                        let f = fold_literal(k);
                        if f.is_empty() {
                            err(
                                Site::Keyword(i),
                                "keyword is empty or whitespace only".into(),
                            );
                        } else {
                            lex.add(&f, Role::Keyword(r));
                        }
                    }
                    match RegexBuilder::new(pattern)
                        .size_limit(MAX_REGEX_SIZE)
                        .nest_limit(MAX_REGEX_NEST)
                        .multi_line(true)
                        .build()
                    {
                        Ok(re) => {
                            let hit = re.capture_names().any(|n| n == Some("hit"));
                            CompiledMatcher::Pattern(re, hit)
                        }
                        Err(e) => {
                            let text = one_line(&e.to_string());
                            let message = match &e {
                                regex::Error::CompiledTooBig(limit) => format!(
                                    "regex is over the size limit: it compiles to more than {limit} bytes; simplify it or split the rule"
                                ),
                                _ if text.contains("nest limit") || text.contains("maximum number of nested") => format!(
                                    "regex nests deeper than the limit of {MAX_REGEX_NEST} levels"
                                ),
                                _ => format!("invalid regex: {text}"),
                            };
                            err(Site::Pattern, message);
                            CompiledMatcher::Terms
                        }
                    }
                }
                Matcher::Detector {
                    kind,
                    keywords,
                    allow,
                } => {
                    let words: Vec<String> = keywords.iter().map(|k| fold_literal(k)).collect();
                    if words.iter().any(String::is_empty) {
                        err(Site::Rule, "detector keyword is empty".into());
                    }
                    id_ctx
                        .allow
                        .extend(allow.iter().map(|a| a.trim().to_string()));
                    match kind {
                        DetectorKind::ResidentId => id_ctx.id_keywords.extend(words),
                        DetectorKind::BankCard => id_ctx.card_keywords.extend(words),
                        DetectorKind::Passport => id_ctx.passport_keywords.extend(words),
                        DetectorKind::TravelPermit => id_ctx.permit_keywords.extend(words),
                        DetectorKind::Mobile => {}
                        DetectorKind::PiiTable => {
                            if words.len() < 2 {
                                err(
                                    Site::Rule,
                                    "pii_table needs at least two header keywords".into(),
                                );
                            }
                            let set = *table_set.get_or_insert_with(|| {
                                set_count += 1;
                                set_count - 1
                            });
                            for w in &words {
                                if !w.is_empty() {
                                    lex.add(w, Role::Hot(set));
                                }
                            }
                        }
                    }
                    if *kind != DetectorKind::PiiTable {
                        has_id_rules = true;
                    }
                    CompiledMatcher::Detector(*kind)
                }
            };

            for (i, x) in spec.exceptions.iter().enumerate() {
                let f = fold_literal(x);
                if f.is_empty() {
                    err(Site::Exception(i), "exception phrase is empty".into());
                    continue;
                }
                if let Matcher::Terms(terms) = &spec.matcher {
                    let covers = terms.iter().any(|t| {
                        let t = fold_literal(t);
                        !t.is_empty() && f.contains(&t)
                    });
                    if !covers {
                        err(
                            Site::Exception(i),
                            format!("exception `{x}` contains none of the rule's terms, so it can never cover one"),
                        );
                    }
                }
                lex.add(&f, Role::Exception(r));
            }

            let mut contexts = Vec::new();
            for (i, c) in spec.contexts.iter().enumerate() {
                if c.words.is_empty() && c.markers.is_empty() {
                    err(
                        Site::Context(i),
                        "context needs `words` or `markers`".into(),
                    );
                }
                match c.window {
                    Window::Chars(n) | Window::Before(n) if n == 0 || n > MAX_WINDOW_CHARS => err(
                        Site::Context(i),
                        format!("context window must be 1..={MAX_WINDOW_CHARS} characters"),
                    ),
                    _ => {}
                }
                let small = matches!(c.window, Window::Chars(n) | Window::Before(n) if n <= DIRECT_WINDOW_CHARS);
                let mut words = Vec::with_capacity(c.words.len());
                for (wi, w) in c.words.iter().enumerate() {
                    let f = fold_literal(w);
                    if f.is_empty() {
                        err(
                            Site::Context(i),
                            format!("context word #{} is empty", wi + 1),
                        );
                    } else {
                        words.push(f);
                    }
                }
                // Small windows read their words in the text directly; larger ones get them from
                // the lexicon's single pass.
                let (set, direct) = if c.words.is_empty() {
                    (None, Vec::new())
                } else if small {
                    (None, words)
                } else {
                    let s = set_count;
                    set_count += 1;
                    for w in &words {
                        lex.add(w, Role::Hot(s));
                    }
                    (Some(s), Vec::new())
                };
                contexts.push(Context {
                    set,
                    direct,
                    markers: c.markers.clone(),
                    window: c.window,
                    action: c.action,
                    note: c.note.clone(),
                });
            }
            let has_exceptions = !spec.exceptions.is_empty();
            rules.push(Rule {
                spec,
                matcher,
                contexts,
                has_exceptions,
            });
        }

        if !errors.is_empty() {
            return Err(errors);
        }
        let detector_rules = rules
            .iter()
            .enumerate()
            .filter_map(|(i, r)| match r.matcher {
                CompiledMatcher::Detector(k) => Some((i, k)),
                _ => None,
            })
            .collect();
        Ok(Engine {
            id: String::new(),
            detector_rules,
            rules,
            lexicon: lex.build(),
            set_count: set_count as usize,
            table_set,
            id_ctx,
            has_id_rules,
            today: options.today,
        })
    }

    /// Names this rule set; every report carries the id.
    pub fn with_id(mut self, id: impl Into<String>) -> Engine {
        self.id = id.into();
        self
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn rules(&self) -> impl Iterator<Item = &RuleSpec> {
        self.rules.iter().map(|r| &r.spec)
    }

    /// Number of distinct literals in the lexicon.
    pub fn literal_count(&self) -> usize {
        self.lexicon.pattern_count()
    }

    /// Bytes held by the lexicon's lookup structures.
    pub fn lexicon_memory(&self) -> usize {
        self.lexicon.memory_usage()
    }

    /// Scans one document. Never fails.
    pub fn scan(&self, text: &str) -> Report {
        let mut findings = if text.len() <= MAX_PIECE {
            self.scan_piece(text)
        } else {
            self.scan_in_pieces(text)
        };
        let dropped = finding::cap_findings(&mut findings, finding::MAX_FINDINGS);
        Report {
            decision: Report::decision_for(&findings),
            ruleset: self.id.clone(),
            findings,
            dropped,
        }
    }

    fn scan_piece(&self, text: &str) -> Vec<Finding> {
        let folded = normalize::fold_marking(text, self.lexicon.first_chars());
        let mut scan = Scan::new(self, &folded);
        scan.collect();
        let mut cands = scan.evaluate();
        self.finish(text, &folded, &mut cands)
    }

    /// Offsets inside the engine are 32-bit; a text beyond [`MAX_PIECE`] is scanned in pieces
    /// cut at line breaks, and the findings are shifted back to whole-text positions.
    fn scan_in_pieces(&self, text: &str) -> Vec<Finding> {
        let mut findings = Vec::new();
        let (mut start, mut line_base) = (0usize, 0usize);
        while start < text.len() {
            let mut end = (start + MAX_PIECE).min(text.len());
            if end < text.len() {
                end = memchr::memrchr(b'\n', &text.as_bytes()[start..end])
                    .map_or_else(|| floor_boundary(text, end), |i| start + i + 1);
                if end <= start {
                    end = ceil_boundary(text, start + 1);
                }
            }
            let piece = &text[start..end];
            for mut f in self.scan_piece(piece) {
                f.start += start;
                f.end += start;
                f.line += line_base;
                findings.push(f);
            }
            line_base += memchr::memchr_iter(b'\n', piece.as_bytes()).count();
            start = end;
        }
        findings
    }

    /// Maps candidates to the original text, removes duplicates, orders them.
    fn finish(&self, text: &str, folded: &Folded<'_>, cands: &mut [Candidate]) -> Vec<Finding> {
        if cands.is_empty() {
            return Vec::new();
        }
        let mut spans: Vec<(usize, usize, usize)> = cands
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let (s, e) = if c.original {
                    (c.start, c.end)
                } else {
                    folded.map_span(c.start, c.end)
                };
                (i, s, e)
            })
            .collect();
        spans.sort_by_key(|&(i, s, e)| (s, std::cmp::Reverse(e), cands[i].rule));
        let mut out: Vec<Finding> = Vec::new();
        let mut kept: Vec<(u32, usize, usize)> = Vec::new();
        // Lines and columns are counted incrementally: findings come in order of start, so the
        // text is walked once, not once per finding.
        let mut lines = LineCounter::default();
        let mut col_at = (0usize, 0usize, 1usize); // (line, byte offset, column there)
        for (i, s, e) in spans {
            let c = &cands[i];
            // The same rule twice over overlapping text is one finding.
            if kept
                .iter()
                .rev()
                .take_while(|k| k.2 > s)
                .any(|k| k.0 == c.rule && k.1 <= s && e <= k.2)
            {
                continue;
            }
            kept.push((c.rule, s, e));
            let (line, line_start) = lines.at(text.as_bytes(), s);
            if col_at.0 != line || col_at.1 > s {
                col_at = (line, line_start, 1);
            }
            let column = col_at.2 + text[col_at.1..s].chars().count();
            col_at = (line, s, column);
            let rule = &self.rules[c.rule as usize].spec;
            out.push(Finding {
                category: rule.category,
                rule: rule.id.clone(),
                severity: c.severity,
                start: s,
                end: e,
                line,
                column,
                text: text[s..e].to_string(),
                reason: std::mem::take(&mut cands[i].reason),
                location: Location::Body,
            });
        }
        out
    }
}

/// Line numbers for ascending offsets, counting line feeds eight bytes at a time.
#[derive(Default)]
struct LineCounter {
    /// Offset counted up to, the number of line feeds before it and where its line starts.
    pos: usize,
    feeds: usize,
    line_start: usize,
}

impl LineCounter {
    /// The 1-based line of offset `p` and the offset where that line starts. Offsets must not
    /// decrease between calls.
    fn at(&mut self, text: &[u8], p: usize) -> (usize, usize) {
        let gap = &text[self.pos..p];
        if let Some(last) = memchr::memrchr(b'\n', gap) {
            self.feeds += count_line_feeds(gap);
            self.line_start = self.pos + last + 1;
        }
        self.pos = p;
        (self.feeds + 1, self.line_start)
    }
}

/// Number of `\n` bytes in `b`: per 32-byte word, a compare into 32 byte-wide lane counters (a
/// loop the compiler turns into vector compares and subtractions), summed across lanes only
/// every 255 words, before a counter can overflow.
fn count_line_feeds(b: &[u8]) -> usize {
    let mut words = b.chunks_exact(32);
    let tail = words.remainder();
    let mut n = 0usize;
    loop {
        let mut lanes = [0u8; 32];
        let mut taken = 0;
        for w in words.by_ref().take(255) {
            for (l, &c) in lanes.iter_mut().zip(w) {
                *l += u8::from(c == b'\n');
            }
            taken += 1;
        }
        n += lanes.iter().map(|&l| usize::from(l)).sum::<usize>();
        if taken < 255 {
            break;
        }
    }
    n + tail.iter().filter(|&&c| c == b'\n').count()
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The lexicon's hits of one scan, by role. Kept per thread between scans (see [`Hits::take`]):
/// a scan of a small document otherwise spends a good part of its time growing these vectors.
#[derive(Default)]
struct Hits {
    terms: Vec<(u32, usize, usize)>,
    /// Per rule.
    exceptions: Vec<Vec<(usize, usize)>>,
    /// Per rule.
    keywords: Vec<Vec<usize>>,
    /// Per context set.
    sets: Vec<Vec<(usize, usize)>>,
}

thread_local! {
    static HITS: std::cell::RefCell<Option<Hits>> = const { std::cell::RefCell::new(None) };
}

/// Vectors longer than this are not kept for the next scan.
const HITS_KEEP_MAX: usize = 1 << 16;

impl Hits {
    /// Empty hit lists for `rules` rules and `sets` context sets, reusing this thread's last
    /// ones.
    fn take(rules: usize, sets: usize) -> Hits {
        let mut h = HITS.with(|c| c.borrow_mut().take()).unwrap_or_default();
        h.exceptions.resize_with(rules, Vec::new);
        h.keywords.resize_with(rules, Vec::new);
        h.sets.resize_with(sets, Vec::new);
        h
    }

    /// Hands the vectors back for the next scan on this thread.
    fn give_back(mut self) {
        fn clear<T>(v: &mut Vec<T>) {
            if v.capacity() > HITS_KEEP_MAX {
                *v = Vec::new();
            }
            v.clear();
        }
        clear(&mut self.terms);
        self.exceptions.iter_mut().for_each(clear);
        self.keywords.iter_mut().for_each(clear);
        self.sets.iter_mut().for_each(clear);
        HITS.with(|c| *c.borrow_mut() = Some(self));
    }
}

/// The state of one scan.
struct Scan<'e, 'f> {
    engine: &'e Engine,
    folded: &'f Folded<'f>,
    text: &'f str,
    hits: Hits,
    ids: OnceCell<Vec<IdHit>>,
    title_end: usize,
    head_end: usize,
}

impl Drop for Scan<'_, '_> {
    fn drop(&mut self) {
        std::mem::take(&mut self.hits).give_back();
    }
}

impl<'e, 'f> Scan<'e, 'f> {
    fn new(engine: &'e Engine, folded: &'f Folded<'f>) -> Self {
        let text = folded.text();
        let n = engine.rules.len();
        Scan {
            engine,
            folded,
            text,
            hits: Hits::take(n, engine.set_count),
            ids: OnceCell::new(),
            // Counted on the original lines: folding may join a vertical stamp's lines.
            title_end: {
                let o = folded.original();
                folded.fold_offset(floor_boundary(o, end_of_nonempty_lines(o, 3, TITLE_REACH)))
            },
            head_end: {
                let o = folded.original();
                folded.fold_offset(floor_boundary(o, end_of_nonempty_lines(o, 5, HEAD_REACH)))
            },
        }
    }

    fn collect(&mut self) {
        let h = &mut self.hits;
        self.engine
            .lexicon
            .for_each(self.text, self.folded.marks(), |role, s, e| match role {
                Role::Term(r) => h.terms.push((r, s, e)),
                Role::Exception(r) => h.exceptions[r as usize].push((s, e)),
                Role::Keyword(r) => h.keywords[r as usize].push(s),
                Role::Hot(set) => h.sets[set as usize].push((s, e)),
            });
        for v in self.hits.sets.iter_mut() {
            v.sort_unstable();
        }
    }

    fn ids(&self) -> &[IdHit] {
        self.ids.get_or_init(|| {
            if !self.engine.has_id_rules {
                return Vec::new();
            }
            IdScanner {
                ctx: &self.engine.id_ctx,
                today: self.engine.today,
            }
            .scan(self.text, self.folded.numeral_runs())
        })
    }

    fn evaluate(&mut self) -> Vec<Candidate> {
        let mut out = Vec::new();
        let engine = self.engine;
        // Terms.
        for &(r, s, e) in &self.hits.terms {
            let term = &self.text[s..e];
            if let Some((sev, note)) =
                self.judge(r, s, e, engine.rules[r as usize].spec.severity, true)
            {
                let reason = with_note(format!("关键词“{term}”"), note);
                out.push(Candidate {
                    rule: r,
                    start: s,
                    end: e,
                    severity: sev,
                    reason,
                    original: false,
                });
            }
        }
        // Patterns, on the lines around their keywords.
        for (ri, rule) in engine.rules.iter().enumerate() {
            let CompiledMatcher::Pattern(re, hit_group) = &rule.matcher else {
                continue;
            };
            let hits = &mut self.hits.keywords[ri];
            if hits.is_empty() {
                continue;
            }
            hits.sort_unstable();
            // Windows around keyword hits, merged where they overlap, so no text is matched
            // twice.
            let mut windows: Vec<(usize, usize)> = Vec::new();
            for &k in hits.iter() {
                let ws = line_start(self.text, k);
                let we = lines_end(self.text, k, REGEX_WINDOW_LINES);
                match windows.last_mut() {
                    Some(last) if ws <= last.1 => last.1 = last.1.max(we),
                    _ => windows.push((ws, we)),
                }
            }
            let mut seen = HashSet::new();
            for (ws, we) in windows {
                let hay = &self.text[ws..we];
                let spans: Vec<(usize, usize)> = if *hit_group {
                    re.captures_iter(hay)
                        .map(|c| {
                            c.name("hit")
                                .or_else(|| c.get(0))
                                .map_or((0, 0), |m| (m.start(), m.end()))
                        })
                        .collect()
                } else {
                    re.find_iter(hay).map(|m| (m.start(), m.end())).collect()
                };
                for (ms, me) in spans {
                    let (s, e) = (ws + ms, ws + me);
                    if s == e || !seen.insert((s, e)) {
                        continue;
                    }
                    if let Some((sev, note)) =
                        self.judge(ri as u32, s, e, rule.spec.severity, false)
                    {
                        let reason =
                            with_note(format!("模式匹配：{}", rule.spec.description), note);
                        out.push(Candidate {
                            rule: ri as u32,
                            start: s,
                            end: e,
                            severity: sev,
                            reason,
                            original: false,
                        });
                    }
                }
            }
        }
        // Detectors.
        let detector_rules = &engine.detector_rules;
        if !detector_rules.is_empty() {
            for h in self.ids() {
                for &(ri, kind) in detector_rules {
                    if kind != h.kind.detector() {
                        continue;
                    }
                    let cap = engine.rules[ri].spec.severity;
                    let base = h.severity.min(cap);
                    if let Some((sev, note)) = self.judge(ri as u32, h.start, h.end, base, false) {
                        let reason = with_note(h.reason.clone(), note);
                        out.push(Candidate {
                            rule: ri as u32,
                            start: h.start,
                            end: h.end,
                            severity: sev,
                            reason,
                            original: false,
                        });
                    }
                }
            }
            if let (Some(set), Some(&(ri, _))) = (
                engine.table_set,
                detector_rules
                    .iter()
                    .find(|(_, k)| *k == DetectorKind::PiiTable),
            ) {
                for t in self.tables(set) {
                    out.push(Candidate {
                        rule: ri as u32,
                        start: t.start,
                        end: t.end,
                        severity: t.severity.min(engine.rules[ri].spec.severity),
                        reason: t.reason,
                        original: true,
                    });
                }
            }
        }
        out
    }

    /// Lines holding at least two distinct header words → PII tables in the original text.
    fn tables(&self, set: u32) -> Vec<tables::TableHit> {
        let hits = &self.hits.sets[set as usize];
        let b = self.text.as_bytes();
        let mut header_lines = Vec::new();
        let mut i = 0;
        while i < hits.len() {
            // The hits on this line (as far as lines reach): no line feed between one and the
            // next.
            let word = &b[hits[i].0..hits[i].1];
            let limit = (hits[i].0 + MAX_LINE_REACH).min(b.len());
            // Within reach: before the character boundary at or below `limit`. Only a hit a
            // few bytes short of `limit` needs that boundary (reading the text there is a cache
            // miss per line).
            let within = |h: usize| h + 4 <= limit || h < floor_boundary(self.text, limit);
            let mut distinct = false;
            let mut j = i + 1;
            while j < hits.len()
                && within(hits[j].0)
                && memchr::memchr(b'\n', &b[hits[j - 1].0..hits[j].0]).is_none()
            {
                distinct |= &b[hits[j].0..hits[j].1] != word;
                j += 1;
            }
            if distinct {
                header_lines.push(self.folded.map_start(line_start(self.text, hits[i].0)));
            }
            i = j;
        }
        if header_lines.is_empty() {
            return Vec::new();
        }
        // Tables need the original text: folding removes the blanks that separate cells.
        let original = self.original_text();
        tables::scan(original, &header_lines)
    }

    fn original_text(&self) -> &str {
        self.folded.original()
    }

    /// Applies scope, whole-line, exceptions and contexts to a match of rule `r`.
    /// Returns the severity, or `None` when the match is dropped.
    fn judge(
        &self,
        r: u32,
        s: usize,
        e: usize,
        base: Severity,
        literal: bool,
    ) -> Option<(Severity, &'e str)> {
        let rule = &self.engine.rules[r as usize];
        let spec = &rule.spec;
        match spec.scope {
            Scope::Anywhere => {}
            Scope::Title if s >= self.title_end => return None,
            Scope::Head if s >= self.head_end => return None,
            _ => {}
        }
        if spec.whole_line && !is_whole_line(self.text, s, e) {
            return None;
        }
        if rule.has_exceptions
            && self.hits.exceptions[r as usize]
                .iter()
                .any(|&(xs, xe)| xs <= s && e <= xe)
        {
            return None;
        }
        // A short term found only by removing separators (`机 密`) is too weak to report.
        if literal && self.text[s..e].chars().count() < 3 {
            let (os, oe) = self.folded.map_span(s, e);
            let orig = &self.original_text()[os..oe];
            if orig
                .chars()
                .any(|c| c.is_whitespace() || normalize_separator(c))
            {
                return None;
            }
        }
        for ctx in &rule.contexts {
            if self.context_applies(ctx, s, e) {
                return match ctx.action {
                    Action::Drop => None,
                    Action::Set(sev) => Some((sev, ctx.note.as_str())),
                };
            }
        }
        Some((base, ""))
    }

    fn window(&self, w: Window, s: usize, e: usize) -> (usize, usize) {
        let t = self.text;
        match w {
            Window::Chars(n) => (
                identifiers::back_chars(t, s, n),
                identifiers::fwd_chars(t, e, n),
            ),
            Window::Before(n) => (identifiers::back_chars(t, s, n), e),
            Window::Line => (
                line_start(t, s),
                lines_end(t, e.saturating_sub(1).max(s), 1),
            ),
            Window::Sentence => sentence_bounds(t, s, e),
            Window::Title => (0, self.title_end.max(e)),
            Window::Document => (0, t.len()),
        }
    }

    fn context_applies(&self, ctx: &Context, s: usize, e: usize) -> bool {
        let (ws, we) = self.window(ctx.window, s, e);
        if !ctx.direct.is_empty() {
            let w = &self.text[ws..we];
            if !ctx.direct.iter().any(|d| w.contains(d.as_str())) {
                return false;
            }
        }
        if let Some(set) = ctx.set {
            let hits = &self.hits.sets[set as usize];
            let from = hits.partition_point(|h| h.0 < ws);
            let found = hits[from..]
                .iter()
                .take_while(|h| h.0 < we)
                .any(|h| h.1 <= we);
            if !found {
                return false;
            }
        }
        if ctx.markers.is_empty() {
            return true;
        }
        ctx.markers.iter().any(|m| match m {
            Marker::Identifier => self
                .ids()
                .iter()
                .any(|h| h.severity == Severity::Hold && h.start < we && h.end > ws),
            Marker::Person => {
                let (ws, we) = (ws, we.min(ws + 4096));
                let we = floor_boundary(self.text, we);
                person_regex().is_match(&self.text[ws..we])
            }
        })
    }
}

/// A reason with the note of the context that decided it, if any.
fn with_note(mut reason: String, note: &str) -> String {
    if !note.is_empty() {
        reason.push('；');
        reason.push_str(note);
    }
    reason
}

fn normalize_separator(c: char) -> bool {
    matches!(
        c,
        '-' | '_' | '.' | '/' | '|' | '~' | '·' | '•' | '・' | '\u{200b}'
    )
}

fn floor_boundary(t: &str, mut p: usize) -> usize {
    while p > 0 && !t.is_char_boundary(p) {
        p -= 1;
    }
    p
}

/// How far a "line" reaches at most on either side of a position. Extracted HTML and Word text
/// can put a whole document on one line; windows must stay local all the same.
const MAX_LINE_REACH: usize = 2048;

fn ceil_boundary(t: &str, mut p: usize) -> usize {
    while p < t.len() && !t.is_char_boundary(p) {
        p += 1;
    }
    p
}

/// Start of the line holding `p` (at most [`MAX_LINE_REACH`] bytes back).
fn line_start(t: &str, p: usize) -> usize {
    let lo = p.saturating_sub(MAX_LINE_REACH);
    match memchr::memrchr(b'\n', &t.as_bytes()[lo..p]) {
        Some(i) => lo + i + 1,
        None if lo == 0 => 0,
        None => ceil_boundary(t, lo),
    }
}

/// End (exclusive, before the newline) of the `n`-th line starting with the one holding `p`
/// (each line at most [`MAX_LINE_REACH`] bytes on).
fn lines_end(t: &str, p: usize, n: usize) -> usize {
    let b = t.as_bytes();
    let mut pos = p;
    for k in 0..n {
        let hi = (pos + MAX_LINE_REACH).min(b.len());
        match memchr::memchr(b'\n', &b[pos..hi]) {
            Some(i) if k + 1 < n => pos += i + 1,
            Some(i) => return pos + i,
            None if hi == b.len() => return b.len(),
            None => return floor_boundary(t, hi),
        }
    }
    b.len()
}

/// End offset of the `n`-th non-empty line (or of the text), at most `reach`. Lines that start
/// at or past `reach` are not read.
fn end_of_nonempty_lines(t: &str, n: usize, reach: usize) -> usize {
    let b = t.as_bytes();
    let (mut seen, mut pos) = (0, 0);
    while pos < b.len() && pos < reach {
        let end = memchr::memchr(b'\n', &b[pos..]).map_or(b.len(), |i| pos + i + 1);
        if !t[pos..end].trim().is_empty() {
            seen += 1;
            if seen == n {
                return end.min(reach);
            }
        }
        pos = end;
    }
    pos.min(reach)
}

fn sentence_bounds(t: &str, s: usize, e: usize) -> (usize, usize) {
    let mut ws = s;
    let mut count = 0;
    for (i, c) in t[..s].char_indices().rev() {
        if is_sentence_end(c) || count > 300 {
            break;
        }
        ws = i;
        count += 1;
    }
    let mut we = e;
    count = 0;
    for (i, c) in t[e..].char_indices() {
        if is_sentence_end(c) || count > 300 {
            break;
        }
        we = e + i + c.len_utf8();
        count += 1;
    }
    (ws, we)
}

fn is_whole_line(t: &str, s: usize, e: usize) -> bool {
    let ls = line_start(t, s);
    let le = lines_end(t, e.saturating_sub(1).max(s), 1);
    let junk = |c: char| c.is_whitespace() || "（）()【】[]〔〕<>《》\"“”:：".contains(c);
    t[ls..s].chars().all(junk) && t[e..le].chars().all(junk)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Counting across the 255-word lane sums: lengths on both sides of each boundary, newlines
    /// dense enough to fill a lane counter.
    #[test]
    fn line_feeds_counted_across_lane_sums() {
        let text: Vec<u8> = (0..40_000u32)
            .map(|i| {
                if i.wrapping_mul(2_654_435_761) % 7 < 3 {
                    b'\n'
                } else {
                    b'a'
                }
            })
            .collect();
        let all_feeds = vec![b'\n'; 9000];
        for len in [
            0, 31, 32, 33, 8159, 8160, 8161, 8192, 16_320, 16_321, 40_000,
        ] {
            let naive = text[..len].iter().filter(|&&c| c == b'\n').count();
            assert_eq!(count_line_feeds(&text[..len]), naive, "length {len}");
            let len = len.min(all_feeds.len());
            assert_eq!(
                count_line_feeds(&all_feeds[..len]),
                len,
                "all feeds, length {len}"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 1000,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// Line numbers counted incrementally agree with counting from the start each time.
        #[test]
        fn line_counter_matches_a_plain_count(
            text in "[a\\n内\\r]{0,100}",
            mut points in proptest::collection::vec(0usize..100, 0..10),
        ) {
            let b = text.as_bytes();
            points.iter_mut().for_each(|p| *p = (*p).min(b.len()));
            points.sort_unstable();
            let mut lines = LineCounter::default();
            for p in points {
                let line = b[..p].iter().filter(|&&c| c == b'\n').count() + 1;
                let start = b[..p].iter().rposition(|&c| c == b'\n').map_or(0, |i| i + 1);
                prop_assert_eq!(lines.at(b, p), (line, start));
            }
        }
    }
}

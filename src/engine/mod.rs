//! The rule engine: built once from rule specifications (building may fail), then scans text
//! (scanning cannot fail). Pure: no I/O, no clock, no async.
//!
//! A scan folds the text ([`normalize`]), finds every literal of every rule in the folded text
//! ([`lexicon`]), runs each regex rule only on the lines around its
//! keywords, runs the identifier and table detectors, applies exceptions, scopes and contexts,
//! and maps every surviving finding back to its span in the original text.

mod finding;
mod html_tags;
mod identifiers;
mod lexicon;
mod normalize;
mod spec;
mod tables;

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use aho_corasick::AhoCorasick;
use regex::{Regex, RegexBuilder};

// The engine's API: what the rest of the crate (and its tests) may use. Everything else in
// these modules is internal.
pub use finding::{
    cap_findings, cell_name, mask, Category, Decision, Finding, Location, Place, Report, Severity,
    MAX_FINDINGS,
};
pub use normalize::{fold, numerals_to_digits, Folded};

/// The identifier validators (checksums, number plans), for callers that check a value on its
/// own: the test vectors, the evaluation of planted identifiers.
pub mod validate {
    pub use super::identifiers::{
        check_id18, check_mobile, id_check_char, luhn, valid_id15, valid_uscc, IdCheck, MobileCheck,
    };
}
/// HTML tag names: which tags text runs through, which break it into blocks. The engine joins
/// digit groups across inline markup; extraction breaks lines at block tags.
pub mod html {
    pub use super::html_tags::{is_block_tag, is_inline_tag, BLOCK_TAGS, INLINE_TAGS};
}
use identifiers::{IdContext, IdHit, IdScanner};
use lexicon::{Lexicon, LexiconBuilder, Role};
pub use spec::{
    Action, BuildError, ContextSpec, DetectorKind, Marker, Matcher, RuleSpec, Scope, Site, Window,
};

/// Limits on what a rule may ask of the engine.
pub const MAX_REGEX_SIZE: usize = 1 << 20;
pub const MAX_REGEX_NEST: u32 = 64;
pub const MAX_WINDOW_CHARS: usize = 500;
/// The longest text the engine scans, in bytes: offsets inside it are 32-bit, and this leaves
/// room for the folded text and for the marks that stand for no offset. Inputs are capped far
/// below it (extraction takes at most 256 MiB); a longer text given to [`Engine::scan`] is not
/// scanned and holds with a `text_too_large` finding ([`finding::text_too_large`]).
pub const MAX_TEXT_BYTES: usize = 1 << 30;
/// Contexts whose window is at most this many characters read the window directly.
const DIRECT_WINDOW_CHARS: usize = 32;
/// The title position ends after three non-empty lines, and never later than this byte offset
/// (a document without line breaks has no title lines to speak of).
const TITLE_REACH: usize = 600;
/// The head (where a mark or 份号 stands) ends after five non-empty lines, or at this offset.
const HEAD_REACH: usize = 1000;
/// How far a regex window reaches: the keyword's line and the next one.
const REGEX_WINDOW_LINES: usize = 2;
/// How far a sentence window reaches on either side of a match, in bytes (about 300 Chinese
/// characters): text without sentence ends must not make every window the whole text.
const MAX_SENTENCE_REACH: usize = 900;
/// A scan stops making candidates past this many (twice the findings a report keeps, so that
/// duplicates removed later cannot bring a report under the cap unnoticed): the document then
/// holds with a `finding_cap` finding, whatever the rest of it says.
const MAX_CANDIDATES: usize = 2 * MAX_FINDINGS;
/// Texts shorter than this are scanned on one thread whatever the caller offers.
pub const PARALLEL_MIN: usize = 1 << 20;
/// Texts at least this long are probed for a density of findings that reaches
/// [`MAX_CANDIDATES`] early ([`Engine::scan_dense`]).
const PROBE_MIN: usize = 4 << 20;
/// Prefixes a dense text is read to, after the probe, before it is read whole.
const PREFIX_TRIES: usize = 2;
/// The probe reads this fraction of the text: 1/32.
const PROBE_SHARE: usize = 32;
/// The evaluation looks at the cancellation flag once per this many candidates.
const CANCEL_EVERY: usize = 1024;

/// What a scan found in the text it read.
struct Scanned {
    findings: Vec<Finding>,
    /// Making candidates stopped at [`MAX_CANDIDATES`].
    stopped: bool,
    candidates: usize,
    /// Bytes read: the whole text, or the part of a dense one that reached the bound.
    read: usize,
}

impl Scanned {
    fn merged(mut self) -> Scanned {
        self.findings = finding::merge_nested(self.findings);
        self
    }

    /// The report holds with a `finding_cap` finding.
    fn reaches_cap(&self) -> bool {
        self.stopped || self.findings.len() > MAX_FINDINGS
    }
}

/// A flag that stops a scan from another thread. The engine keeps no clock: a caller with a
/// deadline (the service, when a request times out) raises it, and the scan returns
/// [`Cancelled`] at its next look, within a bounded amount of work.
///
/// It also settles the race between a deadline and a write: whoever comes first wins. After
/// [`Cancel::cancel`] succeeds, [`Cancel::claim`] fails, so nothing is committed for a request
/// that was answered "timed out"; after `claim` succeeds, `cancel` fails and the caller waits
/// for the write to finish instead of answering "timed out".
#[derive(Debug, Default)]
pub struct Cancel(AtomicU8);

const RUNNING: u8 = 0;
const CANCELLED: u8 = 1;
const CLAIMED: u8 = 2;

impl Cancel {
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Stops the scan unless the work was already claimed; true when it is now cancelled.
    pub fn cancel(&self) -> bool {
        match self
            .0
            .compare_exchange(RUNNING, CANCELLED, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => true,
            Err(state) => state == CANCELLED,
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Acquire) == CANCELLED
    }

    /// Claims the work for a commit; false when it was cancelled first.
    pub fn claim(&self) -> bool {
        match self
            .0
            .compare_exchange(RUNNING, CLAIMED, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => true,
            Err(state) => state == CLAIMED,
        }
    }
}

/// A scan stopped by its [`Cancel`] flag: there is no report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cancelled;

impl std::fmt::Display for Cancelled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the scan was cancelled")
    }
}

impl std::error::Error for Cancelled {}

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
    /// `inline`: what may follow a label on its line up to the value (group `v`); `value`: the
    /// value anchored at the start of a cell.
    Field {
        labels: Vec<String>,
        inline: Regex,
        value: Regex,
    },
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

/// The person pattern, one alternative per way a document names a person:
/// - `姓名：` and a name;
/// - a name followed by a sex, an age or an identifying number's label (`张三，男，`);
/// - a patient's, petitioner's or household head's label and a name (`患者：李四`);
/// - a numbered row that starts with a name (`12　王五`).
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

/// Words of which every match of the first three alternatives of [`person_regex`] contains
/// one: the label `姓名`, the sex, age and number labels a name is followed by, and the
/// labels a name follows. (The fourth alternative starts a line with a number; see
/// [`may_start_numbered_row`].)
const PERSON_ANCHORS: [&str; 19] = [
    "姓名",
    "男",
    "女",
    "岁",
    "准考证",
    "考号",
    "身份证",
    "证件号",
    "学号",
    "工号",
    "住院号",
    "病历号",
    "患者",
    "病人",
    "就诊人",
    "上访人",
    "信访人",
    "户主",
    "重点人员",
];

fn person_anchors() -> &'static AhoCorasick {
    static AC: std::sync::OnceLock<AhoCorasick> = std::sync::OnceLock::new();
    AC.get_or_init(|| AhoCorasick::new(PERSON_ANCHORS).expect("the person anchors build"))
}

/// Whether [`person_regex`] can match somewhere in `w` (a slice of a larger text, whose start
/// counts as a line start only when `w_is_text_start`): `false` proves it cannot, so the
/// pattern need not be run. Every match of the first three alternatives holds one of
/// [`PERSON_ANCHORS`]; one of the fourth starts at a line start followed by white space and a
/// digit.
fn person_may_match(w: &str, w_is_text_start: bool) -> bool {
    person_anchors().is_match(w) || may_start_numbered_row(w, w_is_text_start)
}

/// Whether some line of `w` (after its first line feed, or from its start when that is the
/// text's) begins, after white space, with a numeric character: where the numbered-row
/// alternative of [`person_regex`] could start.
fn may_start_numbered_row(w: &str, w_is_text_start: bool) -> bool {
    let b = w.as_bytes();
    let starts = w_is_text_start
        .then_some(0)
        .into_iter()
        .chain(memchr::memchr_iter(b'\n', b).map(|i| i + 1));
    starts.into_iter().any(|ls| {
        w[ls..]
            .chars()
            .find(|c| !c.is_whitespace())
            .is_some_and(char::is_numeric)
    })
}

/// The characters that end a sentence window; [`sentence_ends`] finds them byte-wise, and a
/// test holds the two to the same list.
#[cfg(test)]
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
                Matcher::Field { labels, value } => {
                    let mut folded_labels = Vec::new();
                    for (i, l) in labels.iter().enumerate() {
                        let f = fold_literal(l);
                        if f.chars().count() < 2 {
                            err(
                                Site::Keyword(i),
                                format!("label `{l}` needs at least two characters"),
                            );
                        } else {
                            lex.add(&f, Role::Keyword(r));
                            folded_labels.push(f);
                        }
                    }
                    // After the label: up to three more characters of it (`标底` + `价格`), a
                    // unit in brackets, then `：`, `为` or `是`, and the value.
                    let inline = format!(
                        r"^\p{{Han}}{{0,3}}?[^\S\n]*(?:[（(][^）)\n]{{0,12}}[）)])?[^\S\n]*(?:[:：]|为|是)[^\S\n]*(?:人民币)?[^\S\n]*(?P<v>(?:{value}))"
                    );
                    let cell = format!("^(?:{value})");
                    let build = |p: &str| {
                        RegexBuilder::new(p)
                            .size_limit(MAX_REGEX_SIZE)
                            .nest_limit(MAX_REGEX_NEST)
                            .build()
                    };
                    match (build(&inline), build(&cell)) {
                        (Ok(inline), Ok(value)) => CompiledMatcher::Field {
                            labels: folded_labels,
                            inline,
                            value,
                        },
                        (Err(e), _) | (_, Err(e)) => {
                            err(
                                Site::Pattern,
                                format!("invalid `value` regex: {}", one_line(&e.to_string())),
                            );
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
                // A column's header is one cell: its words are read there directly too.
                let small = matches!(c.window, Window::Chars(n) | Window::Before(n) if n <= DIRECT_WINDOW_CHARS)
                    || c.window == Window::Column;
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

    /// Scans one document. Never fails. A text over [`MAX_TEXT_BYTES`] is not scanned: its
    /// report holds with one `text_too_large` finding.
    pub fn scan(&self, text: &str) -> Report {
        match self.scan_with(text, &Cancel::new()) {
            Ok(report) => report,
            Err(Cancelled) => unreachable!("nothing else holds this flag"),
        }
    }

    /// Every rule's own findings in `text`, before nested findings of one category are merged
    /// into one per problem ([`finding::merge_nested`]): what a rule's examples are checked
    /// against. Not capped; a text over [`MAX_TEXT_BYTES`] gives its one `text_too_large`.
    pub fn scan_each_rule(&self, text: &str) -> Vec<Finding> {
        if let Some(too_large) = finding::text_too_large(text.len(), MAX_TEXT_BYTES) {
            return vec![too_large];
        }
        match self.scan_whole(text, &Cancel::new(), 1) {
            Ok(scanned) => scanned.findings,
            Err(Cancelled) => unreachable!("nothing else holds this flag"),
        }
    }

    /// Scans one document unless `cancel` is raised first. The work of a scan is linear in the
    /// length of the text (see the complexity notes on [`Scan`]), and the flag is read between
    /// stages and every [`CANCEL_EVERY`] candidates.
    pub fn scan_with(&self, text: &str, cancel: &Cancel) -> Result<Report, Cancelled> {
        self.scan_on(text, cancel, 1)
    }

    /// [`Engine::scan_with`] on up to `threads` threads, for a caller with cores to spare (the
    /// command line, given one large file): exactly the same report, sooner. A text shorter
    /// than [`PARALLEL_MIN`] is scanned on one thread (starting threads would cost more). The
    /// stages stay whole-document (the title, the head, a table header far above its cells, a
    /// window across any line see the whole text); only their work is shared: folding is cut
    /// where its state starts afresh, the lexicon pass between its starting points, the
    /// sentence ends between byte ranges, and judging between candidates, and every part's
    /// results are put together in order.
    pub fn scan_on(
        &self,
        text: &str,
        cancel: &Cancel,
        threads: usize,
    ) -> Result<Report, Cancelled> {
        if let Some(too_large) = finding::text_too_large(text.len(), MAX_TEXT_BYTES) {
            return Ok(Report {
                decision: Decision::Hold,
                ruleset: self.id.clone(),
                findings: vec![too_large],
                dropped: 0,
            });
        }
        let threads = threads.max(1);
        let scanned = self.scan_text(text, cancel, threads)?;
        let mut findings = scanned.findings;
        let dropped = finding::cap_findings(&mut findings, finding::MAX_FINDINGS, scanned.stopped);
        if scanned.read < text.len() {
            if let Some(cap) = findings.last_mut() {
                let line = count_line_feeds(&text.as_bytes()[..scanned.read]);
                cap.reason.push_str(&format!(
                    "（全文 {} 字节，读到第 {line} 行末（第 {} 字节）已达上限，其后未读）",
                    text.len(),
                    scanned.read
                ));
            }
        }
        Ok(Report {
            decision: Report::decision_for(&findings),
            ruleset: self.id.clone(),
            findings,
            dropped,
        })
    }

    /// The findings of a text of at most [`MAX_TEXT_BYTES`], nested ones merged: of the whole
    /// text, or of the part of a dense text read before it reached the cap
    /// ([`Engine::scan_dense`]).
    fn scan_text(&self, text: &str, cancel: &Cancel, threads: usize) -> Result<Scanned, Cancelled> {
        if text.len() >= PROBE_MIN {
            if let Some(dense) = self.scan_dense(text, cancel, threads)? {
                return Ok(dense);
            }
        }
        Ok(self.scan_whole(text, cancel, threads)?.merged())
    }

    /// A document dense with findings reaches the cap ([`MAX_FINDINGS`] findings, or
    /// [`MAX_CANDIDATES`] candidates) long before its end and then holds whatever follows:
    /// reading the rest costs only time (for a hostile submission, the time of every scan
    /// queued behind it). So a long text is probed first: its first [`PROBE_SHARE`]th, cut
    /// where folding starts afresh (the part folds exactly as it does in the whole), is scanned
    /// as a document. While the part read does not reach the cap but its density puts the cap
    /// within the first half of the text, a prefix cut a tenth past that estimate is read (at
    /// most [`PREFIX_TRIES`] times, each estimate made from the longer part). A part that
    /// reaches the cap is the document's report: it holds, and its `finding_cap` finding says
    /// where reading stopped. Otherwise `None`, and the whole text is scanned as always; the
    /// probe then cost a thirty-second more work, and a text whose findings thin out past each
    /// estimate at most one whole scan more. A text with no `。` ending a line has no place to
    /// cut and is never probed.
    ///
    /// The part read is judged as a document of its own: a context over the whole document
    /// sees only the part, and a window at its very end stops there. So the findings listed
    /// may differ from the same stretch of a whole scan, and a context that drops findings on a
    /// word further on can make a part reach the cap that the whole, scanned, would not. Both
    /// only ever hold: a part that reaches the cap holds, never approves.
    fn scan_dense(
        &self,
        text: &str,
        cancel: &Cancel,
        threads: usize,
    ) -> Result<Option<Scanned>, Cancelled> {
        let Some(probe) = normalize::fold_cut_after(text, text.len() / PROBE_SHARE) else {
            return Ok(None);
        };
        let mut read = self.scan_whole(&text[..probe], cancel, threads)?.merged();
        let mut cut = probe;
        for _ in 0..PREFIX_TRIES {
            if read.reaches_cap() {
                return Ok(Some(read));
            }
            // Where the cap falls at the density read so far, with a tenth to spare.
            let at = |cap: usize, n: usize| cut as u128 * cap as u128 * 11 / 10 / n.max(1) as u128;
            let want = at(MAX_FINDINGS + 1, read.findings.len())
                .min(at(MAX_CANDIDATES, read.candidates))
                .max(cut as u128 + 1)
                .min(text.len() as u128) as usize;
            if want > text.len() / 2 {
                return Ok(None);
            }
            match normalize::fold_cut_after(text, want).filter(|&c| c <= text.len() / 2) {
                Some(c) => cut = c,
                None => return Ok(None),
            }
            read = self.scan_whole(&text[..cut], cancel, threads)?.merged();
        }
        Ok(read.reaches_cap().then_some(read))
    }

    /// The findings of all of `text`, whether making them stopped at [`MAX_CANDIDATES`], and
    /// how many candidates were made.
    fn scan_whole(
        &self,
        text: &str,
        cancel: &Cancel,
        threads: usize,
    ) -> Result<Scanned, Cancelled> {
        let threads = if text.len() >= PARALLEL_MIN {
            threads
        } else {
            1
        };
        let folded = if threads > 1 {
            normalize::fold_marking_on(text, self.lexicon.first_chars(), threads)
        } else {
            normalize::fold_marking(text, self.lexicon.first_chars())
        };
        if cancel.is_cancelled() {
            return Err(Cancelled);
        }
        let mut scan = Scan::new(self, &folded, cancel);
        if threads > 1 {
            scan.prepare_on(threads)?;
        } else {
            scan.collect();
        }
        if cancel.is_cancelled() {
            return Err(Cancelled);
        }
        let (mut cands, stopped) = if threads > 1 {
            scan.evaluate_on(threads)?
        } else {
            scan.evaluate()?
        };
        Ok(Scanned {
            candidates: cands.len(),
            findings: self.finish(text, &folded, &mut cands),
            stopped,
            read: text.len(),
        })
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
            // (The kept findings are in order of start, not of end: look a bounded way back.)
            if kept
                .iter()
                .rev()
                .take(64)
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
                rule_name: rule.name.clone(),
                severity: c.severity,
                start: s,
                end: e,
                line,
                column,
                text: text[s..e].to_string(),
                reason: std::mem::take(&mut cands[i].reason),
                also: Vec::new(),
                location: Location::Body,
                place: Place::default(),
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
    /// Per rule, sorted by start after collection.
    exceptions: Vec<Vec<(usize, usize)>>,
    /// Per rule, the exceptions as a [`Reach`]: "is this span inside an exception" is one
    /// binary search.
    exception_reach: Vec<Reach>,
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
        HITS.with(|c| c.borrow_mut().take())
            .unwrap_or_default()
            .sized(rules, sets)
    }

    /// Empty hit lists, new (for a thread that helps with one scan).
    fn fresh(rules: usize, sets: usize) -> Hits {
        Hits::default().sized(rules, sets)
    }

    /// One list per rule and per context set.
    fn sized(mut self, rules: usize, sets: usize) -> Hits {
        self.exceptions.resize_with(rules, Vec::new);
        self.exception_reach.resize_with(rules, Reach::default);
        self.keywords.resize_with(rules, Vec::new);
        self.sets.resize_with(sets, Vec::new);
        self
    }

    /// The hits of the parts of a text, in order, as one: each list is sized once and the
    /// first part's lists are kept, so no list is copied to grow.
    fn concat(parts: Vec<Hits>) -> Hits {
        fn join<T>(lists: &mut [&mut Vec<T>]) {
            let Some((first, rest)) = lists.split_first_mut() else {
                return;
            };
            if first.is_empty() {
                if let Some(k) = rest.iter().position(|v| !v.is_empty()) {
                    // Lists before `k` are empty too, so order is kept.
                    std::mem::swap(*first, rest[k]);
                }
            }
            first.reserve_exact(rest.iter().map(|v| v.len()).sum());
            for v in rest.iter_mut() {
                first.append(v);
            }
        }
        let mut parts = parts.into_iter();
        let Some(mut h) = parts.next() else {
            return Hits::default();
        };
        let mut rest: Vec<Hits> = parts.collect();
        let mut terms: Vec<&mut Vec<_>> = std::iter::once(&mut h.terms)
            .chain(rest.iter_mut().map(|p| &mut p.terms))
            .collect();
        join(&mut terms);
        for r in 0..h.exceptions.len() {
            let mut l: Vec<&mut Vec<_>> = std::iter::once(&mut h.exceptions[r])
                .chain(rest.iter_mut().map(|p| &mut p.exceptions[r]))
                .collect();
            join(&mut l);
        }
        for r in 0..h.keywords.len() {
            let mut l: Vec<&mut Vec<_>> = std::iter::once(&mut h.keywords[r])
                .chain(rest.iter_mut().map(|p| &mut p.keywords[r]))
                .collect();
            join(&mut l);
        }
        for r in 0..h.sets.len() {
            let mut l: Vec<&mut Vec<_>> = std::iter::once(&mut h.sets[r])
                .chain(rest.iter_mut().map(|p| &mut p.sets[r]))
                .collect();
            join(&mut l);
        }
        h
    }

    /// Orders what judging searches: context words and exceptions by start (exceptions also
    /// as a [`Reach`]), keyword offsets ascending, each once.
    fn settle(&mut self) {
        for v in self.sets.iter_mut() {
            v.sort_unstable();
        }
        for (x, reach) in self
            .exceptions
            .iter_mut()
            .zip(self.exception_reach.iter_mut())
        {
            if x.is_empty() {
                continue;
            }
            x.sort_unstable();
            reach.extend(x.iter().copied());
        }
        for k in self.keywords.iter_mut() {
            k.sort_unstable();
            k.dedup();
        }
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
        self.exception_reach.iter_mut().for_each(|r| {
            clear(&mut r.starts);
            clear(&mut r.reach);
        });
        self.keywords.iter_mut().for_each(clear);
        self.sets.iter_mut().for_each(clear);
        HITS.with(|c| *c.borrow_mut() = Some(self));
    }
}

/// Spans sorted by start, with the furthest end reached so far at each index: whether any span
/// overlaps or contains a window is one binary search.
#[derive(Default)]
struct Reach {
    starts: Vec<usize>,
    reach: Vec<usize>,
}

impl Reach {
    /// From spans sorted by start.
    fn new(spans: impl Iterator<Item = (usize, usize)>) -> Reach {
        let mut r = Reach::default();
        r.extend(spans);
        r
    }

    /// Appends spans sorted by start, after any already held.
    fn extend(&mut self, spans: impl Iterator<Item = (usize, usize)>) {
        let mut far = self.reach.last().copied().unwrap_or(0);
        for (s, e) in spans {
            far = far.max(e);
            self.starts.push(s);
            self.reach.push(far);
        }
    }

    /// Some span starts before `we` and ends after `ws`.
    fn overlaps(&self, ws: usize, we: usize) -> bool {
        let i = self.starts.partition_point(|&s| s < we);
        i > 0 && self.reach[i - 1] > ws
    }

    /// Some span contains `s..e`.
    fn covers(&self, s: usize, e: usize) -> bool {
        let i = self.starts.partition_point(|&xs| xs <= s);
        i > 0 && self.reach[i - 1] >= e
    }
}

/// One part of making candidates (see [`Scan::parts`]): a range of the term hits, the
/// patterns, the fields, a range of the identifiers, the PII tables.
#[derive(Clone, Copy, Debug)]
enum Part {
    Terms(usize, usize),
    Patterns,
    Fields,
    Ids(usize, usize),
    Tables,
}

/// `0..n` cut into at most `parts` consecutive ranges of about equal length (none empty).
fn split_range(n: usize, parts: usize) -> Vec<(usize, usize)> {
    let parts = parts.clamp(1, n.max(1));
    (0..parts)
        .map(|k| (n * k / parts, n * (k + 1) / parts))
        .filter(|(a, b)| a < b)
        .collect()
}

/// Runs `job(i, local)` for every `i` in `0..n` on up to `threads` threads, each thread taking
/// the next job not yet taken and keeping one [`Local`] for all its jobs; returns the results in
/// order of `i`.
fn run_jobs<T: Send>(threads: usize, n: usize, job: impl Fn(usize, &Local) -> T + Sync) -> Vec<T> {
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<T>>> = (0..n).map(|_| Mutex::new(None)).collect();
    let work = || {
        let local = Local::default();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= n {
                break;
            }
            let r = job(i, &local);
            *results[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(r);
        }
    };
    std::thread::scope(|sc| {
        for _ in 1..threads.min(n) {
            sc.spawn(work);
        }
        work();
    });
    results
        .into_iter()
        .map(|m| {
            m.into_inner()
                .unwrap_or_else(|p| p.into_inner())
                .expect("a scoped thread ran every job it took")
        })
        .collect()
}

/// The state of one scan.
///
/// # Complexity
/// With n the length of the text, h the hits of the lexicon (at most a few per byte) and c the
/// candidates (at most [`MAX_CANDIDATES`]):
/// - folding, the lexicon pass, the identifier scan and the table scan each read the text once:
///   O(n) (the table scan reads each line at most once: a header's rows are not read again by a
///   header below it);
/// - collecting sorts the hits: O(h log h);
/// - judging a candidate: scope O(1); whole line O(L) with L = [`MAX_LINE_REACH`]; exceptions
///   O(log h) ([`Reach`]); a short term's separators O(1); each context: its window in O(1)
///   (sentence ends are found once per scan, [`MAX_SENTENCE_REACH`] bounds a sentence; character
///   windows walk at most [`MAX_WINDOW_CHARS`]), its words in O(log h + k) where k ≤ the hits
///   that straddle the window's end, small windows' words in O(w) with w ≤ 32 characters, the
///   identifier marker in O(log n) (its list is made once per scan), the person marker in
///   O(log n) once the 1 KiB blocks of its window were read (each block at most once, and the
///   pattern run only on blocks that hold a word its matches need), a
///   column window in O(log n + L) (the table grid is built once, a row split once per visit);
/// - patterns run once over the merged windows around their keywords: O(n) per pattern rule;
/// - mapping candidates back and ordering them: O(c log c), line numbers in one pass.
///
/// So a scan is O(n + h log h + c log c), and `tests/adversarial.rs` holds it to that: doubling
/// the worst document of each stage about doubles the instructions it costs.
struct Scan<'e, 'f> {
    engine: &'e Engine,
    folded: &'f Folded<'f>,
    text: &'f str,
    hits: Hits,
    ids: OnceLock<Vec<IdHit>>,
    /// The hold-severity identifiers, for identifier markers.
    hold_ids: OnceLock<Reach>,
    /// Byte offsets of the sentence ends (。！？；!?; and line feeds), for sentence windows.
    sentence_ends: OnceLock<Vec<usize>>,
    /// The tables of the original text, for column windows and fields.
    grid: OnceLock<tables::Grid>,
    title_end: usize,
    head_end: usize,
    cancel: &'f Cancel,
}

/// What one thread judging a document keeps for itself: where the person pattern starts a
/// match, block by block as person markers ask (see [`Scan::person_in`]).
#[derive(Default)]
struct Local {
    persons: RefCell<Persons>,
}

/// The person pattern's matches found so far, and the blocks already read for them.
#[derive(Default)]
struct Persons {
    scanned: HashSet<usize>,
    starts: std::collections::BTreeSet<usize>,
}

/// Bytes of text the person pattern reads at a time.
const PERSON_BLOCK: usize = 1024;

/// The candidates of a scan so far; refuses more past [`MAX_CANDIDATES`] and reads the
/// cancellation flag every [`CANCEL_EVERY`].
struct Candidates<'c> {
    list: Vec<Candidate>,
    stopped: bool,
    cancel: &'c Cancel,
}

impl<'c> Candidates<'c> {
    fn new(cancel: &'c Cancel) -> Candidates<'c> {
        Candidates {
            list: Vec::new(),
            stopped: false,
            cancel,
        }
    }

    /// Adds a candidate; `Ok(false)` when the scan must make no more.
    fn push(&mut self, c: Candidate) -> Result<bool, Cancelled> {
        self.list.push(c);
        if self.list.len().is_multiple_of(CANCEL_EVERY) && self.cancel.is_cancelled() {
            return Err(Cancelled);
        }
        if self.list.len() >= MAX_CANDIDATES {
            self.stopped = true;
        }
        Ok(!self.stopped)
    }
}

impl Drop for Scan<'_, '_> {
    fn drop(&mut self) {
        std::mem::take(&mut self.hits).give_back();
    }
}

impl<'e, 'f> Scan<'e, 'f> {
    fn new(engine: &'e Engine, folded: &'f Folded<'f>, cancel: &'f Cancel) -> Self {
        let text = folded.text();
        let n = engine.rules.len();
        Scan {
            engine,
            folded,
            text,
            hits: Hits::take(n, engine.set_count),
            ids: OnceLock::new(),
            hold_ids: OnceLock::new(),
            sentence_ends: OnceLock::new(),
            grid: OnceLock::new(),
            cancel,
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

    /// Finds every literal in the text (one thread).
    fn collect(&mut self) {
        let mut h = std::mem::take(&mut self.hits);
        self.lexicon_pass(&mut h, self.folded.marks());
        h.settle();
        self.hits = h;
    }

    /// Adds the literals that start at `marks` (a part of the folded text's marks) to `h`, in
    /// order of start.
    fn lexicon_pass(&self, h: &mut Hits, marks: &[u32]) {
        self.engine
            .lexicon
            .for_each(self.text, marks, |role, s, e| match role {
                Role::Term(r) => h.terms.push((r, s, e)),
                Role::Exception(r) => h.exceptions[r as usize].push((s, e)),
                Role::Keyword(r) => h.keywords[r as usize].push(s),
                Role::Hot(set) => h.sets[set as usize].push((s, e)),
            });
    }

    /// [`Scan::collect`] on up to `threads` threads, with what judging reads of the whole
    /// document made at the same time: the identifiers, the sentence ends and the table grid.
    /// The lexicon pass is cut between marks and the sentence ends between byte ranges, each
    /// part in order, so putting the parts together in order gives exactly what one pass gives.
    fn prepare_on(&mut self, threads: usize) -> Result<(), Cancelled> {
        enum Made {
            Hits(Hits),
            Ends(Vec<usize>),
            Done,
        }
        let marks = self.folded.marks();
        let lex = split_range(marks.len(), threads);
        let ends = split_range(self.text.len(), threads);
        let (n_lex, n_ends) = (lex.len(), ends.len());
        let this = &*self;
        let made = run_jobs(threads, n_lex + n_ends + 2, |i, _| {
            if this.cancel.is_cancelled() {
                return Made::Done;
            }
            if i < n_lex {
                let mut h = Hits::fresh(this.engine.rules.len(), this.engine.set_count);
                this.lexicon_pass(&mut h, &marks[lex[i].0..lex[i].1]);
                return Made::Hits(h);
            }
            match i - n_lex {
                0 => {
                    this.hold_ids();
                    Made::Done
                }
                1 => {
                    this.grid();
                    Made::Done
                }
                k => {
                    let (a, b) = ends[k - 2];
                    Made::Ends(sentence_ends_in(this.text, a, b))
                }
            }
        });
        if self.cancel.is_cancelled() {
            return Err(Cancelled);
        }
        let mut parts = vec![std::mem::take(&mut self.hits)];
        let mut end_parts = Vec::new();
        for m in made {
            match m {
                Made::Hits(part) => parts.push(part),
                Made::Ends(part) => end_parts.push(part),
                Made::Done => {}
            }
        }
        let mut h = Hits::concat(parts);
        let all_ends = end_parts.concat();
        h.settle();
        self.hits = h;
        let _ = self.sentence_ends.set(all_ends);
        Ok(())
    }

    fn hold_ids(&self) -> &Reach {
        self.hold_ids.get_or_init(|| {
            Reach::new(
                self.ids()
                    .iter()
                    .filter(|h| h.severity == Severity::Hold)
                    .map(|h| (h.start, h.end)),
            )
        })
    }

    /// A match of the person pattern starts in `ws..we`. The pattern has no literal to look
    /// for first, so it reads only the blocks of text that markers ask about, each once.
    fn person_in(&self, local: &Local, ws: usize, we: usize) -> bool {
        let mut p = local.persons.borrow_mut();
        let t = self.text;
        for b in ws / PERSON_BLOCK..=we.saturating_sub(1) / PERSON_BLOCK {
            if !p.scanned.insert(b) {
                continue;
            }
            let bs = b * PERSON_BLOCK;
            if bs >= t.len() {
                break;
            }
            let be = ((b + 1) * PERSON_BLOCK).min(t.len());
            // From a little before the block (a match that starts in it may need what precedes
            // it for `^`) to a little after (one that starts in it may end past it).
            let from = floor_boundary(t, bs.saturating_sub(64));
            let to = ceil_boundary(t, (be + 256).min(t.len()));
            // Most blocks hold no word a match needs: a look for them is many times cheaper
            // than running the pattern.
            if !person_may_match(&t[from..to], from == 0) {
                continue;
            }
            for m in person_regex().find_iter(&t[from..to]) {
                let s = from + m.start();
                if (bs..be).contains(&s) && (from == 0 || s > from) {
                    p.starts.insert(s);
                }
            }
        }
        p.starts.range(ws..we).next().is_some()
    }

    fn sentence_ends(&self) -> &[usize] {
        self.sentence_ends
            .get_or_init(|| sentence_ends_in(self.text, 0, self.text.len()))
    }

    fn grid(&self) -> &tables::Grid {
        self.grid
            .get_or_init(|| tables::Grid::build(self.original_text()))
    }

    /// The folded span of the header cell of the column holding folded offset `s`.
    fn column_header(&self, s: usize) -> Option<(usize, usize)> {
        let o = self.original_text();
        let grid = self.grid();
        let cell = grid.cell_at(o, self.folded.map_start(s))?;
        let h = grid.header_of(o, cell)?;
        // A list has three columns or more; two are a form of labels and values.
        grid.cell(o, h.row, 2)?;
        Some((
            self.folded.fold_offset(h.start),
            self.folded.fold_offset(h.end),
        ))
    }

    /// Whether the match `s..e` speaks in the document's own voice (a marking) rather than
    /// mentioning its words: see [`RuleSpec::mention`].
    fn own_voice(&self, s: usize, e: usize) -> bool {
        let t = self.text;
        // Only the neighbourhood counts (a marking stands alone, or ends a short title), and
        // reading no further keeps the test O(1) on a line that never ends.
        let ls = line_start(t, s).max(ceil_boundary(t, s.saturating_sub(OWN_VOICE_REACH)));
        let le = lines_end(t, e.saturating_sub(1).max(s), 1);
        let more_after = le > e + OWN_VOICE_REACH;
        let le = if more_after {
            floor_boundary(t, e + OWN_VOICE_REACH)
        } else {
            le.max(e)
        };
        let (before, after) = (&t[ls..s], &t[e..le]);
        // A title cited in 《》, or words in quotes: a mention of another text.
        if unclosed(before, '《', '》') || (unclosed(before, '“', '”') && after.contains('”'))
        {
            return false;
        }
        // A note to the reader.
        if unclosed(before, '【', '】') {
            return true;
        }
        let lead = before.trim_start();
        // A heading names a topic (`二、工作秘密`, `（三）内部资料管理`).
        if is_heading_prefix(lead) {
            return false;
        }
        if [
            "注：",
            "注:",
            "说明：",
            "说明:",
            "备注：",
            "备注:",
            "提示：",
            "特别提示",
        ]
        .iter()
        .any(|p| lead.starts_with(p))
        {
            return true;
        }
        // A line of its own (`内部资料 注意保存`, `仅供领导参阅`), not a heading that goes on
        // about the words (`三、不得外传的情形`).
        // A bracket of markings closing a line (`……测算明细（内部资料 请勿外传）`).
        if let Some(open) = before.rfind(['（', '(']) {
            let bracket = before[open..].chars().next().map_or(1, char::len_utf8);
            let inside_before = &before[open + bracket..];
            if let Some(close) = after.find(['）', ')']) {
                let rest = &after[close..];
                let others = inside_before
                    .chars()
                    .chain(after[..close].chars())
                    .filter(|&c| normalize::is_han(c))
                    .count();
                if others <= 6
                    && !more_after
                    && !inside_before.contains(['）', ')'])
                    && rest
                        .chars()
                        .all(|c| matches!(c, '）' | ')' | '】' | ']' | ' ' | '\r'))
                {
                    return true;
                }
            }
        }
        // The segment of the line the match stands in: a header or a table row puts several
        // things on one line, apart by runs of blanks, tabs or `|`.
        let seg_start = before
            .rfind("  ")
            .map(|i| i + 2)
            .max(before.rfind(['\t', '|']).map(|i| i + 1))
            .unwrap_or(0);
        let seg_end = [after.find("  "), after.find(['\t', '|'])]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(after.len());
        let (before, after) = (&before[seg_start..], &after[..seg_end]);
        let continues = after
            .chars()
            .next()
            .is_some_and(|c| "的管等和与及或是为工制清情范类目问中".contains(c));
        let led_in = before
            .chars()
            .next_back()
            .is_some_and(|c| "对将把的等和与及或涉关于为是在按从".contains(c));
        let han = han_besides_markings(before) + han_besides_markings(after);
        let sentence = before
            .chars()
            .chain(after.chars())
            .any(|c| matches!(c, '。' | '，' | '；' | ',' | ';' | '、' | '：' | ':'));
        if !sentence && han <= 10 && !continues && !led_in {
            return true;
        }
        // What ends the title: `关于……的通知（内部）`, `（讨论稿（内部））`, `……党组会议记录`.
        if s < self.title_end
            && !more_after
            && after
                .chars()
                .all(|c| matches!(c, '）' | ')' | '】' | ']' | ' ' | '\r'))
        {
            return true;
        }
        // A sentence about this very document (`本材料仅供内部参考，不得外传`), or a short clause
        // of its own (`请勿外传。`).
        let (ss, se) = sentence_bounds(t, self.sentence_ends(), s, e);
        // A long sentence is more than its markings; its words about this document stand near.
        let long = (s - ss) + (se - e) > 2 * OWN_VOICE_REACH;
        let ss = ss.max(ceil_boundary(t, s.saturating_sub(OWN_VOICE_REACH)));
        let se = se.min(floor_boundary(t, (e + OWN_VOICE_REACH).min(t.len())));
        if self_reference(&t[ss..s]) || self_reference(&t[e..se]) {
            return true;
        }
        if long {
            return false;
        }
        let others = han_besides_markings(&t[ss..s]) + han_besides_markings(&t[e..se]);
        others <= 2 && !continues && !led_in
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

    /// The candidates, and whether making them stopped at [`MAX_CANDIDATES`].
    fn evaluate(&self) -> Result<(Vec<Candidate>, bool), Cancelled> {
        let mut out = Candidates::new(self.cancel);
        let local = Local::default();
        for part in self.parts(1) {
            if !self.make(&local, part, &mut out)? {
                break;
            }
        }
        Ok((out.list, out.stopped))
    }

    /// [`Scan::evaluate`] on up to `threads` threads: the parts are made apart (each stopping
    /// at [`MAX_CANDIDATES`] on its own) and put together in order, so the list, cut at the
    /// bound, is the one a single thread makes.
    fn evaluate_on(&self, threads: usize) -> Result<(Vec<Candidate>, bool), Cancelled> {
        let parts = self.parts(2 * threads);
        let made = run_jobs(threads, parts.len(), |i, local| {
            let mut out = Candidates::new(self.cancel);
            self.make(local, parts[i], &mut out).map(|_| out.list)
        });
        let mut list = Vec::new();
        for part in made {
            list.extend(part?);
            if list.len() >= MAX_CANDIDATES {
                list.truncate(MAX_CANDIDATES);
                return Ok((list, true));
            }
        }
        Ok((list, false))
    }

    /// The parts of making candidates, in the order a scan makes them: terms, patterns,
    /// fields, identifiers, tables. Terms and identifiers are cut into `chunks` ranges
    /// (`chunks == 1`: one part each, and the identifiers are not looked for before their turn).
    fn parts(&self, chunks: usize) -> Vec<Part> {
        let mut parts = Vec::new();
        if chunks <= 1 {
            parts.push(Part::Terms(0, usize::MAX));
        } else {
            let terms = split_range(self.hits.terms.len(), chunks);
            parts.extend(terms.into_iter().map(|(a, b)| Part::Terms(a, b)));
        }
        parts.push(Part::Patterns);
        parts.push(Part::Fields);
        if !self.engine.detector_rules.is_empty() {
            if chunks <= 1 {
                parts.push(Part::Ids(0, usize::MAX));
            } else {
                let ids = split_range(self.ids().len(), chunks);
                parts.extend(ids.into_iter().map(|(a, b)| Part::Ids(a, b)));
            }
            parts.push(Part::Tables);
        }
        parts
    }

    /// Makes the candidates of one part into `out`; `Ok(false)` when `out` refuses more.
    fn make(&self, local: &Local, part: Part, out: &mut Candidates<'_>) -> Result<bool, Cancelled> {
        match part {
            Part::Terms(a, b) => self.make_terms(local, a, b, out),
            Part::Patterns => self.make_patterns(local, out),
            Part::Fields => self.make_fields(local, out),
            Part::Ids(a, b) => self.make_ids(local, a, b, out),
            Part::Tables => self.make_tables(out),
        }
    }

    fn make_terms(
        &self,
        local: &Local,
        a: usize,
        b: usize,
        out: &mut Candidates<'_>,
    ) -> Result<bool, Cancelled> {
        let engine = self.engine;
        let terms = &self.hits.terms;
        for &(r, s, e) in &terms[a.min(terms.len())..b.min(terms.len())] {
            let term = &self.text[s..e];
            if let Some((sev, note)) =
                self.judge(local, r, s, e, engine.rules[r as usize].spec.severity, true)
            {
                let reason = with_note(format!("关键词“{term}”"), note);
                if !out.push(Candidate {
                    rule: r,
                    start: s,
                    end: e,
                    severity: sev,
                    reason,
                    original: false,
                })? {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }

    /// Patterns, on the lines around their keywords.
    fn make_patterns(&self, local: &Local, out: &mut Candidates<'_>) -> Result<bool, Cancelled> {
        for (ri, rule) in self.engine.rules.iter().enumerate() {
            let CompiledMatcher::Pattern(re, hit_group) = &rule.matcher else {
                continue;
            };
            let hits = &self.hits.keywords[ri];
            if hits.is_empty() {
                continue;
            }
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
                        self.judge(local, ri as u32, s, e, rule.spec.severity, false)
                    {
                        let reason =
                            with_note(format!("模式匹配：{}", rule.spec.description), note);
                        if !out.push(Candidate {
                            rule: ri as u32,
                            start: s,
                            end: e,
                            severity: sev,
                            reason,
                            original: false,
                        })? {
                            return Ok(false);
                        }
                    }
                }
            }
        }
        Ok(true)
    }

    /// Fields: a label and its value, inline, in a table row or down a table column.
    fn make_fields(&self, local: &Local, out: &mut Candidates<'_>) -> Result<bool, Cancelled> {
        for (ri, rule) in self.engine.rules.iter().enumerate() {
            let CompiledMatcher::Field {
                labels,
                inline,
                value,
            } = &rule.matcher
            else {
                continue;
            };
            let mut columns_read = HashSet::new();
            for &k in &self.hits.keywords[ri] {
                let Some(label) = labels
                    .iter()
                    .filter(|l| self.text[k..].starts_with(l.as_str()))
                    .max_by_key(|l| l.len())
                else {
                    continue;
                };
                let le = k + label.len();
                let Some((sev, note)) =
                    self.judge(local, ri as u32, k, le, rule.spec.severity, false)
                else {
                    continue;
                };
                let reason =
                    |how: &str| with_note(format!("{}：{how}", rule.spec.description), note);
                // Inline: `标底价（元）：356,000`.
                let line_end = lines_end(self.text, k, 1);
                if let Some(v) = inline
                    .captures(&self.text[le..line_end])
                    .and_then(|c| c.name("v"))
                {
                    if !out.push(Candidate {
                        rule: ri as u32,
                        start: k,
                        end: le + v.end(),
                        severity: sev,
                        reason: reason("标签与数值"),
                        original: false,
                    })? {
                        return Ok(false);
                    }
                    continue;
                }
                // In a table: the next cell of the row, or the cells below a header.
                let o = self.original_text();
                let grid = self.grid();
                let Some(cell) = grid.cell_at(o, self.folded.map_start(k)) else {
                    continue;
                };
                let cell_text = normalize::fold(&o[cell.start..cell.end]);
                if cell_text.text().chars().count() > label.chars().count() + 12 {
                    continue;
                }
                let matches = |c: &tables::Cell| {
                    let f = normalize::fold(&o[c.start..c.end]);
                    value.is_match(f.text().trim_start())
                };
                let mut found = Vec::new();
                if let Some(next) = grid.cell(o, cell.row, cell.col + 1) {
                    if matches(&next) {
                        found.push((next, "表格行中的标签与数值"));
                    }
                }
                if grid.is_header(cell.row) && columns_read.insert((cell.row, cell.col)) {
                    for row in grid.rows_below(cell.row, 2000) {
                        if let Some(c) = grid.cell(o, row, cell.col) {
                            if matches(&c) {
                                found.push((c, "表头所在列的数值"));
                                if found.len() >= 50 {
                                    break;
                                }
                            }
                        }
                    }
                }
                for (c, how) in found {
                    if !out.push(Candidate {
                        rule: ri as u32,
                        start: c.start,
                        end: c.end,
                        severity: sev,
                        reason: reason(how),
                        original: true,
                    })? {
                        return Ok(false);
                    }
                }
            }
        }
        Ok(true)
    }

    /// Detectors: the identifiers in `a..b` of [`Scan::ids`].
    fn make_ids(
        &self,
        local: &Local,
        a: usize,
        b: usize,
        out: &mut Candidates<'_>,
    ) -> Result<bool, Cancelled> {
        let engine = self.engine;
        let ids = self.ids();
        for h in &ids[a.min(ids.len())..b.min(ids.len())] {
            for &(ri, kind) in &engine.detector_rules {
                if kind != h.kind.detector() {
                    continue;
                }
                let cap = engine.rules[ri].spec.severity;
                let base = h.severity.min(cap);
                if let Some((sev, note)) = self.judge(local, ri as u32, h.start, h.end, base, false)
                {
                    let reason = with_note(h.reason.clone(), note);
                    if !out.push(Candidate {
                        rule: ri as u32,
                        start: h.start,
                        end: h.end,
                        severity: sev,
                        reason,
                        original: false,
                    })? {
                        return Ok(false);
                    }
                }
            }
        }
        Ok(true)
    }

    /// The PII table detector.
    fn make_tables(&self, out: &mut Candidates<'_>) -> Result<bool, Cancelled> {
        let engine = self.engine;
        let (Some(set), Some(&(ri, _))) = (
            engine.table_set,
            engine
                .detector_rules
                .iter()
                .find(|(_, k)| *k == DetectorKind::PiiTable),
        ) else {
            return Ok(true);
        };
        for t in self.tables(set) {
            if !out.push(Candidate {
                rule: ri as u32,
                start: t.start,
                end: t.end,
                severity: t.severity.min(engine.rules[ri].spec.severity),
                reason: t.reason,
                original: true,
            })? {
                return Ok(false);
            }
        }
        Ok(true)
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
        local: &Local,
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
        if rule.has_exceptions && self.hits.exception_reach[r as usize].covers(s, e) {
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
        // A marking in its own voice keeps its severity against every excuse; a mention of its
        // words gets the rule's mention severity, and contexts may excuse it further.
        let (base, own) = match spec.mention {
            Some(_) if self.own_voice(s, e) => (base, true),
            Some(Action::Drop) => return None,
            Some(Action::Set(mention)) => (base.min(mention), false),
            None => (base, false),
        };
        for ctx in &rule.contexts {
            let lowers = match ctx.action {
                Action::Drop => true,
                Action::Set(sev) => sev < base,
            };
            if own && lowers {
                continue;
            }
            if self.context_applies(local, ctx, s, e) {
                return match ctx.action {
                    Action::Drop => None,
                    Action::Set(sev) => Some((sev, ctx.note.as_str())),
                };
            }
        }
        Some((
            base,
            if own || spec.mention.is_none() {
                ""
            } else {
                "（正文中提及，非本文件自身标记）"
            },
        ))
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
            Window::Sentence => sentence_bounds(t, self.sentence_ends(), s, e),
            Window::Title => (0, self.title_end.max(e)),
            Window::Document => (0, t.len()),
            Window::Column => self.column_header(s).unwrap_or((s, s)),
        }
    }

    fn context_applies(&self, local: &Local, ctx: &Context, s: usize, e: usize) -> bool {
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
            Marker::Identifier => self.hold_ids().overlaps(ws, we),
            // A person named in the window: a match of the person pattern starts in it.
            Marker::Person => self.person_in(local, ws, we),
        })
    }
}

/// An opening bracket before the end of `before` that is not closed in it.
fn unclosed(before: &str, open: char, close: char) -> bool {
    match before.rfind(open) {
        Some(i) => !before[i..].contains(close),
        None => false,
    }
}

/// How far around a match the own-voice test reads, in bytes (about 64 Chinese characters).
const OWN_VOICE_REACH: usize = 192;

/// Words that only mark a document: a line or a sentence of nothing else (`内部资料，不得外传`,
/// `内部资料 注意保存`) is a marking in the document's own voice.
const MARKING_WORDS: [&str; 16] = [
    "内部资料",
    "不得外传",
    "请勿外传",
    "严禁外传",
    "注意保存",
    "注意保管",
    "内部使用",
    "内部文件",
    "仅供参考",
    "仅供内部参考",
    "妥善保管",
    "阅后收回",
    "用后收回",
    "不得翻印",
    "严禁复制",
    "不得复制",
];

/// The Han characters of `t` outside the words of [`MARKING_WORDS`].
fn han_besides_markings(t: &str) -> usize {
    let all = t.chars().filter(|&c| normalize::is_han(c)).count();
    let marked: usize = MARKING_WORDS
        .iter()
        .map(|w| t.matches(w).count() * w.chars().count())
        .sum();
    all.saturating_sub(marked)
}

/// What a heading starts with: `二、`, `（三）`, `3.`, `第五条`, `第二章`.
fn is_heading_prefix(lead: &str) -> bool {
    let lead = lead.trim_end();
    let numeral = |c: char| c.is_ascii_digit() || "一二三四五六七八九十百零〇".contains(c);
    if let Some(rest) = lead.strip_suffix(['、', '.', '．']) {
        return !rest.is_empty() && rest.chars().all(numeral);
    }
    if let Some(inner) = lead
        .strip_prefix(['（', '('])
        .and_then(|r| r.strip_suffix(['）', ')']))
    {
        return !inner.is_empty() && inner.chars().all(numeral);
    }
    if let Some(inner) = lead.strip_prefix('第') {
        let inner = inner.trim_end_matches([' ', '\u{3000}']);
        return inner
            .strip_suffix(['条', '章', '节'])
            .is_some_and(|n| !n.is_empty() && n.chars().all(numeral));
    }
    false
}

/// Words that name this very document after 本/此 (`本材料`, `此件`, `本次会议材料`).
fn self_reference(t: &str) -> bool {
    const DOCS: [&str; 22] = [
        "件", "文件", "材料", "资料", "报告", "稿", "简报", "信息", "专报", "方案", "纪要", "名单",
        "表", "刊", "册", "通知", "意见", "内容", "文", "汇编", "记录", "清单",
    ];
    for (i, c) in t.char_indices() {
        if c != '本' && c != '此' {
            continue;
        }
        let prev = t[..i].chars().next_back();
        // 基本, 成本, 因此, 如此 …: not a pointer at this document.
        if prev.is_some_and(|p| "基根成资日版文样账书剧脚因如从彼由就据对若凡".contains(p))
        {
            continue;
        }
        let rest = &t[i + c.len_utf8()..];
        let rest = rest
            .strip_prefix("次会议")
            .or_else(|| rest.strip_prefix("次"))
            .unwrap_or(rest);
        if DOCS.iter().any(|d| rest.starts_with(d)) {
            return true;
        }
    }
    false
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

/// Byte offsets of the sentence-end characters of `t` (。！？；!?; and the line feed), ascending.
/// The sentence ends that start in `from..to`, ascending (each is tested on its own bytes, so
/// the ends of consecutive ranges, put together, are those of the whole).
fn sentence_ends_in(t: &str, from: usize, to: usize) -> Vec<usize> {
    let b = t.as_bytes();
    // Vector searches for the bytes that can start one (a line feed, the lead bytes of 。 and
    // of the full-width forms; then the ASCII ones), then a look at the two bytes after.
    let mut out: Vec<usize> = memchr::memchr3_iter(b'\n', 0xE3, 0xEF, &b[from..to])
        .map(|i| from + i)
        .filter(|&i| match b[i] {
            b'\n' => true,
            0xE3 => b.get(i + 1) == Some(&0x80) && b.get(i + 2) == Some(&0x82),
            _ => b.get(i + 1) == Some(&0xBC) && matches!(b.get(i + 2), Some(0x81 | 0x9F | 0x9B)),
        })
        .collect();
    let ascii = out.len();
    out.extend(memchr::memchr3_iter(b'!', b'?', b';', &b[from..to]).map(|i| from + i));
    if out.len() > ascii {
        out.sort_unstable();
    }
    out
}

/// The sentence around `s..e`: from after the last sentence end before `s` to the first one at
/// or after `e`, each side at most [`MAX_SENTENCE_REACH`] bytes. `ends`: [`sentence_ends`].
fn sentence_bounds(t: &str, ends: &[usize], s: usize, e: usize) -> (usize, usize) {
    let i = ends.partition_point(|&p| p < s);
    let after_end = |p: usize| p + if t.as_bytes()[p] < 0x80 { 1 } else { 3 };
    let from = match i {
        0 => 0,
        _ => after_end(ends[i - 1]).min(s),
    };
    let ws = from.max(ceil_boundary(t, s.saturating_sub(MAX_SENTENCE_REACH)));
    let j = ends.partition_point(|&p| p < e);
    let to = ends.get(j).copied().unwrap_or(t.len());
    let we = to.min(floor_boundary(t, (e + MAX_SENTENCE_REACH).min(t.len())));
    (ws.min(s), we.max(e))
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

    /// Pieces person mentions are made of, and the text around them.
    const PERSON_PIECES: [&str; 24] = [
        "张",
        "王",
        "三",
        "明",
        "某",
        "，",
        "、",
        "（",
        "）",
        "男",
        "女",
        "23",
        "岁",
        "身份证",
        "姓名",
        "：",
        "患者",
        "户主",
        " ",
        "\u{3000}",
        "\t",
        "\n",
        "12",
        "的工作",
    ];

    proptest! {
        /// The look that skips the person pattern never skips a place where it matches.
        #[test]
        fn person_prefilter_never_skips_a_match(
            parts in proptest::collection::vec(0..PERSON_PIECES.len(), 0..40),
            cut in 0usize..40,
        ) {
            let text: String = parts.iter().map(|&i| PERSON_PIECES[i]).collect();
            let from = floor_boundary(&text, cut.min(text.len()));
            let w = &text[from..];
            let matched = person_regex()
                .find_iter(w)
                .any(|m| from == 0 || m.start() > 0);
            prop_assert!(!matched || person_may_match(w, from == 0), "{w:?}");
        }
    }

    #[test]
    fn person_prefilter_examples() {
        for (w, start, may) in [
            ("他说张三，男，23岁", true, true),
            ("本单位职工张三参加了会议", true, false),
            ("会议由王明主持。\n12　王明\n", false, true),
            ("12　王明", true, true),
            ("12　王明", false, false),
            ("\n \n\u{3000}７　王明", false, true),
        ] {
            assert_eq!(
                person_may_match(w, start),
                may,
                "{w:?} (text start: {start})"
            );
        }
    }

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

    /// Text of `len` bytes or more: `unit` repeated.
    fn repeated(unit: &str, len: usize) -> String {
        unit.repeat(len / unit.len() + 1)
    }

    /// A paragraph with two private mobiles (hold findings), and one with none.
    const DENSE: &str = "请联系人张先生，手机13912345678，或李女士手机13800138000，了解详情。\n";
    const PLAIN: &str =
        "各乡镇人民政府：请于3月31日前报送植树任务完成情况，联系电话0571-87654321。\n";

    /// Private mobiles (hold) and a warn term, as the shipped rules have them (the engine's
    /// tests build their own rules: the engine imports nothing of the crate).
    fn dense_engine() -> Engine {
        let rule = |id: &str, severity, matcher| RuleSpec {
            id: id.into(),
            name: id.into(),
            category: Category::PersonalPrivacy,
            severity,
            description: id.into(),
            matcher,
            exceptions: Vec::new(),
            scope: Scope::Anywhere,
            whole_line: false,
            contexts: Vec::new(),
            mention: None,
        };
        let specs = vec![
            rule(
                "mobile",
                Severity::Hold,
                Matcher::Detector {
                    kind: DetectorKind::Mobile,
                    keywords: vec!["手机".into()],
                    allow: Vec::new(),
                },
            ),
            rule(
                "contact_person",
                Severity::Warn,
                Matcher::Terms(vec!["联系人".into()]),
            ),
        ];
        Engine::build(specs, EngineOptions { today: 20_261_204 })
            .unwrap_or_else(|_| panic!("the test rules build"))
    }

    fn whole(engine: &Engine, text: &str, threads: usize) -> Scanned {
        engine
            .scan_whole(text, &Cancel::new(), threads)
            .expect("nothing cancels")
            .merged()
    }

    /// A long text dense with findings is read until it reaches the cap and no further, and its
    /// findings are those of the part read, scanned as a document; on several threads too.
    #[test]
    fn a_dense_text_is_read_until_the_cap_and_no_further() {
        let engine = dense_engine();
        let text = repeated(DENSE, 6 << 20);
        for threads in [1, 2] {
            let got = engine
                .scan_text(&text, &Cancel::new(), threads)
                .expect("nothing cancels");
            assert!(got.reaches_cap());
            assert!(
                got.read <= text.len() / 2 && text[..got.read].ends_with("。\n"),
                "read {} of {} bytes",
                got.read,
                text.len()
            );
            let part = whole(&engine, &text[..got.read], 1);
            assert!(got.findings == part.findings, "{threads} threads");
        }
        // Dense at first, then thinner: the first estimate falls short and the next is made
        // from the longer part read. Whatever part is read, its report is that part's own.
        let thinning =
            repeated(DENSE, 256 << 10) + &repeated(&format!("{DENSE}{}", PLAIN.repeat(6)), 6 << 20);
        let got = engine
            .scan_text(&thinning, &Cancel::new(), 1)
            .expect("nothing cancels");
        assert!(got.reaches_cap());
        assert!(got.findings == whole(&engine, &thinning[..got.read], 1).findings);
        let report = engine.scan(&text);
        assert_eq!(report.decision, Decision::Hold);
        let cap = report.findings.last().expect("a cap finding");
        assert_eq!(cap.rule, finding::RULE_FINDING_CAP);
        assert!(cap.reason.contains("其后未读"), "{}", cap.reason);
        assert!(!cap.reason.contains("13912345678"), "{}", cap.reason);
    }

    /// A long text that never reaches the cap, or reaches it only late, is read whole: the
    /// probe changes nothing in its report.
    #[test]
    fn a_text_that_reaches_the_cap_late_or_never_is_read_whole() {
        let engine = dense_engine();
        // Findings now and then; dense only in the last third; dense only past the middle;
        // dense at the start only (the probe expects the cap early, the prefix falls short).
        let sparse = repeated(&format!("{}{DENSE}", PLAIN.repeat(40)), 6 << 20);
        let late = repeated(PLAIN, 4 << 20) + &repeated(DENSE, 2 << 20);
        let half = repeated(PLAIN, 3 << 20) + &repeated(DENSE, 3 << 20);
        let front = repeated(DENSE, 200 << 10) + &repeated(PLAIN, 6 << 20);
        for (name, text) in [
            ("sparse", &sparse),
            ("late", &late),
            ("half", &half),
            ("front", &front),
        ] {
            assert!(text.len() >= PROBE_MIN);
            let got = engine
                .scan_text(text, &Cancel::new(), 1)
                .expect("nothing cancels");
            assert_eq!(got.read, text.len(), "{name}");
            assert!(got.findings == whole(&engine, text, 1).findings, "{name}");
        }
    }

    #[test]
    fn cancel_and_claim_settle_the_race_once() {
        let c = Cancel::new();
        assert!(c.claim() && c.claim(), "claiming twice is still claimed");
        assert!(
            !c.cancel() && !c.is_cancelled(),
            "a claimed write is not cancelled"
        );
        let c = Cancel::new();
        assert!(c.cancel() && c.cancel() && c.is_cancelled());
        assert!(!c.claim(), "nothing is claimed after a cancel");
    }

    #[test]
    fn a_cancelled_scan_gives_no_report() {
        let spec = RuleSpec {
            id: "internal_marking".into(),
            name: "内部资料标记".into(),
            category: Category::ProcessInternal,
            severity: Severity::Hold,
            description: "内部资料".into(),
            matcher: Matcher::Terms(vec!["内部资料".into()]),
            exceptions: Vec::new(),
            scope: Scope::Anywhere,
            whole_line: false,
            contexts: Vec::new(),
            mention: None,
        };
        let engine = Engine::build(vec![spec], EngineOptions { today: 20_260_101 })
            .unwrap_or_else(|_| panic!("one term rule builds"));
        let c = Cancel::new();
        c.cancel();
        assert_eq!(engine.scan_with("内部资料，不得外传。", &c), Err(Cancelled));
        assert!(engine
            .scan_with("内部资料，不得外传。", &Cancel::new())
            .is_ok());
    }

    #[test]
    fn reach_answers_overlaps_like_a_walk() {
        let spans = [(0, 3), (2, 10), (4, 5), (12, 14), (12, 20), (30, 31)];
        let r = Reach::new(spans.iter().copied());
        for ws in 0..35 {
            for we in ws..36 {
                let walk = spans.iter().any(|&(s, e)| s < we && e > ws);
                assert_eq!(r.overlaps(ws, we), walk, "window {ws}..{we}");
                let inside = spans.iter().any(|&(s, e)| s <= ws && we <= e);
                assert_eq!(r.covers(ws, we), inside, "span {ws}..{we}");
            }
        }
    }

    /// The sentence windows of the old walk, character by character (300 characters each way).
    fn walked_sentence(t: &str, s: usize, e: usize) -> (usize, usize) {
        let mut ws = s;
        for (i, c) in t[..s].char_indices().rev() {
            if is_sentence_end(c) {
                break;
            }
            ws = i;
        }
        let mut we = e;
        for (i, c) in t[e..].char_indices() {
            if is_sentence_end(c) {
                break;
            }
            we = e + i + c.len_utf8();
        }
        (ws, we)
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 1000,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// Sentence ends found byte-wise are the characters `is_sentence_end` names, and the
        /// windows from them are the walked windows wherever the walk stays within reach.
        #[test]
        fn sentence_windows_match_the_walk(
            text in "[内部a。！？；!?;\\n，,é ]{0,400}",
            a in 0usize..400,
            len in 0usize..8,
        ) {
            let ends = sentence_ends_in(&text, 0, text.len());
            let named: Vec<usize> = text
                .char_indices()
                .filter(|&(_, c)| is_sentence_end(c))
                .map(|(i, _)| i)
                .collect();
            prop_assert_eq!(&ends, &named);
            let s = floor_boundary(&text, a.min(text.len()));
            let e = floor_boundary(&text, (s + len).min(text.len())).max(s);
            let (ws, we) = sentence_bounds(&text, &ends, s, e);
            let (rs, re) = walked_sentence(&text, s, e);
            prop_assert!(text.is_char_boundary(ws) && text.is_char_boundary(we));
            if s - rs <= MAX_SENTENCE_REACH - 3 {
                prop_assert_eq!(ws, rs);
            }
            if re - e <= MAX_SENTENCE_REACH - 3 {
                prop_assert_eq!(we, re);
            }
        }

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

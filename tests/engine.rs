//! The engine with the default rule set, as tables of rows:
//! (name, input, expected decision, expected findings as (rule, severity, exact text)).
//!
//! A row's expected list is exact for `hold` findings (every hold the engine reports must be
//! listed, and every listed one must be reported) and inclusive for `warn` findings (listed warns
//! must be reported; other warns are allowed). Every finding's span is checked by slicing the
//! input.

#[path = "common/ruleset.rs"]
mod ruleset;
#[path = "common/spans.rs"]
mod spans;
use ruleset::ruleset;
use spans::assert_spans;

use baomi::{Category, Decision, Finding, Report, Severity};

const H: Severity = Severity::Hold;
const W: Severity = Severity::Warn;
const HOLD: Decision = Decision::Hold;
const APPROVE: Decision = Decision::Approve;

type Expect = &'static [(&'static str, Severity, &'static str)];
type Row = (&'static str, &'static str, Decision, Expect);

/// Scans and checks the invariants every report must satisfy.
fn scan(text: &str) -> Report {
    let r = ruleset().engine.scan(text);
    check_invariants(text, &r);
    r
}

/// Every rule's own findings (before nested ones of a category are merged), with the merged
/// report's invariants checked too: what rows about single rules compare against.
fn scan_each_rule(text: &str) -> Vec<Finding> {
    scan(text);
    let each = ruleset().engine.scan_each_rule(text);
    assert_spans(text, &each);
    each
}

fn check_invariants(text: &str, r: &Report) {
    assert_eq!(r.ruleset, ruleset().id, "report carries the rule-set id");
    assert_eq!(
        r.decision,
        Report::decision_for(&r.findings),
        "{text:?}: decision is hold iff a hold finding"
    );
    assert_spans(text, &r.findings);
    for f in &r.findings {
        let line_start = text[..f.start].rfind('\n').map_or(0, |i| i + 1);
        assert_eq!(
            f.line,
            text[..f.start].matches('\n').count() + 1,
            "{text:?}: line of {f:?}"
        );
        assert_eq!(
            f.column,
            text[line_start..f.start].chars().count() + 1,
            "{text:?}: column of {f:?}"
        );
    }
    assert!(
        r.findings.windows(2).all(|w| w[0].start <= w[1].start),
        "{text:?}: findings not sorted by start"
    );
}

fn show(fs: &[Finding]) -> String {
    fs.iter()
        .map(|f| {
            format!(
                "{} {} {:?}@{}..{}",
                f.rule, f.severity, f.text, f.start, f.end
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The problems with one row, empty when it passes.
fn check_row(&(name, input, decision, expect): &Row) -> Vec<String> {
    let r = scan(input);
    let each = ruleset().engine.scan_each_rule(input);
    let mut errs = Vec::new();
    let ctx = || format!("[{name}] {input:?} → {}", show(&each));
    if r.decision != decision {
        errs.push(format!(
            "{}: expected {decision}, got {}",
            ctx(),
            r.decision
        ));
    }
    for &(rule, sev, text) in expect {
        let found = each
            .iter()
            .any(|f| f.rule == rule && f.severity == sev && f.text == text);
        if !found {
            errs.push(format!("{}: missing {rule} {sev} {text:?}", ctx()));
        }
    }
    for f in each.iter().filter(|f| f.severity == H) {
        if !expect
            .iter()
            .any(|&(rule, sev, text)| f.rule == rule && sev == H && f.text == text)
        {
            errs.push(format!(
                "{}: unexpected hold {} {:?}",
                ctx(),
                f.rule,
                f.text
            ));
        }
    }
    errs
}

fn run(rows: &[Row]) {
    let errs: Vec<String> = rows.iter().flat_map(check_row).collect();
    assert!(
        errs.is_empty(),
        "{} problem(s):\n{}",
        errs.len(),
        errs.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// domain.md §5 "Lexicon sentences"
// ---------------------------------------------------------------------------------------------

const LEXICON_HOLD: &[Row] = &[
    (
        "mark 1 year",
        "秘密★1年",
        HOLD,
        &[("classification_mark", H, "秘密★1年")],
    ),
    (
        "spaced mark",
        "机 密 ★ 长 期",
        HOLD,
        &[("classification_mark", H, "机 密 ★ 长 期")],
    ),
    (
        "traditional internal",
        "內部資料 注意保存",
        HOLD,
        &[
            ("internal_marking", H, "內部資料"),
            ("keep_safe_mark", H, "注意保存"),
        ],
    ),
    (
        "zwsp internal",
        "内\u{200b}部\u{200b}资\u{200b}料",
        HOLD,
        &[("internal_marking", H, "内\u{200b}部\u{200b}资\u{200b}料")],
    ),
    (
        "request closing",
        "妥否，请批示。",
        HOLD,
        &[("request_closing", H, "妥否，请批示")],
    ),
    (
        "stability control",
        "落实稳控措施，严防进京非访",
        HOLD,
        &[
            ("stability_control", H, "落实稳控"),
            ("stability_control", H, "稳控措施"),
            ("stability_control", H, "严防进京"),
            ("stability_control", H, "进京非访"),
        ],
    ),
    (
        "tender base price",
        "标底价：356.8万元",
        HOLD,
        &[("tender_base_price", H, "标底价：356.8万元")],
    ),
    (
        "core commercial mark",
        "核心商密★5年",
        HOLD,
        &[("commercial_mark", H, "核心商密★")],
    ),
];

const LEXICON_NO_HOLD: &[Row] = &[
    (
        "public comment notice",
        "关于公开征求《XX办法（征求意见稿）》意见的通知",
        APPROVE,
        &[],
    ),
    (
        "meta screening",
        "对涉及商业机密、个人隐私等文件进行了筛查",
        APPROVE,
        &[],
    ),
    ("meta stability", "综治维稳等敏感信息不予公开", APPROVE, &[]),
    (
        "instructions spirit",
        "深入贯彻落实重要指示批示精神",
        APPROVE,
        &[],
    ),
    ("reply to request", "你局《关于XX的请示》收悉", APPROVE, &[]),
    ("max bid limit", "本项目最高投标限价为120万元", APPROVE, &[]),
    (
        "internal publication law",
        "《内部资料性出版物管理办法》",
        APPROVE,
        &[],
    ),
    ("petition regulation", "《信访工作条例》", APPROVE, &[]),
];

#[test]
fn lexicon_sentences_that_must_hold() {
    run(LEXICON_HOLD);
}

#[test]
fn lexicon_sentences_that_must_not_hold() {
    run(LEXICON_NO_HOLD);
}

// ---------------------------------------------------------------------------------------------
// state_secret
// ---------------------------------------------------------------------------------------------

const STATE_SECRET: &[Row] = &[
    ("mark long term", "绝密★长期", HOLD, &[("classification_mark", H, "绝密★长期")]),
    ("mark months", "秘密★6个月", HOLD, &[("classification_mark", H, "秘密★6个月")]),
    ("mark no term", "机密★", HOLD, &[("classification_mark", H, "机密★")]),
    ("mark condition", "机密★会议开始前", HOLD, &[("classification_mark", H, "机密★会议开始前")]),
    ("mark before use", "绝密★启用前\n关于某项目的报告", HOLD, &[("classification_mark", H, "绝密★启用前")]),
    ("mark traditional", "機密★長期", HOLD, &[("classification_mark", H, "機密★長期")]),
    ("mark variant 祕", "祕密★1年", HOLD, &[("classification_mark", H, "祕密★1年")]),
    ("mark white star", "秘密☆1年", HOLD, &[("classification_mark", H, "秘密☆1年")]),
    ("mark asterisk", "机密*5年", HOLD, &[("classification_mark", H, "机密*5年")]),
    ("mark full-width asterisk", "绝密＊长期", HOLD, &[("classification_mark", H, "绝密＊长期")]),
    ("level line after copy number", "000123\n机密\n关于某事项的通报", HOLD, &[("classification_line", H, "机密")]),
    ("level field", "密级：机密", HOLD, &[("classification_field", H, "密级：机密")]),
    ("statement", "本文件属于秘密级，请妥善保管。", HOLD, &[("classified_statement", H, "本文件属于秘密级")]),
    ("title classified file", "机密级文件\n关于某事项的报告", HOLD, &[("classified_title", H, "机密级文件")]),
    ("title 涉密文件", "涉密文件\n关于某事项的报告", HOLD, &[("classified_title", H, "涉密文件"), ("state_secret_topic", W, "涉密")]),
    ("no copying", "国家秘密，不得复制", HOLD, &[("state_secret_no_spread", H, "国家秘密，不得复制")]),
    (
        "no spreading",
        "本材料为国家秘密，严禁外传。",
        HOLD,
        &[("state_secret_no_spread", H, "国家秘密，严禁外传"), ("internal_marking", H, "严禁外传")],
    ),
    // Warn only.
    ("quoted example", "如“机密★5年”", APPROVE, &[("classification_mark", W, "机密★5年")]),
    ("marked as example", "标注为“秘密★1年”的文件", APPROVE, &[("classification_mark", W, "秘密★1年")]),
    ("declassified", "机密★10年（已解密）", APPROVE, &[("classification_mark", W, "机密★10年")]),
    (
        "exam paper",
        "绝密★启用前\n2025年普通高等学校招生全国统一考试 数学试卷\n一、选择题：本题共8小题，每小题5分。",
        APPROVE,
        &[("classification_mark", W, "绝密★启用前")],
    ),
    // Traps.
    ("level none", "密级：无", APPROVE, &[]),
    ("level not secret", "密级：非密", APPROVE, &[]),
    ("secrecy review", "保密审查工作会议召开", APPROVE, &[]),
    ("secrecy bureau", "国家保密局发布通知", APPROVE, &[]),
    ("secrecy law", "《中华人民共和国保守国家秘密法》", APPROVE, &[]),
    ("secrecy committee", "本单位保密委员会召开会议", APPROVE, &[]),
    ("law text term", "秘密级事项不超过十年", APPROVE, &[]),
    ("secret ballot", "秘密投票", APPROVE, &[]),
    ("confidentiality (CIA)", "信息安全的机密性", APPROVE, &[]),
    ("secretary", "秘书处", APPROVE, &[]),
    ("commercial mark is not a state secret", "某公司核心商业秘密★不得外传", HOLD, &[("commercial_mark", H, "商业秘密★"), ("internal_marking", H, "不得外传")]),
    ("reviewed", "经审查不涉密", APPROVE, &[]),
    ("training", "本单位开展保密知识培训，讲解秘密、机密、绝密三个密级。", APPROVE, &[]),
    ("secrecy month", "开展保密宣传月活动，提高涉密人员保密意识。", APPROVE, &[]),
    ("file clean-up notice", "关于开展涉密文件清查清退工作的通知", APPROVE, &[]),
    (
        "annual report rows",
        "政府信息公开情况统计表\n属于国家秘密\t0\n属于三类内部事务信息\t0\n属于四类过程性信息\t0\n属于行政执法案卷\t0",
        APPROVE,
        &[],
    ),
    ("mark late in body", "关于某事项的通报\n正文第一段。\n第二段。\n第三段。\n第四段。\n机密", APPROVE, &[]),
];

#[test]
fn state_secret_rows() {
    run(STATE_SECRET);
}

// ---------------------------------------------------------------------------------------------
// process_internal
// ---------------------------------------------------------------------------------------------

const PROCESS_INTERNAL: &[Row] = &[
    (
        "internal material",
        "内部资料",
        HOLD,
        &[("internal_marking", H, "内部资料")],
    ),
    (
        "internal reference",
        "本材料仅供内部参考，不得外传。",
        HOLD,
        &[
            ("internal_marking", H, "仅供内部参考"),
            ("internal_marking", H, "不得外传"),
        ],
    ),
    (
        "internal cable",
        "内部明电",
        HOLD,
        &[("internal_marking", H, "内部明电")],
    ),
    (
        "no reprint",
        "不得翻印",
        HOLD,
        &[("internal_marking", H, "不得翻印")],
    ),
    (
        "internal discussion draft",
        "内部讨论稿",
        HOLD,
        &[
            ("internal_marking", H, "内部讨论稿"),
            ("draft_mention", W, "讨论稿"),
        ],
    ),
    (
        "keep safe at head",
        "注意保存\n关于某事项的通报",
        HOLD,
        &[("keep_safe_mark", H, "注意保存")],
    ),
    (
        "work secret mark",
        "工作秘密\n关于某事项的报告",
        HOLD,
        &[("work_secret_mark", H, "工作秘密")],
    ),
    (
        "not disclosed",
        "此件不予公开",
        HOLD,
        &[("not_public_attribute", H, "此件不予公开")],
    ),
    (
        "not disclosed parens",
        "（不予公开）",
        HOLD,
        &[("not_public_attribute", H, "（不予公开）")],
    ),
    (
        "attribute field",
        "公开属性：不予公开",
        HOLD,
        &[("not_public_attribute", H, "公开属性：不予公开")],
    ),
    (
        "method field",
        "公开方式：不公开",
        HOLD,
        &[("not_public_attribute", H, "公开方式：不公开")],
    ),
    (
        "discussion draft title",
        "关于加强管理的实施意见（讨论稿）",
        HOLD,
        &[
            ("draft_title", H, "（讨论稿）"),
            ("draft_mention", W, "讨论稿"),
        ],
    ),
    (
        "numbered draft title",
        "某某方案（第二稿）\n正文",
        HOLD,
        &[("draft_title", H, "（第二稿）")],
    ),
    (
        "rough draft title",
        "某某方案（草稿）",
        HOLD,
        &[("draft_title", H, "（草稿）")],
    ),
    (
        "meeting record title",
        "局党组会议记录\n时间：2025年3月1日",
        HOLD,
        &[
            ("record_title", H, "会议记录"),
            ("process_mention", W, "党组会议"),
        ],
    ),
    (
        "inquiry record title",
        "询问笔录\n询问时间：2025年5月6日",
        HOLD,
        &[("record_title", H, "询问笔录")],
    ),
    (
        "forum record title",
        "座谈记录\n时间：2025年",
        HOLD,
        &[("record_title", H, "座谈记录")],
    ),
    (
        "leader instruction",
        "领导批示：同意。",
        HOLD,
        &[("leader_instruction", H, "领导批示：")],
    ),
    (
        "please review",
        "请王局长阅示。",
        HOLD,
        &[("leader_instruction", H, "请王局长阅示")],
    ),
    (
        "comrade instruction",
        "张明同志批示：同意。",
        HOLD,
        &[("leader_instruction", H, "张明同志批示：")],
    ),
    (
        "reading slip",
        "阅办单",
        HOLD,
        &[("leader_instruction", H, "阅办单")],
    ),
    (
        "submission slip",
        "呈批件",
        HOLD,
        &[("leader_instruction", H, "呈批件")],
    ),
    (
        "当否 closing",
        "当否，请批示",
        HOLD,
        &[("request_closing", H, "当否，请批示")],
    ),
    (
        "特此请示",
        "特此请示。",
        HOLD,
        &[("request_closing", H, "特此请示")],
    ),
    (
        "以上请示",
        "以上请示如无不妥，请予批复。",
        HOLD,
        &[("request_closing", H, "以上请示如无不妥，请予批复")],
    ),
    (
        "request title",
        "关于申请追加经费的请示\n市财政局：",
        HOLD,
        &[("request_title", H, "关于申请追加经费的请示")],
    ),
    (
        "drafter",
        "拟稿人：王芳",
        HOLD,
        &[("drafting_form", H, "拟稿人：王芳")],
    ),
    (
        "signer",
        "签发：张明",
        HOLD,
        &[("drafting_form", H, "签发：张明")],
    ),
    (
        "word comment",
        "[批注1] 此处数据待核实",
        HOLD,
        &[
            ("review_traces", H, "[批注"),
            ("process_mention", W, "待核实"),
        ],
    ),
    (
        "word deletion",
        "删除的内容: 原定于3月",
        HOLD,
        &[("review_traces", H, "删除的内容:")],
    ),
    (
        "english comment",
        "Comment [A1]: check",
        HOLD,
        &[("review_traces", H, "Comment [")],
    ),
    (
        "english deleted",
        "Deleted: foo",
        HOLD,
        &[("review_traces", H, "Deleted:")],
    ),
    (
        "password",
        "密码：Abc@2025",
        HOLD,
        &[("credential", H, "密码：Abc@2025")],
    ),
    // （此件公开发布） excuses a mention, never a marking in the document's own voice.
    (
        "published marked internal",
        "（此件公开发布）\n本报告为内部资料。",
        HOLD,
        &[("internal_marking", H, "内部资料")],
    ),
    // Warn only.
    (
        "published mention",
        "（此件公开发布）\n培训讲解了内部资料的标注要求。",
        APPROVE,
        &[("internal_marking", W, "内部资料")],
    ),
    (
        "draft in annex",
        "附件：某某办法（送审稿）",
        APPROVE,
        &[("draft_mention", W, "送审稿")],
    ),
    (
        "draft title with public comment",
        "关于公开征求《某某管理办法（修改稿）》意见的通知\n现向社会公开征求意见。",
        APPROVE,
        &[],
    ),
    // Traps.
    ("internal control", "内部控制制度建设", APPROVE, &[]),
    ("internal audit", "内部审计工作", APPROVE, &[]),
    ("internal rules", "内部管理制度汇编", APPROVE, &[]),
    ("pre-appointment publicity", "任前公示", APPROVE, &[]),
    ("government work report", "政府工作报告", APPROVE, &[]),
    ("scratch paper", "草稿纸", APPROVE, &[]),
    (
        "important instruction made",
        "市委主要领导作出重要批示",
        APPROVE,
        &[],
    ),
    ("annual report row", "属于三类内部事务信息", APPROVE, &[]),
    ("reprint footer", "未经许可不得转载", APPROVE, &[]),
    (
        "effective from signing",
        "本通知自签发之日起施行",
        APPROVE,
        &[],
    ),
    ("signer field", "签发人：张明", APPROVE, &[]),
    ("password rule", "初始密码为身份证号后六位。", APPROVE, &[]),
    (
        "candidate info protection",
        "工作人员对考生个人信息严格保密，不得外传。",
        APPROVE,
        &[],
    ),
    (
        "record template",
        "关于规范执法询问笔录制作的通知",
        APPROVE,
        &[],
    ),
    (
        "draft mark in body",
        "关于印发实施意见的通知\n正文一\n正文二\n正文三提到（讨论稿）",
        APPROVE,
        &[],
    ),
];

#[test]
fn process_internal_rows() {
    run(PROCESS_INTERNAL);
}

// ---------------------------------------------------------------------------------------------
// stability
// ---------------------------------------------------------------------------------------------

const STABILITY: &[Row] = &[
    (
        "control list",
        "稳控名单",
        HOLD,
        &[("stability_control", H, "稳控名单")],
    ),
    (
        "old petitioner",
        "上访老户",
        APPROVE,
        &[
            ("petition_control_with_person", W, "上访老户"),
            ("stability_topic", W, "上访"),
        ],
    ),
    (
        "stability plan",
        "2025年春节期间维稳工作方案",
        HOLD,
        &[("stability_control", H, "维稳工作方案")],
    ),
    (
        "key petitioner list",
        "附件：重点上访人员稳控名单",
        HOLD,
        &[
            ("petition_control_with_person", W, "重点上访人员"),
            ("stability_topic", W, "上访"),
            ("stability_control", H, "稳控名单"),
        ],
    ),
    (
        "petitioner named",
        "越级上访人员王建国，男，58岁。",
        HOLD,
        &[
            ("petition_control_with_person", H, "越级上访"),
            ("petition_control_with_person", H, "上访人员"),
            ("stability_topic", H, "上访"),
        ],
    ),
    (
        "one-on-one monitoring",
        "对上访人员落实一对一包保，明确包保责任人。",
        HOLD,
        &[
            ("dual_use_control", H, "一对一包保"),
            ("dual_use_control", H, "包保责任人"),
        ],
    ),
    (
        "community correction named",
        "社区矫正对象张国华，男，多次参与群访。",
        HOLD,
        &[
            ("stability_topic", H, "社区矫正对象"),
            ("stability_topic", H, "群访"),
        ],
    ),
    // Warn only.
    (
        "persuade to return",
        "劝返",
        APPROVE,
        &[("petition_control_with_person", W, "劝返")],
    ),
    (
        "flood duty",
        "防汛包保责任人名单如下。",
        APPROVE,
        &[("dual_use_control", W, "包保责任人")],
    ),
    (
        "petition statistics",
        "今年共受理信访件120件，办结率100%。",
        APPROVE,
        &[("stability_topic", W, "信访件")],
    ),
    // Traps.
    ("national petition bureau", "国家信访局", APPROVE, &[]),
    ("reception", "人民来访接待", APPROVE, &[]),
    ("step by step", "依法逐级走访", APPROVE, &[]),
    ("channels", "信访渠道畅通", APPROVE, &[]),
    ("letters and visits", "来信来访接待", APPROVE, &[]),
    ("hotline", "12345热线", APPROVE, &[]),
    ("peace building", "平安建设", APPROVE, &[]),
    ("anti-gang", "扫黑除恶", APPROVE, &[]),
    ("boilerplate", "维护社会稳定", APPROVE, &[]),
    ("centre", "综治中心建设", APPROVE, &[]),
    ("handle mass incidents", "妥善处置群体性事件", APPROVE, &[]),
    (
        "emergency plan genre",
        "社会安全事件主要包括恐怖袭击事件、群体性事件等。",
        APPROVE,
        &[],
    ),
];

#[test]
fn stability_rows() {
    run(STABILITY);
}

// ---------------------------------------------------------------------------------------------
// commercial_secret
// ---------------------------------------------------------------------------------------------

const COMMERCIAL: &[Row] = &[
    (
        "ordinary mark",
        "普通商密★长期",
        HOLD,
        &[("commercial_mark", H, "普通商密★")],
    ),
    (
        "group mark",
        "某某集团 核心商密★5年",
        HOLD,
        &[("commercial_mark", H, "核心商密★")],
    ),
    (
        "commercial secret mark",
        "商业秘密★",
        HOLD,
        &[
            ("commercial_mark", H, "商业秘密★"),
            ("commercial_topic", W, "商业秘密"),
        ],
    ),
    (
        "no disclosure",
        "本报告含商业秘密，请勿外传。",
        HOLD,
        &[
            ("commercial_no_disclosure", H, "商业秘密，请勿外传"),
            ("internal_marking", H, "请勿外传"),
        ],
    ),
    (
        "base price",
        "本项目标底为1,280,000元",
        HOLD,
        &[("tender_base_price", H, "标底为1,280,000元")],
    ),
    (
        "reserve price land",
        "挂牌出让底价：2860万元",
        HOLD,
        &[("reserve_price", H, "出让底价：2860万元")],
    ),
    (
        "reserve price auction",
        "保留价为15万元",
        HOLD,
        &[("reserve_price", H, "保留价为15万元")],
    ),
    (
        "third party refused",
        "该企业书面答复：权利人不同意公开相关数据。",
        HOLD,
        &[("third_party_refused", H, "权利人不同意公开")],
    ),
    (
        "financials marked",
        "附件：2024年度资产负债表（商业秘密，请勿外传）",
        HOLD,
        &[
            (
                "confidential_financials",
                H,
                "资产负债表（商业秘密，请勿外传",
            ),
            ("commercial_no_disclosure", H, "商业秘密，请勿外传"),
            ("internal_marking", H, "请勿外传"),
        ],
    ),
    // Warn only.
    (
        "quote items",
        "投标人应提交报价明细和成本构成。",
        APPROVE,
        &[
            ("commercial_topic", W, "报价明细"),
            ("commercial_topic", W, "成本构成"),
        ],
    ),
    // Traps.
    ("not involved", "不涉及商业秘密", APPROVE, &[]),
    ("except", "除涉及商业秘密外，应当公开。", APPROVE, &[]),
    ("crime", "侵犯商业秘密罪", APPROVE, &[]),
    ("protection news", "商业秘密保护", APPROVE, &[]),
    ("unfair competition law", "《反不正当竞争法》", APPROVE, &[]),
    ("control price", "招标控制价为100万元", APPROVE, &[]),
    ("award amount", "中标金额：98万元", APPROVE, &[]),
    ("award price", "中标价为98万元", APPROVE, &[]),
    ("deal price", "成交价：100万元", APPROVE, &[]),
    ("starting price", "起拍价为500万元", APPROVE, &[]),
    ("opening bid", "起叫价为100万元", APPROVE, &[]),
    (
        "no base price",
        "本项目不设标底，最高投标限价为120万元。",
        APPROVE,
        &[],
    ),
    ("no reserve", "起始价为2860万元，不设保留价。", APPROVE, &[]),
    ("without base price", "无标底", APPROVE, &[]),
    ("candidates", "中标候选人公示", APPROVE, &[]),
    ("report filing", "企业应按期报送财务报表。", APPROVE, &[]),
];

#[test]
fn commercial_secret_rows() {
    run(COMMERCIAL);
}

// ---------------------------------------------------------------------------------------------
// personal_privacy
// ---------------------------------------------------------------------------------------------

const PRIVACY: &[Row] = &[
    (
        "id and address",
        "申请人：李明，身份证号：110101195001010009，家住幸福小区5栋2单元301室。",
        HOLD,
        &[
            ("resident_id", H, "110101195001010009"),
            ("home_address", H, "家住幸福小区5栋"),
        ],
    ),
    (
        "mobile",
        "联系电话：13900000001",
        HOLD,
        &[("mobile", H, "13900000001")],
    ),
    (
        "card",
        "银行卡号：6222020000000007",
        HOLD,
        &[("bank_card", H, "6222020000000007")],
    ),
    (
        "passport",
        "护照号码：E12345678",
        HOLD,
        &[
            ("passport_field", H, "护照号码：E12345678"),
            ("passport", H, "E12345678"),
        ],
    ),
    (
        "travel permit",
        "往来港澳通行证号码：C12345678",
        HOLD,
        &[
            ("permit_field", H, "往来港澳通行证号码：C12345678"),
            ("travel_permit", H, "C12345678"),
        ],
    ),
    (
        "address",
        "当事人：张某某，住址：某市某区幸福路18号",
        HOLD,
        &[("home_address", H, "住址：某市某区幸福路18号")],
    ),
    (
        "diagnosis",
        "患者王建华，男，52岁，确诊为白血病。",
        HOLD,
        &[
            ("health_with_person", H, "确诊为"),
            ("health_with_person", H, "白血病"),
        ],
    ),
    (
        "hiv",
        "患者张伟，男，45岁，HIV阳性。",
        HOLD,
        &[("health_with_person", H, "HIV阳性")],
    ),
    (
        "criminal record",
        "李国强，男，有盗窃前科。",
        HOLD,
        &[("sensitive_status_with_person", H, "前科")],
    ),
    (
        "religion",
        "姓名：赵六，宗教信仰：佛教",
        HOLD,
        &[("sensitive_status_with_person", H, "宗教信仰")],
    ),
    (
        "assistance with id",
        "低保户 王秀兰 110101195001010009",
        HOLD,
        &[
            ("assistance_list_with_identifier", H, "低保"),
            ("resident_id", H, "110101195001010009"),
        ],
    ),
    (
        "pii table",
        "序号\t姓名\t身份证号码\t家庭住址\n1\t张建国\t330211195805120000\t某某街道幸福路12号3栋\n",
        HOLD,
        &[("pii_table", H, "330211195805120000")],
    ),
    (
        "health table",
        "姓名 病种 救助金额\n李秀英 尿毒症 12000\n",
        HOLD,
        &[
            ("pii_table", H, "尿毒症"),
            ("health_with_person", W, "尿毒症"),
        ],
    ),
    // Warn only.
    (
        "case numbers",
        "确诊病例数持续下降。",
        APPROVE,
        &[("health_with_person", W, "确诊")],
    ),
    (
        "webmail",
        "联系人邮箱：zhangsan1980@qq.com",
        APPROVE,
        &[("personal_email", W, "zhangsan1980@qq.com")],
    ),
    // Traps.
    (
        "masked table",
        "序号\t姓名\t身份证号码\t保障人数\n1\t张*\t330211**********34\t3\n",
        APPROVE,
        &[],
    ),
    (
        "names and counts",
        "姓名 保障人数 金额\n李秀英 3 1200\n",
        APPROVE,
        &[],
    ),
    ("aids law", "《艾滋病防治条例》", APPROVE, &[]),
    (
        "mental health service",
        "严重精神障碍患者管理服务",
        APPROVE,
        &[],
    ),
    ("minors law", "《未成年人保护法》", APPROVE, &[]),
    ("blank form", "身份证号：______", APPROVE, &[]),
    ("example id", "例：11010519491231002X", APPROVE, &[]),
    ("example mobile", "13800138000", APPROVE, &[]),
    (
        "pre-appointment",
        "任前公示：张三，男，1980年5月生",
        APPROVE,
        &[],
    ),
    ("hiring list", "拟录用公务员名单", APPROVE, &[]),
    ("office address", "办公地址：某市人民路1号", APPROVE, &[]),
    ("model number", "型号E12345678", APPROVE, &[]),
    ("procurement number", "采购编号：13304202501", APPROVE, &[]),
    (
        "project number",
        "项目编号：110101195001010009",
        APPROVE,
        &[],
    ),
    ("landline", "咨询电话：0571-85000000", APPROVE, &[]),
    (
        "service numbers",
        "服务热线：12345，客服：400-800-0000，95588",
        APPROVE,
        &[],
    ),
    ("gov mail", "邮箱：bgs@hz.gov.cn", APPROVE, &[]),
    (
        "masked values",
        "身份证号：110101**********09，联系电话：138****0001，卡号：6222 **** **** 0007",
        APPROVE,
        &[],
    ),
];

#[test]
fn personal_privacy_rows() {
    run(PRIVACY);
}

// ---------------------------------------------------------------------------------------------
// domain.md §3.6: meta-mentions never hold
// ---------------------------------------------------------------------------------------------

const META: &[Row] = &[
    (
        "reviewed none",
        "经审查，不涉及国家秘密、商业秘密和个人隐私。",
        APPROVE,
        &[],
    ),
    ("art 14", "依据《条例》第十四条不予公开", APPROVE, &[]),
    (
        "review statement",
        "对涉及国家秘密、商业秘密、个人隐私等信息进行了保密审查。",
        APPROVE,
        &[],
    ),
    (
        "by law",
        "属于国家秘密，不得公开的信息依法不予公开。",
        APPROVE,
        &[],
    ),
];

#[test]
fn meta_mentions_never_hold() {
    run(META);
}

// ---------------------------------------------------------------------------------------------
// Spans through folding
// ---------------------------------------------------------------------------------------------

/// (name, input, rule, exact text, byte start, line, column)
type SpanRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    usize,
    usize,
    usize,
);

const SPANS: &[SpanRow] = &[
    ("full-width mobile", "电话１３８ ００００ ０００１。", "mobile", "１３８ ００００ ０００１", 6, 1, 3),
    ("full-width id", "证号１１０１０１１９５００１０１０００９", "resident_id", "１１０１０１１９５００１０１０００９", 6, 1, 3),
    ("full-width id lower x", "证号３１０１０４１９７５０５０２００２ｘ。", "resident_id", "３１０１０４１９７５０５０２００２ｘ", 6, 1, 3),
    ("roman numeral X", "证号11010119750501001Ⅹ。", "resident_id", "11010119750501001Ⅹ", 6, 1, 3),
    ("zero-width inside a term", "甲内\u{200b}部\u{200b}资\u{200b}料乙", "internal_marking", "内\u{200b}部\u{200b}资\u{200b}料", 3, 1, 2),
    ("zero-width around a term", "\u{200b}内部资料\u{200b}", "internal_marking", "内部资料", 3, 1, 2),
    ("soft hyphen in a term", "内\u{ad}部资料", "internal_marking", "内\u{ad}部资料", 0, 1, 1),
    ("traditional", "本件為內部資料。", "internal_marking", "內部資料", 9, 1, 4),
    ("traditional + zwsp + space", "內\u{200b}部 資料", "internal_marking", "內\u{200b}部 資料", 0, 1, 1),
    ("spaced", "甲 内 部 资 料 乙", "internal_marking", "内 部 资 料", 4, 1, 3),
    ("dashed", "内-部-资-料", "internal_marking", "内-部-资-料", 0, 1, 1),
    ("middle dots", "内·部·资·料", "internal_marking", "内·部·资·料", 0, 1, 1),
    ("ideographic spaces", "\u{3000}\u{3000}内部资料", "internal_marking", "内部资料", 6, 1, 3),
    ("vertical stamp", "内\n部\n资\n料\n关于某事项", "internal_marking", "内\n部\n资\n料", 0, 1, 1),
    ("astral char before", "😀内部资料", "internal_marking", "内部资料", 4, 1, 2),
    ("kangxi radical", "这是内部⽂件。", "internal_marking", "内部⽂件", 6, 1, 3),
    ("zwsp in mobile", "电话138\u{200b}0000\u{200b}0001", "mobile", "138\u{200b}0000\u{200b}0001", 6, 1, 3),
    ("ideographic space in mobile", "电话138\u{3000}0000\u{3000}0001", "mobile", "138\u{3000}0000\u{3000}0001", 6, 1, 3),
    ("chinese numerals", "电话一三八零零零零零零零一", "mobile", "一三八零零零零零零零一", 6, 1, 3),
    ("line-broken id", "身份证号110101195001\n010009，", "resident_id", "110101195001\n010009", 12, 1, 5),
    ("spaced id", "身份证号 110101 19900101 0015 。", "resident_id", "110101 19900101 0015", 13, 1, 6),
    ("crlf line 3", "关于某事项的通报\r\n正文第一段。\r\n本材料仅供内部参考。\r\n", "internal_marking", "仅供内部参考", 55, 3, 4),
    (
        "crlf line 4",
        "关于某事项的通报\r\n正文第一段。\r\n本材料仅供内部参考。\r\n联系人：张三，电话13900000001。\r\n",
        "mobile",
        "13900000001",
        105,
        4,
        10,
    ),
    ("crlf ascii line", "abc\r\ndef 内部资料", "internal_marking", "内部资料", 9, 2, 5),
    ("crlf mark split", "秘密\r\n★1年", "classification_mark", "秘密\r\n★1年", 0, 1, 1),
    ("lf line 2", "第一行\n第二行内部资料", "internal_marking", "内部资料", 19, 2, 4),
];

fn check_spans(rows: &[SpanRow]) -> Vec<String> {
    let mut errs = Vec::new();
    for &(name, input, rule, text, start, line, column) in rows {
        let each = scan_each_rule(input);
        let found = each.iter().find(|f| f.rule == rule && f.start == start);
        match found {
            Some(f)
                if f.text == text
                    && f.end == start + text.len()
                    && f.line == line
                    && f.column == column => {}
            _ => errs.push(format!(
                "[{name}] {input:?}: expected {rule} {text:?} at {start} ({line}:{column}), got {}",
                show(&each)
            )),
        }
    }
    errs
}

#[test]
fn spans_map_back_through_folding() {
    let errs = check_spans(SPANS);
    assert!(
        errs.is_empty(),
        "{} problem(s):\n{}",
        errs.len(),
        errs.join("\n")
    );
}

#[test]
fn multi_line_document_lines_and_columns() {
    let doc = "000123\n机密★5年\n关于2025年度专项资金使用情况的报告\n\n市政府：\n    现将有关情况报告如下。联系人：王芳，电话13900000001。\n    妥否，请批示。\n";
    let r = scan(doc);
    let want: &[(&str, usize, usize, &str)] = &[
        ("classification_mark", 2, 1, "机密★5年"),
        ("mobile", 6, 25, "13900000001"),
        ("request_closing", 7, 5, "妥否，请批示"),
    ];
    for &(rule, line, column, text) in want {
        assert!(
            r.findings
                .iter()
                .any(|f| f.rule == rule && f.line == line && f.column == column && f.text == text),
            "{rule} at {line}:{column}: {}",
            show(&r.findings)
        );
    }
    assert_eq!(r.decision, HOLD);
}

// ---------------------------------------------------------------------------------------------
// The decision and the order of findings
// ---------------------------------------------------------------------------------------------

fn all_rows() -> impl Iterator<Item = &'static Row> {
    [
        LEXICON_HOLD,
        LEXICON_NO_HOLD,
        STATE_SECRET,
        PROCESS_INTERNAL,
        STABILITY,
        COMMERCIAL,
        PRIVACY,
        META,
    ]
    .into_iter()
    .flatten()
}

#[test]
fn decision_is_hold_iff_a_hold_finding() {
    assert_eq!(Report::decision_for(&[]), APPROVE);
    let mut warn_only = 0;
    for &(_, input, _, _) in all_rows() {
        let r = scan(input);
        let any_hold = r.findings.iter().any(|f| f.severity == H);
        assert_eq!(r.decision == HOLD, any_hold, "{input:?}");
        if !any_hold && !r.findings.is_empty() {
            warn_only += 1;
        }
        // Hold categories are exactly the categories of hold findings.
        let mut cats: Vec<Category> = r
            .findings
            .iter()
            .filter(|f| f.severity == H)
            .map(|f| f.category)
            .collect();
        cats.sort();
        cats.dedup();
        assert_eq!(r.hold_categories(), cats, "{input:?}");
    }
    assert!(warn_only >= 5, "warn-only rows approve");
}

#[test]
fn every_category_has_hold_and_approve_rows() {
    // `unreadable` comes from the engine itself (the cap on findings), never from a rule.
    for cat in Category::ALL
        .into_iter()
        .filter(|c| *c != Category::Unreadable)
    {
        let held = all_rows().any(|&(_, input, _, _)| {
            scan(input)
                .findings
                .iter()
                .any(|f| f.category == cat && f.severity == H)
        });
        assert!(held, "no row holds {cat}");
    }
    assert!(all_rows().filter(|r| r.2 == APPROVE).count() >= 60);
}

#[test]
fn findings_of_a_long_document_are_sorted_and_slice() {
    // Every row's input on its own line, twice, with decoys in between.
    let mut doc = String::new();
    for &(_, input, _, _) in all_rows() {
        doc.push_str(input);
        doc.push_str("\r\n索引号：11330211002868065K/2016-00012\n");
    }
    let doc = doc.repeat(2);
    let r = scan(&doc);
    assert!(r.findings.len() > 100, "{} findings", r.findings.len());
    assert_eq!(r.decision, HOLD);
    for w in r.findings.windows(2) {
        assert!(
            w[0].start <= w[1].start,
            "not sorted: {:?} then {:?}",
            w[0],
            w[1]
        );
        assert!(
            !(w[0].rule == w[1].rule && w[0].start == w[1].start && w[0].end == w[1].end),
            "duplicate finding {:?}",
            w[0]
        );
    }
    // Deterministic.
    assert_eq!(scan(&doc), r);
}

#[test]
fn categories_are_the_rule_files() {
    let r = scan("秘密★1年 内部资料 稳控名单 核心商密★5年 13900000001");
    let got: Vec<(&str, Category)> = r
        .findings
        .iter()
        .map(|f| (f.rule.as_str(), f.category))
        .collect();
    for want in [
        ("classification_mark", Category::StateSecret),
        ("internal_marking", Category::ProcessInternal),
        ("stability_control", Category::Stability),
        ("commercial_mark", Category::CommercialSecret),
        ("mobile", Category::PersonalPrivacy),
    ] {
        assert!(got.contains(&want), "{want:?} in {got:?}");
    }
}

#[test]
fn empty_and_blank_input_approve() {
    for t in [
        "",
        " ",
        "\n\n",
        "\r\n",
        "\u{feff}",
        "\u{200b}\u{200b}",
        "　",
    ] {
        let r = scan(t);
        assert!(
            r.findings.is_empty() && r.decision == APPROVE,
            "{t:?}: {}",
            show(&r.findings)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Engine bugs found by these tests, each fixed; the tests keep them fixed.
// ---------------------------------------------------------------------------------------------

#[test]
fn crlf_vertical_stamp_holds() {
    run(&[(
        "crlf vertical stamp",
        "内\r\n部\r\n资\r\n料\r\n关于某事项",
        HOLD,
        &[("internal_marking", H, "内\r\n部\r\n资\r\n料")],
    )]);
}

#[test]
fn crlf_level_line_span_excludes_carriage_return() {
    let errs = check_spans(&[
        (
            "crlf level line",
            "000123\r\n机密\r\n关于某事项的通报",
            "classification_line",
            "机密",
            8,
            2,
            1,
        ),
        (
            "crlf level line first",
            "秘密\r\n★1年",
            "classification_line",
            "秘密",
            0,
            1,
            1,
        ),
    ]);
    assert!(errs.is_empty(), "{}", errs.join("\n"));
}

#[test]
fn title_scope_counts_original_lines() {
    run(&[(
        "request in body",
        "正文\n二\n三\n四\n关于某事的请示",
        APPROVE,
        &[],
    )]);
}

#[test]
fn ordinary_opinion_notice_draft_title_holds() {
    run(&[(
        "opinion notice draft",
        "关于印发加强社区治理实施意见的通知（讨论稿）\n各街道：",
        HOLD,
        &[("draft_title", H, "（讨论稿）")],
    )]);
}

#[test]
fn internal_comment_draft_title_holds() {
    run(&[(
        "internal comment draft",
        "某某管理办法征求意见稿（内部）\n各处室：",
        HOLD,
        &[("internal_marking", H, "征求意见稿（内部）")],
    )]);
}

#[test]
fn record_number_label_of_another_field_does_not_drop() {
    run(&[
        (
            "student number then mobile",
            "学号：2021，手机：13900000001",
            HOLD,
            &[("mobile", H, "13900000001")],
        ),
        (
            "staff number then mobile",
            "工号008 手机13900000001",
            HOLD,
            &[("mobile", H, "13900000001")],
        ),
        (
            "order number sentence",
            "订单号已发送至手机13900000001",
            HOLD,
            &[("mobile", H, "13900000001")],
        ),
        (
            "student number then id",
            "学号：2021，身份证号110101195001010009",
            HOLD,
            &[("resident_id", H, "110101195001010009")],
        ),
    ]);
}

/// One problem, one finding: a term inside a longer one of the same category, or two rules on
/// the same number, give one finding that names the other rules and gives their reasons.
#[test]
fn nested_findings_of_one_category_are_one_finding() {
    let r = scan("关于2025年重点工作分解的通知（讨论稿）\n各科室：\n");
    let draft: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.category == Category::ProcessInternal)
        .collect();
    assert_eq!(draft.len(), 1, "{}", show(&r.findings));
    assert_eq!(draft[0].severity, H);
    let each = ruleset()
        .engine
        .scan_each_rule("关于2025年重点工作分解的通知（讨论稿）\n各科室：\n");
    assert!(each.len() > draft.len(), "{}", show(&each));
    for f in each
        .iter()
        .filter(|f| f.category == Category::ProcessInternal)
    {
        assert!(
            f.rule == draft[0].rule || draft[0].also.contains(&f.rule),
            "{} is neither the merged finding's rule nor among its others: {}",
            f.rule,
            show(&r.findings)
        );
        assert!(draft[0].start <= f.start && f.end <= draft[0].end);
    }
}

// Pure helpers of the reviewer's console: no DOM, no network, no storage. Kept in their own
// module so the end-to-end test can call them inside the browser on real Chinese text.

/** Chinese names of the API's words. Unknown values are shown as they come. */
export const CATEGORIES = {
  state_secret: '国家秘密',
  process_internal: '内部事项',
  stability: '社会稳定',
  commercial_secret: '商业秘密',
  personal_privacy: '个人隐私',
  unreadable: '无法读取',
};
export const CATEGORY_ORDER = Object.keys(CATEGORIES);
export const SEVERITIES = { hold: '拦截', warn: '提示' };
export const DECISIONS = { approve: '通过', hold: '暂缓发布' };
export const DECISION_KINDS = { engine: '规则引擎判定', override: '人工审核', return: '退回修改', stage: '本级通过' };
/** Where a review stands: set by what reviewers did since it was submitted. */
export const STATES = {
  pending: '待审',
  returned: '已退回',
  approved: '已通过',
  held: '已拦截',
  superseded: '已被新版本取代',
};
export const ROLES = {
  submitter: '送审人',
  reviewer: '审核员',
  publisher: '发布流水线',
  maintainer: '规则维护员',
  admin: '管理员',
};
/** Where a finding came from in the source document (set by the extractors, when present). */
export const LOCATIONS = {
  body: '正文',
  table: '表格',
  header: '页眉',
  footer: '页脚',
  footnote: '脚注',
  endnote: '尾注',
  text_box: '文本框',
  comment: '批注',
  tracked_insertion: '修订（插入）',
  tracked_deletion: '修订（删除）',
  hidden_text: '隐藏文字',
  html_comment: 'HTML 注释',
  hidden_element: '隐藏元素',
  attribute: '属性值',
  script: '脚本',
  title: '标题',
  srcdoc: '内嵌框架（srcdoc）',
  css_content: 'CSS 生成内容',
  link: '链接地址',
  data_attribute: 'data-* 属性值',
  script_comment: '脚本注释',
  sheet: '工作表',
  page: '页面',
  annotation: '注释或表单域',
  properties: '文档属性',
  file_name: '文件名',
};

/** Where a suppression stands (`state` of `GET /v1/suppressions`). */
export const SUPPRESSION_STATES = {
  proposed: '待批准',
  approved: '已生效',
  rejected: '已驳回',
  revoked: '已撤销',
  expired: '已过期',
};

/** The kinds of value a redaction masks (`masked[].kind` of the API). */
export const MASK_KINDS = {
  resident_id: '身份证号码',
  mobile: '手机号码',
  bank_card: '银行卡号',
  passport: '证件号码',
  address: '家庭住址',
  name: '姓名',
  other: '其他个人信息',
};

export function label(table, value) {
  return Object.prototype.hasOwnProperty.call(table, value) ? table[value] : String(value);
}

/**
 * Which roles may call which endpoint, copied from the `x-roles` of openapi.json. The console
 * uses it only to show or hide what a role cannot do; the API enforces it.
 */
const ALLOWED = {
  submit: ['submitter', 'reviewer'],
  read: ['submitter', 'reviewer', 'maintainer'],
  decide: ['reviewer'],
  return: ['reviewer'],
  claim: ['reviewer'],
  assign: ['reviewer'],
  next: ['reviewer'],
  diff: ['submitter', 'reviewer', 'maintainer'],
  rules: ['maintainer', 'reviewer'],
  redact: ['reviewer'],
  stats: ['reviewer'],
  suppressions: ['maintainer', 'reviewer'],
  propose: ['maintainer'],
  approve_suppression: ['reviewer'],
  reject_suppression: ['reviewer'],
  revoke_suppression: ['maintainer', 'reviewer'],
};

export function can(role, action) {
  return role === 'admin' || (ALLOWED[action] || []).includes(role);
}

/**
 * Maps UTF-8 byte offsets into `text` to JavaScript string indices (UTF-16 code units), in one
 * pass over the text up to the largest offset. Finding spans from the API are byte offsets on
 * character boundaries; an offset past the end maps to `text.length`, and one inside a
 * character (never sent by the API) to the end of that character.
 */
export function byteOffsetsToIndices(text, offsets) {
  const wanted = Array.from(new Set(offsets)).sort((a, b) => a - b);
  const out = new Map();
  const n = text.length;
  let byte = 0;
  let i = 0;
  for (const w of wanted) {
    while (byte < w && i < n) {
      const c = text.charCodeAt(i);
      if (c < 0x80) {
        byte += 1;
        i += 1;
      } else if (c < 0x800) {
        byte += 2;
        i += 1;
      } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
        // A surrogate pair is one character of four bytes.
        byte += 4;
        i += 2;
      } else {
        byte += 3;
        i += 1;
      }
    }
    out.set(w, i);
  }
  return out;
}

/**
 * Cuts the text into the stretches covered by findings. Returns, in text order, pieces
 * `{from, to, ids}` (string indices; `ids` are indices into `findings`, hold findings first)
 * where at least one finding applies. Overlapping findings split into several pieces, so every
 * character is inside at most one highlight. Runs in O(k log k) for k findings, whatever the
 * length of the text.
 */
export function highlightPieces(text, findings) {
  const offsets = [];
  for (const f of findings) offsets.push(f.start, f.end);
  const index = byteOffsetsToIndices(text, offsets);
  const events = new Map(); // string index -> {open: [ids], close: [ids]}
  const at = (i) => {
    let e = events.get(i);
    if (!e) events.set(i, (e = { open: [], close: [] }));
    return e;
  };
  findings.forEach((f, id) => {
    // A file name's findings point into the name, not into the text.
    if (f.location === 'file_name') return;
    const from = index.get(f.start);
    const to = index.get(f.end);
    if (!(to > from)) return;
    at(from).open.push(id);
    at(to).close.push(id);
  });
  const points = Array.from(events.keys()).sort((a, b) => a - b);
  const active = new Set();
  const pieces = [];
  for (let p = 0; p < points.length; p++) {
    const e = events.get(points[p]);
    for (const id of e.close) active.delete(id);
    for (const id of e.open) active.add(id);
    if (active.size > 0 && p + 1 < points.length) {
      const ids = Array.from(active).sort((a, b) => {
        const ha = findings[a].severity === 'hold' ? 0 : 1;
        const hb = findings[b].severity === 'hold' ? 0 : 1;
        return ha - hb || a - b;
      });
      pieces.push({ from: points[p], to: points[p + 1], ids });
    }
  }
  return pieces;
}

/**
 * Findings counted per category and severity, in the categories' usual order. The findings a
 * suppression covered (`suppressed`, the review's list) are counted apart: they no longer hold
 * or warn.
 */
export function countByCategory(findings, suppressed = []) {
  const quiet = new Set(suppressed.map((s) => s.finding));
  const counts = new Map();
  findings.forEach((f, i) => {
    if (!counts.has(f.category)) counts.set(f.category, { hold: 0, warn: 0, suppressed: 0 });
    const c = counts.get(f.category);
    c[quiet.has(i) ? 'suppressed' : f.severity === 'hold' ? 'hold' : 'warn'] += 1;
  });
  const order = (c) => {
    const i = CATEGORY_ORDER.indexOf(c);
    return i < 0 ? CATEGORY_ORDER.length : i;
  };
  return Array.from(counts.entries()).sort((a, b) => order(a[0]) - order(b[0]));
}

/** A finding a suppression covers, in words: `已豁免（S-1）：理由 —— 张敏添加，有效期至 2027-03-01`. */
export function suppressedText(s) {
  const who = s.added_by ? `${s.added_by}添加` : '';
  const until = s.expires ? `有效期至 ${s.expires}` : '长期有效';
  return `已豁免（${s.id}）：${s.reason || ''} —— ${[who, until].filter(Boolean).join('，')}`;
}

/** A value digest (`hmac-sha256:` and 32 hex digits) cut to what a person compares. */
export function shortDigest(v) {
  const hex = String(v || '').replace(/^[a-z0-9-]+:/i, '');
  return hex.length > 8 ? `${hex.slice(0, 8)}…` : hex;
}

/** Today, `YYYY-MM-DD`, on the deployment's calendar (its time zone, not the browser's). */
export function today() {
  const w = wall(Date.now());
  return ymd(w.y, w.mo, w.d);
}

/** The date `days` calendar days after `date` (`YYYY-MM-DD`). */
export function addDays(date, days) {
  const [y, mo, d] = String(date).split('-').map(Number);
  const t = new Date(Date.UTC(y, mo - 1, d + days));
  return ymd(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
}

/** The same day `years` years after `date`; 29 February becomes 28 February. */
export function addYears(date, years) {
  const [y, mo, d] = String(date).split('-').map(Number);
  const last = new Date(Date.UTC(y + years, mo, 0)).getUTCDate();
  return ymd(y + years, mo, Math.min(d, last));
}

function ymd(y, mo, d) {
  const p = (n) => String(n).padStart(2, '0');
  return `${String(y).padStart(4, '0')}-${p(mo)}-${p(d)}`;
}

/** The names of a review's two clocks, as the console shows them. */
export const CLOCKS = { disclosure: '公开期限', opinion: '审查意见期限' };

/**
 * The clock that matters most now: of the running ones (not stopped by a decision), the one
 * with fewest working days left; `null` when none runs. Clocks are computed by the service on
 * China's official calendar (holidays and 调休 included), never here.
 */
export function urgentClock(clocks) {
  if (!clocks) return null;
  let best = null;
  for (const name of ['disclosure', 'opinion']) {
    const c = clocks[name];
    if (!c || c.stopped_on) continue;
    if (!best || c.left < best.clock.left) best = { name, clock: c };
  }
  return best;
}

/** One clock in words: `剩 5 个工作日（2026-03-16 到期）`, `已超期 2 个工作日`, `按期办结`. */
export function clockText(c) {
  if (!c) return '—';
  if (c.stopped_on) {
    return c.state === 'late'
      ? `超期办结（${c.stopped_on}，期限 ${c.due}）`
      : `按期办结（${c.stopped_on}，期限 ${c.due}）`;
  }
  if (c.state === 'overdue') return `已超期 ${-c.left} 个工作日（${c.due} 到期）`;
  if (c.left === 0) return `今日到期（${c.due}）`;
  return `剩 ${c.left} 个工作日（${c.due} 到期）`;
}

/**
 * The first and last millisecond of a calendar day `YYYY-MM-DD` in the deployment's time zone,
 * as UTC timestamps the API reads (`2026-10-31T16:00:00.000Z` for 2026-11-01 in Beijing), so
 * that a date filter means the day on the office's calendar. `null` for anything that is not a
 * real date.
 */
export function localDayBounds(date) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(date || ''));
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return null;
  const start = instant(y, mo, d, 0, 0, 0, 0);
  const end = instant(y, mo, d, 23, 59, 59, 999);
  return { from: new Date(start).toISOString(), to: new Date(end).toISOString() };
}

/** An RFC 3339 timestamp as `YYYY-MM-DD HH:MM` in the deployment's time zone. */
export function formatTime(iso) {
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return String(iso || '');
  const w = wall(t);
  const p = (n) => String(n).padStart(2, '0');
  return `${w.y}-${p(w.mo)}-${p(w.d)} ${p(w.h)}:${p(w.mi)}`;
}

/** The deployment's time zone (`baomi serve --timezone`), told by the server at sign-in. */
let zone = 'Asia/Shanghai';

/** Sets the zone times are shown in; an unknown name keeps the one before. */
export function setTimeZone(name) {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    zone = name;
  } catch {
    // A zone this browser does not know: keep the default rather than show wrong times.
  }
  return zone;
}

export function timeZone() {
  return zone;
}

/** The wall-clock fields of instant `ms` in the deployment's zone. */
function wall(ms) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(ms));
  const get = (t) => Number(parts.find((p) => p.type === t).value);
  return { y: get('year'), mo: get('month'), d: get('day'), h: get('hour'), mi: get('minute'), s: get('second') };
}

/** The instant at which the deployment's clocks show `y-mo-d h:mi:s.ms`. */
function instant(y, mo, d, h, mi, s, ms) {
  const target = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  let t = target;
  // The zone's offset at the guess, applied twice: exact except inside a clock change.
  for (let i = 0; i < 2; i++) {
    const w = wall(t);
    const shown = Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s) + (((t % 1000) + 1000) % 1000);
    t += target - shown;
  }
  return t;
}

const ERROR_TITLES = {
  bad_request: '请求有误',
  unauthorized: '未登录或令牌无效',
  forbidden: '无权执行此操作',
  not_found: '未找到',
  method_not_allowed: '不支持的操作',
  timeout: '请求超时',
  payload_too_large: '文件过大',
  unsupported_media_type: '不支持的文件类型',
  unreadable_document: '无法读取该文档',
  invalid_rules: '规则集未通过检查，现行规则未改变',
  diff_too_large: '稿件文字过多，无法逐行比较两个版本',
  not_redactable: '该格式暂不能自动脱敏：请另存为 .docx、.html 或 .txt 后重新送审',
  redaction_failed: '脱敏稿未通过复查，未生成：请人工处理后重新送审',
  nothing_to_redact: '未发现可自动遮盖的个人信息，未生成脱敏稿',
  conflict: '与已有记录冲突',
  busy: '审查服务繁忙，请稍后重试',
  store_unavailable: '存储不可用：服务在存储出错后拒绝写入，请联系管理员重启服务',
  write_in_doubt: '存储在保存时出错，本次操作可能已记录也可能未记录：请在服务重启后刷新查看，勿重复提交',
  internal: '服务内部错误',
  network: '无法连接审查服务',
  bad_token: '令牌格式不正确：令牌只含英文字母、数字和符号，请完整复制',
};

/**
 * A server error `{code, message}` in Chinese: a title from the code (or from a message the
 * console recognises) and the server's own message as the detail.
 */
export function describeError(status, code, message) {
  const m = String(message || '');
  let title = ERROR_TITLES[code] || `请求失败（HTTP ${status}）`;
  if (/proposed suppression .*four eyes/i.test(m)) title = '四眼原则：豁免申请须由申请人以外的审核员批准或驳回';
  else if (/everywhere/i.test(m)) title = '身份证号码和密级标志不能在所有文件中豁免：请改选“仅本文件”';
  else if (/^field `expires`/i.test(m)) title = '有效期不正确：须为今天或以后、两年以内的日期';
  else if (/in the file name is fixed by renaming/i.test(m)) title = '文件名中的问题请更改文件名，不能豁免';
  else if (/^suppression \S+ is \w+: it cannot be/i.test(m)) title = '该豁免的状态已经改变：请刷新页面后再操作';
  else if (/expired before it was approved/i.test(m)) title = '该豁免申请在批准前已过期：请重新申请';
  else if (/cannot apply under the rules in force/i.test(m)) title = '该豁免在现行规则下不能生效（规则可能已删除或修改）';
  else if (/four eyes.*the original of this redacted copy/i.test(m)) title = '四眼原则：原稿的送审人不能审核其脱敏稿';
  else if (/four eyes/i.test(m)) title = '四眼原则：送审人不能审核自己送审的稿件';
  else if (/is claimed by .* already/i.test(m)) title = '该稿件已由其他审核员领取：可由审核员或管理员改派';
  else if (/holds no active reviewer token/i.test(m)) title = '只能指派给持有有效审核员令牌的人员';
  else if (/no person named/i.test(m)) title = '没有这个人员：请填写审核员的姓名';
  else if (/has a newer version already/i.test(m)) title = '该稿件已有新版本：请在最新版本上提交修改稿';
  else if (/is superseded by a newer version/i.test(m)) title = '本版本已被新版本取代：请审核最新版本';
  else if (/^field `revises`: no review/i.test(m)) title = '要修改的稿件不存在，或不是您送审的稿件';
  else if (/has exactly the content of review/i.test(m)) title = '修改稿与原稿内容完全相同';
  else if (/^query parameter `q`/i.test(m)) title = '搜索词至少包含两个汉字、字母或数字，最多 100 个字';
  else if (/^query parameter `(from|to)`/i.test(m)) title = '日期格式不正确';
  else if (/^query parameter `department`/i.test(m)) title = '所属部门不能超过 64 个字';
  else if (/^role submitter may not/i.test(m)) title = '送审人不能作出审核决定';
  else if (/^role (\w+) may not/i.test(m)) title = `当前角色（${label(ROLES, m.match(/^role (\w+)/i)[1])}）无权执行此操作`;
  else if (/reason/i.test(m) && code === 'bad_request') title = '必须填写理由';
  else if (/revoked/i.test(m)) title = '令牌已被吊销，请重新登录';
  else if (code === 'unauthorized') title = '令牌无效或已失效，请重新登录';
  return { title, detail: m };
}

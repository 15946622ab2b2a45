// 统计: the figures for the annual report (GET /v1/stats), as charts a person would rather look
// at than read, the table the office pastes into its report, and its CSV / Excel download.
//
// The charts are inline SVG built here (no library, no other host: the page runs under
// `default-src 'self'`, so no inline style either; colours come from app.css classes). Every
// figure on the page is the server's: this file only draws and labels them.

import { CATEGORIES, CATEGORY_ORDER, label } from './util.js';

const SVG = 'http://www.w3.org/2000/svg';

/** An SVG element with attributes and children (nodes or strings, as text). */
function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** The groupings of the API, in Chinese. */
export const GROUPS = { month: '按月份', category: '按类别', dept: '按部门', reviewer: '按审核员' };

/** Working days as a clerk reads them: `3`, `2.5`, or — for none. */
function days(v) {
  if (v === null || v === undefined) return '—';
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/** A rounded step for an axis: 1, 2, 5, 10, 20, 50 … so that about four lines fit. */
function step(max) {
  const raw = Math.max(1, max) / 4;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((x) => x >= raw);
}

/**
 * Vertical bars: `bars` is [{label, value, cls, title}]; the value is written above each bar.
 * `marks` are vertical lines between bars ([{at: index, label, cls}]).
 */
function barChart(id, bars, opts = {}) {
  // About the width the chart is shown at, so that its text is the page's size.
  const W = 420;
  const H = 220;
  const left = 30;
  const bottom = 30;
  const top = 18;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const st = step(max);
  const ceil = Math.ceil(max / st) * st;
  const plotH = H - top - bottom;
  const slot = (W - left - 8) / Math.max(1, bars.length);
  const y = (v) => top + plotH - (v / ceil) * plotH;
  const svg = s('svg', { id, class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': opts.title || '' });
  if (opts.title) svg.appendChild(s('title', {}, opts.title));
  for (let v = 0; v <= ceil; v += st) {
    svg.appendChild(s('line', { class: 'grid', x1: left, x2: W - 4, y1: y(v), y2: y(v) }));
    svg.appendChild(s('text', { class: 'axis', x: left - 6, y: y(v) + 4, 'text-anchor': 'end' }, String(v)));
  }
  bars.forEach((b, i) => {
    const x = left + i * slot + slot * 0.18;
    const w = slot * 0.64;
    const g = s('g', { class: 'bar-group', 'data-label': b.label, 'data-value': b.value });
    g.appendChild(s('rect', { class: `bar ${b.cls || ''}`, x, y: y(b.value), width: w, height: Math.max(0, y(0) - y(b.value)) }, s('title', {}, b.title || `${b.label}：${b.value}`)));
    if (b.value > 0) g.appendChild(s('text', { class: 'value', x: x + w / 2, y: y(b.value) - 4, 'text-anchor': 'middle' }, String(b.value)));
    g.appendChild(s('text', { class: 'axis', x: x + w / 2, y: H - bottom + 16, 'text-anchor': 'middle' }, b.short || b.label));
    svg.appendChild(g);
  });
  for (const m of opts.marks || []) {
    const x = left + m.at * slot;
    svg.appendChild(s('line', { class: `mark ${m.cls || ''}`, x1: x, x2: x, y1: top - 6, y2: y(0) }));
    svg.appendChild(s('text', { class: `mark-label ${m.cls || ''}`, x: x - 4, y: top + 4, 'text-anchor': 'end' }, m.label));
  }
  svg.appendChild(s('line', { class: 'baseline', x1: left, x2: W - 4, y1: y(0), y2: y(0) }));
  return svg;
}

/** Horizontal bars, one per category, in the category's colour. */
function categoryChart(id, held) {
  const rows = CATEGORY_ORDER.map((c) => ({ key: c, label: label(CATEGORIES, c), value: held[c] || 0 }));
  if (held.unrecorded) rows.push({ key: 'unrecorded', label: '未记录类别', value: held.unrecorded });
  const W = 420;
  const rowH = 28;
  const left = 72;
  const H = rows.length * rowH + 10;
  const max = Math.max(1, ...rows.map((r) => r.value));
  const svg = s('svg', { id, class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': '规则引擎拦截（按类别）' });
  rows.forEach((r, i) => {
    const y = 6 + i * rowH;
    const w = ((W - left - 40) * r.value) / max;
    const g = s('g', { class: 'bar-group', 'data-label': r.label, 'data-value': r.value });
    g.appendChild(s('text', { class: 'axis', x: left - 8, y: y + 17, 'text-anchor': 'end' }, r.label));
    g.appendChild(s('rect', { class: `bar cat cat-${r.key}`, x: left, y: y + 3, width: Math.max(r.value ? 2 : 0, w), height: rowH - 10 }, s('title', {}, `${r.label}：${r.value}`)));
    g.appendChild(s('text', { class: 'value', x: left + w + 6, y: y + 17 }, String(r.value)));
    svg.appendChild(g);
  });
  return svg;
}

/** Working days to the first reviewer decision, in bins a person can read. */
const DAY_BINS = [
  { label: '当天', from: 0, to: 0 },
  { label: '1', from: 1, to: 1 },
  { label: '2', from: 2, to: 2 },
  { label: '3', from: 3, to: 3 },
  { label: '4–5', from: 4, to: 5 },
  { label: '6–10', from: 6, to: 10 },
  { label: '11–15', from: 11, to: 15 },
  { label: '16–20', from: 16, to: 20 },
  { label: '20以上', from: 21, to: Infinity },
];

function daysChart(id, total, limit) {
  const counts = DAY_BINS.map(() => 0);
  for (const [d, n] of Object.entries(total.decision_days || {})) {
    const i = DAY_BINS.findIndex((b) => Number(d) >= b.from && Number(d) <= b.to);
    if (i >= 0) counts[i] += n;
  }
  const bars = DAY_BINS.map((b, i) => ({
    label: b.label,
    value: counts[i],
    cls: b.from > limit ? 'late' : 'days',
    title: `${b.label}${b.from === 0 ? '' : '个工作日'}：${counts[i]} 份`,
  }));
  // The limit stands after the bin that ends on it.
  const at = DAY_BINS.findIndex((b) => b.to >= limit) + 1;
  return barChart(id, bars, { title: '人工审核决定用时（工作日）', marks: [{ at, label: `时限 ${limit} 个工作日`, cls: 'limit' }] });
}

/** The big numbers above the charts, each with its data-figure for the test. */
function summary(h, t, limit) {
  const item = (figure, value, name, hint, cls) =>
    h('div', { class: `figure ${cls || ''}`, dataset: { figure } }, h('div', { class: 'figure-value' }, String(value)), h('div', { class: 'figure-name' }, name), hint ? h('div', { class: 'figure-hint' }, hint) : null);
  return h(
    'div',
    { id: 'stats-summary', class: 'figures' },
    item('received', t.received, '收到送审稿', t.versions ? `其中修改稿 ${t.versions} 份` : null),
    item('approved', t.approved, '通过', `其中人工复核放行 ${t.approved_after_override} 份`, 'ok'),
    item('held', t.held, '暂缓发布', `其中退回修改 ${t.returned} 份`, 'bad'),
    item('engine_held', t.engine_held, '送审时规则引擎拦截'),
    item('published', t.published, '经发布核验上网', t.redacted ? `生成脱敏稿 ${t.redacted} 份` : null),
    item('decision_days_median', days(t.decision_days_median), '决定用时中位数（工作日）', t.decision_days_p90 === null ? '尚无人工审核决定' : `90% 在 ${t.decision_days_p90} 个工作日内`),
    item('overdue', t.overdue, `超过${limit}个工作日未决定`, `尚无人工审核决定 ${t.pending} 份`, t.overdue ? 'bad' : ''),
  );
}

const COLUMNS = [
  ['received', '收到'],
  ['approved', '通过'],
  ['approved_after_override', '其中人工复核放行'],
  ['held', '暂缓发布'],
  ['returned', '其中退回修改'],
  ['engine_held', '规则引擎拦截'],
  ['pending', '尚无人工决定'],
  ['redacted', '生成脱敏稿'],
  ['published', '经发布核验上网'],
  ['decision_days_median', '用时中位数'],
  ['decision_days_p90', '用时90%分位'],
  ['overdue', '超期'],
];

function figuresTable(h, data) {
  const head = { month: '月份', category: '类别', dept: '部门', reviewer: '审核员' }[data.group];
  const row = (r, total) =>
    h(
      'tr',
      { class: total ? 'total' : null, dataset: { key: r.key } },
      h('th', { scope: 'row' }, r.label),
      COLUMNS.map(([k]) => h('td', { class: 'num', dataset: { figure: k } }, k.startsWith('decision_days') ? days(r[k]) : String(r[k]))),
    );
  return h(
    'table',
    { id: 'stats-table', class: 'stats-table' },
    h('thead', {}, h('tr', {}, h('th', {}, head), COLUMNS.map(([, t]) => h('th', { class: 'num' }, t)))),
    h('tbody', {}, data.rows.map((r) => row(r, false)), row(data.total, true)),
  );
}

/**
 * The 统计 page. `deps`: the console's `api`, `h`, `errorBox`, `ApiError`, and `token()` for
 * the downloads. `params`: `year` or `from` and `to`, and `group`.
 */
export async function statsView(deps, params) {
  const { api, h, errorBox, ApiError } = deps;
  const thisYear = Number(new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(new Date()));
  const group = Object.hasOwn(GROUPS, params.get('group') || '') ? params.get('group') : 'month';
  const from = params.get('from');
  const to = params.get('to');
  const year = Number(params.get('year')) || thisYear;
  const period = from && to ? `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}` : `from=${year}-01-01&to=${year}-12-31`;
  const query = (g) => `/v1/stats?${period}&group=${g}`;
  // The month chart needs the months whatever the table is grouped by.
  const [{ data }, { data: months }] = await Promise.all([api('GET', query(group)), group === 'month' ? Promise.resolve({ data: null }) : api('GET', query('month'))]);
  const byMonth = months || data;
  const t = data.total;

  const go = (next) => {
    const p = new URLSearchParams();
    if (next.from && next.to) {
      p.set('from', next.from);
      p.set('to', next.to);
    } else p.set('year', String(next.year));
    p.set('group', next.group);
    location.hash = `#/stats?${p}`;
  };
  const yearSelect = h(
    'select',
    { id: 'stats-year', on: { change: (e) => go({ year: e.target.value, group }) } },
    Array.from({ length: 6 }, (_, i) => thisYear - i).map((y) => h('option', { value: String(y), selected: !from && y === year }, `${y} 年`)),
  );
  const groupSelect = h(
    'select',
    { id: 'stats-group', on: { change: (e) => go({ year, from, to, group: e.target.value }) } },
    Object.entries(GROUPS).map(([k, v]) => h('option', { value: k, selected: k === group }, v)),
  );
  const result = h('div', { id: 'stats-download-result' });
  const download = async (format) => {
    result.replaceChildren();
    let res;
    try {
      res = await fetch(`${query(group)}&format=${format}`, { headers: { Authorization: `Bearer ${deps.token()}` }, cache: 'no-store', credentials: 'omit', redirect: 'error' });
    } catch (e) {
      result.appendChild(errorBox(new ApiError(0, 'network', String(e && e.message ? e.message : e))));
      return;
    }
    if (!res.ok) {
      const body = await res.json().catch(() => null);
      result.appendChild(errorBox(new ApiError(res.status, (body && body.code) || `http_${res.status}`, (body && body.message) || '')));
      return;
    }
    const url = URL.createObjectURL(await res.blob());
    const a = h('a', { href: url, download: `保密审查统计_${data.from}_${data.to}_${GROUPS[group].slice(1)}.${format}`, hidden: true });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  };

  const monthBars = byMonth.rows.map((r) => ({
    label: r.label,
    short: r.key.length === 7 ? `${Number(r.key.slice(5))}月` : r.label,
    value: r.received,
    cls: 'received',
    title: `${r.label}：收到 ${r.received} 份，通过 ${r.approved} 份，暂缓发布 ${r.held} 份`,
  }));
  return h(
    'section',
    { class: 'card stats', id: 'stats', dataset: { from: data.from, to: data.to, group, lastRecord: data.last_record } },
    h('h1', {}, '保密审查统计'),
    h(
      'div',
      { class: 'filters' },
      h('label', {}, '年度', yearSelect),
      h('label', {}, '分组', groupSelect),
      h('button', { type: 'button', id: 'stats-csv', on: { click: () => download('csv') } }, '下载 CSV'),
      h('button', { type: 'button', id: 'stats-xlsx', on: { click: () => download('xlsx') } }, '下载 Excel'),
    ),
    result,
    h('p', { class: 'hint', id: 'stats-period' }, `${data.from} 至 ${data.to} 收到的送审稿，各项为截至 ${data.as_of} 的情况；工作日按国务院节假日安排计算（含调休）。`),
    summary(h, t, data.limit_working_days),
    h(
      'div',
      { class: 'charts' },
      h('figure', { class: 'chart-box' }, h('figcaption', {}, '每月收到送审稿'), barChart('chart-months', monthBars, { title: '每月收到送审稿' })),
      h('figure', { class: 'chart-box' }, h('figcaption', {}, '送审时规则引擎拦截（按类别）'), categoryChart('chart-categories', t.held_by_category || {})),
      h(
        'figure',
        { class: 'chart-box' },
        h('figcaption', {}, '人工审核决定用时（工作日）', h('span', { class: 'figure-hint' }, `中位数 ${days(t.decision_days_median)}，90% 在 ${days(t.decision_days_p90)} 个工作日内`)),
        daysChart('chart-days', t, data.limit_working_days),
      ),
    ),
    h('h2', {}, `统计表（${GROUPS[group]}）`),
    h('div', { class: 'table-wrap' }, figuresTable(h, data)),
    data.notes && data.notes.length ? h('ul', { id: 'stats-notes', class: 'hint' }, data.notes.map((n) => h('li', {}, n))) : null,
  );
}

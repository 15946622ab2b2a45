// The reviewer's console: a single page over the baomi JSON API.
//
// Rules this file keeps:
// - Every action is an API call with the signed-in user's bearer token; the API checks roles
//   and the four-eyes rule. What this page hides or disables is a courtesy, not a control.
// - The token lives in sessionStorage only (gone when the tab closes), never in localStorage,
//   a cookie or a URL.
// - Document text and everything else from the server reaches the page as text nodes
//   (textContent / createTextNode), never as HTML.

import {
  CATEGORIES,
  CATEGORY_ORDER,
  DECISIONS,
  DECISION_KINDS,
  LOCATIONS,
  MASK_KINDS,
  ROLES,
  SEVERITIES,
  STATES,
  CLOCKS,
  clockText,
  urgentClock,
  can,
  countByCategory,
  describeError,
  formatTime,
  setTimeZone,
  highlightPieces,
  label,
  localDayBounds,
  suppressedText,
} from './util.js';
import { statsView } from './stats.js';
import { proposeBox, suppressionsView } from './suppressions.js';

const TOKEN_KEY = 'baomi.console.token';

const state = {
  token: null,
  me: null, // {name, role}
  // The filters of the queue last shown (API parameters): 下一件 goes on in that queue.
  lastQueue: null,
  // Pages rendered since the notice was shown: a notice lives through the page it leads to
  // (a decision's "已记录", then the next review) and is gone from the one after.
  noticeAge: 0,
};

// ---------------------------------------------------------------------------------------------
// DOM helpers

/**
 * Builds an element. `attrs`: `class`, `on` ({event: handler}), `dataset`, boolean and string
 * attributes. Children: nodes, strings (as text nodes), arrays, null/false (skipped).
 */
/** A finding's rule as a clerk reads it: its Chinese name, or its id for findings stored
 * before rules had names. */
function ruleName(f) {
  return f.rule_name || f.rule;
}

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'on') {
      for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    } else if (k === 'dataset') {
      Object.assign(el.dataset, v);
    } else if (k === 'class') {
      el.className = v;
    } else if (v === true) {
      el.setAttribute(k, '');
    } else {
      el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
}

const $ = (sel) => document.querySelector(sel);

function categoryChip(category, extra) {
  return h('span', { class: `chip cat-${cssName(category)}` }, label(CATEGORIES, category), extra);
}

function cssName(s) {
  return String(s).replace(/[^a-z0-9_-]/gi, '_');
}

function decisionBadge(decision) {
  return h('span', { class: `badge decision-${cssName(decision)}` }, label(DECISIONS, decision));
}

function stateBadge(st) {
  return h('span', { class: `badge state state-${cssName(st)}`, dataset: { state: st } }, label(STATES, st));
}

// ---------------------------------------------------------------------------------------------
// The API

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * Calls the API with the signed-in user's token. `opts.json` sends JSON; `opts.bytes` sends raw
 * bytes (a file upload). Resolves to `{status, data}`; rejects with an ApiError carrying the
 * server's `{code, message}`. A 401 signs the user out.
 */
async function api(method, path, opts = {}) {
  const headers = { Accept: 'application/json' };
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  let body;
  if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.bytes !== undefined) {
    // Never the file's own type: `application/json` would make the server parse the upload as
    // a JSON submission.
    headers['Content-Type'] = 'application/octet-stream';
    body = opts.bytes;
    // The file's name is scanned too (a name can carry an ID number) and becomes the title
    // when the document has none; percent-encoded, as a header value must be ASCII.
    if (opts.fileName) headers['X-File-Name'] = encodeURIComponent(opts.fileName);
  }
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body,
      cache: 'no-store',
      credentials: 'omit',
      redirect: 'error',
    });
  } catch (e) {
    throw new ApiError(0, 'network', String(e && e.message ? e.message : e));
  }
  const raw = await res.text();
  let data = null;
  try {
    data = raw ? JSON.parse(raw) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const err = new ApiError(
      res.status,
      (data && data.code) || `http_${res.status}`,
      (data && data.message) || raw.slice(0, 300),
    );
    // A refused rule set lists every problem as `file:line:col: message`.
    err.errors = data && Array.isArray(data.errors) ? data.errors : [];
    if (res.status === 401 && state.me) signOut(err);
    throw err;
  }
  return { status: res.status, data };
}

/** An error box: the Chinese title, the server's message and the HTTP status. */
function errorBox(err) {
  const { title, detail } = describeError(err.status, err.code, err.message);
  return h(
    'div',
    { class: 'error-box', role: 'alert' },
    h('strong', {}, title),
    detail ? h('div', { class: 'error-detail' }, `服务端说明：${detail}`) : null,
    err.status ? h('div', { class: 'error-code' }, `HTTP ${err.status} · ${err.code}`) : null,
  );
}

// ---------------------------------------------------------------------------------------------
// Session

function showNotice(text, kind = 'info') {
  state.noticeAge = 0;
  const n = $('#notice');
  clear(n);
  n.className = `notice notice-${kind}`;
  n.appendChild(document.createTextNode(text));
  n.hidden = false;
}

function hideNotice() {
  $('#notice').hidden = true;
}

async function signIn(token) {
  state.token = token;
  const { data } = await api('GET', '/v1/me');
  state.me = data;
  if (data.time_zone) setTimeZone(data.time_zone);
  sessionStorage.setItem(TOKEN_KEY, token);
  renderChrome();
}

function signOut(reason) {
  state.token = null;
  state.me = null;
  state.lastQueue = null;
  sessionStorage.removeItem(TOKEN_KEY);
  renderChrome();
  if (reason) {
    const { title, detail } = describeError(reason.status, reason.code, reason.message);
    showNotice(`${title}${detail ? `（${detail}）` : ''}`, 'error');
  }
  if (location.hash !== '#/login') location.hash = '#/login';
  else route();
}

function renderChrome() {
  const nav = $('#nav');
  const who = $('#who');
  clear(nav);
  clear(who);
  const me = state.me;
  if (!me) return;
  const items = [];
  if (can(me.role, 'read')) {
    items.push(['#/queue', me.role === 'submitter' ? '我的送审' : '审查队列']);
  }
  if (can(me.role, 'claim')) items.push(['#/todo', '我的待办']);
  if (can(me.role, 'submit')) items.push(['#/submit', '送审']);
  if (can(me.role, 'rules')) items.push(['#/rules', '规则集']);
  if (can(me.role, 'stats')) items.push(['#/stats', '统计']);
  if (can(me.role, 'suppressions')) items.push(['#/suppressions', '豁免']);
  for (const [href, text] of items) {
    nav.appendChild(h('a', { href, class: 'nav-link', dataset: { nav: href } }, text));
  }
  who.appendChild(
    h('span', { class: 'who-name', 'data-testid': 'who' }, me.name, h('span', { class: 'who-role' }, label(ROLES, me.role))),
  );
  who.appendChild(
    h('button', { type: 'button', class: 'link-button', id: 'sign-out', on: { click: () => signOut() } }, '退出'),
  );
}

function markNav() {
  for (const a of document.querySelectorAll('.nav-link')) {
    a.classList.toggle('active', location.hash.startsWith(a.dataset.nav));
  }
}

// ---------------------------------------------------------------------------------------------
// Routing: #/login, #/queue?..., #/todo?..., #/submit[?revises=ID], #/review/ID, #/rules,
// #/stats?..., #/suppressions

function defaultRoute() {
  const role = state.me && state.me.role;
  if (can(role, 'decide')) return '#/queue';
  if (can(role, 'submit')) return '#/submit';
  if (can(role, 'rules')) return '#/rules';
  return '#/nothing';
}

let renderSeq = 0;
/** Where a signed-out visitor was going (a shared link to a review), to go on after sign-in. */
let wanted = null;

async function route() {
  const seq = ++renderSeq;
  if (state.noticeAge++ >= 1) hideNotice();
  const main = $('#main');
  const hash = location.hash || '#/';
  if (!state.me) {
    if (hash !== '#/login') {
      if (hash.startsWith('#/') && hash.length > 2) wanted = hash;
      location.hash = '#/login';
      return;
    }
    clear(main);
    main.appendChild(loginView());
    $('#token').focus();
    return;
  }
  const [path, query] = hash.slice(1).split('?');
  const params = new URLSearchParams(query || '');
  const parts = path.split('/').filter(Boolean);
  if (parts.length === 0 || parts[0] === 'login') {
    location.hash = defaultRoute();
    return;
  }
  markNav();
  clear(main);
  main.appendChild(h('p', { class: 'loading' }, '正在加载……'));
  let view;
  try {
    if (parts[0] === 'queue') view = await queueView(params, false);
    else if (parts[0] === 'todo') view = await queueView(params, true);
    else if (parts[0] === 'submit') view = await submitView(params);
    else if (parts[0] === 'review' && parts[1]) view = await reviewView(parts[1]);
    else if (parts[0] === 'rules') view = await rulesView();
    else if (parts[0] === 'stats') view = await statsView({ api, h, errorBox, ApiError, token: () => state.token }, params);
    else if (parts[0] === 'suppressions') view = await suppressionsView(suppressionDeps());
    else if (parts[0] === 'nothing') view = nothingView();
    else view = h('section', { class: 'card' }, h('h1', {}, '页面不存在'), h('a', { href: defaultRoute() }, '返回'));
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    view = h('section', { class: 'card' }, errorBox(err));
  }
  // A slower earlier navigation must not overwrite a newer one.
  if (seq !== renderSeq) return;
  clear(main);
  main.appendChild(view);
}

/** What the 豁免 page and the 申请豁免 form use of the console. */
function suppressionDeps() {
  return { api, h, errorBox, ApiError, showNotice, me: state.me, token: () => state.token, refresh: () => route() };
}

// ---------------------------------------------------------------------------------------------
// Sign-in

function loginView() {
  const error = h('div', { id: 'login-error' });
  const input = h('input', {
    type: 'password',
    id: 'token',
    name: 'token',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    placeholder: '粘贴访问令牌',
  });
  const button = h('button', { type: 'submit', class: 'primary' }, '登录');
  const form = h(
    'form',
    {
      id: 'login-form',
      on: {
        submit: async (e) => {
          e.preventDefault();
          clear(error);
          const token = input.value.trim();
          if (!token) return;
          // A header value must be ASCII: fetch would throw, and the error would read like a
          // network failure.
          if (!/^[\x21-\x7e]+$/.test(token)) {
            error.appendChild(errorBox(new ApiError(0, 'bad_token', '')));
            return;
          }
          button.disabled = true;
          try {
            await signIn(token);
            hideNotice();
            location.hash = wanted || defaultRoute();
            wanted = null;
          } catch (err) {
            state.token = null;
            if (!(err instanceof ApiError)) throw err;
            error.appendChild(errorBox(err));
          } finally {
            button.disabled = false;
          }
        },
      },
    },
    h('label', { for: 'token' }, '访问令牌'),
    input,
    button,
  );
  return h(
    'section',
    { class: 'card login' },
    h('h1', {}, '登录保密审查工作台'),
    h(
      'p',
      { class: 'hint' },
      '请使用管理员分发给您的访问令牌登录。令牌只保存在本标签页的会话中，关闭标签页即清除；不写入 Cookie 或本地存储。',
    ),
    form,
    error,
  );
}

function nothingView() {
  return h(
    'section',
    { class: 'card' },
    h('h1', {}, '没有可用的功能'),
    h(
      'p',
      {},
      `您的角色（${label(ROLES, state.me.role)}）在工作台中没有可用的功能。发布流水线的令牌只用于发布闸口（POST /v1/gate）。`,
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Submit

/**
 * 送审, or with `?revises=ID` 提交修改稿: the corrected draft goes in as the next version of
 * review ID (the API checks that it is the submitter's and the newest version), with the
 * earlier version's title, department and pasted text filled in to edit.
 */
async function submitView(params) {
  const revisesId = Number.parseInt(params.get('revises') || '', 10);
  let old = null;
  let oldText = '';
  if (revisesId > 0) {
    [old, oldText] = await Promise.all([
      api('GET', `/v1/reviews/${revisesId}`).then((r) => r.data),
      api('GET', `/v1/reviews/${revisesId}/text`).then((r) => r.data.text),
    ]);
  }
  const oldVersion = old ? old.version || 1 : 0;
  const result = h('div', { id: 'submit-result' });
  const busy = (form, on) => {
    for (const b of form.querySelectorAll('button')) b.disabled = on;
  };
  const opened = (status, review) => {
    if (old && status === 200) showNotice(`修改稿与已送审的第 ${review.id} 号内容完全相同，没有产生新版本。`);
    else if (old) showNotice(`已提交第 ${review.version} 版（第 ${review.id} 号）；第 ${old.id} 号已被新版本取代，退出待审队列。`, 'ok');
    else if (status === 200) showNotice(`该内容此前已送审（第 ${review.id} 号），以下为已有的审查记录。`);
    else hideNotice();
    location.hash = `#/review/${review.id}`;
  };

  // A pasted draft comes back to edit: its text without the title line (the title has its own
  // field). An uploaded one is corrected in its file and uploaded again.
  let oldBody = '';
  if (old && !old.file_name) {
    oldBody = old.title && oldText.startsWith(`${old.title}\n`) ? oldText.slice(old.title.length + 1) : oldText;
  }
  const title = h('input', {
    type: 'text',
    id: 'draft-title',
    maxlength: '200',
    value: old && old.title ? old.title : null,
    placeholder: '例如：2026年度城乡居民最低生活保障对象公示',
  });
  const content = h('textarea', { id: 'draft-content', rows: '14', required: true, placeholder: '在此粘贴拟公开的正文' }, oldBody);
  const oldDept = old && old.metadata && old.metadata.dept ? String(old.metadata.dept) : null;
  const dept = h('input', { type: 'text', id: 'draft-dept', maxlength: '100', value: oldDept, placeholder: '例如：区民政局' });
  // The day the information was formed or changed: the disclosure clock counts from it.
  const formedOn = h('input', { type: 'date', id: 'draft-formed-on', value: old && old.formed_on ? old.formed_on : null });
  const fileFormedOn = h('input', { type: 'date', id: 'file-formed-on', value: old && old.formed_on ? old.formed_on : null });
  const textForm = h(
    'form',
    {
      id: 'submit-text',
      on: {
        submit: async (e) => {
          e.preventDefault();
          clear(result);
          if (!content.value.trim()) {
            result.appendChild(h('div', { class: 'error-box' }, h('strong', {}, '请先粘贴正文')));
            return;
          }
          const body = { content: content.value };
          if (title.value.trim()) body.title = title.value.trim();
          if (dept.value.trim()) body.metadata = { dept: dept.value.trim() };
          if (old) body.revises = old.id;
          if (formedOn.value) body.formed_on = formedOn.value;
          busy(textForm, true);
          try {
            const { status, data } = await api('POST', '/v1/reviews', { json: body });
            opened(status, data);
          } catch (err) {
            if (!(err instanceof ApiError)) throw err;
            result.appendChild(errorBox(err));
          } finally {
            busy(textForm, false);
          }
        },
      },
    },
    h('label', { for: 'draft-title' }, '标题（可选，作为第一行一并审查）'),
    title,
    h('label', { for: 'draft-content' }, '正文'),
    content,
    h('label', { for: 'draft-dept' }, '送审单位（可选）'),
    dept,
    h('label', { for: 'draft-formed-on' }, '信息形成或变更日期（可选，公开期限自次一工作日起算；不填按送审日计）'),
    formedOn,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, '提交审查')),
  );

  const file = h('input', {
    type: 'file',
    id: 'draft-file',
    accept: '.txt,.text,.html,.htm,.docx,.doc,.wps,.xlsx,.xls,.et,.ods,.csv,.pdf,.ofd,text/plain,text/html',
  });
  const fileForm = h(
    'form',
    {
      id: 'submit-file',
      on: {
        submit: async (e) => {
          e.preventDefault();
          clear(result);
          const f = file.files && file.files[0];
          if (!f) {
            result.appendChild(h('div', { class: 'error-box' }, h('strong', {}, '请先选择文件')));
            return;
          }
          busy(fileForm, true);
          try {
            const bytes = await f.arrayBuffer();
            const q = new URLSearchParams();
            if (old) q.set('revises', String(old.id));
            if (fileFormedOn.value) q.set('formed_on', fileFormedOn.value);
            const path = q.toString() ? `/v1/reviews?${q}` : '/v1/reviews';
            const { status, data } = await api('POST', path, { bytes, fileName: f.name });
            opened(status, data);
          } catch (err) {
            if (!(err instanceof ApiError)) throw err;
            result.appendChild(errorBox(err));
          } finally {
            busy(fileForm, false);
          }
        },
      },
    },
    h('label', { for: 'draft-file' }, '选择文件'),
    file,
    h('label', { for: 'file-formed-on' }, '信息形成或变更日期（可选）'),
    fileFormedOn,
    h(
      'p',
      { class: 'hint' },
      '文件按原样送审，由服务端按内容识别格式（纯文本、网页、Word 文档、WPS 文字和表格、Excel 表格、开放文档表格、逗号分隔的表格文件、PDF、OFD，新旧版本均可）；文件名一并审查。无法读取的文件或其中无法读取的部分会被拦截，由审核人员人工查看。',
    ),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, '上传并审查')),
  );

  const banner = old
    ? h(
        'div',
        { class: 'revise-banner', id: 'revise-banner' },
        h('strong', {}, `修改第 ${old.id} 号“${old.title || '无标题'}”，作为第 ${oldVersion + 1} 版送审`),
        h(
          'div',
          {},
          `提交后，第 ${oldVersion} 版（第 ${old.id} 号）即被新版本取代、退出待审队列，由审核员审核新版本；旧版本的内容不会因新版本通过而获准发布。`,
        ),
        old.state === 'returned' && old.state_reason ? h('div', { class: 'returned-reason' }, `退回理由：${old.state_reason}`) : null,
        old.file_name ? h('div', { class: 'hint' }, `上一版是上传的文件“${old.file_name}”：请修改文件后重新上传，或在左侧粘贴修改后的正文。`) : null,
        old.revised_by ? h('div', { class: 'error-box' }, `第 ${old.id} 号已有新版本（第 ${old.revised_by} 号）：请在最新版本上提交修改稿。`) : null,
      )
    : null;
  return h(
    'section',
    { class: 'card submit' },
    h('h1', {}, old ? '提交修改稿' : '送审'),
    banner,
    h('div', { class: 'columns' }, h('div', {}, h('h2', {}, '粘贴文本'), textForm), h('div', {}, h('h2', {}, '上传文件'), fileForm)),
    result,
  );
}

// ---------------------------------------------------------------------------------------------
// Review

async function reviewView(rawId) {
  const id = Number.parseInt(rawId, 10);
  if (!(id > 0)) throw new ApiError(400, 'bad_request', `review id ${rawId}`);
  const [review, text] = await Promise.all([
    api('GET', `/v1/reviews/${id}`).then((r) => r.data),
    api('GET', `/v1/reviews/${id}/text`).then((r) => r.data.text),
  ]);
  // A new version is compared with the one it revises; a failure shows in its place.
  let diff = null;
  let diffError = null;
  if (review.revises) {
    try {
      diff = (await api('GET', `/v1/reviews/${id}/diff`)).data;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      diffError = err;
    }
  }
  const root = h('section', { class: 'review', 'data-review-id': String(id) });
  // What only the page's own GET reads (the chain, the comparison): kept on the root for the
  // re-renders after a write, whose answer does not carry it.
  root.versionsOf = { versions: review.versions || [], diff, diffError };
  renderReview(root, review, text);
  return root;
}

/** The versions of the draft `review` belongs to, with its own entry brought up to date. */
function chainOf(root, review) {
  const ctx = root.versionsOf || { versions: [] };
  ctx.versions = ctx.versions.map((v) =>
    v.id === review.id ? { ...v, state: review.state || v.state, decision: review.decision || v.decision } : v,
  );
  return ctx;
}

function renderReview(root, review, text) {
  clear(root);
  const ctx = chainOf(root, review);
  const findings = review.findings || [];
  // The findings a suppression covered: still shown, greyed, and no longer deciding.
  const suppressedBy = new Map((review.suppressed || []).map((s) => [s.finding, s]));
  const marksByFinding = new Array(findings.length);
  const itemsByFinding = new Array(findings.length);

  let selected = -1;
  const select = (i, from) => {
    if (selected >= 0) {
      for (const m of marksByFinding[selected] || []) m.classList.remove('current');
      if (itemsByFinding[selected]) itemsByFinding[selected].classList.remove('current');
    }
    selected = i;
    const marks = marksByFinding[i] || [];
    for (const m of marks) m.classList.add('current');
    const item = itemsByFinding[i];
    if (item) item.classList.add('current');
    if (from === 'list' && marks[0]) marks[0].scrollIntoView({ block: 'center', behavior: 'auto' });
    if (from === 'text' && item) item.scrollIntoView({ block: 'nearest', behavior: 'auto' });
  };

  // The document, with every finding highlighted in place.
  const doc = h('div', { class: 'doc', id: 'doc', lang: 'zh-CN' });
  const frag = document.createDocumentFragment();
  let at = 0;
  for (const piece of highlightPieces(text, findings)) {
    if (piece.from > at) frag.appendChild(document.createTextNode(text.slice(at, piece.from)));
    // A live finding leads a highlight it shares with a suppressed one; a highlight only
    // suppressed findings cover is greyed.
    const live = piece.ids.filter((i) => !suppressedBy.has(i));
    const lead = findings[live.length ? live[0] : piece.ids[0]];
    const mark = document.createElement('mark');
    // Tracked changes look like what they are: deleted words struck through, inserted ones
    // underlined (the severity keeps the border below).
    const tracked = piece.ids.map((i) => findings[i].location);
    const revision = tracked.includes('tracked_deletion')
      ? ' tracked-deletion'
      : tracked.includes('tracked_insertion')
        ? ' tracked-insertion'
        : '';
    mark.className = `cat-${cssName(lead.category)} sev-${cssName(lead.severity)}${piece.ids.length > 1 ? ' multi' : ''}${revision}${
      live.length ? '' : ' suppressed'
    }`;
    mark.dataset.findings = piece.ids.join(' ');
    mark.title = piece.ids
      .map(
        (i) =>
          `${label(CATEGORIES, findings[i].category)}·${label(SEVERITIES, findings[i].severity)}：${ruleName(findings[i])}${
            suppressedBy.has(i) ? `（已豁免 ${suppressedBy.get(i).id}）` : ''
          }`,
      )
      .join('\n');
    mark.appendChild(document.createTextNode(text.slice(piece.from, piece.to)));
    for (const i of piece.ids) (marksByFinding[i] ||= []).push(mark);
    frag.appendChild(mark);
    at = piece.to;
  }
  if (at < text.length) frag.appendChild(document.createTextNode(text.slice(at)));
  doc.appendChild(frag);
  doc.addEventListener('click', (e) => {
    const mark = e.target.closest('mark');
    if (mark) select(Number(mark.dataset.findings.split(' ')[0]), 'text');
  });

  // Header: title, decision, who and when, rule set.
  const header = h(
    'div',
    { class: 'review-head' },
    h(
      'h1',
      {},
      h('span', { class: 'review-id' }, `第 ${review.id} 号`),
      review.title || '（无标题）',
      (review.version || 1) > 1 || ctx.versions.length > 1
        ? h('span', { class: 'badge version', id: 'meta-version' }, `第${review.version || 1}版`)
        : null,
      review.redacted_from ? h('span', { class: 'badge version redacted' }, '脱敏稿') : null,
      decisionBadge(review.decision),
      stateBadge(review.state || 'pending'),
    ),
    h(
      'dl',
      { class: 'meta' },
      h('dt', {}, '送审人'),
      h('dd', { id: 'meta-submitter' }, review.submitter, review.submitter_role ? `（${label(ROLES, review.submitter_role)}）` : ''),
      review.department ? [h('dt', {}, '所属部门'), h('dd', { id: 'meta-department' }, review.department)] : null,
      h('dt', {}, '送审时间'),
      h('dd', {}, formatTime(review.submitted_at)),
      review.file_name ? [h('dt', {}, '文件名'), h('dd', { id: 'meta-file-name' }, review.file_name)] : null,
      review.formed_on ? [h('dt', {}, '信息形成日期'), h('dd', { id: 'meta-formed-on' }, review.formed_on)] : null,
      review.clocks
        ? ['disclosure', 'opinion'].map((name) => [
            h('dt', {}, CLOCKS[name]),
            h('dd', { id: `meta-clock-${name}` }, clockBadge(review.clocks[name])),
          ])
        : null,
      stagesOf(review) ? [h('dt', {}, '分级审核'), h('dd', { id: 'meta-stages' }, stagesLine(review))] : null,
      review.assignee ? [h('dt', {}, '领取人'), h('dd', { id: 'meta-assignee' }, review.assignee.name)] : null,
      h('dt', {}, '规则集'),
      h('dd', { id: 'meta-ruleset', class: 'mono' }, review.ruleset),
      h('dt', {}, 'SHA-256'),
      h('dd', { class: 'mono', title: review.sha256 }, `${String(review.sha256).slice(0, 16)}…`),
      review.metadata && review.metadata.dept ? [h('dt', {}, '送审单位'), h('dd', {}, String(review.metadata.dept))] : null,
    ),
  );

  // Returned for changes: what to change, for the submitter first of all.
  if (review.state === 'returned') {
    const ret = [...(review.decisions || [])].reverse().find((d) => d.kind === 'return');
    header.appendChild(
      h(
        'div',
        { class: 'returned-box', id: 'returned' },
        h('strong', {}, '已退回修改'),
        ret ? `（${ret.by}，${formatTime(ret.at)}）` : '',
        h('div', { class: 'returned-reason' }, `退回理由：${review.state_reason || (ret && ret.reason) || ''}`),
        review.submitter === state.me.name
          ? h(
              'div',
              { class: 'hint' },
              '请按退回理由修改后重新送审：',
              h('a', { href: `#/submit?revises=${review.id}`, id: 'revise-link', class: 'revise' }, '提交修改稿'),
              `（作为第 ${(review.version || 1) + 1} 版）；本稿件在审核员重新审核通过前不会被发布。`,
            )
          : null,
      ),
    );
  }

  // Superseded: the newest version is where the work goes on.
  if (review.state === 'superseded') {
    const newest = ctx.versions[ctx.versions.length - 1];
    const target = newest && newest.id !== review.id ? newest : { id: review.revised_by, version: (review.version || 1) + 1 };
    header.appendChild(
      h(
        'div',
        { class: 'superseded-box', id: 'superseded' },
        h('strong', {}, '本版本已被新版本取代'),
        '：最新版本为',
        h('a', { href: `#/review/${target.id}`, id: 'newest-link' }, `第${target.version}版（第 ${target.id} 号）`),
        '。本版本退出待审队列，不再审核；其内容仍按原决定处理，不会因新版本通过而获准发布。',
      ),
    );
  }

  // A redacted copy names the review it was made of; a review lists the copies made of it.
  if (review.redacted_from) {
    const r = review.redaction || { masked: [] };
    const places = (r.masked || []).reduce((n, m) => n + (m.occurrences || 0), 0);
    header.appendChild(
      h(
        'div',
        { class: 'redaction-box', id: 'redacted-from' },
        h('strong', {}, '本稿件是脱敏稿'),
        '：由',
        h('a', { href: `#/review/${review.redacted_from}`, id: 'redacted-from-link' }, `第 ${review.redacted_from} 号`),
        `按脱敏规则生成（${review.submitter}，${formatTime(review.submitted_at)}），遮盖了 ${(r.masked || []).length} 个值、${places} 处。`,
        '原稿不受影响，仍按原决定处理；本稿件须经其他审核员审核通过后方可发布。',
      ),
    );
  }
  if ((review.redactions || []).length > 0) {
    header.appendChild(
      h(
        'div',
        { class: 'redaction-box', id: 'redactions' },
        h('strong', {}, '已生成的脱敏稿：'),
        review.redactions.map((l, i) => [
          i ? '、' : '',
          h('a', { href: `#/review/${l.id}`, class: 'redaction-copy', dataset: { reviewId: String(l.id) } }, `第 ${l.id} 号`),
          `（${l.by}，${formatTime(l.at)}）`,
        ]),
      ),
    );
  }

  // A held file name stops publication under that name whatever is decided on the content.
  const nameHolds = findings.filter((f) => f.location === 'file_name' && f.severity === 'hold');
  if (nameHolds.length > 0) {
    header.appendChild(
      h(
        'div',
        { class: 'error-box', id: 'file-name-held' },
        h('strong', {}, '文件名含有不得公开的内容'),
        `（${nameHolds.map((f) => label(CATEGORIES, f.category)).join('、')}）：以此文件名发布会被拦截，请更改文件名后重新送审。`,
      ),
    );
  }

  // Counts per category, which double as the colour legend.
  const counts = h('div', { class: 'counts', id: 'counts' });
  const byCat = countByCategory(findings, review.suppressed || []);
  if (byCat.length === 0) counts.appendChild(h('span', { class: 'none' }, '未发现需要处理的内容'));
  for (const [cat, c] of byCat) {
    counts.appendChild(
      h(
        'span',
        { class: `count cat-${cssName(cat)}`, dataset: { category: cat } },
        h('span', { class: 'count-name' }, label(CATEGORIES, cat)),
        c.hold ? h('span', { class: 'count-hold' }, `拦截 ${c.hold}`) : null,
        c.warn ? h('span', { class: 'count-warn' }, `提示 ${c.warn}`) : null,
        c.suppressed ? h('span', { class: 'count-suppressed' }, `已豁免 ${c.suppressed}`) : null,
      ),
    );
  }
  counts.appendChild(
    h(
      'span',
      { class: 'legend' },
      h('mark', { class: 'sev-hold cat-legend' }, '实线＝拦截'),
      h('mark', { class: 'sev-warn cat-legend' }, '虚线＝提示'),
      suppressedBy.size ? h('mark', { class: 'sev-hold cat-legend suppressed' }, '灰色＝已豁免') : null,
    ),
  );

  // The findings list. A maintainer (or an admin) may ask for a suppression of a false alarm;
  // a finding in the file name is fixed by renaming the file.
  const mayPropose = can(state.me.role, 'propose');
  const list = h('ol', { class: 'findings', id: 'findings' });
  findings.forEach((f, i) => {
    const quiet = suppressedBy.get(i);
    const item = h(
      'li',
      {
        class: `finding sev-${cssName(f.severity)}${quiet ? ' suppressed' : ''}`,
        tabindex: '0',
        dataset: { index: String(i), rule: f.rule },
        on: {
          click: () => select(i, 'list'),
          keydown: (e) => {
            if (e.key === 'Enter' || e.key === ' ') {
              e.preventDefault();
              select(i, 'list');
            }
          },
        },
      },
      h(
        'div',
        { class: 'finding-head' },
        categoryChip(f.category),
        h('span', { class: `sev sev-${cssName(f.severity)}` }, label(SEVERITIES, f.severity)),
        h('span', { class: 'rule-name' }, ruleName(f)),
        h('code', { class: 'rule', title: '规则编号' }, f.rule),
      ),
      h('div', { class: 'finding-text' }, f.text),
      h('div', { class: 'finding-reason' }, f.reason),
      f.also && f.also.length
        ? h('div', { class: 'finding-also' }, `同一问题另由规则 ${f.also.join('、')} 发现，理由已并入上文`)
        : null,
      h(
        'div',
        { class: 'finding-where' },
        `第 ${f.line} 行第 ${f.column} 字`,
        f.location ? ` · ${label(LOCATIONS, f.location)}` : '',
        f.sheet ? ` · 工作表「${f.sheet}」` : '',
        f.cell ? ` ${f.cell} 单元格` : '',
        f.page ? ` · 第 ${f.page} 页` : '',
      ),
      quiet ? h('div', { class: 'finding-suppressed' }, suppressedText(quiet)) : null,
      mayPropose && !quiet && f.location !== 'file_name' ? proposeBox(suppressionDeps(), review, i) : null,
    );
    itemsByFinding[i] = item;
    list.appendChild(item);
  });

  // 生成脱敏稿 shows its result here, below the document.
  const redactionSlot = h('div', { id: 'redaction-slot' });
  const side = h(
    'aside',
    { class: 'side' },
    h('h2', {}, `发现（${findings.length}）`),
    findings.length ? list : h('p', { class: 'none' }, '规则引擎没有发现需要处理的内容。'),
    decidePanel(root, review, text),
    // A copy is redacted already: what still holds it no mask fixes.
    can(state.me.role, 'redact') && review.decision === 'hold' && !review.redacted_from
      ? redactPanel(review, redactionSlot)
      : null,
  );

  root.appendChild(header);
  root.appendChild(counts);
  root.appendChild(
    h(
      'div',
      { class: 'review-body' },
      h(
        'div',
        { class: 'main-col' },
        h('div', { class: 'doc-wrap' }, doc),
        redactionSlot,
        ctx.versions.length > 1 ? versionsTable(review, ctx.versions) : null,
        review.revises ? diffPanel(ctx) : null,
        historyTable(review),
      ),
      side,
    ),
  );
}

/** 版本历史: every version of the draft, this one marked, the others linked. */
function versionsTable(review, versions) {
  const rows = versions.map((v) =>
    h(
      'tr',
      { class: v.id === review.id ? 'current' : '', dataset: { reviewId: String(v.id), version: String(v.version) } },
      h(
        'td',
        {},
        v.id === review.id
          ? h('strong', {}, `第${v.version}版（本版）`)
          : h('a', { href: `#/review/${v.id}`, class: 'open-version' }, `第${v.version}版`),
      ),
      h('td', {}, `第 ${v.id} 号`),
      h('td', {}, formatTime(v.submitted_at)),
      h('td', {}, v.submitter),
      h('td', {}, stateBadge(v.state || 'pending')),
      h('td', {}, decisionBadge(v.decision)),
      h('td', { class: 'num' }, String(v.finding_count)),
    ),
  );
  return h(
    'div',
    { class: 'versions', id: 'versions' },
    h('h2', {}, '版本历史'),
    h(
      'table',
      { id: 'versions-table' },
      h('thead', {}, h('tr', {}, ['版本', '编号', '送审时间', '送审人', '状态', '当前决定', '发现'].map((t) => h('th', {}, t)))),
      h('tbody', {}, rows),
    ),
  );
}

/** Unchanged stretches longer than this are folded to their first and last lines. */
const DIFF_CONTEXT = 3;

/**
 * 与上一版比较: what the new version fixed and brought in, and the lines that changed —
 * deletions struck through, insertions underlined, as tracked changes look in the document.
 * Personal data comes masked from the server.
 */
function diffPanel(ctx) {
  const { diff, diffError } = ctx;
  if (!diff) {
    return h('div', { class: 'diff', id: 'diff' }, h('h2', {}, '与上一版比较'), diffError ? errorBox(diffError) : null);
  }
  const findingItem = (f) =>
    h(
      'li',
      { dataset: { rule: f.rule } },
      categoryChip(f.category),
      h('span', { class: `sev sev-${cssName(f.severity)}` }, label(SEVERITIES, f.severity)),
      ' ',
      h('span', { class: 'rule-name' }, ruleName(f)),
      h('span', { class: 'finding-text' }, f.text),
      h('span', { class: 'finding-where' }, f.location === 'file_name' ? '（文件名）' : `（第 ${f.line} 行）`),
    );
  const list = (id, title, items, none) =>
    h(
      'div',
      { id },
      h('h3', {}, `${title}（${items.length}）`),
      items.length ? h('ol', {}, items.map(findingItem)) : h('p', { class: 'none' }, none),
    );
  const lines = h('div', { class: 'diff-lines', id: 'diff-lines', lang: 'zh-CN' });
  const lineRow = (l) =>
    h(
      'div',
      { class: `diff-line diff-${cssName(l.op)}`, dataset: { op: l.op } },
      h('span', { class: 'ln' }, l.old_line ? String(l.old_line) : ''),
      h('span', { class: 'ln' }, l.new_line ? String(l.new_line) : ''),
      h('span', { class: 'sign' }, l.op === 'delete' ? '－' : l.op === 'insert' ? '＋' : ''),
      h(
        l.op === 'delete' ? 'del' : l.op === 'insert' ? 'ins' : 'span',
        {
          class: `diff-text${l.op === 'delete' ? ' tracked-deletion' : l.op === 'insert' ? ' tracked-insertion' : ''}`,
        },
        l.text || '\u00a0',
      ),
    );
  const all = diff.lines || [];
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j].op === 'equal') j++;
    const run = all.slice(i, j);
    const first = i === 0;
    const last = j === all.length;
    // Keep a few unchanged lines around each change; fold the rest behind a button.
    const head = first ? 0 : DIFF_CONTEXT;
    const tail = last ? 0 : DIFF_CONTEXT;
    if (run.length > head + tail + 1) {
      for (const l of run.slice(0, head)) lines.appendChild(lineRow(l));
      const hidden = run.slice(head, run.length - tail);
      const fold = h('div', { class: 'diff-fold' });
      fold.appendChild(
        h(
          'button',
          {
            type: 'button',
            on: {
              click: () => {
                const rows = document.createDocumentFragment();
                for (const l of hidden) rows.appendChild(lineRow(l));
                fold.replaceWith(rows);
              },
            },
          },
          `展开未改动的 ${hidden.length} 行`,
        ),
      );
      lines.appendChild(fold);
      for (const l of run.slice(run.length - tail)) lines.appendChild(lineRow(l));
    } else {
      for (const l of run) lines.appendChild(lineRow(l));
    }
    i = j;
    while (i < all.length && all[i].op !== 'equal') lines.appendChild(lineRow(all[i++]));
  }
  const kept = (diff.findings_kept || []).length;
  return h(
    'div',
    { class: 'diff', id: 'diff' },
    h('h2', {}, `与上一版比较（第${diff.from.version}版 → 第${diff.to.version}版）`),
    h(
      'p',
      { class: 'hint', id: 'diff-summary' },
      `与第 ${diff.from.id} 号相比：删去 ${diff.deleted} 行，新增 ${diff.inserted} 行；仍存在的问题 ${kept} 项。删去的文字加删除线，新增的文字加下划线；个人信息和商业秘密已遮盖。`,
    ),
    h(
      'div',
      { class: 'change-lists' },
      list('findings-fixed', '已修正的问题', diff.findings_fixed || [], '上一版发现的问题在本版中都还存在。'),
      list('findings-new', '新出现的问题', diff.findings_new || [], '本版没有新出现的问题。'),
    ),
    all.length ? lines : h('p', { class: 'none' }, '两个版本的文字相同。'),
  );
}

/** How the clocks count, from the deployment's settings (`/v1/me`). */
function officeHint() {
  const o = (state.me && state.me.office) || {};
  const d = o.disclosure_days || 20;
  const op = o.opinion_days || 15;
  const missing = (o.missing_years || []).length
    ? `注意：${o.missing_years.join('、')} 年的国务院放假安排尚未载入，这些年份暂按周一至周五计算。`
    : '';
  return `期限按国家法定节假日和调休安排计算工作日：审查意见应在送审后 ${op} 个工作日内作出，信息应在形成或变更之日起 ${d} 个工作日内公开（第一日为次一工作日）；剩余 5 个工作日以内标黄，超期标红。${missing}`;
}

/** One clock, coloured by its state (ok, near, overdue, met, late). */
function clockBadge(c) {
  if (!c) return '—';
  return h('span', { class: `wait wait-${c.state}`, dataset: { left: String(c.left), due: c.due, state: c.state } }, clockText(c));
}

/** The queue's 期限 cell: the running clock with fewest days left, named. */
function clockCell(clocks) {
  const u = urgentClock(clocks);
  if (!u) return '—';
  return h('span', {}, h('span', { class: 'clock-name' }, `${CLOCKS[u.name]}：`), clockBadge(u.clock));
}

/** The deployment's stages, when review is staged. */
function stagesOf() {
  const s = state.me && state.me.office && state.me.office.stages;
  return s && s.length ? s : null;
}

/** The stage a staged review waits for (the first not passed in this round). */
function nextStage(review) {
  const stages = stagesOf();
  if (!stages) return null;
  const passed = (review.stages_passed || []).length;
  return stages[Math.min(passed, stages.length - 1)];
}

/** 初审 ✓ 张三 → 复审（待审） → 终审, for a staged review. */
function stagesLine(review) {
  const stages = stagesOf();
  const passed = review.stages_passed || [];
  const done = review.state === 'approved';
  const parts = stages.map((name, i) => {
    const p = passed[i];
    if (p) return h('span', { class: 'stage stage-done' }, `${name} ✓ ${p.by}（${formatTime(p.at)}）`);
    if (done) return h('span', { class: 'stage stage-done' }, `${name} ✓`);
    if (i === passed.length && (review.state || 'pending') === 'pending') return h('span', { class: 'stage stage-next' }, `${name}（待审）`);
    return h('span', { class: 'stage' }, name);
  });
  const out = [];
  parts.forEach((p, i) => {
    if (i) out.push(' → ');
    out.push(p);
  });
  return out;
}

/**
 * 下一件: the next review the signed-in reviewer can take up after `afterId`, in the queue they
 * last looked at (its filters, pending reviews only), or null.
 */
async function nextReview(afterId) {
  const p = new URLSearchParams(state.lastQueue || '');
  p.delete('state');
  p.set('after', String(afterId));
  const { data } = await api('GET', `/v1/reviews/next?${p}`);
  return data.review || null;
}

/** After a decision: on to the next review, or the decided one again when there is none. */
async function afterDecision(root, review, text, done) {
  let next = null;
  try {
    next = await nextReview(review.id);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
  }
  if (next) {
    showNotice(`${done}已转到下一件：第 ${next.id} 号。`, 'ok');
    location.hash = `#/review/${next.id}`;
    return;
  }
  renderReview(root, review, text);
  showNotice(`${done}队列中已没有可处理的待审稿件。`, 'ok');
}

function decidePanel(root, review, text) {
  const me = state.me;
  const own = review.submitter === me.name;
  const allowed = can(me.role, 'decide');
  // The role first: a submitter cannot decide any draft, their own or not.
  const why = !allowed
    ? me.role === 'submitter'
      ? '送审人不能作出审核决定：审核决定由审核员作出。'
      : `您的角色（${label(ROLES, me.role)}）不能作出审核决定。`
    : own && review.redacted_from
      ? '四眼原则：本脱敏稿由您生成，您是它的送审人，须由其他审核员作出决定。'
      : own
      ? '四眼原则：您是本稿件的送审人，不能审核自己送审的稿件，须由其他审核员作出决定。'
      : review.state === 'superseded'
        ? '本版本已被新版本取代，不再审核：请审核最新版本。'
        : stagesOf() && (review.stages_passed || []).some((p) => p.by === me.name)
          ? `分级审核：每一级须由不同的人审核，您已审核过本稿件的${review.stages_passed.find((p) => p.by === me.name).stage}，须由其他审核员审核${nextStage(review)}。`
          : null;
  const result = h('div', { class: 'decide-result', id: 'decide-result' });
  const reason = h('textarea', {
    id: 'decide-reason',
    rows: '3',
    maxlength: '2000',
    placeholder: '理由（必填），例如：名单含完整身份证号，须脱敏后再公开',
    disabled: !!why,
  });
  const buttons = [];
  const busy = (on) => {
    for (const b of buttons) b.disabled = on || !!why;
  };
  /** Sends one of the reviewer's writes; `done` turns its answer into what happens next. */
  const send = async (path, body, done) => {
    clear(result);
    busy(true);
    try {
      const { data } = await api('POST', path, body === undefined ? {} : { json: body });
      await done(data);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      result.appendChild(errorBox(err));
      busy(false);
    }
  };
  const needReason = () => {
    if (reason.value.trim()) return true;
    clear(result);
    result.appendChild(h('div', { class: 'error-box', role: 'alert' }, h('strong', {}, '请填写理由：每个审核决定都必须说明理由。')));
    reason.focus();
    return false;
  };
  // In a staged deployment an approve passes the review's next stage, named so that two
  // reviewers never pass one stage; a hold returns the draft to its submitter.
  const stage = nextStage(review);
  const decide = (decision) => {
    if (!needReason()) return;
    const body = { decision, reason: reason.value };
    if (stage) body.stage = stage;
    const done = stage
      ? decision === 'approve'
        ? `已记录：${me.name} ${stage}通过（第 ${review.id} 号）。`
        : `已退回：${me.name} 在${stage}暂缓发布，第 ${review.id} 号已退回送审人 ${review.submitter}。`
      : `已记录：${me.name} 决定“${label(DECISIONS, decision)}”（第 ${review.id} 号）。`;
    send(`/v1/reviews/${review.id}/decisions`, body, (data) => afterDecision(root, data, text, done));
  };
  // 退回修改: back to the submitter with the reason; returned content never passes the gate.
  const sendBack = () => {
    if (!needReason()) return;
    send(`/v1/reviews/${review.id}/return`, { reason: reason.value }, (data) =>
      afterDecision(root, data, text, `已退回修改：第 ${review.id} 号已退回送审人 ${review.submitter}。`),
    );
  };
  // 按现行规则重新审查: the engine scans the draft again under the rules in force; a person's
  // decision stands, so only an engine decision can change.
  const recheck = () => {
    const before = (review.decisions || []).length;
    send(`/v1/reviews/${review.id}/recheck`, undefined, (data) => {
      renderReview(root, data, text);
      const after = (data.decisions || []).length;
      showNotice(
        after > before
          ? `已按现行规则（${data.ruleset}）重新审查：当前决定“${label(DECISIONS, data.decision)}”。`
          : '无需重新审查：本稿件已按现行规则审查，或已由审核人员作出决定（人工决定不因规则变化而改变）。',
        'ok',
      );
    });
  };
  const skip = async () => {
    clear(result);
    try {
      const next = await nextReview(review.id);
      if (next) location.hash = `#/review/${next.id}`;
      else showNotice('队列中没有其他可处理的待审稿件。', 'info');
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      result.appendChild(errorBox(err));
    }
  };
  buttons.push(
    h('button', { type: 'button', id: 'approve', class: 'approve', disabled: !!why, on: { click: () => decide('approve') } }, stage ? `${stage}通过` : '通过发布'),
    h('button', { type: 'button', id: 'hold', class: 'hold', disabled: !!why, on: { click: () => decide('hold') } }, '暂缓发布'),
    h('button', { type: 'button', id: 'return', class: 'return', disabled: !!why, on: { click: sendBack } }, '退回修改'),
  );
  const more = [];
  if (allowed) {
    more.push(h('button', { type: 'button', id: 'recheck', class: 'secondary', on: { click: recheck } }, '按现行规则重新审查'));
    more.push(h('button', { type: 'button', id: 'next', class: 'secondary', on: { click: skip } }, '下一件'));
  }
  return h(
    'div',
    { class: 'decide', id: 'decide' },
    h('h2', {}, '审核决定'),
    h(
      'p',
      { class: 'hint' },
      '当前决定：',
      decisionBadge(review.decision),
      ' 状态：',
      stateBadge(review.state || 'pending'),
      '。新的决定追加记录，之前的决定保留；退回修改的稿件在重新审核通过前不得发布。',
    ),
    why ? h('p', { class: 'four-eyes', id: 'decide-why' }, why) : null,
    h('label', { for: 'decide-reason' }, '理由'),
    reason,
    h('div', { class: 'actions' }, buttons),
    more.length ? h('div', { class: 'actions' }, more) : null,
    result,
    allowed ? assignPanel(root, review, text, !!why) : null,
  );
}

/**
 * 生成脱敏稿, on a held review: the server masks the personal data of the stored draft in
 * place (the same code as `baomi redact`, with its proof) and records the copy as a new review
 * of the reviewer's; the page then shows the copy with its masks highlighted, what no mask could
 * fix, a link to the new review and a download of its bytes.
 */
function redactPanel(review, slot) {
  const result = h('div', { id: 'redact-result' });
  const nameMask = h(
    'select',
    { id: 'redact-name-mask' },
    h('option', { value: '*' }, '张**'),
    h('option', { value: '某' }, '张某某'),
  );
  const button = h('button', { type: 'button', id: 'redact', class: 'secondary' }, '生成脱敏稿');
  button.addEventListener('click', async () => {
    clear(result);
    button.disabled = true;
    try {
      // The default policy but for the name's mask (the server fills in every other field).
      const policy = nameMask.value === '*' ? undefined : { name: { mask: nameMask.value } };
      const { data } = await api('POST', `/v1/reviews/${review.id}/redactions`, { json: policy ? { policy } : {} });
      const copyText = (await api('GET', `/v1/reviews/${data.review.id}/text`)).data.text;
      clear(slot);
      slot.appendChild(redactionView(data, copyText));
      slot.scrollIntoView({ block: 'start', behavior: 'auto' });
      showNotice(
        data.created
          ? `已生成脱敏稿：第 ${data.review.id} 号（由第 ${review.id} 号生成）。`
          : `您此前已按相同规则生成过这份脱敏稿：第 ${data.review.id} 号，未重复记录。`,
        'ok',
      );
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      result.appendChild(errorBox(err));
    } finally {
      button.disabled = false;
    }
  });
  return h(
    'div',
    { class: 'redact', id: 'redact-box' },
    h('h2', {}, '生成脱敏稿'),
    h(
      'p',
      {
        class: 'hint',
        title:
          '身份证号保留前6位和后4位，手机号保留前3位和后4位，银行卡号保留前6位和后4位，家庭住址保留至街道或乡镇，与证件号同一行的姓名只保留姓氏；Word 文档同时删除批注、修订和隐藏文字。',
      },
      '按常用规则遮盖个人信息，另存为新稿件送审；原稿不变。',
    ),
    h('div', { class: 'actions' }, h('label', { for: 'redact-name-mask', class: 'inline' }, '姓名遮盖为'), nameMask, button),
    result,
  );
}

/** The redacted copy as made: the masks highlighted in its text, what no mask could fix,
 * what was masked and cleaned, a link to its review and a download of its bytes. */
function redactionView(data, text) {
  const copy = data.review;
  const unmasked = data.unmasked || [];
  // Masks and the findings no mask fixes, as highlights over the copy's text.
  const items = [
    ...unmasked.map((f) => ({ ...f, kind: 'finding' })),
    ...(data.marks || []).map(([start, end]) => ({ start, end, severity: 'mask', kind: 'mask' })),
  ];
  const doc = h('div', { class: 'doc', id: 'redaction-doc', lang: 'zh-CN' });
  const frag = document.createDocumentFragment();
  let at = 0;
  for (const piece of highlightPieces(text, items)) {
    if (piece.from > at) frag.appendChild(document.createTextNode(text.slice(at, piece.from)));
    const lead = items[piece.ids[0]];
    const mark = document.createElement('mark');
    if (lead.kind === 'mask') {
      mark.className = 'mask';
      mark.title = '已遮盖';
    } else {
      mark.className = `cat-${cssName(lead.category)} sev-hold unmasked`;
      mark.title = `无法自动遮盖：${label(CATEGORIES, lead.category)}·${ruleName(lead)}`;
    }
    mark.appendChild(document.createTextNode(text.slice(piece.from, piece.to)));
    frag.appendChild(mark);
    at = piece.to;
  }
  if (at < text.length) frag.appendChild(document.createTextNode(text.slice(at)));
  doc.appendChild(frag);

  const download = h('button', { type: 'button', id: 'redaction-download', class: 'primary' }, '下载脱敏稿');
  const downloadResult = h('div', { id: 'redaction-download-result' });
  download.addEventListener('click', async () => {
    clear(downloadResult);
    try {
      await saveContent(copy);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      downloadResult.appendChild(errorBox(err));
    }
  });
  const masked = data.masked || [];
  return h(
    'section',
    { class: 'redaction', id: 'redaction', dataset: { reviewId: String(copy.id) } },
    h(
      'h2',
      {},
      '脱敏稿：',
      h('a', { href: `#/review/${copy.id}`, id: 'redaction-link' }, `第 ${copy.id} 号`),
      decisionBadge(copy.decision),
      stateBadge(copy.state || 'pending'),
    ),
    h(
      'p',
      { class: 'hint', id: 'redaction-summary' },
      `由第 ${data.redacted_from} 号生成，作为新的稿件送审（送审人：${copy.submitter}）：遮盖了 ${masked.length} 个值、${masked.reduce((n, m) => n + m.occurrences, 0)} 处；`,
      unmasked.length
        ? `仍有 ${unmasked.length} 项内容无法自动遮盖，须人工处理，脱敏稿在审核通过前不得发布。`
        : '复查未发现须人工处理的内容。',
      '原稿不变。脱敏稿须由其他审核员审核，审核通过后发布闸口只放行脱敏稿，原稿仍被拦截。',
    ),
    h('div', { class: 'actions' }, download, h('a', { href: `#/review/${copy.id}`, class: 'button-link' }, '打开脱敏稿的审查页')),
    downloadResult,
    h(
      'div',
      { class: 'change-lists' },
      h(
        'div',
        { id: 'redaction-unmasked' },
        h('h3', {}, `无法自动遮盖的内容（${unmasked.length}）`),
        unmasked.length
          ? h(
              'ol',
              {},
              unmasked.map((f) =>
                h(
                  'li',
                  { dataset: { rule: f.rule } },
                  categoryChip(f.category),
                  h('span', { class: 'rule-name' }, ruleName(f)),
                  h('span', { class: 'finding-text' }, f.text),
                  h('span', { class: 'finding-where' }, `（第 ${f.line} 行）`),
                  h('div', { class: 'finding-reason' }, f.reason),
                ),
              ),
            )
          : h('p', { class: 'none' }, '无：脱敏稿中没有须人工处理的内容。'),
      ),
      h(
        'div',
        { id: 'redaction-masked' },
        h('h3', {}, `已遮盖的个人信息（${masked.length}）`),
        h(
          'table',
          {},
          h('thead', {}, h('tr', {}, ['类型', '发布时显示为', '处数'].map((t) => h('th', {}, t)))),
          h(
            'tbody',
            {},
            masked.map((m) =>
              h(
                'tr',
                { dataset: { kind: m.kind } },
                h('td', {}, label(MASK_KINDS, m.kind)),
                h('td', { class: 'shown' }, m.shown),
                h('td', { class: 'num' }, m.occurrences ? String(m.occurrences) : '随清理删除'),
              ),
            ),
          ),
        ),
        (data.cleaned || []).length
          ? h('ul', { id: 'redaction-cleaned' }, data.cleaned.map((c) => h('li', {}, c)))
          : null,
      ),
    ),
    h('p', { class: 'legend' }, h('mark', { class: 'mask' }, '＊＊＊＊'), '＝已遮盖', h('mark', { class: 'sev-hold cat-legend' }, '实线'), '＝无法自动遮盖'),
    h('div', { class: 'doc-wrap' }, doc),
  );
}

/** Downloads a review's exact bytes (`/content`, with the token) under its file name. */
async function saveContent(review) {
  const headers = { Authorization: `Bearer ${state.token}` };
  let res;
  try {
    res = await fetch(`/v1/reviews/${review.id}/content`, { headers, cache: 'no-store', credentials: 'omit', redirect: 'error' });
  } catch (e) {
    throw new ApiError(0, 'network', String(e && e.message ? e.message : e));
  }
  if (!res.ok) {
    let data = null;
    try {
      data = await res.json();
    } catch {
      data = null;
    }
    throw new ApiError(res.status, (data && data.code) || `http_${res.status}`, (data && data.message) || '');
  }
  const blob = await res.blob();
  const type = res.headers.get('content-type') || '';
  const ext = type.startsWith('text/html')
    ? '.html'
    : type.includes('wordprocessingml')
      ? '.docx'
      : type.startsWith('text/')
        ? '.txt'
        : '';
  const name = review.file_name || `第${review.id}号脱敏稿${ext}`;
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** 领取 / 指派: who reviews this draft. The API checks four eyes and who may be assigned. */
function assignPanel(root, review, text, ownDraft) {
  const me = state.me;
  const a = review.assignee;
  const result = h('div', { id: 'assign-result' });
  const name = h('input', { type: 'text', id: 'assign-name', maxlength: '64', placeholder: '审核员姓名' });
  const send = async (path, body, notice) => {
    clear(result);
    try {
      const { data } = await api('POST', path, body === undefined ? {} : { json: body });
      renderReview(root, data, text);
      showNotice(notice(data), 'ok');
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      result.appendChild(errorBox(err));
    }
  };
  const claim = () => send(`/v1/reviews/${review.id}/claim`, undefined, () => `已领取第 ${review.id} 号：已加入“我的待办”。`);
  const assign = () => {
    const who = name.value.trim();
    if (!who) {
      clear(result);
      result.appendChild(h('div', { class: 'error-box', role: 'alert' }, h('strong', {}, '请填写要指派的审核员姓名。')));
      return;
    }
    send(`/v1/reviews/${review.id}/assign`, { assignee: who }, (data) => `已将第 ${review.id} 号指派给 ${data.assignee ? data.assignee.name : who}。`);
  };
  const mine = a && a.name === me.name;
  return h(
    'div',
    { class: 'assign', id: 'assign-box' },
    h('h2', {}, '领取与指派'),
    h(
      'p',
      { id: 'assignee' },
      a
        ? `领取人：${a.name}${a.by === a.name ? '（本人领取）' : `（由 ${a.by} 指派）`}，${formatTime(a.at)}${
            a.carried_from ? `；沿用自上一版（第 ${a.carried_from} 号）` : ''
          }`
        : '尚未领取：领取后本稿件列入您的“我的待办”。',
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', id: 'claim', class: 'secondary', disabled: ownDraft || mine, on: { click: claim } }, mine ? '已领取' : '领取'),
      name,
      h('button', { type: 'button', id: 'assign', class: 'secondary', on: { click: assign } }, '指派'),
    ),
    result,
  );
}

function historyTable(review) {
  const rows = (review.decisions || []).map((d) =>
    h(
      'tr',
      { class: `kind-${cssName(d.kind)}` },
      h('td', {}, String(d.seq)),
      h('td', {}, formatTime(d.at)),
      h('td', {}, d.kind === 'engine' ? '规则引擎' : d.by, d.role && d.kind !== 'engine' ? h('span', { class: 'who-role' }, label(ROLES, d.role)) : null),
      h('td', {}, d.stage ? `${d.stage} · ` : '', label(DECISION_KINDS, d.kind)),
      h('td', {}, decisionBadge(d.decision)),
      h('td', { class: 'reason' }, d.reason || ''),
      h('td', { class: 'mono small' }, d.ruleset),
    ),
  );
  return h(
    'div',
    { class: 'history' },
    h('h2', {}, '决定记录'),
    h(
      'table',
      { id: 'history' },
      h('thead', {}, h('tr', {}, ['#', '时间', '决定人', '类型', '决定', '理由', '规则集'].map((t) => h('th', {}, t)))),
      h('tbody', {}, rows),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Queue

const STATE_CHOICES = [
  ['pending', '待审'],
  ['returned', '已退回'],
  ['approved', '已通过'],
  ['held', '已拦截'],
  ['superseded', '已被新版本取代'],
  ['all', '全部状态'],
];

/**
 * The API's filters for a queue page from the page's own parameters (the URL keeps what the
 * user typed; dates are local calendar days, sent as UTC bounds).
 */
function queueFilters(params, todo) {
  const me = state.me;
  const f = new URLSearchParams();
  // Reviewers start from 待审; a submitter's own list shows every state (已退回 among them).
  f.set('state', params.get('state') || (me.role === 'submitter' && !todo ? 'all' : 'pending'));
  for (const key of ['decision', 'category', 'department', 'q']) {
    const v = (params.get(key) || '').trim();
    if (v) f.set(key, v);
  }
  const submitter = (params.get('submitter') || '').trim();
  if (submitter && me.role !== 'submitter') f.set('submitter', submitter);
  const from = localDayBounds(params.get('from'));
  if (from) f.set('from', from.from);
  const to = localDayBounds(params.get('to'));
  if (to) f.set('to', to.to);
  if (todo) f.set('assignee', 'me');
  return f;
}

async function queueView(params, todo) {
  const me = state.me;
  const filters = queueFilters(params, todo);
  state.lastQueue = filters.toString();
  const query = new URLSearchParams(filters);
  // 到期先后: open reviews by the working days left on their clocks, the most urgent first.
  const byDue = params.get('sort') === 'due';
  if (byDue) query.set('sort', 'due');
  else query.set('order', 'asc');
  query.set('limit', byDue ? '200' : '50');

  const first = await api('GET', `/v1/reviews?${query}`);

  const select = (id, choices, current) =>
    h('select', { id }, choices.map(([v, t]) => h('option', { value: v, selected: v === current }, t)));
  const stateSel = select('filter-state', STATE_CHOICES, filters.get('state'));
  const decisionSel = select('filter-decision', [['', '全部'], ['hold', '暂缓发布'], ['approve', '通过']], params.get('decision') || '');
  const categorySel = select('filter-category', [['', '全部类别'], ...CATEGORY_ORDER.map((c) => [c, CATEGORIES[c]])], params.get('category') || '');
  const text = (id, key, placeholder, extra = {}) =>
    h('input', { type: 'text', id, value: params.get(key) || '', placeholder, ...extra });
  const submitterIn = text('filter-submitter', 'submitter', '送审人姓名');
  const departmentIn = text('filter-department', 'department', '送审人所属部门', { maxlength: '64' });
  const searchIn = text('filter-q', 'q', '标题或正文中的词语', { maxlength: '100', class: 'search' });
  const date = (id, key) => h('input', { type: 'date', id, value: params.get(key) || '' });
  const fromIn = date('filter-from', 'from');
  const toIn = date('filter-to', 'to');
  const sortSel = select('filter-sort', [['', '送审先后'], ['due', '到期先后']], params.get('sort') || '');
  const form = h(
    'form',
    {
      class: 'filters',
      id: 'queue-filters',
      on: {
        submit: (e) => {
          e.preventDefault();
          const p = new URLSearchParams();
          p.set('state', stateSel.value);
          const fields = [
            ['decision', decisionSel],
            ['category', categorySel],
            ['submitter', submitterIn],
            ['department', departmentIn],
            ['from', fromIn],
            ['to', toIn],
            ['q', searchIn],
            ['sort', sortSel],
          ];
          for (const [key, el] of fields) if (el.value.trim()) p.set(key, el.value.trim());
          const next = `#/${todo ? 'todo' : 'queue'}?${p}`;
          if (location.hash === next) route();
          else location.hash = next;
        },
      },
    },
    h('label', { class: 'wide' }, '搜索 ', searchIn),
    h('label', {}, '状态 ', stateSel),
    h('label', {}, '当前决定 ', decisionSel),
    h('label', {}, '被拦截类别 ', categorySel),
    me.role === 'submitter' ? null : h('label', {}, '送审人 ', submitterIn),
    me.role === 'submitter' ? null : h('label', {}, '所属部门 ', departmentIn),
    h('label', {}, '送审日期 ', fromIn, ' 至 ', toIn),
    h('label', {}, '排序 ', sortSel),
    h('button', { type: 'submit' }, '筛选'),
  );

  const tbody = h('tbody', {});
  // 我的送审: a draft not yet approved nor replaced can be corrected and sent as its next
  // version (a returned one first of all).
  const ownList = me.role === 'submitter' && !todo;
  const revisable = (r) => ['returned', 'held', 'pending'].includes(r.state || 'pending');
  const addRows = (reviews) => {
    for (const r of reviews) {
      const urgent = urgentClock(r.clocks);
      const why = ['returned', 'held'].includes(r.state) && r.state_reason;
      tbody.appendChild(
        h(
          'tr',
          { dataset: { reviewId: String(r.id), state: r.state || 'pending' }, class: urgent ? `wait-row-${urgent.clock.state}` : '' },
          h('td', {}, String(r.id)),
          h(
            'td',
            {},
            h('a', { href: `#/review/${r.id}`, class: 'open-review' }, r.title || (r.content_kind === 'bytes' ? '（无标题 · 上传文件）' : '（无标题）')),
            (r.version || 1) > 1 ? h('span', { class: 'badge version' }, `第${r.version}版`) : null,
            r.redacted_from ? h('span', { class: 'badge version redacted' }, '脱敏稿') : null,
          ),
          h('td', {}, r.submitter),
          h('td', { class: 'department' }, r.department || '—'),
          h('td', {}, formatTime(r.submitted_at)),
          h('td', { class: 'clock' }, clockCell(r.clocks)),
          h(
            'td',
            { class: 'state-cell' },
            stateBadge(r.state || 'pending'),
            why ? h('div', { class: 'state-reason' }, `${r.state === 'returned' ? '退回理由' : '拦截理由'}：${r.state_reason}`) : null,
          ),
          h('td', { class: 'assignee' }, r.assignee ? r.assignee.name : '—'),
          h('td', {}, (r.categories || []).map((c) => categoryChip(c))),
          h('td', { class: 'num' }, String(r.finding_count ?? (r.findings || []).length)),
          h('td', {}, decisionBadge(r.decision)),
          ownList
            ? h('td', {}, revisable(r) ? h('a', { href: `#/submit?revises=${r.id}`, class: 'revise' }, '提交修改稿') : '')
            : null,
        ),
      );
    }
  };
  addRows(first.data.reviews);

  const more = h('div', { class: 'more' });
  const showMore = (next) => {
    clear(more);
    if (next === null || next === undefined) return;
    more.appendChild(
      h(
        'button',
        {
          type: 'button',
          id: 'load-more',
          on: {
            click: async () => {
              query.set('after', String(next));
              try {
                const page = await api('GET', `/v1/reviews?${query}`);
                addRows(page.data.reviews);
                showMore(page.data.next);
              } catch (err) {
                if (!(err instanceof ApiError)) throw err;
                more.appendChild(errorBox(err));
              }
            },
          },
        },
        '加载更多',
      ),
    );
  };
  showMore(first.data.next);

  const none = todo ? '我的待办中没有稿件。可在审查队列中打开稿件后点击“领取”，或由其他审核员指派给您。' : '没有符合条件的稿件。';
  const empty = first.data.reviews.length === 0 ? h('p', { class: 'none', id: 'queue-empty' }, none) : null;
  const title = todo ? '我的待办' : me.role === 'submitter' ? '我的送审' : '审查队列';
  return h(
    'section',
    { class: `card queue${todo ? ' todo' : ''}` },
    h('h1', {}, title),
    h(
      'p',
      { class: 'hint' },
      todo
        ? '您领取的和指派给您的待审稿件，最早送审的排在最前。'
        : me.role === 'submitter'
          ? '您送审的全部稿件。被退回的稿件请按退回理由修改后点“提交修改稿”，作为新版本重新送审。'
          : '默认只显示待审稿件（尚无审核员处理），最早送审的排在最前。',
      ` ${officeHint()}`,
    ),
    form,
    h(
      'table',
      { id: 'queue' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['编号', '标题', '送审人', '所属部门', '送审时间', '期限', '状态', '领取人', '被拦截类别', '发现', '当前决定', ownList ? '操作' : null]
            .filter(Boolean)
            .map((t) => h('th', {}, t)),
        ),
      ),
      tbody,
    ),
    empty,
    more,
  );
}

// ---------------------------------------------------------------------------------------------
// Rules

/**
 * Term editing goes through `POST /v1/rules/{id}/edits` (maintainer or admin, and only when the
 * service runs on a rules directory): the server validates the whole rule set with the edit,
 * writes the file and puts the new rule set in force, or refuses with every error.
 */
function canEditTerms(data) {
  return data.editable === true && state.me && ['maintainer', 'admin'].includes(state.me.role);
}
async function rulesView() {
  const { data } = await api('GET', '/v1/rules');
  const section = h('section', { class: 'card rules' }, h('h1', {}, '规则集'));
  section.appendChild(
    h(
      'dl',
      { class: 'meta' },
      h('dt', {}, '规则集编号'),
      h('dd', { class: 'mono', id: 'rules-id' }, data.id),
      h('dt', {}, '规则数'),
      h('dd', { id: 'rules-count' }, String(Array.isArray(data.rules) ? data.rules.length : data.rules)),
      data.loaded_at ? [h('dt', {}, '载入'), h('dd', { id: 'rules-loaded' }, `${formatTime(data.loaded_at)} · ${data.loaded_by || ''}`)] : null,
      Array.isArray(data.files) ? [h('dt', {}, '规则文件'), h('dd', {}, `${data.files.length} 个`)] : null,
    ),
  );
  if (Array.isArray(data.rules)) {
    // A future `GET /v1/rules` that lists each rule: id, category, severity, terms.
    section.appendChild(
      h(
        'table',
        { id: 'rules-table' },
        h('thead', {}, h('tr', {}, ['规则', '类别', '级别', '词条数', '说明', ''].map((t) => h('th', {}, t)))),
        h(
          'tbody',
          {},
          data.rules.map((r) =>
            h(
              'tr',
              {},
              h('td', {}, r.name ? [h('span', { class: 'rule-name' }, r.name), ' '] : null, h('code', {}, r.id)),
              h('td', {}, r.category ? categoryChip(r.category) : ''),
              h('td', {}, r.severity ? label(SEVERITIES, r.severity) : ''),
              // Only term rules have terms; a pattern, field or detector rule is not "0 terms".
              h(
                'td',
                { class: 'num', title: r.kind && r.kind !== 'terms' ? '按模式、字段或校验规则匹配，不按词条' : null },
                Array.isArray(r.terms) ? String(r.terms.length) : r.kind && r.kind !== 'terms' ? '—' : (r.terms ?? '—'),
              ),
              h('td', {}, r.description || ''),
              h('td', {}, canEditTerms(data) && r.kind === 'terms' ? termEditor(r) : null),
            ),
          ),
        ),
      ),
    );
  }
  if (Array.isArray(data.files)) {
    section.appendChild(h('h2', {}, '规则文件'));
    section.appendChild(h('ul', { id: 'rules-files', class: 'files' }, data.files.map((f) => h('li', { class: 'mono' }, f))));
  }
  section.appendChild(
    h(
      'div',
      { class: 'terms-later' },
      h('h2', {}, '词条维护'),
      h(
        'p',
        { class: 'hint', id: 'terms-hint' },
        canEditTerms(data)
          ? '在规则行中输入词条后点“添加”或“删除”。服务端会用全部例句校验新规则集，校验通过才写回规则文件并立即生效；未通过时规则不变，并列出每个错误的文件、行、列。新增词条请同时在规则文件中补充例句。'
          : data.editable === true
            ? '词条维护需要规则维护员（maintainer）权限。'
            : '服务使用内置规则集，不能在线修改。请以 --rules 目录启动服务后再维护词条。',
      ),
      h('div', { id: 'terms-result' }),
    ),
  );
  return section;
}

function termEditor(rule) {
  const input = h('input', { type: 'text', class: 'term-input', placeholder: '词条', 'aria-label': `${rule.id} 的词条` });
  const send = async (kind) => {
    const term = input.value.trim();
    const out = $('#terms-result');
    clear(out);
    if (!term) {
      out.appendChild(h('div', { class: 'error-box' }, h('strong', {}, '请先输入词条')));
      return;
    }
    const body = kind === 'add' ? { add_terms: [term] } : { remove_terms: [term] };
    try {
      const { data } = await api('POST', `/v1/rules/${encodeURIComponent(rule.id)}/edits`, { json: body });
      showNotice(
        data.changed
          ? `规则集已更新：${data.old} → ${data.new}（${kind === 'add' ? '添加' : '删除'}“${term}”）`
          : '规则集没有变化',
        'info',
      );
      await route();
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      out.appendChild(errorBox(err));
      if (err.errors && err.errors.length) {
        out.appendChild(h('ul', { class: 'rule-errors mono' }, err.errors.map((e) => h('li', {}, e))));
      }
    }
  };
  return h(
    'span',
    { class: 'term-editor' },
    input,
    h('button', { type: 'button', class: 'small', on: { click: () => send('add') } }, '添加'),
    h('button', { type: 'button', class: 'small secondary', on: { click: () => send('remove') } }, '删除'),
  );
}

// ---------------------------------------------------------------------------------------------
// Start

window.addEventListener('hashchange', () => {
  route().catch(fatal);
});

function fatal(e) {
  showNotice(`页面出错：${e && e.message ? e.message : e}`, 'error');
  throw e;
}

async function start() {
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) {
    try {
      await signIn(saved);
    } catch (err) {
      state.token = null;
      sessionStorage.removeItem(TOKEN_KEY);
      if (!(err instanceof ApiError)) throw err;
      showNotice(describeError(err.status, err.code, err.message).title, 'error');
    }
  }
  await route();
}

start().catch(fatal);

// Suppressions (豁免) in the console: the 豁免 page, where reviewers approve, reject and revoke
// them, and the 申请豁免 form a maintainer opens on a finding of the review page.
//
// A suppression is a rule change with four eyes: a maintainer proposes it, another person (a
// reviewer) approves it, and only then does it quiet the finding. The API checks the roles and
// the four eyes; what this page disables is a courtesy. Everything from the server reaches the
// page as text.

import { SUPPRESSION_STATES, addDays, addYears, can, formatTime, label, shortDigest, today } from './util.js';

/** How long a suppression runs unless the maintainer says otherwise. */
const DEFAULT_DAYS = 90;

/**
 * 申请豁免 under finding `index` of `review`: a button that opens a small form (scope, reason,
 * expiry) and sends `POST /v1/suppressions`. `deps`: the console's `api`, `h`, `errorBox`,
 * `ApiError` and `showNotice`.
 */
export function proposeBox(deps, review, index) {
  const { h } = deps;
  const done = h('div', { class: 'finding-proposed', hidden: true });
  let form = null;
  const open = h(
    'button',
    {
      type: 'button',
      class: 'small secondary propose-open',
      on: {
        click: () => {
          // Made on first use: a document may have thousands of findings.
          if (!form) {
            form = proposeForm(deps, review, index, (data) => {
              form.hidden = true;
              open.hidden = true;
              done.replaceChildren(
                `已申请豁免 ${data.id}（${label(SUPPRESSION_STATES, data.state)}）`,
                ' ',
                h('a', { href: '#/suppressions' }, '查看豁免'),
              );
              done.hidden = false;
            });
            open.after(form);
          } else {
            form.hidden = !form.hidden;
          }
          if (!form.hidden) form.querySelector('textarea').focus();
        },
      },
    },
    '申请豁免',
  );
  // The box sits inside the finding's list item, whose keys and clicks select the finding:
  // typing a space in the reason must stay a space.
  const stop = (e) => e.stopPropagation();
  return h('div', { class: 'propose', on: { keydown: stop, click: stop } }, open, done);
}

/** The form of {@link proposeBox}; `sent(record)` after the API recorded the proposal. */
function proposeForm(deps, review, index, sent) {
  const { api, h, errorBox, ApiError, showNotice } = deps;
  const f = review.findings[index];
  const name = f.rule_name || f.rule;
  // A number is what a clerk calls a run of digits (a hotline, a card); anything else a value.
  const what = /^[\d\s+()-]{5,}$/.test(f.text || '') ? '此号码' : '此值';
  const radio = (value, checked) =>
    h('input', { type: 'radio', name: `propose-scope-${index}`, value, checked, class: `propose-scope-${value}` });
  // The narrower scope unless the maintainer chooses the wider one.
  const scopeValue = radio('value', false);
  const scopeDocument = radio('document', true);
  const reason = h('textarea', {
    class: 'propose-reason',
    rows: '2',
    maxlength: '2000',
    placeholder: '理由（必填）：为什么这是误报，例如：社区公开的报名热线，不是个人号码',
  });
  const first = today();
  const expires = h('input', {
    type: 'date',
    class: 'propose-expires',
    value: addDays(first, DEFAULT_DAYS),
    min: first,
    max: addYears(first, 2),
    required: true,
  });
  const result = h('div', { class: 'propose-result' });
  const submit = h('button', { type: 'submit', class: 'small primary propose-submit' }, '提交申请');
  const form = h(
    'form',
    {
      class: 'propose-form',
      on: {
        submit: async (e) => {
          e.preventDefault();
          result.replaceChildren();
          const refuse = (text) => result.appendChild(h('div', { class: 'error-box', role: 'alert' }, h('strong', {}, text)));
          if (!reason.value.trim()) {
            refuse('请填写理由：说明为什么这是误报。');
            reason.focus();
            return;
          }
          if (!expires.value || expires.value < expires.min || expires.value > expires.max) {
            refuse(`请填写有效期：${expires.min} 至 ${expires.max} 之间（最长两年）。`);
            return;
          }
          submit.disabled = true;
          try {
            const body = {
              review: review.id,
              finding: index,
              scope: scopeValue.checked ? 'value' : 'document',
              reason: reason.value.trim(),
              expires: expires.value,
            };
            const { data } = await api('POST', '/v1/suppressions', { json: body });
            sent(data);
            showNotice(
              data.state === 'proposed'
                ? `已提交豁免申请 ${data.id}，须另一位审核人批准后生效`
                : `相同的豁免已有记录：${data.id}（${label(SUPPRESSION_STATES, data.state)}）`,
              'ok',
            );
          } catch (err) {
            if (!(err instanceof ApiError)) throw err;
            result.appendChild(errorBox(err));
          } finally {
            submit.disabled = false;
          }
        },
      },
    },
    h('div', { class: 'propose-title' }, `申请豁免：规则“${name}”的这项发现是误报`),
    h(
      'label',
      { class: 'inline' },
      scopeValue,
      `${what}在所有文件中`,
      h('span', { class: 'hint' }, `（“${f.text}”在任何文件中都不再按此规则拦截）`),
    ),
    h('label', { class: 'inline' }, scopeDocument, '仅本文件', h('span', { class: 'hint' }, `（此规则在第 ${review.id} 号这份文件中不再拦截）`)),
    h('label', {}, '理由', reason),
    h('label', {}, '有效期至', expires),
    h('div', { class: 'hint' }, '最长两年，到期自动失效。'),
    h(
      'div',
      { class: 'actions' },
      submit,
      h('button', { type: 'button', class: 'small secondary', on: { click: () => (form.hidden = true) } }, '取消'),
    ),
    h('p', { class: 'hint' }, '豁免须由您以外的审核员批准后才生效；生效后被豁免的发现仍然列出，但不再决定拦截。'),
    result,
  );
  return form;
}

/** Is `s` this person's proposal (the API compares persons; this is only the courtesy)? */
function ownProposal(s, me) {
  return s.proposed_by === me.name || (s.fields && s.fields.added_by === me.name);
}

/** What a suppression covers, for a person: its rule by name, and the value or the document. */
function covers(h, s, names) {
  const f = s.fields || {};
  const parts = [];
  if (f.rule) {
    parts.push(h('span', { class: 'rule-name' }, names.get(f.rule) || f.rule), ' ', h('code', { class: 'rule' }, f.rule));
  }
  const where = [];
  if (f.value) where.push(h('span', { class: 'covers-value', title: f.value }, `值 ${shortDigest(f.value)}`));
  if (f.content) {
    where.push(
      s.from_review
        ? h('span', { class: 'covers-document' }, '本文件（', h('a', { href: `#/review/${s.from_review}`, class: 'from-review' }, `第 ${s.from_review} 号`), '）')
        : h('span', { class: 'covers-document', title: f.content }, `本文件（摘要 ${shortDigest(f.content)}）`),
    );
  }
  if (f.path) where.push(h('span', { class: 'covers-path' }, `路径 ${f.path}`));
  if (where.length === 0) where.push(h('span', {}, '所有文件'));
  const from =
    s.from_review && !f.content
      ? h('div', { class: 'hint' }, '申请自', h('a', { href: `#/review/${s.from_review}`, class: 'from-review' }, `第 ${s.from_review} 号`))
      : null;
  return [h('div', {}, parts), h('div', {}, where.map((w, i) => [i ? '；' : '', w])), from];
}

/** The latest change of a suppression, in words: `王丽 批准（2026-12-04 10:00）：理由`. */
function lastChange(h, s) {
  const history = s.history || [];
  const e = history[history.length - 1];
  if (!e) return null;
  const verb = { approved: '批准', rejected: '驳回', revoked: '撤销', expired: '到期' }[e.state] || label(SUPPRESSION_STATES, e.state);
  return h('div', { class: 'state-reason' }, `${e.by} ${verb}（${formatTime(e.at)}）${e.reason ? `：${e.reason}` : ''}`);
}

const ACTIONS = {
  approve: { button: '批准', confirm: '确认批准', placeholder: '批准理由（可选）', required: false },
  reject: { button: '驳回', confirm: '确认驳回', placeholder: '驳回理由（必填）', required: true },
  revoke: { button: '撤销', confirm: '确认撤销', placeholder: '撤销理由（必填）', required: true },
};

/**
 * The 豁免 page: every suppression with its state; 批准 / 驳回 for reviewers on proposed ones,
 * 撤销 on proposed and approved ones; the file of those in force to download. `deps`: the
 * console's `api`, `h`, `errorBox`, `ApiError`, `showNotice`, `me`, `token()` and `refresh()`.
 */
export async function suppressionsView(deps) {
  const { api, h, errorBox, ApiError, showNotice, me } = deps;
  const [{ data }, names] = await Promise.all([
    api('GET', '/v1/suppressions'),
    // Rule names for the clerk; the ids do when the rule set cannot be read.
    api('GET', '/v1/rules')
      .then((r) => new Map((Array.isArray(r.data.rules) ? r.data.rules : []).map((x) => [x.id, x.name || x.id])))
      .catch((err) => {
        if (!(err instanceof ApiError)) throw err;
        return new Map();
      }),
  ]);
  const list = data.suppressions || [];

  const act = (s, kind, cell) => {
    const a = ACTIONS[kind];
    cell.querySelector('.suppression-form')?.remove();
    const reason = h('textarea', { class: 'suppression-reason', rows: '2', maxlength: '2000', placeholder: a.placeholder });
    const result = h('div', { class: 'suppression-result' });
    const confirm = h('button', { type: 'submit', class: `small ${kind === 'approve' ? 'approve' : 'hold'} suppression-confirm` }, a.confirm);
    const form = h(
      'form',
      {
        class: 'suppression-form',
        dataset: { action: kind },
        on: {
          submit: async (e) => {
            e.preventDefault();
            result.replaceChildren();
            if (a.required && !reason.value.trim()) {
              result.appendChild(h('div', { class: 'error-box', role: 'alert' }, h('strong', {}, `请填写${a.button}理由。`)));
              reason.focus();
              return;
            }
            confirm.disabled = true;
            try {
              const body = reason.value.trim() ? { reason: reason.value.trim() } : {};
              const { data: after } = await api('POST', `/v1/suppressions/${encodeURIComponent(s.id)}/${kind}`, { json: body });
              showNotice(
                kind === 'approve'
                  ? `已批准豁免 ${after.id}，现已生效：被它拦截的稿件正在按现行规则重新审查。`
                  : kind === 'reject'
                    ? `已驳回豁免申请 ${after.id}。`
                    : `已撤销豁免 ${after.id}：经它放行的稿件将按现行规则重新审查。`,
                'ok',
              );
              await deps.refresh();
            } catch (err) {
              if (!(err instanceof ApiError)) throw err;
              result.appendChild(errorBox(err));
              confirm.disabled = false;
            }
          },
        },
      },
      reason,
      h(
        'div',
        { class: 'actions' },
        confirm,
        h('button', { type: 'button', class: 'small secondary', on: { click: () => form.remove() } }, '取消'),
      ),
      result,
    );
    cell.appendChild(form);
    reason.focus();
  };

  const rows = list.map((s) => {
    const f = s.fields || {};
    const cell = h('td', { class: 'suppression-actions' });
    const mine = ownProposal(s, me);
    const buttons = [];
    if (s.state === 'proposed' && can(me.role, 'approve_suppression')) {
      for (const kind of ['approve', 'reject']) {
        buttons.push(
          h(
            'button',
            {
              type: 'button',
              class: `small ${kind === 'approve' ? 'approve' : 'secondary'} suppression-${kind}`,
              disabled: mine,
              on: { click: () => act(s, kind, cell) },
            },
            ACTIONS[kind].button,
          ),
        );
      }
    }
    if (['proposed', 'approved'].includes(s.state) && can(me.role, 'revoke_suppression')) {
      buttons.push(h('button', { type: 'button', class: 'small secondary suppression-revoke', on: { click: () => act(s, 'revoke', cell) } }, '撤销'));
    }
    cell.appendChild(h('div', { class: 'actions' }, buttons));
    if (mine && s.state === 'proposed' && can(me.role, 'approve_suppression')) {
      cell.appendChild(h('p', { class: 'four-eyes' }, '四眼原则：这是您申请的豁免，须由其他审核员批准或驳回。'));
    }
    return h(
      'tr',
      { dataset: { suppressionId: s.id, state: s.state }, class: `suppression-row state-row-${s.state}` },
      h('td', { class: 'mono' }, s.id),
      h('td', { class: 'covers' }, covers(h, s, names)),
      h('td', { class: 'reason' }, f.reason || ''),
      h(
        'td',
        {},
        f.added_by || s.proposed_by,
        f.added_by && f.added_by !== s.proposed_by ? h('div', { class: 'hint' }, `由 ${s.proposed_by} 录入`) : null,
        s.via && s.via !== 'api' ? h('div', { class: 'hint', title: s.via }, '读自规则目录中的豁免文件') : null,
        h('div', { class: 'hint' }, formatTime(s.proposed_at)),
      ),
      h('td', { class: 'expires' }, f.expires || '—'),
      h(
        'td',
        { class: 'state-cell' },
        h('span', { class: `badge suppression-state suppression-${s.state}` }, label(SUPPRESSION_STATES, s.state)),
        lastChange(h, s),
      ),
      h('td', { class: 'in-force' }, s.in_force ? h('strong', { class: 'in-force-yes' }, '是') : '否'),
      cell,
    );
  });

  const count = (st) => list.filter((s) => s.state === st).length;
  const inForce = list.filter((s) => s.in_force).length;
  const downloadResult = h('div', { id: 'suppressions-download-result' });
  const download = async () => {
    downloadResult.replaceChildren();
    let res;
    try {
      res = await fetch('/v1/suppressions?format=toml', {
        headers: { Authorization: `Bearer ${deps.token()}` },
        cache: 'no-store',
        credentials: 'omit',
        redirect: 'error',
      });
    } catch (e) {
      downloadResult.appendChild(errorBox(new ApiError(0, 'network', String(e && e.message ? e.message : e))));
      return;
    }
    if (!res.ok) {
      const body = await res.json().catch(() => null);
      downloadResult.appendChild(errorBox(new ApiError(res.status, (body && body.code) || `http_${res.status}`, (body && body.message) || '')));
      return;
    }
    const url = URL.createObjectURL(await res.blob());
    // The name `baomi scan` looks for in a rules directory.
    const a = h('a', { href: url, download: 'suppressions.toml', hidden: true });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  };

  return h(
    'section',
    { class: 'card suppressions', id: 'suppressions' },
    h('h1', {}, '豁免'),
    h(
      'p',
      { class: 'hint' },
      '豁免用于已核实的误报：被豁免的发现仍在审查页中列出，但不再决定拦截。豁免由规则维护员在审查页的发现上申请，须由申请人以外的审核员批准后才生效，到期自动失效；撤销后，经它放行的稿件按现行规则重新审查。',
    ),
    h(
      'div',
      { class: 'filters' },
      h('span', { id: 'suppressions-summary' }, `共 ${list.length} 项：待批准 ${count('proposed')} 项，现行有效 ${inForce} 项。`),
      h('button', { type: 'button', id: 'suppressions-download', on: { click: download } }, '下载现行豁免清单'),
      h('span', { class: 'hint' }, '（供命令行站点普查使用）'),
    ),
    downloadResult,
    list.length
      ? h(
          'table',
          { id: 'suppressions-table' },
          h('thead', {}, h('tr', {}, ['编号', '豁免范围', '理由', '申请人', '有效期至', '状态', '现行有效', '操作'].map((t) => h('th', {}, t)))),
          h('tbody', {}, rows),
        )
      : h('p', { class: 'none', id: 'suppressions-empty' }, '还没有豁免。规则维护员可在审查页中对误报的发现点“申请豁免”。'),
  );
}

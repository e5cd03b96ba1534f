// Sequences: the list, a sequence's page (steps, settings and sharing, enrollments, automation).
import { api, get, post, put, del, qs, all, ApiError, notAvailable } from './api.js';
import { h, clear, field, check, select, problemBox, confirmDialog, openDialog, menu, announce, uid, add } from './dom.js';
import { loadUsers, ensureUsers, cachedUsers, userName, actingAs, actingZone } from './state.js';
import { richEditor } from './editor.js';
import { parseDelay, formatDelay, describeDelay, timeEl } from './time.js';
import { openEnrollPanel } from './enroll.js';
import { refresh } from './main.js';

export const STEP_TYPES = [
  ['automatedEmail', 'Automated email'], ['manualEmail', 'Manual email task'], ['call', 'Call task'], ['linkedIn', 'LinkedIn task'], ['task', 'General task'],
];
export const isEmail = t => t === 'automatedEmail' || t === 'manualEmail';
export const isTask = t => t !== 'automatedEmail';
export const typeName = t => STEP_TYPES.find(([v]) => v === t)?.[1] ?? t;

/** A pager over a cursor-paged list: keeps the cursors of earlier pages for "Previous". */
export function pager(onPage) {
  const stack = [null];
  let next = null;
  const prev = h('button', { type: 'button', text: 'Previous page', disabled: true });
  const nextBtn = h('button', { type: 'button', text: 'Next page', disabled: true });
  const info = h('span', { class: 'muted' });
  prev.addEventListener('click', () => { stack.pop(); onPage(stack[stack.length - 1]); });
  nextBtn.addEventListener('click', () => { stack.push(next); onPage(next); });
  return {
    el: h('div', { class: 'pager', role: 'navigation', 'aria-label': 'Pages' }, prev, nextBtn, info),
    update(page) {
      next = page.nextCursor ?? null;
      prev.disabled = stack.length <= 1;
      nextBtn.disabled = !next;
      info.textContent = `Page ${stack.length} · ${page.count ?? page.items?.length ?? 0} shown`;
    },
    reset() { stack.length = 1; },
  };
}

// ---- The list ----------------------------------------------------------------------------------

export async function list(view) {
  await loadUsers();
  const table = h('table', {}, h('caption', { class: 'visually-hidden', text: 'Sequences' }),
    h('thead', {}, h('tr', {}, ['Name', 'Owner', 'Steps', 'Enrolled', 'Active', 'Emails sent', 'Replies', 'Meetings', 'Figures as of'].map(t => h('th', { scope: 'col', text: t })))));
  const body = h('tbody');
  add(table, body);
  const zone = actingZone();
  const out = h('div');
  const pages = pager(load);
  add(view, h('h1', { text: 'Sequences' }),
    h('div', { class: 'toolbar' }, h('button', { type: 'button', class: 'primary', text: 'New sequence', onclick: createDialog })), out);

  async function load(cursor) {
    clear(out);
    let page;
    try {
      page = await get(`/api/sequences${qs({ limit: 50, cursor })}`);
    } catch (e) {
      if (!notAvailable(e)) { add(out, problemBox(e)); return; }
      const id = h('input', { type: 'text', autocomplete: 'off' });
      const open = h('form', { class: 'row' }, field('Sequence id', id), h('button', { type: 'submit', text: 'Open sequence' }));
      open.addEventListener('submit', ev => { ev.preventDefault(); if (id.value.trim()) location.hash = `#/sequences/${encodeURIComponent(id.value.trim())}`; });
      add(out, h('p', { class: 'notice', text: 'Listing sequences is not available on this server yet: open one by its id.' }), open);
      return;
    }
    clear(body);
    for (const s of page.items) {
      const st = s.stats ?? {};
      add(body, h('tr', {},
        h('td', {}, h('a', { href: `#/sequences/${encodeURIComponent(s.id)}`, text: s.name }), s.deletedAt ? h('span', { class: 'muted', text: ' (deleted)' }) : null),
        h('td', { text: userName(s.ownerUserId) }), h('td', { text: s.stepCount }),
        h('td', { text: st.enrolled ?? '—' }), h('td', { text: st.active ?? '—' }), h('td', { text: st.emailsSent ?? '—' }),
        h('td', { text: st.replies ?? '—' }), h('td', { text: st.meetingsBooked ?? '—' }), h('td', {}, timeEl(s.statsAsOf, zone))));
    }
    add(out, page.items.length ? [h('p', { class: 'hint', text: 'Figures are as last counted; opening a sequence counts them again.' }), table] : h('p', { text: 'No sequences yet.' }), pages.el);
    pages.update(page);
  }
  await load(null);
}

function createDialog() {
  const users = cachedUsers();
  const name = h('input', { type: 'text', required: true, autocomplete: 'off' });
  const owner = select(users.map(u => [u.id, u.name]), actingAs());
  const err = h('div');
  const form = h('form', {}, field('Name', name), field('Owner', owner), err);
  const create = h('button', { type: 'submit', class: 'primary', text: 'Create sequence' });
  add(form, h('div', { class: 'actions' }, create));
  const d = openDialog({ title: 'New sequence', body: form });
  name.focus();
  form.addEventListener('submit', async e => {
    e.preventDefault();
    clear(err);
    try {
      const s = await post('/api/sequences', {
        name: name.value, ownerUserId: owner.value, sharedWithEveryone: true,
        steps: [{ type: 'automatedEmail', delay: 'PT0S', subject: 'Hello {{ contact.firstName }}', body: '<p>Hi {{ contact.firstName }},</p>' }],
      });
      d.close();
      location.hash = `#/sequences/${encodeURIComponent(s.id)}`;
    } catch (ex) { add(err, problemBox(ex)); }
  });
}

// ---- A sequence --------------------------------------------------------------------------------

export async function page(view, id, tab = 'steps') {
  await loadUsers();
  const { data: sequence, etag } = await api('GET', `/api/sequences/${encodeURIComponent(id)}`);
  await ensureUsers([sequence.ownerUserId, ...(sequence.sharedWithUserIds ?? [])]);
  let stats = null;
  try { stats = await get(`/api/sequences/${encodeURIComponent(id)}/stats`); } catch { stats = null; }
  const base = `#/sequences/${encodeURIComponent(id)}`;
  const tabs = [['steps', 'Steps'], ['settings', 'Settings and sharing'], ['enrollments', 'Enrollments'], ['automation', 'Automation']];
  add(view, 
    h('p', {}, h('a', { href: '#/sequences', text: '← All sequences' })),
    h('h1', { text: sequence.name }),
    h('p', { class: 'muted' }, `Owner: ${userName(sequence.ownerUserId)} · ${sequence.steps.length} steps`, sequence.deletedAt ? ' · deleted' : ''),
    stats ? h('ul', { class: 'stats', 'aria-label': 'Statistics' }, headline(stats).map(([k, v]) => h('li', { 'data-stat': k }, h('strong', { text: v }), k))) : null,
    h('div', { class: 'toolbar' },
      sequence.deletedAt ? null : h('button', { type: 'button', class: 'primary', text: 'Enroll contacts', onclick: () => openEnrollPanel({ sequence }) }),
      sequence.deletedAt ? null : h('button', { type: 'button', class: 'danger', text: 'Delete sequence', onclick: () => deleteSequence(sequence) })),
    h('nav', { class: 'tabs', 'aria-label': 'Sequence sections' },
      tabs.map(([t, label]) => h('a', { href: `${base}/${t}`, 'aria-current': t === tab ? 'page' : null, text: label }))));
  const section = h('section', { 'aria-label': tabs.find(([t]) => t === tab)[1] });
  add(view, section);
  const version = { etag };
  if (tab === 'steps') stepsTab(section, sequence, version, stats);
  else if (tab === 'settings') settingsTab(section, sequence, version);
  else if (tab === 'enrollments') await enrollmentsTab(section, sequence);
  else if (tab === 'automation') await automationTab(section, sequence);
}

const headline = st => [['Enrolled', st.enrolled], ['Active', st.active], ['Paused', st.paused], ['Finished', st.finished], ['Unenrolled', st.unenrolled],
  ['Emails sent', st.emailsSent], ['Replies', st.replies], ['Meetings', st.meetingsBooked]];

/** Reads the sequence's figures again into the page's header (after a bulk action changed them). */
async function updateStats(sequenceId) {
  const st = await get(`/api/sequences/${encodeURIComponent(sequenceId)}/stats`);
  for (const [k, v] of headline(st)) {
    const el = document.querySelector(`[data-stat="${k}"] strong`);
    if (el) el.textContent = v;
  }
}

async function deleteSequence(sequence) {
  if (!await confirmDialog('Delete sequence', `Delete "${sequence.name}"? Its active enrollments end and its automation rules are removed.`, 'Delete sequence', true)) return;
  await del(`/api/sequences/${encodeURIComponent(sequence.id)}`);
  announce('Sequence deleted');
  location.hash = '#/sequences';
}

/** The command for PUT: the sequence as edited (a step keeps its id when it has one). */
function command(s) {
  return {
    name: s.name, ownerUserId: s.ownerUserId, sharedWithUserIds: s.sharedWithUserIds ?? [], sharedWithEveryone: !!s.sharedWithEveryone,
    settings: {
      businessDaysOnly: s.settings.businessDaysOnly, threadFollowUps: s.settings.threadFollowUps, unenrollSameCompany: s.settings.unenrollSameCompany,
      ...(s.settings.sendWindow ? { sendWindow: s.settings.sendWindow } : {}),
    },
    steps: s.steps.map(st => {
      const o = { type: st.type, delay: st.delay };
      if (st.id) o.id = st.id;
      if (isEmail(st.type)) { if (st.subject) o.subject = st.subject; o.body = st.body ?? ''; }
      if (isTask(st.type)) { if (st.taskTitle) o.taskTitle = st.taskTitle; if (st.continueWithoutCompleting !== undefined && st.continueWithoutCompleting !== null) o.continueWithoutCompleting = !!st.continueWithoutCompleting; }
      return o;
    }),
  };
}

/** Saves with If-Match; a 412 means someone else saved first. */
async function save(sequence, version, out) {
  clear(out);
  try {
    const res = await api('PUT', `/api/sequences/${encodeURIComponent(sequence.id)}`, command(sequence), { ifMatch: version.etag ?? undefined });
    // The next save is conditional on this one; new steps keep the ids the server gave them.
    version.etag = res.etag;
    res.data?.steps?.forEach((st, i) => { if (st.id && sequence.steps[i]) sequence.steps[i].id = st.id; });
    add(out, h('p', { class: 'success', role: 'status', text: 'Saved.' }));
    announce('Sequence saved');
  } catch (e) {
    if (e instanceof ApiError && e.status === 412) {
      add(out, h('div', { class: 'error', role: 'alert' }, h('span', { class: 'code', text: e.code ?? 'PRECONDITION_FAILED' }), ': ',
        'Someone else changed this sequence — reload to see their changes (yours are not saved). ',
        h('button', { type: 'button', text: 'Reload', onclick: refresh })));
    } else add(out, problemBox(e));
  }
}

function stepsTab(section, sequence, version, stats) {
  const s = structuredClone(sequence);
  const listEl = h('ol', { class: 'steps-list' });
  const out = h('div');
  const name = h('input', { type: 'text', value: s.name, oninput: e => { s.name = e.target.value; } });
  const draw = () => {
    clear(listEl);
    s.steps.forEach((st, i) => add(listEl, h('li', {}, stepEditor(s, st, i, draw, stats?.steps?.find(x => x.step === i + 1)))));
  };
  draw();
  add(section, h('h2', { text: 'Steps' }), field('Sequence name', name),
    h('p', { class: 'hint', text: 'While contacts are enrolled, steps can be edited in place or added at the end; moving or deleting steps waits until no enrollment runs.' }), listEl,
    h('div', { class: 'toolbar' },
      h('button', { type: 'button', text: 'Add step', onclick: () => {
        s.steps.push({ type: 'automatedEmail', delay: 'P2D', subject: '', body: '' });
        draw();
        listEl.lastElementChild?.querySelector('select')?.focus();
      } }),
      h('button', { type: 'button', class: 'primary', text: 'Save sequence', onclick: () => save(s, version, out) })), out);
}

function stepEditor(s, st, i, redraw, stepStats) {
  const n = i + 1;
  const type = select(STEP_TYPES, st.type, { onchange: e => { st.type = e.target.value; redraw(); } });
  const d = parseDelay(st.delay);
  const days = h('input', { type: 'number', min: 0, max: 366, value: d.days, oninput: e => { d.days = +e.target.value || 0; st.delay = formatDelay(d); } });
  const hours = h('input', { type: 'number', min: 0, max: 23, value: d.hours, oninput: e => { d.hours = +e.target.value || 0; st.delay = formatDelay(d); } });
  const fs = h('fieldset', { class: 'step', 'data-step': n }, h('legend', { text: `Step ${n}: ${typeName(st.type)}` }),
    h('div', { class: 'row' }, field('Type', type),
      field(n === 1 ? 'Days after enrolling' : 'Days after the previous step', days),
      field('Hours', hours)),
    stepStats ? h('p', { class: 'step-stats', text: `Sent ${stepStats.sent} · tasks ${stepStats.tasksCompleted}/${stepStats.tasksCreated} done · skipped ${stepStats.skipped}` }) : null);
  if (isEmail(st.type)) {
    const subject = h('input', { type: 'text', value: st.subject ?? '', placeholder: n > 1 ? 'Empty: reply in the same thread' : '', oninput: e => { st.subject = e.target.value; } });
    add(fs, field('Subject', subject), richEditor({ label: `Step ${n} body`, html: st.body ?? '', onchange: v => { st.body = v; } }).el);
  }
  if (isTask(st.type)) {
    const title = h('input', { type: 'text', value: st.taskTitle ?? '', oninput: e => { st.taskTitle = e.target.value; } });
    add(fs, field('Task title', title), check('Continue without completing (the sequence does not wait for this task)', st.continueWithoutCompleting,
      e => { st.continueWithoutCompleting = e.target.checked; }).el);
  }
  const move = (to) => { const [x] = s.steps.splice(i, 1); s.steps.splice(to, 0, x); redraw(); };
  add(fs, h('div', { class: 'toolbar' },
    h('button', { type: 'button', text: 'Move up', 'aria-label': `Move up (step ${n})`, disabled: i === 0, onclick: () => move(i - 1) }),
    h('button', { type: 'button', text: 'Move down', 'aria-label': `Move down (step ${n})`, disabled: i === s.steps.length - 1, onclick: () => move(i + 1) }),
    h('button', { type: 'button', class: 'danger', text: 'Delete step', 'aria-label': `Delete step ${n}`, disabled: s.steps.length === 1, onclick: () => { s.steps.splice(i, 1); redraw(); } })));
  return fs;
}

function settingsTab(section, sequence, version) {
  const s = structuredClone(sequence);
  const set = s.settings;
  const out = h('div');
  const start = h('input', { type: 'time', value: set.sendWindow?.start ?? '09:00', disabled: !set.sendWindow, oninput: e => { if (set.sendWindow) set.sendWindow.start = e.target.value; } });
  const end = h('input', { type: 'time', value: set.sendWindow?.end ?? '17:00', disabled: !set.sendWindow, oninput: e => { if (set.sendWindow) set.sendWindow.end = e.target.value; } });
  const windowOn = check('Send only inside a time window (in the contact\'s zone)', !!set.sendWindow, e => {
    set.sendWindow = e.target.checked ? { start: start.value, end: end.value } : null;
    start.disabled = end.disabled = !e.target.checked;
  });
  const users = cachedUsers().filter(u => u.id !== s.ownerUserId);
  const shared = new Set(s.sharedWithUserIds ?? []);
  const userBoxes = h('div', {}, users.map(u => check(`${u.name} (${u.email})`, shared.has(u.id), e => {
    if (e.target.checked) shared.add(u.id); else shared.delete(u.id);
    s.sharedWithUserIds = [...shared];
  }, { disabled: !!s.sharedWithEveryone, 'data-user': u.id }).el));
  const everyone = check('Shared with everyone', s.sharedWithEveryone, e => {
    s.sharedWithEveryone = e.target.checked;
    for (const b of userBoxes.querySelectorAll('input')) b.disabled = e.target.checked;
  });
  add(section, 
    h('h2', { text: 'Settings' }),
    check('Business days only (follow-ups due on a weekend move to Monday)', set.businessDaysOnly, e => { set.businessDaysOnly = e.target.checked; }).el,
    windowOn.el, h('div', { class: 'row' }, field('Window start', start), field('Window end', end)),
    check('Thread follow-ups (a follow-up without a subject replies in the first email\'s thread)', set.threadFollowUps, e => { set.threadFollowUps = e.target.checked; }).el,
    check('Unenroll everyone at the same company when one of them replies', set.unenrollSameCompany, e => { set.unenrollSameCompany = e.target.checked; }).el,
    h('h2', { text: 'Sharing' }),
    h('p', { class: 'muted', text: `The owner (${userName(s.ownerUserId)}) can always use it. Only users it is shared with can send it.` }),
    everyone.el, h('fieldset', {}, h('legend', { text: 'Shared with' }), users.length ? userBoxes : h('p', { text: 'No other users.' })),
    h('div', { class: 'toolbar' }, h('button', { type: 'button', class: 'primary', text: 'Save settings', onclick: () => save(s, version, out) })), out);
}

// ---- Enrollments tab ---------------------------------------------------------------------------

const STATUSES = [['', 'Any status'], ['active', 'Active'], ['paused', 'Paused'], ['finished', 'Finished'], ['unenrolled', 'Unenrolled']];

/** POST /api/enrollments/bulk; on a server without it, one request an enrollment (same answer shape). */
async function bulkAction(action, ids) {
  try {
    return await post('/api/enrollments/bulk', { action, enrollmentIds: ids });
  } catch (e) {
    if (!notAvailable(e)) throw e;
  }
  const results = [];
  for (const id of ids) {
    try {
      const en = await post(`/api/enrollments/${encodeURIComponent(id)}/${action}`);
      results.push({ enrollmentId: id, status: en.status });
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      results.push({ enrollmentId: id, error: { code: e.code, detail: e.problem.detail } });
    }
  }
  return { results, succeeded: results.filter(r => !r.error).length, failed: results.filter(r => r.error).length };
}

async function enrollmentsTab(section, sequence) {
  // Rows carry no zone of their own: times in the acting user's zone.
  const zone = actingZone();
  const status = select(STATUSES, '');
  const sender = select([['', 'Any sender'], ...cachedUsers().map(u => [u.id, u.name])], '');
  const out = h('div');
  const result = h('div', { 'aria-live': 'polite' });
  const selected = new Set();
  const pages = pager(load);
  const count = h('span', { class: 'muted', text: '0 selected' });
  const bulk = (action, label) => h('button', { type: 'button', text: label, onclick: async () => {
    if (!selected.size) return;
    if (action === 'unenroll' && !await confirmDialog('Unenroll contacts', `Unenroll ${selected.size} contact${selected.size === 1 ? '' : 's'} from "${sequence.name}"?`, `Unenroll ${selected.size}`, true)) return;
    clear(result);
    try {
      const r = await bulkAction(action, [...selected]);
      add(result, h('p', { class: r.failed ? 'notice' : 'success', role: 'status', text: `${label}: ${r.succeeded} done, ${r.failed} failed.` }),
        r.failed ? h('ul', {}, r.results.filter(x => x.error).map(x => h('li', { text: `${x.enrollmentId}: ${x.error.code} ${x.error.detail ?? ''}` }))) : null);
      selected.clear();
      await load(current);
      await updateStats(sequence.id);
    } catch (e) { add(result, problemBox(e)); }
  } });
  status.addEventListener('change', () => { pages.reset(); load(null); });
  sender.addEventListener('change', () => { pages.reset(); load(null); });
  add(section, h('h2', { text: 'Enrollments' }), h('p', { class: 'muted', text: `Times in ${zone}.` }),
    h('div', { class: 'row' }, field('Status', status), field('Sender', sender)),
    h('div', { class: 'toolbar', role: 'group', 'aria-label': 'Bulk actions' }, count, bulk('unenroll', 'Unenroll selected'), bulk('pause', 'Pause selected'), bulk('resume', 'Resume selected')),
    result, out);
  let current = null;

  async function load(cursor) {
    current = cursor;
    clear(out);
    let page;
    try {
      page = await get(`/api/sequences/${encodeURIComponent(sequence.id)}/enrollments${qs({ status: status.value, senderUserId: sender.value, limit: 50, cursor })}`);
    } catch (e) { add(out, problemBox(e)); return; }
    const updateCount = () => { count.textContent = `${selected.size} selected`; };
    const all = h('input', { type: 'checkbox', 'aria-label': 'Select all on this page', onchange: e => {
      for (const b of out.querySelectorAll('tbody input[type=checkbox]')) { b.checked = e.target.checked; b.dispatchEvent(new Event('change')); }
    } });
    const body = h('tbody');
    for (const en of page.items) {
      const box = h('input', { type: 'checkbox', 'aria-label': `Select ${en.contactName ?? en.contactId}`, checked: selected.has(en.id),
        onclick: e => e.stopPropagation(),
        onchange: e => { if (e.target.checked) selected.add(en.id); else selected.delete(en.id); updateCount(); } });
      const row = h('tr', { class: 'clickable', 'data-enrollment': en.id, onclick: () => { location.hash = `#/enrollments/${encodeURIComponent(en.id)}`; } },
        h('td', {}, box),
        h('td', {}, h('a', { href: `#/enrollments/${encodeURIComponent(en.id)}`, text: en.contactName || en.contactId, onclick: e => e.stopPropagation() })),
        h('td', { text: en.contactEmail ?? '' }),
        h('td', {}, h('span', { class: `status-${en.status}`, text: en.status })),
        h('td', { text: en.currentStep }),
        h('td', {}, timeEl(en.nextActionAt, en.timeZone ?? zone)),
        h('td', { text: userName(en.senderUserId) }),
        h('td', { onclick: e => e.stopPropagation() }, en.status === 'active' || en.status === 'paused'
          ? menu('Actions', [['Unenroll', async () => {
            if (!await confirmDialog('Unenroll contact', `Unenroll ${en.contactName || en.contactId}?`, 'Unenroll', true)) return;
            try { await post(`/api/enrollments/${encodeURIComponent(en.id)}/unenroll`); announce('Unenrolled'); await load(current); } catch (ex) { add(result, problemBox(ex)); }
          }]], `Actions for ${en.contactName || en.contactId}`) : null));
      add(body, row);
    }
    add(out, page.items.length
      ? h('table', {}, h('caption', { class: 'visually-hidden', text: 'Enrollments' }),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, all), ['Contact', 'Email', 'Status', 'Step', 'Next action', 'Sender', 'Actions'].map(t => h('th', { scope: 'col', text: t })))), body)
      : h('p', { text: 'No enrollments match.' }), pages.el);
    pages.update(page);
    updateCount();
  }
  await load(null);
}

// ---- Automation tab ----------------------------------------------------------------------------

async function automationTab(section, sequence) {
  const out = h('div');
  add(section, h('h2', { text: 'Automation rules' }),
    h('div', { class: 'toolbar' }, h('button', { type: 'button', class: 'primary', text: 'New rule', onclick: () => ruleDialog(sequence) })), out);
  const rules = (await get(`/api/sequences/${encodeURIComponent(sequence.id)}/automation`)).items;
  if (!rules.length) { add(out, h('p', { text: 'No rules yet.' })); return; }
  const describe = r => r.trigger.type === 'formSubmission'
    ? `Form submitted: ${r.trigger.formId ?? 'any form'}`
    : `Page view: URL ${r.trigger.match} "${r.trigger.url}"`;
  const who = r => r.action === 'unenroll' ? '—' : r.sender.type === 'user' ? userName(r.sender.userId) : `Contact owner (${r.sender.property ?? 'ownerUserId'})`;
  add(out, h('table', {}, h('caption', { class: 'visually-hidden', text: 'Automation rules' }),
    h('thead', {}, h('tr', {}, ['Trigger', 'Action', 'Delay', 'Sender', 'Enabled', 'Actions'].map(t => h('th', { scope: 'col', text: t })))),
    h('tbody', {}, rules.map(r => h('tr', { 'data-rule': r.id },
      h('td', { text: describe(r) }), h('td', { text: r.action }), h('td', { text: r.action === 'enroll' ? `${r.delayMinutes} min` : '—' }),
      h('td', { text: who(r) }), h('td', { text: r.enabled ? 'Yes' : 'No' }),
      h('td', {}, h('div', { class: 'actions' },
        h('button', { type: 'button', text: r.enabled ? 'Disable' : 'Enable', onclick: async () => {
          await put(`/api/automation/${encodeURIComponent(r.id)}`, ruleCommand(r, !r.enabled)); refresh();
        } }),
        h('button', { type: 'button', text: 'Failures', onclick: () => failures(r) }),
        h('button', { type: 'button', class: 'danger', text: 'Delete', onclick: async () => {
          if (!await confirmDialog('Delete rule', `Delete the rule "${describe(r)}"? Pending delayed enrollments it made are cancelled.`, 'Delete rule', true)) return;
          await del(`/api/automation/${encodeURIComponent(r.id)}`); refresh();
        } }))))))));
}

function ruleCommand(r, enabled) {
  const o = { trigger: r.trigger, action: r.action, enabled };
  if (r.action === 'enroll') { o.delayMinutes = r.delayMinutes; o.sender = r.sender; }
  return o;
}

async function failures(rule) {
  const list = (await get(`/api/automation/${encodeURIComponent(rule.id)}/failures`)).items;
  openDialog({ title: 'Automation failures', body: list.length
    ? h('table', {}, h('thead', {}, h('tr', {}, ['When', 'Contact', 'Code', 'Detail'].map(t => h('th', { scope: 'col', text: t })))),
      h('tbody', {}, list.map(f => h('tr', {}, h('td', {}, timeEl(f.at, 'UTC')), h('td', { text: f.contactId ?? '' }), h('td', {}, h('span', { class: 'code', text: f.code })), h('td', { text: f.detail })))))
    : h('p', { text: 'No failures.' }) });
}

async function ruleDialog(sequence) {
  let forms = [];
  let properties = [];
  try { forms = (await all('/api/forms')).map(f => f.formId); } catch (e) { if (!notAvailable(e)) throw e; }
  try { properties = (await all('/api/contact-properties')).map(p => p.name); } catch (e) { if (!notAvailable(e)) throw e; }
  if (!properties.includes('ownerUserId')) properties.unshift('ownerUserId');
  const triggerType = select([['formSubmission', 'Form submission'], ['pageView', 'Page view']], 'formSubmission');
  const form = forms.length ? select([['', 'Any form'], ...forms.map(f => [f, f])], '') : h('input', { type: 'text', placeholder: 'Empty: any form' });
  const url = h('input', { type: 'text', placeholder: '/pricing' });
  const match = select([['contains', 'contains'], ['equals', 'equals']], 'contains');
  const action = select([['enroll', 'Enroll in this sequence'], ['unenroll', 'Unenroll from this sequence']], 'enroll');
  const delay = h('input', { type: 'number', min: 0, max: 10080, value: 0 });
  const senderType = select([['user', 'A user'], ['contactOwner', 'The contact\'s owner']], 'user');
  const user = select(cachedUsers().map(u => [u.id, u.name]), actingAs());
  const property = select(properties.map(p => [p, p]), 'ownerUserId');
  const formBox = field('Form', form);
  const pvBox = h('div', { class: 'row', hidden: true }, field('Page URL', url), field('Match', match));
  const enrollBox = h('div', {}, field('Delay (minutes)', delay), field('Sender', senderType), field('User', user), field('Owner property', property));
  const sync = () => {
    formBox.hidden = triggerType.value !== 'formSubmission';
    pvBox.hidden = triggerType.value !== 'pageView';
    enrollBox.hidden = action.value !== 'enroll';
    user.parentElement.hidden = senderType.value !== 'user';
    property.parentElement.hidden = senderType.value !== 'contactOwner';
  };
  for (const c of [triggerType, action, senderType]) c.addEventListener('change', sync);
  const err = h('div');
  const body = h('form', {}, field('Trigger', triggerType), formBox, pvBox, field('Action', action), enrollBox, err,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', text: 'Create rule' })));
  sync();
  const d = openDialog({ title: 'New automation rule', body });
  triggerType.focus();
  body.addEventListener('submit', async e => {
    e.preventDefault();
    clear(err);
    const trigger = triggerType.value === 'formSubmission'
      ? { type: 'formSubmission', ...(form.value ? { formId: form.value } : {}) }
      : { type: 'pageView', url: url.value, match: match.value };
    const cmd = { trigger, action: action.value };
    if (action.value === 'enroll') {
      cmd.delayMinutes = +delay.value || 0;
      cmd.sender = senderType.value === 'user' ? { type: 'user', userId: user.value } : { type: 'contactOwner', property: property.value };
    }
    try { await post(`/api/sequences/${encodeURIComponent(sequence.id)}/automation`, cmd); d.close(); refresh(); } catch (ex) { add(err, problemBox(ex)); }
  });
}

export { uid };

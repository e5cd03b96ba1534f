// The enroll panel (one contact) and the bulk enroll panel (up to 50). Every time the panel asks
// for or shows is in the PANEL's zone (default: the sender's), never the browser's.
import { api, get, post, all, ApiError, notAvailable, qs } from './api.js';
import { h, clear, field, check, select, problemBox, confirmDialog, openDialog, frame, announce, debounce, uid, add } from './dom.js';
import { loadUsers, ensureUsers, cachedUsers, sharedUsers, actingAs, contactName } from './state.js';
import { richEditor } from './editor.js';
import { localToIso, isoToLocal, fmt, allZones, todayIn, parseDelay, formatDelay, timeEl } from './time.js';

const isEmail = t => t === 'automatedEmail' || t === 'manualEmail';
/** Every step but an automated email creates a task (a manual email's task carries its email). */
const createsTask = t => !!t && t !== 'automatedEmail';
const TOKEN = /\{\{-?\s*([A-Za-z_][\w.]*)/g;
const CONTACT_FIELDS = ['firstName', 'lastName', 'fullName', 'email', 'company'];

/** The tokens a sequence's remaining steps use (as written: contact.firstName, meetingLink). */
function tokensUsed(sequence, startAt, overrides = {}) {
  const found = new Set();
  sequence.steps.forEach((st, i) => {
    if (i + 1 < startAt) return;
    const o = overrides[i + 1] ?? {};
    for (const text of [o.subject ?? st.subject, o.body ?? st.body, st.taskTitle]) {
      for (const m of (text ?? '').matchAll(TOKEN)) found.add(m[1]);
    }
  });
  return [...found];
}

/** Custom tokens (values given at enrollment), without the tokens. prefix. */
const customTokens = used => [...new Set(used.filter(t => !t.startsWith('contact.') && !t.startsWith('sender.')).map(t => t.replace(/^tokens\./, '')))];

/** The tokens that would have no value for this contact. */
function missingFor(contact, used, values) {
  return used.filter(t => {
    if (t.startsWith('sender.')) return false;
    if (t.startsWith('contact.')) {
      const path = t.slice(8);
      if (path === 'fullName') return !(contact?.firstName || contact?.lastName);
      if (CONTACT_FIELDS.includes(path)) return !contact?.[path];
      const prop = path.startsWith('properties.') ? path.slice(11) : path;
      return !contact?.properties?.[prop];
    }
    return !values[t.replace(/^tokens\./, '')];
  });
}

/** The common options of a panel, as the user set them. */
function newOptions(sequence) {
  const senders = sharedUsers(sequence);
  const sender = senders.find(u => u.id === actingAs()) ?? senders[0];
  return {
    senderUserId: sender?.id ?? '', fromAddress: '', startAtStep: 1, timeZone: sender?.timeZone || 'UTC', zoneChosen: false,
    sendLater: false, date: '', time: '09:00', exact: null, createTaskNow: false, delayDays: {}, tasks: {}, tokens: {}, emailOverrides: {},
  };
}

/** Whether the step the enrollment starts at creates a task (which can be created immediately). */
const startsWithTask = (sequence, o) => createsTask(sequence.steps[o.startAtStep - 1]?.type);

/** The request fields for the options (shared by single and bulk). */
function requestFields(sequence, o) {
  const r = { senderUserId: o.senderUserId, timeZone: o.timeZone };
  if (o.fromAddress) r.fromAddress = o.fromAddress;
  if (o.startAtStep > 1) r.startAtStep = o.startAtStep;
  if (o.createTaskNow && startsWithTask(sequence, o)) {
    r.createTaskImmediately = true;
  } else if (o.sendLater && o.date && o.time) {
    const iso = localToIso(o.date, o.time, o.timeZone);
    // A "Send later at …" from SEND_LIMIT_REACHED keeps its exact instant while the inputs still show it.
    r.sendFirstAt = o.exact && isoToLocal(o.exact, o.timeZone).date === o.date && isoToLocal(o.exact, o.timeZone).time === o.time ? o.exact : iso;
  }
  const delays = {};
  for (const [n, days] of Object.entries(o.delayDays)) {
    const d = parseDelay(sequence.steps[n - 1].delay);
    if (d.days !== days) delays[n] = formatDelay({ ...d, days });
  }
  if (Object.keys(delays).length) r.delayOverrides = delays;
  const tasks = {};
  for (const [n, t] of Object.entries(o.tasks)) {
    const st = sequence.steps[n - 1];
    const x = {};
    if (t.title !== undefined && t.title !== (st.taskTitle ?? '')) x.title = t.title;
    if (t.continueWithoutCompleting !== undefined && t.continueWithoutCompleting !== !!st.continueWithoutCompleting) x.continueWithoutCompleting = t.continueWithoutCompleting;
    if (Object.keys(x).length) tasks[n] = x;
  }
  if (Object.keys(tasks).length) r.taskOverrides = tasks;
  const tokens = Object.fromEntries(Object.entries(o.tokens).filter(([, v]) => v));
  if (Object.keys(tokens).length) r.tokens = tokens;
  return r;
}

/** Email overrides that differ from the sequence. */
function emailOverrides(sequence, overrides) {
  const out = {};
  for (const [n, o] of Object.entries(overrides)) {
    const st = sequence.steps[n - 1];
    if ((o.subject ?? st.subject ?? '') !== (st.subject ?? '') || (o.body ?? st.body ?? '') !== (st.body ?? '')) {
      out[n] = { subject: o.subject ?? st.subject ?? '', body: o.body ?? st.body ?? '' };
    }
  }
  return Object.keys(out).length ? out : null;
}

/** The settings every contact of the panel shares: sender, mailbox, start, zone, timing, delays, tasks. */
function optionsForm(sequence, o, changed) {
  const users = sharedUsers(sequence);
  const el = h('div', { class: 'options' });
  const sender = select(users.map(u => [u.id, `${u.name} (${u.email})`]), o.senderUserId);
  const from = h('select');
  const zone = select(allZones(), o.timeZone);
  const fillFrom = () => {
    const u = users.find(x => x.id === o.senderUserId);
    const boxes = u ? (u.mailboxes?.length ? u.mailboxes : [u.email]) : [];
    from.replaceChildren(...boxes.map(b => h('option', { value: b, text: b })));
    o.fromAddress = boxes.includes(o.fromAddress) ? o.fromAddress : boxes[0] ?? '';
    from.value = o.fromAddress;
  };
  fillFrom();
  sender.addEventListener('change', () => {
    o.senderUserId = sender.value;
    fillFrom();
    const u = users.find(x => x.id === o.senderUserId);
    if (!o.zoneChosen && u?.timeZone) { o.timeZone = u.timeZone; zone.value = u.timeZone; zoneLabels(); }
    changed();
  });
  from.addEventListener('change', () => { o.fromAddress = from.value; changed(); });
  const start = select(sequence.steps.map((st, i) => [String(i + 1), `Step ${i + 1}`]), String(o.startAtStep), {
    onchange: e => { o.startAtStep = +e.target.value; changed(true); } });
  zone.addEventListener('change', () => { o.timeZone = zone.value; o.zoneChosen = true; zoneLabels(); changed(); });

  const name = uid('when');
  const now = h('input', { type: 'radio', name, id: uid('now'), value: 'now', checked: !o.sendLater });
  const later = h('input', { type: 'radio', name, id: uid('later'), value: 'later', checked: o.sendLater });
  const date = h('input', { type: 'date', value: o.date || todayIn(o.timeZone) });
  const time = h('input', { type: 'time', value: o.time });
  const dateLabel = h('label', { for: uid('d') });
  const timeLabel = h('label', {});
  date.id = dateLabel.htmlFor;
  time.id = uid('t');
  timeLabel.htmlFor = time.id;
  const laterBox = h('div', { class: 'row', hidden: !o.sendLater }, h('div', { class: 'field' }, dateLabel, date), h('div', { class: 'field' }, timeLabel, time));
  function zoneLabels() {
    dateLabel.textContent = `Date (${o.timeZone})`;
    timeLabel.textContent = `Time (${o.timeZone})`;
  }
  zoneLabels();
  const setWhen = () => { o.sendLater = later.checked; laterBox.hidden = !o.sendLater; if (o.sendLater && !o.date) o.date = date.value; changed(); };
  const whenBox = h('div', { hidden: o.createTaskNow && startsWithTask(sequence, o) },
    h('div', { class: 'field inline' }, now, h('label', { for: now.id, class: 'check', text: 'Send now' })),
    h('div', { class: 'field inline' }, later, h('label', { for: later.id, class: 'check', text: 'Send later' })), laterBox);
  // HubSpot's "Create task immediately": a first task step is created now, not after its delay or at the send-later time.
  const taskNow = startsWithTask(sequence, o)
    ? check(`Create task immediately (step ${o.startAtStep} is a task)`, o.createTaskNow, e => { o.createTaskNow = e.target.checked; whenBox.hidden = o.createTaskNow; changed(); },
      { 'data-create-task-now': '' }).el
    : null;
  now.addEventListener('change', setWhen);
  later.addEventListener('change', setWhen);
  date.addEventListener('input', () => { o.date = date.value; changed(); });
  time.addEventListener('input', () => { o.time = time.value; changed(); });

  const steps = h('div');
  sequence.steps.forEach((st, i) => {
    const n = i + 1;
    if (n < o.startAtStep) return;
    const parts = [];
    if (n > o.startAtStep) {
      const d = parseDelay(st.delay);
      const days = h('input', { type: 'number', min: 0, max: 366, value: o.delayDays[n] ?? d.days, 'data-delay-step': n,
        oninput: e => { o.delayDays[n] = +e.target.value || 0; changed(); } });
      parts.push(field(`Days before step ${n}`, days, d.hours || d.minutes ? `plus ${d.hours} h ${d.minutes} min as the sequence says` : null));
    }
    if (createsTask(st.type)) {
      const t = o.tasks[n] ??= {};
      const title = h('input', { type: 'text', value: t.title ?? st.taskTitle ?? '', 'data-task-step': n, oninput: e => { t.title = e.target.value; changed(); } });
      parts.push(field(`Step ${n} task title`, title),
        check(`Step ${n}: continue without completing the task`, t.continueWithoutCompleting ?? !!st.continueWithoutCompleting,
          e => { t.continueWithoutCompleting = e.target.checked; changed(); }).el);
    }
    if (parts.length) add(steps, h('fieldset', {}, h('legend', { text: `Step ${n}` }), parts));
  });

  add(el, field('Sender (users this sequence is shared with)', sender), field('From mailbox', from),
    h('div', { class: 'row' }, field('Start at step', start), field('Time zone', zone)),
    h('fieldset', {}, h('legend', { text: 'First step' }), taskNow, whenBox),
    steps);
  el.setLater = iso => {
    const l = isoToLocal(iso, o.timeZone);
    o.sendLater = true; o.date = l.date; o.time = l.time; o.exact = iso; o.createTaskNow = false;
    later.checked = true; laterBox.hidden = false; whenBox.hidden = false; date.value = l.date; time.value = l.time;
    if (taskNow) taskNow.querySelector('input').checked = false;
  };
  return el;
}

/** Token inputs: red until filled. */
function tokenInputs(names, values, missing, onchange, extra) {
  if (!names.length) return h('p', { class: 'muted', text: 'This sequence uses no custom tokens.' });
  return h('div', {}, names.map(t => {
    const input = h('input', { type: 'text', value: values[t] ?? '', class: values[t] ? null : 'missing', 'data-token': t,
      'aria-invalid': values[t] ? 'false' : 'true' });
    input.addEventListener('input', () => {
      values[t] = input.value;
      input.className = input.value ? '' : 'missing';
      input.setAttribute('aria-invalid', input.value ? 'false' : 'true');
      onchange();
    });
    return h('div', { class: 'row' }, field(`{{ ${t} }}`, input, values[t] ? null : 'No value yet'), extra?.(t, input));
  }), missing);
}

/** Editors for the emails (this contact's copy: changes become emailOverrides). */
function emailEditors(sequence, startAt, overrides, onchange) {
  const el = h('div');
  sequence.steps.forEach((st, i) => {
    const n = i + 1;
    if (n < startAt || !isEmail(st.type)) return;
    const o = overrides[n] ??= {};
    const subject = h('input', { type: 'text', value: o.subject ?? st.subject ?? '', 'data-email-subject': n, oninput: e => { o.subject = e.target.value; onchange(); } });
    add(el, h('fieldset', { 'data-email-step': n }, h('legend', { text: `Email, step ${n}` }), field('Subject', subject),
      richEditor({ label: `Step ${n} email body`, html: o.body ?? st.body ?? '', onchange: v => { o.body = v; onchange(); } }).el));
  });
  return el;
}

// ---- One contact -------------------------------------------------------------------------------

/** A sequence picker: a list, or (on a server that cannot list sequences) an id. Calls chosen(sequence). */
async function chooseSequence(container, chosen) {
  const load = async id => {
    const s = (await api('GET', `/api/sequences/${encodeURIComponent(id)}`)).data;
    await ensureUsers([s.ownerUserId, ...(s.sharedWithUserIds ?? [])]);
    chosen(s);
  };
  let list = null;
  try { list = (await all('/api/sequences')).filter(s => !s.deletedAt); } catch (e) { if (!notAvailable(e)) throw e; }
  if (list) {
    const pickSeq = select([['', 'Choose a sequence…'], ...list.map(s => [s.id, s.name])], '');
    add(container, field('Sequence', pickSeq));
    pickSeq.focus();
    pickSeq.addEventListener('change', () => { if (pickSeq.value) load(pickSeq.value); });
    return;
  }
  const id = h('input', { type: 'text', autocomplete: 'off' });
  const err = h('div');
  const form = h('form', {}, field('Sequence', id, 'The sequence\'s id (this server cannot list sequences)'), err, h('button', { type: 'submit', text: 'Choose' }));
  form.addEventListener('submit', async e => {
    e.preventDefault();
    clear(err);
    try { await load(id.value.trim()); } catch (ex) { add(err, problemBox(ex)); }
  });
  add(container, form);
  id.focus();
}

/**
 * Opens the enroll panel: from a sequence (choose the contact) or a contact (choose the sequence);
 * for contacts (up to 50, each customisable) the bulk panel; for all of a list's contacts the list panel.
 */
export async function openEnrollPanel({ sequence, contact, contacts, list, onDone }) {
  await loadUsers();
  if (list) return withSequence(sequence, contacts.length, s => listPanel(s, list, contacts, onDone));
  if (contacts) return withSequence(sequence, contacts.length, s => bulkPanel(s, contacts, onDone));
  const body = h('div');
  const d = openDialog({ title: contact ? `Enroll ${contactName(contact)}` : `Enroll in ${sequence.name}`, body, panel: true, onclose: onDone });
  if (!sequence) {
    await chooseSequence(body, s => { clear(body); singleForm(body, s, contact, d); });
    return;
  }
  await ensureUsers([sequence.ownerUserId, ...(sequence.sharedWithUserIds ?? [])]);
  singleForm(body, sequence, contact, d);
}

function singleForm(body, sequence, contact, d) {
  const o = newOptions(sequence);
  const left = h('section', { 'aria-label': 'Enrollment settings' });
  const right = h('section', { 'aria-label': 'Emails and preview' });
  const result = h('div', { 'aria-live': 'polite' });
  const enrollBtn = h('button', { type: 'button', class: 'primary', text: 'Enroll', disabled: !contact });
  let current = contact;
  let lastMissing = [];

  // The contact: given, or searched for.
  const contactBox = h('div');
  if (!contact) {
    const search = h('input', { type: 'search', placeholder: 'Name, email or company', autocomplete: 'off' });
    const results = h('select', { size: 5, 'aria-label': 'Matching contacts' });
    const found = new Map();
    let asked = 0;
    const find = debounce(async () => {
      // Only the latest search may fill the list (an earlier, slower answer arriving last must not).
      const mine = ++asked;
      let page = { items: [] };
      try { page = await get(`/api/contacts${qs({ search: search.value, limit: 10 })}`); } catch (e) { if (!notAvailable(e)) throw e; }
      const typed = search.value.trim();
      if (!page.items.length && typed) {
        // Search is by name, email and company; a contact's id (from a CRM) finds it too.
        try { page = { items: [await get(`/api/contacts/${encodeURIComponent(typed)}`)] }; } catch (e) { if (!(e instanceof ApiError && e.status === 404)) throw e; }
      }
      if (mine !== asked) return;
      found.clear();
      results.replaceChildren(...page.items.map(c => { found.set(c.id, c); return h('option', { value: c.id, text: `${contactName(c)} <${c.email ?? 'no email'}>` }); }));
    }, 250);
    search.addEventListener('input', find);
    results.addEventListener('change', () => { current = found.get(results.value); enrollBtn.disabled = !current; draw(); });
    add(contactBox, field('Contact', search, 'Type to search; then choose below (arrow keys)'), results);
    find();
  }

  const tokensBox = h('div');
  const emails = h('div');
  const preview = h('div', { 'aria-label': 'Preview', role: 'region' });
  let optionsEl;
  let drawn = null;
  const contactNote = h('p', { class: 'missing-note', hidden: true });
  const drawTokens = () => {
    const used = tokensUsed(sequence, o.startAtStep, o.emailOverrides);
    const missing = [...new Set([...missingFor(current, used, o.tokens), ...lastMissing.filter(t => !o.tokens[t.replace(/^tokens\./, '')])])];
    const contactMissing = missing.filter(t => t.startsWith('contact.'));
    contactNote.textContent = contactMissing.length ? `No value on this contact: ${contactMissing.join(', ')} (edit the contact).` : '';
    contactNote.hidden = !contactMissing.length;
    // The inputs stay while the same tokens are asked for: a redraw must not replace a field being typed in.
    const names = customTokens(used);
    if (drawn === JSON.stringify(names)) return;
    drawn = JSON.stringify(names);
    add(clear(tokensBox), h('h3', { text: 'Tokens' }), tokenInputs(names, o.tokens, contactNote, () => { refreshPreview(); }));
  };
  const draw = (full = false) => {
    if (full || !optionsEl) {
      optionsEl = optionsForm(sequence, o, (startChanged) => { if (startChanged) draw(true); else refreshPreview(); });
      add(clear(emails), h('h3', { text: 'Emails for this contact' }), emailEditors(sequence, o.startAtStep, o.emailOverrides, () => { drawTokensSoon(); refreshPreview(); }));
    }
    add(clear(left), contactBox, optionsEl, tokensBox);
    drawTokens();
    refreshPreview();
  };
  const drawTokensSoon = debounce(drawTokens, 400);
  const refreshPreview = debounce(async () => {
    if (!current) { add(clear(preview), h('p', { class: 'muted', text: 'Choose a contact to see the preview.' })); return; }
    try {
      const req = { contactId: current.id, senderUserId: o.senderUserId, ...pick(requestFields(sequence, o), ['fromAddress', 'tokens', 'startAtStep']) };
      const eo = emailOverrides(sequence, o.emailOverrides);
      if (eo) req.emailOverrides = eo;
      const p = await post(`/api/sequences/${encodeURIComponent(sequence.id)}/preview`, req);
      const missingNow = JSON.stringify(p.missingTokens ?? []);
      if (missingNow !== JSON.stringify(lastMissing)) { lastMissing = p.missingTokens ?? []; drawTokens(); }
      add(clear(preview), h('h3', { text: 'Preview' }),
        lastMissing.length ? h('p', { class: 'missing-note', text: `Missing tokens: ${lastMissing.join(', ')}` }) : null,
        p.steps.map(st => h('div', { class: 'preview-step' }, h('h4', { text: `Step ${st.step}: ${st.subject ?? st.taskTitle ?? st.type}` }),
          st.error ? h('p', { class: 'error' }, h('span', { class: 'code', text: st.error.code }), `: ${st.error.detail ?? ''}`)
            : st.html !== undefined && st.html !== null ? frame(st.html, `Preview of step ${st.step}`) : h('p', { text: st.taskTitle ?? '' }))));
    } catch (e) {
      add(clear(preview), h('h3', { text: 'Preview' }), notAvailable(e) ? h('p', { class: 'notice', text: 'Preview is not available on this server yet.' }) : problemBox(e));
    }
  }, 400);

  async function enroll() {
    clear(result);
    const req = { contactId: current.id, ...requestFields(sequence, o) };
    const eo = emailOverrides(sequence, o.emailOverrides);
    if (eo) req.emailOverrides = eo;
    enrollBtn.disabled = true;
    add(result, h('p', { class: 'muted', text: `Enrolling ${contactName(current)}…` }));
    try {
      const e = await post(`/api/sequences/${encodeURIComponent(sequence.id)}/enrollments`, req);
      add(clear(result), h('div', { class: 'success', role: 'status' }, `Enrolled ${contactName(current)}. First step: `, timeEl(e.nextActionAt, o.timeZone), '. ',
        h('a', { href: `#/enrollments/${encodeURIComponent(e.id)}`, text: 'Open the enrollment', onclick: () => d.close() })));
      announce('Enrolled');
    } catch (e) {
      add(clear(result), refusal(e, o, iso => { optionsEl.setLater(iso); enroll(); }, () => d.close()));
    } finally { enrollBtn.disabled = false; }
  }
  enrollBtn.addEventListener('click', enroll);

  add(body, h('div', { class: 'split' }, left, h('section', {}, right)));
  add(right, emails, preview);
  draw(true);
  // The outcome and the button stay in view at the panel's foot, however far the form scrolls.
  add(d.dialog, h('div', { class: 'dlg-foot panel-foot' }, result, h('div', { class: 'actions' }, enrollBtn)));
  (contactBox.querySelector('input') ?? optionsEl.querySelector('select'))?.focus();
}

const pick = (obj, keys) => Object.fromEntries(keys.filter(k => obj[k] !== undefined).map(k => [k, obj[k]]));

/** A refusal, its code and words, and what to do about it. */
function refusal(e, o, sendLaterAt, close) {
  const p = e instanceof ApiError ? e.problem : {};
  if (p.code === 'ALREADY_ENROLLED') {
    return problemBox(e, h('p', {}, 'Currently in: ',
      h('a', { href: `#/sequences/${encodeURIComponent(p.sequenceId)}`, text: p.sequenceName ?? p.sequenceId, onclick: close }),
      p.enrollmentId ? [' · ', h('a', { href: `#/enrollments/${encodeURIComponent(p.enrollmentId)}`, text: 'the current enrollment', onclick: close })] : null));
  }
  if (p.code === 'SEND_LIMIT_REACHED' && p.capacityFreesAt) {
    return problemBox(e, h('p', {}, h('button', { type: 'button', class: 'primary', text: `Send later at ${fmt(p.capacityFreesAt, o.timeZone)}`,
      onclick: () => sendLaterAt(p.capacityFreesAt) })));
  }
  return problemBox(e);
}

// ---- Bulk --------------------------------------------------------------------------------------

const MAX_BULK = 50;
const plural = n => `${n} contact${n === 1 ? '' : 's'}`;

/** Opens a panel for a sequence: the one given, or the one chosen first in a small dialog. */
async function withSequence(sequence, count, open) {
  if (sequence) return open(sequence);
  const body = h('div');
  const d = openDialog({ title: `Enroll ${plural(count)}`, body });
  await chooseSequence(body, s => { d.close(); open(s); });
}

/**
 * The one way the panels enroll several contacts: the bulk endpoint, at most MAX_BULK contacts a
 * request, one request after another (so each batch's first emails are spaced after the last's).
 * onBatch(results so far) after each request. A contact's refusal is a result; a refused request
 * throws, after the results of the batches before it were reported.
 */
async function enrollInBatches(sequence, common, contacts, onBatch) {
  const results = [];
  for (let i = 0; i < contacts.length; i += MAX_BULK) {
    const r = await post(`/api/sequences/${encodeURIComponent(sequence.id)}/enrollments/batch`, { ...common, contacts: contacts.slice(i, i + MAX_BULK) });
    results.push(...r.results);
    onBatch?.(results);
  }
  return results;
}

/** The bulk endpoint's results: each contact, its outcome, and its first step's planned time in the panel's zone. */
function resultsTable(results, nameOf, zone) {
  return h('table', { class: 'bulk-results' }, h('caption', { class: 'visually-hidden', text: 'Results' }),
    h('thead', {}, h('tr', {}, ['Contact', 'Result', `First step (${zone})`].map(t => h('th', { scope: 'col', text: t })))),
    h('tbody', {}, results.map(x => h('tr', { 'data-contact': x.contactId }, h('td', { text: nameOf(x.contactId) }),
      h('td', {}, x.error ? [h('span', { class: 'code', text: x.error.code }), `: ${x.error.detail ?? ''}`] : x.status),
      h('td', {}, x.nextActionAt ? timeEl(x.nextActionAt, zone) : '—')))));
}

async function bulkPanel(sequence, contactsIn, onDone) {
  const batch = contactsIn.slice(0, MAX_BULK).map(c => ({ contact: c, tokens: {}, emailOverrides: {}, done: null }));
  const o = newOptions(sequence);
  const body = h('div');
  const d = openDialog({ title: `Enroll contacts in ${sequence.name}`, body, panel: true, onclose: onDone });
  const left = h('section', { 'aria-labelledby': 'bulk-all' });
  const right = h('section', { 'aria-labelledby': 'bulk-contacts' });
  const results = h('div', { 'aria-live': 'polite' });
  const listEl = h('ul', { class: 'contact-list' });
  const search = h('input', { type: 'search', placeholder: 'Search this batch', autocomplete: 'off' });
  const enrollAll = h('button', { type: 'button', class: 'primary' });
  const tokensBox = h('div');
  let optionsEl;
  const pending = () => batch.filter(b => !b.done);
  const used = () => tokensUsed(sequence, o.startAtStep);
  const values = b => ({ ...o.tokens, ...Object.fromEntries(Object.entries(b.tokens).filter(([, v]) => v)) });

  const drawTokens = () => add(clear(tokensBox), h('h3', { text: 'Tokens for all contacts' }), tokenInputs(customTokens(used()), o.tokens, null, () => drawList()));
  function drawAll() {
    optionsEl = optionsForm(sequence, o, (startChanged) => { if (startChanged) drawAll(); });
    add(clear(left), h('h3', { id: 'bulk-all', text: 'All contacts' }), optionsEl, tokensBox);
    drawTokens();
    drawList();
  }
  function drawList() {
    const q = search.value.trim().toLowerCase();
    clear(listEl);
    for (const b of batch) {
      const c = b.contact;
      const name = contactName(c);
      const missing = missingFor(c, used(), values(b));
      const li = h('li', { 'data-contact': c.id, hidden: q && !`${name} ${c.email ?? ''} ${c.company ?? ''}`.toLowerCase().includes(q) });
      add(li, h('div', { class: 'row' }, h('strong', { text: name }), h('span', { class: 'muted', text: c.email ?? 'no email' }),
        missing.length && !b.done ? h('span', { class: 'missing-note', text: `Missing: ${missing.join(', ')}` }) : null));
      if (b.done) {
        add(li, b.done.error
          ? h('p', { class: 'error' }, h('span', { class: 'code', text: b.done.error.code }), `: ${b.done.error.detail ?? ''}`)
          : h('p', { class: 'success' }, 'Enrolled. First step planned for ', timeEl(b.done.nextActionAt, o.timeZone), '.'));
      } else {
        const custom = h('details', {}, h('summary', { text: `Customize for ${name}` }),
          tokenInputs(customTokens(used()), b.tokens, null, () => {}, (t, input) => h('button', { type: 'button', text: 'Update all', 'aria-label': `Update all: use this ${t} for every contact`,
            onclick: () => { o.tokens[t] = input.value; for (const x of batch) delete x.tokens[t]; drawTokens(); drawList(); } })),
          emailEditors(sequence, o.startAtStep, b.emailOverrides, () => {}));
        add(li, custom, h('div', { class: 'actions' },
          h('button', { type: 'button', text: `Enroll ${name}`, onclick: () => run([b]) }),
          h('button', { type: 'button', class: 'danger', text: 'Remove contact', 'aria-label': `Remove contact ${name} from the batch`,
            onclick: () => { batch.splice(batch.indexOf(b), 1); drawList(); } })));
      }
      add(listEl, li);
    }
    enrollAll.textContent = `Enroll ${plural(pending().length)}`;
    enrollAll.disabled = pending().length === 0;
  }
  search.addEventListener('input', drawList);

  async function run(items) {
    clear(results);
    const common = requestFields(sequence, o);
    const contacts = items.map(b => {
      const c = { contactId: b.contact.id };
      const t = Object.fromEntries(Object.entries(b.tokens).filter(([, v]) => v));
      if (Object.keys(t).length) c.tokens = t;
      const eo = emailOverrides(sequence, b.emailOverrides);
      if (eo) c.emailOverrides = eo;
      return c;
    });
    const nameOf = id => { const b = batch.find(y => y.contact.id === id); return b ? contactName(b.contact) : id; };
    try {
      const r = await enrollInBatches(sequence, common, contacts);
      for (const x of r) {
        const b = batch.find(y => y.contact.id === x.contactId);
        if (b) b.done = x;
      }
      const failed = r.filter(x => x.error).length;
      add(results, h('p', { class: failed ? 'notice' : 'success', role: 'status', text: `${r.length - failed} enrolled, ${failed} not enrolled.` }),
        resultsTable(r, nameOf, o.timeZone));
      drawList();
    } catch (e) { add(results, refusal(e, o, iso => { optionsEl.setLater(iso); run(items); }, () => d.close())); }
  }
  enrollAll.addEventListener('click', async () => {
    const what = plural(pending().length);
    if (await confirmDialog(`Enroll ${what}`, `Enroll ${what} in "${sequence.name}"?`, `Enroll ${what}`)) run(pending());
  });

  add(right, h('h3', { id: 'bulk-contacts', text: `Contacts (${batch.length})` }), field('Search this batch', search), listEl);
  if (contactsIn.length > MAX_BULK) right.prepend(h('p', { class: 'notice', text: `Only the first ${MAX_BULK} of ${contactsIn.length} contacts: enroll at most ${MAX_BULK} at a time.` }));
  add(body, h('div', { class: 'split' }, left, right));
  add(d.dialog, h('div', { class: 'dlg-foot panel-foot' }, results, h('div', { class: 'actions' }, enrollAll)));
  drawAll();
  optionsEl.querySelector('select')?.focus();
}

// ---- A list ------------------------------------------------------------------------------------

/** What a refusal's code means, in a few words (others show the API's own detail). */
const REFUSED = {
  ALREADY_ENROLLED: 'already in a sequence', CONTACT_UNSUBSCRIBED: 'unsubscribed', CONTACT_PREVIOUSLY_BOUNCED: 'bounced before',
  CONTACT_HAS_NO_EMAIL: 'no email address', MISSING_TOKEN_VALUES: 'a token has no value', SEND_LIMIT_REACHED: "over the sender's daily limit",
};

/**
 * Every contact of a list, with the settings they all share (a list can hold thousands: no
 * per-contact edits), enrolled MAX_BULK a request with progress; refusals summarised by code.
 */
function listPanel(sequence, list, contacts, onDone) {
  const o = newOptions(sequence);
  const body = h('div');
  const d = openDialog({ title: `Enroll ${list.name} in ${sequence.name}`, body, panel: true, onclose: onDone });
  const byId = new Map(contacts.map(c => [c.id, c]));
  const nameOf = id => (byId.has(id) ? contactName(byId.get(id)) : id);
  const done = new Map();
  const pending = () => contacts.filter(c => !done.has(c.id));
  const left = h('section', { 'aria-labelledby': 'list-all' });
  const resultsBox = h('div');
  const tokensBox = h('div');
  const progress = h('progress', { max: contacts.length, value: 0, 'aria-label': 'Enrollment progress' });
  const progressText = h('p', { class: 'progress-text', role: 'status', tabindex: '-1' });
  const progressBox = h('div', { class: 'progress', hidden: true }, progress, progressText);
  const outcome = h('div');
  const enrollBtn = h('button', { type: 'button', class: 'primary' });
  let optionsEl;

  function drawAll() {
    optionsEl = optionsForm(sequence, o, startChanged => { if (startChanged) drawAll(); });
    add(clear(left), h('h3', { id: 'list-all', text: 'Settings for all contacts' }), optionsEl, tokensBox);
    add(clear(tokensBox), h('h3', { text: 'Tokens for all contacts' }), tokenInputs(customTokens(tokensUsed(sequence, o.startAtStep)), o.tokens, null, () => {}));
  }
  const drawButton = () => { enrollBtn.textContent = `Enroll ${plural(pending().length)}`; enrollBtn.disabled = !pending().length; };
  const report = finished => {
    const enrolled = [...done.values()].filter(x => !x.error).length;
    const refused = done.size - enrolled;
    progress.value = done.size;
    progressText.textContent = `Enrolled ${enrolled} of ${contacts.length}${finished ? '.' : '…'}${refused ? ` ${refused} not enrolled.` : ''}`;
  };
  const summary = () => {
    const byCode = new Map();
    for (const x of done.values()) if (x.error) byCode.set(x.error.code, [...(byCode.get(x.error.code) ?? []), x]);
    const planned = [...done.values()].map(x => x.nextActionAt).filter(Boolean).sort((a, b) => Date.parse(a) - Date.parse(b));
    return [
      planned.length ? h('p', {}, `First steps planned (${o.timeZone}): `, timeEl(planned[0], o.timeZone), planned.length > 1 ? [' to ', timeEl(planned[planned.length - 1], o.timeZone)] : null, '.') : null,
      byCode.size ? h('div', { class: 'notice' }, h('h4', { text: 'Not enrolled' }), h('ul', { class: 'refusals' }, [...byCode].map(([code, xs]) => h('li', { 'data-code': code },
        h('span', { class: 'code', text: code }), ` (${REFUSED[code] ?? xs[0].error.detail ?? ''}): ${plural(xs.length)} — `,
        xs.slice(0, 5).map(x => nameOf(x.contactId)).join(', '), xs.length > 5 ? ` and ${xs.length - 5} more` : '')))) : null,
    ];
  };

  async function run() {
    enrollBtn.disabled = true;
    clear(outcome);
    progressBox.hidden = false;
    report(false);
    try {
      await enrollInBatches(sequence, requestFields(sequence, o), pending().map(c => ({ contactId: c.id })), results => {
        for (const x of results) done.set(x.contactId, x);
        report(false);
      });
      report(true);
    } catch (e) {
      add(outcome, refusal(e, o, iso => { optionsEl.setLater(iso); run(); }, () => d.close()));
    }
    add(clear(resultsBox), h('h4', { text: 'Results' }), summary(), resultsTable([...done.values()], nameOf, o.timeZone));
    drawButton();
    progressText.focus();
  }
  enrollBtn.addEventListener('click', async () => {
    const what = plural(pending().length);
    if (await confirmDialog(`Enroll ${what}`, `Enroll ${what} from "${list.name}" in "${sequence.name}"? They are sent ${MAX_BULK} at a time.`, `Enroll ${what}`)) run();
  });

  const few = contacts.slice(0, 10).map(contactName).join(', ');
  add(body, h('div', { class: 'split' }, left, h('section', { 'aria-labelledby': 'list-contacts' },
    h('h3', { id: 'list-contacts', text: `${plural(contacts.length)} from ${list.name}` }),
    h('p', { class: 'muted', text: contacts.length > 10 ? `${few} and ${contacts.length - 10} more.` : `${few}.` }), resultsBox)));
  add(d.dialog, h('div', { class: 'dlg-foot panel-foot' }, h('div', {}, progressBox, outcome), h('div', { class: 'actions' }, enrollBtn)));
  drawAll();
  drawButton();
  optionsEl.querySelector('select')?.focus();
}

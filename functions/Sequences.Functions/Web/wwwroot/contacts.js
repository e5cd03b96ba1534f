// Contacts: the index (search, pages, select, enroll selected or add them to a new list), a contact's page, an enrollment's timeline.
import { get, post, put, qs, notAvailable } from './api.js';
import { h, clear, field, select, problemBox, confirmDialog, openDialog, announce, debounce, add } from './dom.js';
import { loadUsers, cachedUsers, userName, actingAs, actingZone, contactName } from './state.js';
import { timeEl, allZones, localToIso, todayIn } from './time.js';
import { pager } from './sequences.js';
import { openEnrollPanel } from './enroll.js';
import { staticListDialog } from './lists.js';
import { refresh } from './main.js';

export async function list(view) {
  await loadUsers();
  const search = h('input', { type: 'search', placeholder: 'Name, email or company', autocomplete: 'off' });
  const out = h('div');
  const selected = new Map();
  const count = h('span', { class: 'muted', text: '0 selected' });
  const enrollBtn = h('button', { type: 'button', class: 'primary', text: 'Enroll selected', disabled: true,
    onclick: () => openEnrollPanel({ contacts: [...selected.values()], onDone: () => {} }) });
  const listBtn = h('button', { type: 'button', text: 'Add to new list', disabled: true, onclick: () => staticListDialog([...selected.keys()]) });
  const pages = pager(load);
  const updateCount = () => { count.textContent = `${selected.size} selected`; enrollBtn.disabled = listBtn.disabled = selected.size === 0; };
  add(view, h('h1', { text: 'Contacts' }),
    h('div', { class: 'row' }, field('Search contacts', search),
      h('div', { class: 'toolbar' }, h('button', { type: 'button', text: 'New contact', onclick: () => contactDialog(null) }), enrollBtn, listBtn, count)), out);
  search.addEventListener('input', debounce(() => { pages.reset(); load(null); }, 300));

  async function load(cursor) {
    let page;
    try {
      page = await get(`/api/contacts${qs({ search: search.value.trim(), limit: 50, cursor })}`);
    } catch (e) {
      add(clear(out), notAvailable(e) ? h('p', { class: 'notice', text: 'Listing contacts is not available on this server yet.' }) : problemBox(e));
      return;
    }
    const body = h('tbody');
    for (const c of page.items) {
      const name = contactName(c);
      const box = h('input', { type: 'checkbox', 'aria-label': `Select ${name}`, checked: selected.has(c.id),
        onchange: e => { if (e.target.checked) selected.set(c.id, c); else selected.delete(c.id); updateCount(); } });
      add(body, h('tr', { 'data-contact': c.id }, h('td', {}, box),
        h('td', {}, h('a', { href: `#/contacts/${encodeURIComponent(c.id)}`, text: name })),
        h('td', { text: c.email ?? '' }), h('td', { text: c.company ?? '' }), h('td', { text: c.ownerUserId ? userName(c.ownerUserId) : '' }),
        h('td', {}, c.unsubscribed ? 'Unsubscribed' : c.bounced ? 'Bounced' : ''),
        h('td', {}, h('button', { type: 'button', text: 'Edit', 'aria-label': `Edit ${name}`, onclick: () => contactDialog(c) }))));
    }
    const all = h('input', { type: 'checkbox', 'aria-label': 'Select all on this page', onchange: e => {
      for (const b of body.querySelectorAll('input[type=checkbox]')) { b.checked = e.target.checked; b.dispatchEvent(new Event('change')); }
    } });
    add(clear(out), page.items.length
      ? h('table', {}, h('caption', { class: 'visually-hidden', text: 'Contacts' }),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, all), ['Name', 'Email', 'Company', 'Owner', 'Status', 'Edit'].map(t => h('th', { scope: 'col', text: t })))), body)
      : h('p', { text: search.value ? 'No contact matches.' : 'No contacts yet.' }), pages.el);
    pages.update(page);
  }
  await load(null);
}

/** Create (c null) or edit a contact. */
export function contactDialog(c, after) {
  const id = h('input', { type: 'text', value: c?.id ?? '', required: true, disabled: !!c, autocomplete: 'off' });
  const email = h('input', { type: 'email', value: c?.email ?? '', autocomplete: 'off' });
  const first = h('input', { type: 'text', value: c?.firstName ?? '' });
  const last = h('input', { type: 'text', value: c?.lastName ?? '' });
  const company = h('input', { type: 'text', value: c?.company ?? '' });
  const owner = select([['', 'No owner'], ...cachedUsers().map(u => [u.id, u.name])], c?.ownerUserId ?? '');
  const props = h('textarea', { rows: 3, text: Object.entries(c?.properties ?? {}).map(([k, v]) => `${k}=${v}`).join('\n') });
  const err = h('div');
  const form = h('form', {}, field('Contact id', id, c ? null : 'Your CRM\'s id for this contact'), field('Email', email),
    h('div', { class: 'row' }, field('First name', first), field('Last name', last)), field('Company', company), field('Owner', owner),
    field('Properties', props, 'One name=value a line'), err, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', text: 'Save contact' })));
  const d = openDialog({ title: c ? `Edit ${contactName(c)}` : 'New contact', body: form });
  (c ? email : id).focus();
  form.addEventListener('submit', async e => {
    e.preventDefault();
    clear(err);
    const properties = Object.fromEntries(props.value.split('\n').map(l => l.trim()).filter(Boolean).map(l => {
      const i = l.indexOf('=');
      return i < 0 ? [l, ''] : [l.slice(0, i).trim(), l.slice(i + 1).trim()];
    }));
    const body = { properties };
    for (const [k, input] of [['email', email], ['firstName', first], ['lastName', last], ['company', company], ['ownerUserId', owner]]) if (input.value) body[k] = input.value;
    try {
      await put(`/api/contacts/${encodeURIComponent(id.value)}`, body);
      d.close();
      announce('Contact saved');
      if (after) after(); else refresh();
    } catch (ex) { add(err, problemBox(ex)); }
  });
}

export async function page(view, id) {
  await loadUsers();
  const c = await get(`/api/contacts/${encodeURIComponent(id)}`);
  const name = contactName(c);
  const enrollments = (await get(`/api/contacts/${encodeURIComponent(id)}/enrollments`)).items;
  const current = enrollments.find(e => e.status === 'active' || e.status === 'paused');
  let timeline = [];
  try { timeline = (await get(`/api/contacts/${encodeURIComponent(id)}/timeline`)).items; } catch (e) { if (!notAvailable(e)) throw e; }
  const names = new Map();
  const seqName = async sid => {
    if (!names.has(sid)) { try { names.set(sid, (await get(`/api/sequences/${encodeURIComponent(sid)}`)).name); } catch { names.set(sid, sid); } }
    return names.get(sid);
  };
  const out = h('div', { 'aria-live': 'polite' });
  add(view, h('p', {}, h('a', { href: '#/contacts', text: '← All contacts' })), h('h1', { text: name }),
    h('dl', { class: 'kv' }, [['Email', c.email ?? '—'], ['Company', c.company ?? '—'], ['Owner', c.ownerUserId ? userName(c.ownerUserId) : '—'],
      ['Status', c.unsubscribed ? 'Unsubscribed' : c.bounced ? 'Bounced' : 'Can be enrolled'],
      ...Object.entries(c.properties ?? {})].map(([k, v]) => [h('dt', { text: k }), h('dd', { text: v })])),
    h('div', { class: 'toolbar' },
      h('button', { type: 'button', class: 'primary', text: 'Enroll in a sequence', onclick: () => openEnrollPanel({ contact: c, onDone: refresh }) }),
      h('button', { type: 'button', text: 'Edit contact', onclick: () => contactDialog(c) }),
      h('button', { type: 'button', text: 'Log a meeting', onclick: () => meetingDialog(c, out) })), out,
    h('h2', { text: 'Current enrollment' }));
  if (current) {
    add(view, h('div', { class: 'current-enrollment' },
      h('p', {}, h('a', { href: `#/sequences/${encodeURIComponent(current.sequenceId)}`, text: await seqName(current.sequenceId) }),
        ` · ${current.status} · step ${current.currentStep} · next `, timeEl(current.nextActionAt, current.timeZone), ' · ',
        h('a', { href: `#/enrollments/${encodeURIComponent(current.id)}`, text: 'timeline' })),
      h('button', { type: 'button', class: 'danger', text: 'Unenroll', onclick: async () => {
        if (!await confirmDialog('Unenroll', `Unenroll ${name} from ${await seqName(current.sequenceId)}?`, 'Unenroll', true)) return;
        try { await post(`/api/enrollments/${encodeURIComponent(current.id)}/unenroll`); refresh(); } catch (e) { add(out, problemBox(e)); }
      } })));
  } else add(view, h('p', { text: 'Not in a sequence now.' }));
  add(view, h('h2', { text: 'Timeline' }));
  const items = timeline.length ? timeline : enrollments.map(e => ({ type: 'enrollment', at: e.enrolledAt, sequenceId: e.sequenceId, enrollmentId: e.id, status: e.status, detail: e.endReason }));
  const ol = h('ol', { class: 'timeline' });
  for (const t of items) {
    add(ol, h('li', {}, timeEl(t.at, 'UTC'), ' · ', t.type, t.sequenceId ? [' · ', h('a', { href: `#/sequences/${encodeURIComponent(t.sequenceId)}`, text: await seqName(t.sequenceId) })] : null,
      t.status ? ` · ${t.status}` : '', t.code ? [' · ', h('span', { class: 'code', text: t.code })] : null, t.detail ? ` · ${t.detail}` : '',
      t.dueAt ? [' · due ', timeEl(t.dueAt, 'UTC')] : null,
      t.enrollmentId && t.type === 'enrollment' ? [' · ', h('a', { href: `#/enrollments/${encodeURIComponent(t.enrollmentId)}`, text: 'details' })] : null));
  }
  add(view, items.length ? ol : h('p', { text: 'Nothing yet.' }));
}

function meetingDialog(c, out) {
  const user = select(cachedUsers().map(u => [u.id, u.name]), actingAs());
  const zone = actingZone();
  const date = h('input', { type: 'date', value: todayIn(zone), required: true });
  const time = h('input', { type: 'time', value: '10:00', required: true });
  const err = h('div');
  const form = h('form', {}, field('With user', user), h('div', { class: 'row' }, field(`Date (${zone})`, date), field(`Time (${zone})`, time)), err,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', text: 'Log meeting' })));
  const d = openDialog({ title: `Log a meeting with ${contactName(c)}`, body: form });
  user.focus();
  form.addEventListener('submit', async e => {
    e.preventDefault();
    clear(err);
    try {
      await post('/api/events/meetings', { contactId: c.id, userId: user.value, bookedAt: localToIso(date.value, time.value, zone) });
      d.close();
      add(out, h('p', { class: 'success', role: 'status', text: 'Meeting logged. If it is with the sender, the enrollment ends shortly.' }));
    } catch (ex) { add(err, problemBox(ex)); }
  });
}

export async function enrollment(view, id) {
  await loadUsers();
  const e = await get(`/api/enrollments/${encodeURIComponent(id)}`);
  let seq = null;
  try { seq = await get(`/api/sequences/${encodeURIComponent(e.sequenceId)}`); } catch { seq = null; }
  let contact = null;
  try { contact = await get(`/api/contacts/${encodeURIComponent(e.contactId)}`); } catch { contact = null; }
  const out = h('div', { 'aria-live': 'polite' });
  const act = (label, path, danger) => h('button', { type: 'button', class: danger ? 'danger' : null, text: label, onclick: async () => {
    if (danger && !await confirmDialog(label, `${label} ${contact ? contactName(contact) : e.contactId}?`, label, true)) return;
    try { await post(`/api/enrollments/${encodeURIComponent(id)}/${path}`); refresh(); } catch (ex) { add(out, problemBox(ex)); }
  } });
  const live = e.status === 'active' || e.status === 'paused';
  add(view, h('p', {}, h('a', { href: `#/sequences/${encodeURIComponent(e.sequenceId)}/enrollments`, text: `← ${seq?.name ?? 'Sequence'} enrollments` })),
    h('h1', { text: `${contact ? contactName(contact) : e.contactId} in ${seq?.name ?? e.sequenceId}` }),
    h('dl', { class: 'kv' },
      [['Status', h('span', { class: `status-${e.status}`, text: e.status })], ['Current step', e.currentStep], ['Next action', timeEl(e.nextActionAt, e.timeZone)],
        ['Time zone', e.timeZone], ['Sender', `${userName(e.senderUserId)} <${e.fromAddress}>`], ['Enrolled', timeEl(e.enrolledAt, e.timeZone)],
        ['Ended', e.endedAt ? timeEl(e.endedAt, e.timeZone) : '—'], ['End reason', e.endReason ?? '—'], ['Pause reason', e.pauseReason ?? '—'],
        ...(e.pendingStop ? [['Pending', `${e.pendingStop.action === 'pause' ? 'Pause' : 'Unenroll'} accepted; it applies as soon as the email being sent right now is done`]] : [])]
        .map(([k, v]) => [h('dt', { text: k }), h('dd', {}, v)])),
    h('div', { class: 'toolbar' }, live && e.status === 'active' ? act('Pause', 'pause') : null, e.status === 'paused' ? act('Resume', 'resume') : null,
      live ? act('Unenroll', 'unenroll', true) : null, h('a', { href: `#/contacts/${encodeURIComponent(e.contactId)}`, text: 'Contact page' })), out,
    h('h2', { text: 'Timeline' }),
    h('ol', { class: 'timeline' }, (e.events ?? []).map(ev => h('li', { 'data-event': ev.type }, timeEl(ev.at, e.timeZone), ' · ', h('strong', { text: ev.type }),
      ev.step ? ` · step ${ev.step}` : '', ev.subject ? ` · "${ev.subject}"` : '', ev.reason ? [' · reason ', h('span', { class: 'code', text: ev.reason })] : null,
      ev.detail ? ` · ${ev.detail}` : ''))));
}

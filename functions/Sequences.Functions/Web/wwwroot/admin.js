// Users, unmatched inbound mail, health.
import { get, post, put, api, notAvailable } from './api.js';
import { h, clear, field, check, select, problemBox, confirmDialog, openDialog, announce, add } from './dom.js';
import { loadUsers, ensureUsers, usersListed } from './state.js';
import { timeEl, allZones } from './time.js';
import { refresh, fillPicker } from './main.js';

export async function users(view) {
  const list = await loadUsers(true);
  add(view, h('h1', { text: 'Users' }), h('div', { class: 'toolbar' }, h('button', { type: 'button', class: 'primary', text: 'New user', onclick: () => userDialog(null) })));
  if (!usersListed()) add(view, h('p', { class: 'notice', text: 'This server cannot list users yet: these are the users this page has read.' }));
  if (!list.length) { add(view, h('p', { text: 'No users yet.' })); return; }
  add(view, h('table', {}, h('caption', { class: 'visually-hidden', text: 'Users' }),
    h('thead', {}, h('tr', {}, ['Name', 'Email', 'Mailboxes', 'Daily limit', 'Time zone', 'Active', 'Actions'].map(t => h('th', { scope: 'col', text: t })))),
    h('tbody', {}, list.map(u => h('tr', { 'data-user': u.id },
      h('td', { text: u.name }), h('td', { text: u.email }), h('td', { text: (u.mailboxes ?? []).join(', ') }), h('td', { text: u.dailySendLimit }),
      h('td', { text: u.timeZone ?? '—' }), h('td', { text: u.active ? 'Yes' : 'No' }),
      h('td', {}, h('div', { class: 'actions' },
        h('button', { type: 'button', text: 'Edit', 'aria-label': `Edit ${u.name}`, onclick: () => userDialog(u) }),
        u.active ? h('button', { type: 'button', class: 'danger', text: 'Deactivate', 'aria-label': `Deactivate ${u.name}`, onclick: async () => {
          if (!await confirmDialog('Deactivate user', `Deactivate ${u.name}? Every enrollment they send ends, and they can no longer send.`, 'Deactivate', true)) return;
          await post(`/api/users/${encodeURIComponent(u.id)}/deactivate`);
          announce('User deactivated');
          await fillPicker(true);
          refresh();
        } }) : null)))))));
}

function userDialog(u) {
  const id = h('input', { type: 'text', value: u?.id ?? '', required: true, disabled: !!u, autocomplete: 'off' });
  const email = h('input', { type: 'email', value: u?.email ?? '', required: true });
  const name = h('input', { type: 'text', value: u?.name ?? '', required: true });
  const mailboxes = h('input', { type: 'text', value: (u?.mailboxes ?? []).join(', ') });
  const limit = h('input', { type: 'number', min: 0, value: u?.dailySendLimit ?? 500 });
  const zone = select([['', 'None (UTC)'], ...allZones().map(z => [z, z])], u?.timeZone ?? '');
  const active = check('Active', u ? u.active : true);
  const err = h('div');
  const form = h('form', {}, field('User id', id), field('Email', email), field('Name', name),
    field('Mailboxes', mailboxes, 'Addresses this user may send from, comma-separated'), field('Daily send limit', limit), field('Time zone', zone), active.el, err,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', text: 'Save user' })));
  const d = openDialog({ title: u ? `Edit ${u.name}` : 'New user', body: form });
  (u ? email : id).focus();
  form.addEventListener('submit', async e => {
    e.preventDefault();
    clear(err);
    const body = { email: email.value, name: name.value, mailboxes: mailboxes.value.split(',').map(s => s.trim()).filter(Boolean),
      dailySendLimit: +limit.value, active: active.input.checked };
    if (zone.value) body.timeZone = zone.value;
    try {
      await put(`/api/users/${encodeURIComponent(id.value)}`, body);
      d.close();
      await ensureUsers([id.value]);
      await fillPicker(true);
      refresh();
    } catch (ex) { add(err, problemBox(ex)); }
  });
}

export async function inbound(view) {
  add(view, h('h1', { text: 'Unmatched inbound mail' }),
    h('p', { class: 'muted', text: 'Replies and bounces that matched no enrollment, or that failed authentication: they changed nothing.' }));
  const list = (await get('/api/inbound/unmatched?limit=100')).items;
  if (!list.length) { add(view, h('p', { text: 'Nothing unmatched.' })); return; }
  add(view, h('table', {}, h('caption', { class: 'visually-hidden', text: 'Unmatched inbound' }),
    h('thead', {}, h('tr', {}, ['Received', 'Source', 'Kind', 'From', 'To', 'Subject', 'Reason'].map(t => h('th', { scope: 'col', text: t })))),
    h('tbody', {}, list.map(m => h('tr', {}, h('td', {}, timeEl(m.receivedAt, 'UTC')), h('td', { text: m.source }), h('td', { text: m.kind }),
      h('td', { text: m.from ?? '' }), h('td', { text: (m.to ?? []).join(', ') }), h('td', { text: m.subject ?? '' }), h('td', { text: m.reason ?? '' }))))));
}

export async function health(view) {
  const { data: r, status } = await api('GET', '/api/health', undefined, { accept: [503] });
  const q = (title, list) => [h('h2', { text: title }), list.length ? h('table', {}, h('thead', {}, h('tr', {}, ['Queue', 'Messages', 'Oldest (s)'].map(t => h('th', { scope: 'col', text: t })))),
    h('tbody', {}, list.map(x => h('tr', {}, h('td', { text: x.name }), h('td', { text: x.approximateDepth }), h('td', { text: x.oldestMessageAgeSeconds?.toFixed(0) ?? '—' }))))) : h('p', { text: 'None.' })];
  add(view, h('h1', { text: 'Health' }),
    h('p', { class: status === 200 ? 'success' : 'error', role: 'status', text: `Status: ${r.status}${r.storageReachable ? '' : ' (storage unreachable)'}${r.error ? ` — ${r.error}` : ''}` }),
    q('Queues', r.queues ?? []), q('Poison queues', r.poisonQueues ?? []),
    h('h2', { text: 'Overdue enrollments' }),
    h('dl', { class: 'kv' }, [['Checked', timeEl(r.overdue?.checkedAt, 'UTC')], ['Overdue', r.overdue?.enrollments ?? 0], ['Oldest due', timeEl(r.overdue?.oldestDueAt, 'UTC')],
      ['Workflows woken', r.overdue?.workflowsWoken ?? 0], ['Workflows started', r.overdue?.workflowsStarted ?? 0]].map(([k, v]) => [h('dt', { text: k }), h('dd', {}, v)])));
}

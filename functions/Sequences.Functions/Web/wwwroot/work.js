// The acting user's work: upcoming steps (Scheduled) and open tasks.
import { get, post, qs, notAvailable } from './api.js';
import { h, clear, problemBox, confirmDialog, announce, add } from './dom.js';
import { loadUsers, actingAs, actingZone } from './state.js';
import { timeEl } from './time.js';
import { typeName, pager } from './sequences.js';
import { refresh } from './main.js';

function needUser(view, title) {
  add(view, h('h1', { text: title }));
  if (!actingAs()) { add(view, h('p', { class: 'notice', text: 'Choose who you are acting as (top right) to see this.' })); return false; }
  return true;
}

export async function scheduled(view) {
  await loadUsers();
  if (!needUser(view, 'Scheduled')) return;
  const zone = actingZone();
  const out = h('div');
  const msg = h('div', { 'aria-live': 'polite' });
  const pages = pager(load);
  add(view, h('p', { class: 'muted', text: `Upcoming steps of the enrollments you send. Times in ${zone}.` }), msg, out);
  async function load(cursor) {
    let page;
    try { page = await get(`/api/scheduled${qs({ userId: actingAs(), limit: 50, cursor })}`); } catch (e) {
      add(clear(out), notAvailable(e) ? h('p', { class: 'notice', text: 'The schedule is not available on this server yet.' }) : problemBox(e));
      return;
    }
    add(clear(out), page.items.length ? h('table', {}, h('caption', { class: 'visually-hidden', text: 'Scheduled steps' }),
      h('thead', {}, h('tr', {}, ['Due', 'Contact', 'Email', 'Sequence', 'Step', 'Remove'].map(t => h('th', { scope: 'col', text: t })))),
      h('tbody', {}, page.items.map(s => h('tr', { 'data-enrollment': s.enrollmentId },
        h('td', {}, timeEl(s.dueAt, zone)),
        h('td', {}, h('a', { href: `#/enrollments/${encodeURIComponent(s.enrollmentId)}`, text: s.contactName || s.contactId })),
        h('td', { text: s.contactEmail ?? '' }),
        h('td', {}, h('a', { href: `#/sequences/${encodeURIComponent(s.sequenceId)}`, text: s.sequenceName ?? s.sequenceId })),
        h('td', { text: `${s.step}: ${typeName(s.type)}` }),
        h('td', {}, h('button', { type: 'button', class: 'danger reveal', text: 'Remove', 'aria-label': `Remove ${s.contactName || s.contactId} from ${s.sequenceName ?? 'the sequence'}`,
          onclick: async () => {
            if (!await confirmDialog('Remove from sequence', `Unenroll ${s.contactName || s.contactId} from ${s.sequenceName ?? s.sequenceId}?`, 'Remove', true)) return;
            try { await post(`/api/enrollments/${encodeURIComponent(s.enrollmentId)}/unenroll`); announce('Removed'); await load(cursor); } catch (e) { add(msg, problemBox(e)); }
          } })))))) : h('p', { text: 'Nothing scheduled.' }), pages.el);
    pages.update(page);
  }
  await load(null);
}

export async function tasks(view) {
  await loadUsers();
  if (!needUser(view, 'Tasks')) return;
  const zone = actingZone();
  const msg = h('div', { 'aria-live': 'polite' });
  const page = await get(`/api/tasks${qs({ userId: actingAs(), status: 'open', limit: 100 })}`);
  add(view, h('p', { class: 'muted', text: `Your open tasks. Times in ${zone}.` }),
    h('div', { class: 'toolbar' }, h('button', { type: 'button', text: 'Refresh', onclick: refresh })), msg);
  if (!page.items.length) { add(view, h('p', { text: 'No open tasks.' })); return; }
  add(view, h('table', {}, h('caption', { class: 'visually-hidden', text: 'Open tasks' }),
    h('thead', {}, h('tr', {}, ['Task', 'Type', 'Contact', 'Email', 'Due', 'Complete'].map(t => h('th', { scope: 'col', text: t })))),
    h('tbody', {}, page.items.map(t => h('tr', { 'data-task': t.id },
      h('td', { text: t.title }), h('td', { text: typeName(t.type) }),
      h('td', {}, h('a', { href: `#/contacts/${encodeURIComponent(t.contactId)}`, text: t.contactName || t.contactId })),
      h('td', { text: t.contactEmail ?? '' }), h('td', {}, timeEl(t.dueAt ?? t.createdAt, zone)),
      h('td', {}, h('button', { type: 'button', class: 'primary', text: 'Complete', 'aria-label': `Complete: ${t.title}`, onclick: async () => {
        try { await post(`/api/tasks/${encodeURIComponent(t.id)}/complete`); announce('Task completed'); refresh(); } catch (e) { add(msg, problemBox(e)); }
      } })))))));
}

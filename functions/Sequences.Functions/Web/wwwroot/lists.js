// Contact lists: the lists (static: chosen contacts; active: filters evaluated when read), a new
// active list, a new static list from selected contacts, and a list's page, whose contacts can all
// be selected and enrolled in a sequence (through the bulk enroll panel's path, 50 a request),
// renamed or deleted.
import { get, post, patch, del, all, qs, notAvailable } from './api.js';
import { h, clear, field, select, problemBox, openDialog, confirmDialog, announce, add } from './dom.js';
import { loadUsers, contactName } from './state.js';
import { timeEl } from './time.js';
import { pager } from './sequences.js';
import { openEnrollPanel } from './enroll.js';

/** The contact fields a filter can name (anything else is a contact property). */
const FIELDS = [['email', 'Email'], ['firstName', 'First name'], ['lastName', 'Last name'], ['company', 'Company'], ['ownerUserId', 'Owner (user id)']];
const OPERATORS = [['equals', 'equals'], ['contains', 'contains'], ['isKnown', 'is known']];

const fieldLabel = p => FIELDS.find(([k]) => k === p)?.[1] ?? p;

/** "Company contains "Acme" and industry is known". */
export function filtersText(filters) {
  return filters.map(f => `${fieldLabel(f.property)} ${OPERATORS.find(([k]) => k === f.operator)?.[1] ?? f.operator}${f.operator === 'isKnown' ? '' : ` "${f.value}"`}`).join(' and ');
}

const describe = l => l.type === 'static' ? `${l.size} contact${l.size === 1 ? '' : 's'}` : filtersText(l.filters ?? []);

const listLink = l => `#/lists/${encodeURIComponent(l.id)}`;

export async function list(view) {
  const out = h('div');
  const pages = pager(load);
  add(view, h('h1', { text: 'Lists' }),
    h('div', { class: 'toolbar' }, h('button', { type: 'button', class: 'primary', text: 'New active list', onclick: activeListDialog }),
      h('span', { class: 'muted', text: 'A static list: select contacts on the Contacts screen, then "Add to new list".' })), out);

  async function load(cursor) {
    let page;
    try {
      page = await get(`/api/lists${qs({ limit: 50, cursor })}`);
    } catch (e) {
      add(clear(out), notAvailable(e) ? h('p', { class: 'notice', text: 'Contact lists are not available on this server yet.' }) : problemBox(e));
      return;
    }
    add(clear(out), page.items.length
      ? h('table', {}, h('caption', { class: 'visually-hidden', text: 'Contact lists' }),
        h('thead', {}, h('tr', {}, ['Name', 'Kind', 'Contacts or filters', 'Created'].map(t => h('th', { scope: 'col', text: t })))),
        h('tbody', {}, page.items.map(l => h('tr', { 'data-list': l.id },
          h('td', {}, h('a', { href: listLink(l), text: l.name })), h('td', { text: l.type === 'static' ? 'Static' : 'Active' }),
          h('td', { text: describe(l) }), h('td', {}, timeEl(l.createdAt, 'UTC'))))))
      : h('p', { text: 'No lists yet.' }), pages.el);
    pages.update(page);
  }
  await load(null);
}

/** The filter rows of a new active list: property (fields, then the properties in use), operator, value. */
async function activeListDialog() {
  let properties = [];
  try { properties = (await all('/api/contact-properties')).map(p => p.name); } catch (e) { if (!notAvailable(e)) throw e; }
  const name = h('input', { type: 'text', required: true, autocomplete: 'off' });
  const rows = h('div');
  const addBtn = h('button', { type: 'button', text: 'Add filter' });
  const err = h('div');
  const filters = [];

  const propertySelect = value => {
    const s = h('select', {}, h('optgroup', { label: 'Contact fields' }, FIELDS.map(([v, t]) => h('option', { value: v, text: t }))),
      properties.length ? h('optgroup', { label: 'Contact properties' }, properties.map(p => h('option', { value: p, text: p }))) : null);
    s.value = value;
    return s;
  };
  function draw(focusRow) {
    clear(rows);
    filters.forEach((f, i) => {
      const n = i + 1;
      const property = propertySelect(f.property);
      const operator = select(OPERATORS, f.operator);
      const value = h('input', { type: 'text', value: f.value, autocomplete: 'off' });
      const valueField = field(`Filter ${n} value`, value);
      valueField.hidden = f.operator === 'isKnown';
      property.addEventListener('change', () => { f.property = property.value; });
      operator.addEventListener('change', () => { f.operator = operator.value; valueField.hidden = f.operator === 'isKnown'; });
      value.addEventListener('input', () => { f.value = value.value; });
      const remove = h('button', { type: 'button', class: 'danger', text: 'Remove', 'aria-label': `Remove filter ${n}`, disabled: filters.length === 1,
        onclick: () => { filters.splice(i, 1); draw(); addBtn.focus(); } });
      add(rows, h('div', { class: 'filter-row', 'data-filter': n }, field(`Filter ${n} property`, property), field(`Filter ${n} operator`, operator), valueField, remove));
      if (focusRow === n) property.focus();
    });
  }
  addBtn.addEventListener('click', () => { filters.push({ property: 'company', operator: 'contains', value: '' }); draw(filters.length); });
  filters.push({ property: 'company', operator: 'contains', value: '' });
  draw();

  const form = h('form', {}, field('List name', name),
    h('fieldset', {}, h('legend', { text: 'Filters (a contact must match all of them)' }), rows, addBtn),
    h('p', { class: 'hint', text: '"equals" and "contains" ignore case; the list is worked out each time it is read.' }), err,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', text: 'Create list' })));
  createOnSubmit(form, err, openDialog({ title: 'New active list', body: form }), () => ({ name: name.value.trim(), type: 'active',
    filters: filters.map(f => f.operator === 'isKnown' ? { property: f.property, operator: f.operator } : { ...f }) }));
  name.focus();
}

/** A new-list form's submit: the list is created, then opened; a refusal is shown in err. */
function createOnSubmit(form, err, dialog, body) {
  form.addEventListener('submit', async e => {
    e.preventDefault();
    clear(err);
    try {
      const created = await post('/api/lists', body());
      dialog.close();
      announce('List created');
      location.hash = listLink(created);
    } catch (ex) { add(err, problemBox(ex)); }
  });
}

/** Renames a list; the page's title follows. */
function renameDialog(l, title) {
  const name = h('input', { type: 'text', required: true, autocomplete: 'off', value: l.name });
  const err = h('div');
  const form = h('form', {}, field('List name', name), err, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', text: 'Rename' })));
  const dialog = openDialog({ title: 'Rename list', body: form });
  form.addEventListener('submit', async e => {
    e.preventDefault();
    clear(err);
    try {
      l.name = (await patch(`/api/lists/${encodeURIComponent(l.id)}`, { name: name.value.trim() })).name;
      title.textContent = l.name;
      dialog.close();
      announce('List renamed');
    } catch (ex) { add(err, problemBox(ex)); }
  });
  name.select();
}

/** A static list of the given contact ids (from the Contacts screen's selection). */
export function staticListDialog(contactIds) {
  const n = contactIds.length;
  const name = h('input', { type: 'text', required: true, autocomplete: 'off' });
  const err = h('div');
  const form = h('form', {}, h('p', { text: `${n} selected contact${n === 1 ? '' : 's'} will be the list's members.` }), field('List name', name), err,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', text: 'Create list' })));
  createOnSubmit(form, err, openDialog({ title: 'Add to new list', body: form }), () => ({ name: name.value.trim(), type: 'static', contactIds }));
  name.focus();
}

export async function page(view, id) {
  await loadUsers();
  const l = await get(`/api/lists/${encodeURIComponent(id)}`);
  const path = `/api/lists/${encodeURIComponent(id)}/contacts`;
  const here = location.hash;
  const out = h('div');
  const pages = pager(load);
  const selectAll = h('button', { type: 'button', text: 'Counting contacts…', disabled: true });
  const enrollBtn = h('button', { type: 'button', class: 'primary', hidden: true });
  const clearBtn = h('button', { type: 'button', text: 'Clear selection', hidden: true });
  const selection = h('p', { class: 'muted', role: 'status' });
  const title = h('h1', { text: l.name });
  const renameBtn = h('button', { type: 'button', text: 'Rename', onclick: () => renameDialog(l, title) });
  const deleteBtn = h('button', { type: 'button', class: 'danger', text: 'Delete list', onclick: async () => {
    if (!await confirmDialog('Delete list', `Delete the list "${l.name}"? Its contacts, and their enrollments, stay.`, 'Delete list', true)) return;
    await del(`/api/lists/${encodeURIComponent(l.id)}`);
    announce('List deleted');
    location.hash = '#/lists';
  } });
  let everyone = [];

  add(view, h('p', {}, h('a', { href: '#/lists', text: '← All lists' })), title,
    h('dl', { class: 'kv' }, [['Kind', l.type === 'static' ? 'Static (chosen contacts)' : 'Active (filters, worked out when read)'],
      [l.type === 'static' ? 'Members' : 'Filters', describe(l)], ['Created', timeEl(l.createdAt, 'UTC')]].map(([k, v]) => [h('dt', { text: k }), h('dd', {}, v)])),
    h('div', { class: 'toolbar' }, selectAll, enrollBtn, clearBtn, renameBtn, deleteBtn), selection, h('h2', { text: 'Contacts' }), out);

  const choose = on => {
    selectAll.hidden = on;
    enrollBtn.hidden = !on;
    clearBtn.hidden = !on;
    selection.textContent = on ? `All ${everyone.length} contacts in this list are selected.` : '';
    (on ? enrollBtn : selectAll).focus();
  };
  selectAll.addEventListener('click', () => choose(true));
  clearBtn.addEventListener('click', () => choose(false));
  enrollBtn.addEventListener('click', () => openEnrollPanel({ contacts: everyone, list: l, onDone: () => {} }));

  async function load(cursor) {
    let p;
    try { p = await get(`${path}${qs({ limit: 50, cursor })}`); } catch (e) { add(clear(out), problemBox(e)); return; }
    add(clear(out), p.items.length
      ? h('table', {}, h('caption', { class: 'visually-hidden', text: `Contacts in ${l.name}` }),
        h('thead', {}, h('tr', {}, ['Name', 'Email', 'Company', 'Status'].map(t => h('th', { scope: 'col', text: t })))),
        h('tbody', {}, p.items.map(c => h('tr', { 'data-contact': c.id },
          h('td', {}, h('a', { href: `#/contacts/${encodeURIComponent(c.id)}`, text: contactName(c) })), h('td', { text: c.email ?? '' }),
          h('td', { text: c.company ?? '' }), h('td', { text: c.unsubscribed ? 'Unsubscribed' : c.bounced ? 'Bounced' : '' })))))
      // An active list's page examines at most 1,000 contacts: it can be empty and still have more.
      : h('p', { text: p.nextCursor ? 'None on this page: the list goes on (next page).' : 'No contacts in this list.' }), pages.el);
    pages.update(p);
  }
  await load(null);

  // Every member, for "Select all": counted in the background while the screen is shown.
  all(path, Infinity, items => {
    selectAll.textContent = `Counting contacts… ${items.length} so far`;
    return location.hash === here;
  }).then(items => {
    everyone = items;
    selectAll.textContent = items.length ? `Select all ${items.length} contact${items.length === 1 ? '' : 's'}` : 'No contacts to select';
    selectAll.disabled = !items.length;
    enrollBtn.textContent = `Enroll ${items.length} contact${items.length === 1 ? '' : 's'} in a sequence…`;
  }, e => { selectAll.textContent = 'Could not count the contacts'; add(selection, problemBox(e)); });
}

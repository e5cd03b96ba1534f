// The app: a hash router over the screens, and the "Acting as" picker.
import { h, clear, problemBox, openDialog, field, add } from './dom.js';
import { loadUsers, actingAs, setActingAs, usersListed, ensureUsers } from './state.js';
import * as seq from './sequences.js';
import * as people from './contacts.js';
import * as lists from './lists.js';
import * as work from './work.js';
import * as admin from './admin.js';

const routes = [
  [/^\/sequences$/, () => seq.list],
  [/^\/sequences\/([^/]+)(?:\/(steps|settings|enrollments|automation))?$/, () => seq.page],
  [/^\/enrollments\/([^/]+)$/, () => people.enrollment],
  [/^\/contacts$/, () => people.list],
  [/^\/contacts\/([^/]+)$/, () => people.page],
  [/^\/lists$/, () => lists.list],
  [/^\/lists\/([^/]+)$/, () => lists.page],
  [/^\/scheduled$/, () => work.scheduled],
  [/^\/tasks$/, () => work.tasks],
  [/^\/users$/, () => admin.users],
  [/^\/inbound$/, () => admin.inbound],
  [/^\/health$/, () => admin.health],
];

const main = document.getElementById('main');
let generation = 0;

/** Renders the current route; a newer navigation makes an older render's result be dropped. */
export async function render() {
  const hash = location.hash || '#/sequences';
  if (!hash.startsWith('#/')) return;
  const path = decodeURIComponent(hash.slice(1).split('?')[0]);
  const mine = ++generation;
  for (const a of document.querySelectorAll('.top nav a')) {
    const here = path === a.getAttribute('href').slice(1) || path.startsWith(`${a.getAttribute('href').slice(1)}/`);
    if (here) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  const match = routes.map(([re, screen]) => [re.exec(path), screen]).find(([m]) => m);
  const view = h('div', { class: 'view' });
  if (!match) {
    add(view, h('h1', { text: 'Not found' }), h('p', {}, 'No screen here. ', h('a', { href: '#/sequences', text: 'Go to sequences' })));
  } else {
    try {
      await match[1]()(view, ...match[0].slice(1).map(x => x && decodeURIComponent(x)));
    } catch (e) {
      add(view, h('h1', { text: 'Something went wrong' }), problemBox(e));
    }
  }
  if (mine !== generation) return;
  add(clear(main), view);
  document.title = `${view.querySelector('h1')?.textContent ?? 'Sequences'} · Sequences`;
}

/** Re-renders the current screen (after a change). */
export const refresh = () => render();

async function start() {
  const picker = document.getElementById('acting-as');
  document.getElementById('skip').addEventListener('click', e => { e.preventDefault(); main.focus(); });
  picker.addEventListener('change', () => {
    if (picker.value === OTHER) { askUserId(); return; }
    setActingAs(picker.value);
    render();
  });
  window.addEventListener('hashchange', () => { render().then(() => main.focus({ preventScroll: true })); });
  await fillPicker();
  await render();
}

const OTHER = '\u0000other';

export async function fillPicker(force = false) {
  const picker = document.getElementById('acting-as');
  const users = await loadUsers(force);
  const current = actingAs() || users.find(u => u.active !== false)?.id || '';
  if (current && !actingAs()) setActingAs(current);
  picker.replaceChildren(h('option', { value: '', text: 'Choose a user…' }),
    ...users.map(u => h('option', { value: u.id, text: `${u.name} (${u.email})`, selected: u.id === current })),
    // A server that cannot list users: the user is named by id.
    usersListed() ? null : h('option', { value: OTHER, text: 'Another user (by id)…' }));
  picker.value = current;
}

function askUserId() {
  const input = h('input', { type: 'text', autocomplete: 'off', required: true });
  const err = h('p', { class: 'error-text', role: 'alert' });
  const form = h('form', {}, field('User id', input), err, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', text: 'Act as this user' })));
  const d = openDialog({ title: 'Act as a user', body: form, onclose: () => fillPicker() });
  input.focus();
  form.addEventListener('submit', async e => {
    e.preventDefault();
    const users = await ensureUsers([input.value.trim()]);
    if (!users.some(u => u.id === input.value.trim())) { err.textContent = 'No user has this id.'; return; }
    setActingAs(input.value.trim());
    d.close();
    render();
  });
}

start().catch(e => { add(clear(main), h('h1', { text: 'The app could not start' }), problemBox(e)); });

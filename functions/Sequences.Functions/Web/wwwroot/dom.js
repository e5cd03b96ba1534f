// DOM helpers. Data is only ever placed with textContent, attribute setters and properties:
// never innerHTML. Rep-written HTML goes into sandboxed iframes (frame()).

const PROPS = new Set(['value', 'checked', 'disabled', 'hidden', 'selected', 'multiple', 'required', 'indeterminate']);
let counter = 0;

/** A unique element id. */
export const uid = (prefix = 'el') => `${prefix}-${++counter}`;

/** Creates an element: h('button', {class: 'primary', onclick: fn, text: 'Save'}, ...children). */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = String(v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (PROPS.has(k)) el[k] = v;
    else if (k === 'style') throw new Error('No inline styles: the page forbids them (CSP)');
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  add(el, children);
  return el;
}

/**
 * Appends children: strings become text nodes, arrays are flattened, null/false are skipped
 * (native append would print them). Use this, not el.append, wherever a child may be absent.
 */
export function add(el, ...children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** A labelled control: the label's for= points at the control (given an id if it has none). */
export function field(label, control, hint, cls) {
  if (!control.id) control.id = uid('f');
  const hintEl = hint ? h('span', { class: 'hint', id: uid('hint'), text: hint }) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: cls ? `field ${cls}` : 'field' }, h('label', { for: control.id, text: label }), control, hintEl);
}

/** A checkbox with its label after it. */
export function check(label, checked, onchange, attrs = {}) {
  const input = h('input', { type: 'checkbox', id: uid('c'), checked: !!checked, onchange, ...attrs });
  return { input, el: h('div', { class: 'field inline' }, input, h('label', { for: input.id, class: 'check', text: label })) };
}

export function select(options, value, attrs = {}) {
  const s = h('select', attrs);
  for (const o of options) {
    const [v, t] = Array.isArray(o) ? o : [o, o];
    add(s, h('option', { value: v, text: t, selected: v === value }));
  }
  if (value !== undefined && value !== null) s.value = value;
  return s;
}

/** Email HTML, shown sandboxed: no scripts, an opaque origin, and the page's CSP inherited. */
export function frame(html, title, cls = 'preview') {
  return h('iframe', { class: cls, sandbox: '', title, srcdoc: html ?? '', tabindex: '0' });
}

/** A problem from the API as text: its code and its words, and per-field errors. */
export function problemBox(err, extra) {
  const p = err?.problem ?? {};
  const box = h('div', { class: 'error', role: 'alert' },
    h('span', { class: 'code', text: p.code ?? (err?.status ? `HTTP ${err.status}` : 'ERROR') }), ': ',
    h('span', { class: 'detail', text: p.detail ?? p.title ?? err?.message ?? 'Something went wrong.' }));
  if (p.errors && typeof p.errors === 'object') {
    const ul = h('ul');
    for (const [path, messages] of Object.entries(p.errors)) {
      for (const m of [].concat(messages)) add(ul, h('li', {}, h('code', { text: path }), ' ', m));
    }
    add(box, ul);
  }
  if (p.missingTokens?.length) add(box, h('p', { text: `Missing tokens: ${p.missingTokens.join(', ')}` }));
  if (extra) add(box, extra);
  return box;
}

/** Announces a short message to screen readers (and shows nothing). */
export function announce(text) {
  const s = document.getElementById('status');
  s.textContent = '';
  setTimeout(() => { s.textContent = text; }, 30);
}

/**
 * A modal dialog (native <dialog>: focus is kept inside, Escape closes it). body and actions are
 * elements; returns {dialog, close, body, foot}.
 */
export function openDialog({ title, body, actions = [], panel = false, onclose }) {
  const titleId = uid('dlg');
  const bodyEl = h('div', { class: 'dlg-body' }, body);
  const foot = h('div', { class: 'dlg-foot' }, actions);
  const closeBtn = h('button', { type: 'button', class: 'link', text: 'Close' });
  const dlg = h('dialog', { class: panel ? 'panel' : null, 'aria-labelledby': titleId },
    h('div', { class: 'dlg-head' }, h('h2', { id: titleId, text: title }), closeBtn), bodyEl, actions.length ? foot : null);
  const close = () => { if (dlg.open) dlg.close(); };
  closeBtn.addEventListener('click', close);
  dlg.addEventListener('close', () => { dlg.remove(); onclose?.(); });
  document.body.append(dlg);
  dlg.showModal();
  return { dialog: dlg, close, body: bodyEl, foot };
}

/** Asks to confirm; resolves true when confirmed. */
export function confirmDialog(title, message, okLabel, danger = false) {
  return new Promise(resolve => {
    let ok = false;
    const yes = h('button', { type: 'button', class: danger ? 'danger primary' : 'primary', text: okLabel });
    const no = h('button', { type: 'button', text: 'Cancel' });
    const d = openDialog({ title, body: h('p', { text: message }), actions: [no, yes], onclose: () => resolve(ok) });
    yes.addEventListener('click', () => { ok = true; d.close(); });
    no.addEventListener('click', d.close);
    no.focus();
  });
}

/** A small menu button (Actions ▾) whose items are [label, fn] pairs. */
export function menu(label, items, ariaLabel) {
  const list = h('div', { role: 'menu', hidden: true });
  const btn = h('button', { type: 'button', 'aria-haspopup': 'menu', 'aria-expanded': 'false', 'aria-label': ariaLabel ?? label }, label, h('span', { 'aria-hidden': 'true', text: ' ▾' }));
  const hide = () => { list.hidden = true; btn.setAttribute('aria-expanded', 'false'); };
  btn.addEventListener('click', e => {
    e.stopPropagation();
    list.hidden = !list.hidden;
    btn.setAttribute('aria-expanded', String(!list.hidden));
    if (!list.hidden) list.querySelector('button')?.focus();
  });
  for (const [text, fn] of items) {
    add(list, h('button', { type: 'button', role: 'menuitem', text, onclick: e => { e.stopPropagation(); hide(); fn(); } }));
  }
  list.addEventListener('keydown', e => { if (e.key === 'Escape') { hide(); btn.focus(); } });
  const wrap = h('div', { class: 'menu' }, btn, list);
  wrap.addEventListener('focusout', e => { if (!wrap.contains(e.relatedTarget)) hide(); });
  return wrap;
}

/** Calls fn after the input has been quiet for ms. */
export function debounce(fn, ms = 300) {
  let t;
  return (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); };
}

// A small rich-text editor for email bodies. The body is rep-written HTML, so it is edited inside
// an iframe sandboxed WITHOUT allow-scripts (nothing in it can run; it inherits the page's CSP);
// allow-same-origin lets this page make its body editable and read the HTML back.
import { h, uid, openDialog, add } from './dom.js';

export const TOKENS = [
  'contact.firstName', 'contact.lastName', 'contact.fullName', 'contact.email', 'contact.company',
  'contact.properties.industry', 'sender.name', 'sender.firstName', 'sender.email',
];

/**
 * richEditor({label, html, onchange}) → {el, getHtml(), setHtml(html)}. Toolbar: bold, italic,
 * link, bulleted and numbered lists; token help inserts {{ token }} at the caret.
 */
export function richEditor({ label, html = '', onchange, tokens = TOKENS }) {
  const labelId = uid('rte');
  const iframe = h('iframe', { sandbox: 'allow-same-origin', title: `${label} (editor)`, srcdoc: wrap(html), 'aria-labelledby': labelId });
  let ready = false;
  let pending = null;
  const doc = () => iframe.contentDocument;
  iframe.addEventListener('load', () => {
    const d = doc();
    if (!d?.body) return;
    d.body.contentEditable = 'true';
    d.body.setAttribute('role', 'textbox');
    d.body.setAttribute('aria-multiline', 'true');
    d.body.setAttribute('aria-label', label);
    d.body.spellcheck = true;
    d.body.addEventListener('input', () => onchange?.(getHtml()));
    ready = true;
    if (pending !== null) { d.body.replaceChildren(...parse(pending)); pending = null; }
  });
  const exec = (cmd, arg) => {
    const d = doc();
    if (!d) return;
    d.body.focus();
    d.execCommand(cmd, false, arg);
    onchange?.(getHtml());
  };
  const btn = (text, cls, fn) => h('button', { type: 'button', class: cls, text, onmousedown: e => e.preventDefault(), onclick: fn });
  const bar = h('div', { class: 'rte-bar', role: 'toolbar', 'aria-label': `${label} formatting` },
    btn('Bold', 'b', () => exec('bold')),
    btn('Italic', 'i', () => exec('italic')),
    btn('Link', null, () => askLink(url => exec('createLink', url))),
    btn('Bulleted list', null, () => exec('insertUnorderedList')),
    btn('Numbered list', null, () => exec('insertOrderedList')));
  const help = h('details', { class: 'tokens-help' }, h('summary', { text: 'Personalization tokens' }),
    h('p', { class: 'hint', text: 'Click a token to insert it at the cursor. Custom tokens ({{ meetingLink }}) get their values when you enroll.' }),
    h('ul', {}, tokens.map(t => h('li', {}, h('button', { type: 'button', class: 'link', onmousedown: e => e.preventDefault(),
      onclick: () => exec('insertText', `{{ ${t} }}`) }, h('code', { text: `{{ ${t} }}` }))))));
  const el = h('div', { class: 'field' }, h('span', { id: labelId, class: 'label', text: label }),
    h('div', { class: 'rte' }, bar, iframe), help);
  function getHtml() {
    return ready ? doc().body.innerHTML : (pending ?? html);
  }
  function setHtml(v) {
    if (ready) doc().body.replaceChildren(...parse(v)); else pending = v;
  }
  return { el, getHtml, setHtml, iframe };
}

// The editor's document: the body as given (inherits the CSP: no scripts, no inline styles).
function wrap(body) {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="stylesheet" href="/app/editor.css"></head><body>${body ?? ''}</body></html>`;
}

// Parsed inert (DOMParser runs nothing) and adopted into the sandboxed editor only.
function parse(html) {
  return Array.from(new DOMParser().parseFromString(`<body>${html ?? ''}</body>`, 'text/html').body.childNodes);
}

function askLink(done) {
  const input = h('input', { type: 'url', id: uid('url'), placeholder: 'https://', required: true });
  const ok = h('button', { type: 'submit', class: 'primary', text: 'Insert link' });
  const form = h('form', {}, h('div', { class: 'field' }, h('label', { for: input.id, text: 'Link address' }), input), h('div', { class: 'actions' }, ok));
  const d = openDialog({ title: 'Insert link', body: form });
  form.addEventListener('submit', e => { e.preventDefault(); const v = input.value.trim(); d.close(); if (v) done(v); });
  input.focus();
}

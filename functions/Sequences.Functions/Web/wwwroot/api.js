// The one client of the API. The key is asked once, when the API answers 401, and kept in
// sessionStorage for this browser session (sent as X-Api-Key). A failed fetch (the API cannot be
// reached) shows a banner with Retry and waits for it.
import { h, clear, openDialog, uid, add } from './dom.js';

const KEY = 'sequences.apiKey';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem ?? {};
    this.code = this.problem.code;
  }
}

/** The endpoint is not on this server yet (an older API): screens say so instead of failing. */
export const notAvailable = e => e instanceof ApiError && ((e.status === 404 && e.code === 'NOT_FOUND' && /No route matches/.test(e.problem.detail ?? '')) || e.status === 405);

let reachable = null;
let keyPrompt = null;

function unreachable() {
  if (!reachable) {
    reachable = new Promise(resolve => {
      const banner = document.getElementById('banner');
      clear(banner);
      const retry = h('button', { type: 'button', class: 'primary', text: 'Retry' });
      add(banner, h('span', { text: 'The Sequences API cannot be reached (the server is down or the network is off).' }), retry);
      banner.hidden = false;
      retry.addEventListener('click', () => { banner.hidden = true; reachable = null; resolve(); });
      retry.focus();
    });
  }
  return reachable;
}

function askKey(wrong) {
  if (!keyPrompt) {
    keyPrompt = new Promise((resolve, reject) => {
      const input = h('input', { type: 'password', id: uid('key'), autocomplete: 'off', required: true });
      const msg = wrong
        ? h('p', { class: 'error-text', role: 'alert', text: 'That API key is not valid. Try again.' })
        : h('p', { text: 'This server needs an API key. It is kept in this browser tab until you close it.' });
      const form = h('form', { method: 'dialog' }, msg, h('div', { class: 'field' }, h('label', { for: input.id, text: 'API key' }), input));
      let given = null;
      const ok = h('button', { type: 'submit', class: 'primary', text: 'Use key' });
      add(form, h('div', { class: 'actions' }, ok));
      const d = openDialog({ title: 'API key required', body: form, onclose: () => {
        keyPrompt = null;
        if (given) resolve(); else reject(new ApiError(401, { code: 'UNAUTHORIZED', detail: 'No API key given.' }));
      } });
      form.addEventListener('submit', e => {
        e.preventDefault();
        if (!input.value) return;
        given = input.value;
        sessionStorage.setItem(KEY, given);
        d.close();
      });
      input.focus();
    });
  }
  return keyPrompt;
}

/**
 * Calls the API: api('GET', '/api/sequences') → {data, etag, status}. Throws ApiError with the
 * problem (code, detail, fields) for a 4xx/5xx, except statuses listed in opts.accept.
 */
export async function api(method, path, body, opts = {}) {
  for (;;) {
    const headers = { Accept: 'application/json' };
    const key = sessionStorage.getItem(KEY);
    if (key) headers['X-Api-Key'] = key;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (opts.ifMatch) headers['If-Match'] = opts.ifMatch;
    let res;
    try {
      res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
    } catch {
      await unreachable();
      continue;
    }
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = { detail: text }; }
    if (res.status === 401 && !opts.noPrompt) {
      if (key) sessionStorage.removeItem(KEY);
      await askKey(!!key);
      continue;
    }
    if (!res.ok && !(opts.accept ?? []).includes(res.status)) throw new ApiError(res.status, data);
    return { data, etag: res.headers.get('ETag'), status: res.status };
  }
}

export const get = async (path, opts) => (await api('GET', path, undefined, opts)).data;
export const post = async (path, body = {}, opts) => (await api('POST', path, body, opts)).data;
export const put = async (path, body, opts) => (await api('PUT', path, body, opts)).data;
export const patch = async (path, body, opts) => (await api('PATCH', path, body, opts)).data;
export const del = async (path, opts) => (await api('DELETE', path, undefined, opts)).data;

/** A query string from an object, skipping empty values. */
export function qs(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/**
 * Every page of a list (for pickers: users, sequences; a contact list's members), up to max items.
 * onPage(items so far) is told after each page; it returns false to stop there.
 */
export async function all(path, max = 1000, onPage = null) {
  const items = [];
  let cursor = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = await get(`${path}${sep}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...(page.items ?? []));
    cursor = page.nextCursor ?? null;
    if (onPage?.(items) === false) break;
  } while (cursor && items.length < max);
  return items;
}

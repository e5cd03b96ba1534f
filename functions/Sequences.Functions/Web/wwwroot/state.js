// What the screens share: the users (for pickers and names) and who the browser is acting as.
// "Acting as" is not authentication: it only picks whose tasks, schedule and defaults are shown.
import { all, notAvailable } from './api.js';

const ACTING = 'sequences.actingAs';
let users = null;

export async function loadUsers(force = false) {
  if (!users || force) {
    try {
      users = await all('/api/users');
    } catch (e) {
      if (!notAvailable(e)) throw e;
      users = [];
    }
  }
  return users;
}

export const cachedUsers = () => users ?? [];
export const userName = id => cachedUsers().find(u => u.id === id)?.name ?? id;
export const actingAs = () => sessionStorage.getItem(ACTING) ?? '';
export const setActingAs = id => { if (id) sessionStorage.setItem(ACTING, id); else sessionStorage.removeItem(ACTING); };

/** The users a sequence is shared with: its owner, its list, or everyone active. */
export function sharedUsers(sequence) {
  const list = cachedUsers().filter(u => u.active !== false);
  if (sequence.sharedWithEveryone) return list;
  const ids = new Set([sequence.ownerUserId, ...(sequence.sharedWithUserIds ?? [])]);
  return list.filter(u => ids.has(u.id));
}

export const contactName = c => [c?.firstName, c?.lastName].filter(Boolean).join(' ') || c?.email || c?.id || '';

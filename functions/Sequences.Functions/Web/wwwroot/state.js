// What the screens share: the users (for pickers and names) and who the browser is acting as.
// "Acting as" is not authentication: it only picks whose tasks, schedule and defaults are shown.
import { all, get, notAvailable, ApiError } from './api.js';

const ACTING = 'sequences.actingAs';
let users = null;
let listed = true;

/**
 * The users, for pickers and names. On a server without GET /api/users the app knows only the
 * users it has read by id (the acting user, a sequence's owner and shares).
 */
export async function loadUsers(force = false) {
  if (!users || force) {
    try {
      users = await all('/api/users');
      listed = true;
    } catch (e) {
      if (!notAvailable(e)) throw e;
      listed = false;
      const known = (users ?? []).map(u => u.id);
      users = [];
      await ensureUsers([actingAs(), ...known]);
    }
  }
  return users;
}

/** Whether the server lists users (else only users read by id are known). */
export const usersListed = () => listed;

/** Reads users by id that are not known yet (unknown ids are skipped). */
export async function ensureUsers(ids) {
  users = users ?? [];
  for (const id of new Set(ids.filter(Boolean))) {
    if (users.some(u => u.id === id)) continue;
    try {
      users.push(await get(`/api/users/${encodeURIComponent(id)}`));
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) throw e;
    }
  }
  return users;
}

export const cachedUsers = () => users ?? [];
export const userName = id => cachedUsers().find(u => u.id === id)?.name ?? id;
export const actingAs = () => sessionStorage.getItem(ACTING) ?? '';
/** The time zone of the user acted as (lists show their times in it). */
export const actingZone = () => cachedUsers().find(u => u.id === actingAs())?.timeZone || 'UTC';
export const setActingAs = id => { if (id) sessionStorage.setItem(ACTING, id); else sessionStorage.removeItem(ACTING); };

/** The users a sequence is shared with: its owner, its list, or everyone active. */
export function sharedUsers(sequence) {
  const list = cachedUsers().filter(u => u.active !== false);
  if (sequence.sharedWithEveryone) return list;
  const ids = new Set([sequence.ownerUserId, ...(sequence.sharedWithUserIds ?? [])]);
  return list.filter(u => ids.has(u.id));
}

export const contactName = c => [c?.firstName, c?.lastName].filter(Boolean).join(' ') || c?.email || c?.id || '';

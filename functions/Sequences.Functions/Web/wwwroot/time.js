// Times in a chosen IANA zone, never the browser's: the enroll panel's zone decides.

const partsCache = new Map();
function formatter(zone) {
  if (!partsCache.has(zone)) {
    partsCache.set(zone, new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    }));
  }
  return partsCache.get(zone);
}

/** The wall-clock fields of an instant in a zone. */
export function wallClock(ms, zone) {
  const p = Object.fromEntries(formatter(zone).formatToParts(new Date(ms)).map(x => [x.type, x.value]));
  return { y: +p.year, mo: +p.month, d: +p.day, h: +p.hour % 24, mi: +p.minute, s: +p.second };
}

/** The zone's offset from UTC at an instant, in minutes. */
export function offsetMinutes(ms, zone) {
  const w = wallClock(ms, zone);
  const asUtc = Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s);
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60000);
}

const pad = (n, l = 2) => String(Math.abs(n)).padStart(l, '0');

function offsetText(min) {
  return `${min < 0 ? '-' : '+'}${pad(Math.trunc(Math.abs(min) / 60))}:${pad(Math.abs(min) % 60)}`;
}

/**
 * A local date ("2027-03-29") and time ("09:00") in a zone as an ISO string with that zone's
 * offset then ("2027-03-29T09:00:00+02:00"). A time skipped by a DST change moves forward.
 */
export function localToIso(date, time, zone) {
  const [y, mo, d] = date.split('-').map(Number);
  const [hh, mi] = time.split(':').map(Number);
  const guess = Date.UTC(y, mo - 1, d, hh, mi);
  let off = offsetMinutes(guess, zone);
  let ms = guess - off * 60000;
  const off2 = offsetMinutes(ms, zone);
  if (off2 !== off) { off = off2; ms = guess - off * 60000; }
  const w = wallClock(ms, zone);
  return `${w.y}-${pad(w.mo)}-${pad(w.d)}T${pad(w.h)}:${pad(w.mi)}:00${offsetText(off)}`;
}

/** An instant as the zone's date and time inputs would hold it. */
export function isoToLocal(iso, zone) {
  const w = wallClock(Date.parse(iso), zone);
  return { date: `${w.y}-${pad(w.mo)}-${pad(w.d)}`, time: `${pad(w.h)}:${pad(w.mi)}` };
}

/** "2027-03-29 09:00 Europe/Berlin": an instant in a zone, plainly. */
export function fmt(iso, zone) {
  if (!iso) return '—';
  const z = zone || 'UTC';
  const w = wallClock(Date.parse(iso), z);
  // Seconds only when there are some (bulk enrollments are planned 20 s apart).
  return `${w.y}-${pad(w.mo)}-${pad(w.d)} ${pad(w.h)}:${pad(w.mi)}${w.s ? `:${pad(w.s)}` : ''} ${z}`;
}

/** A <time> element showing an instant in a zone, its machine value the instant itself. */
export function timeEl(iso, zone) {
  const t = document.createElement('time');
  if (iso) t.dateTime = iso;
  t.textContent = fmt(iso, zone);
  return t;
}

let zones;
/** The IANA zones this browser knows. */
export function allZones() {
  if (!zones) {
    const list = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
    zones = Array.from(new Set(['UTC', ...list]));
  }
  return zones;
}

/** Today's date in a zone, as a date input holds it. */
export function todayIn(zone) {
  return isoToLocal(new Date().toISOString(), zone).date;
}

/** "P2DT4H" → {days, hours, minutes, seconds}. */
export function parseDelay(text) {
  const m = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text ?? '');
  if (!m) return { days: 0, hours: 0, minutes: 0, seconds: 0 };
  return { days: (+(m[1] ?? 0)) * 7 + +(m[2] ?? 0), hours: +(m[3] ?? 0), minutes: +(m[4] ?? 0), seconds: +(m[5] ?? 0) };
}

export function formatDelay({ days = 0, hours = 0, minutes = 0, seconds = 0 }) {
  let t = '';
  if (hours) t += `${hours}H`;
  if (minutes) t += `${minutes}M`;
  if (seconds) t += `${seconds}S`;
  if (!days && !t) return 'PT0S';
  return `P${days ? `${days}D` : ''}${t ? `T${t}` : ''}`;
}

export function describeDelay(text) {
  const d = parseDelay(text);
  const parts = [];
  if (d.days) parts.push(`${d.days} day${d.days === 1 ? '' : 's'}`);
  if (d.hours) parts.push(`${d.hours} hour${d.hours === 1 ? '' : 's'}`);
  if (d.minutes) parts.push(`${d.minutes} min`);
  if (d.seconds) parts.push(`${d.seconds} s`);
  return parts.length ? parts.join(' ') : 'no delay';
}

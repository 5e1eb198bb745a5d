// Small helpers for the pages that build their content from API answers.
import { lang, show } from './i18n.js';

// h makes an element: h('button', { type: 'button', i18n: KEY }, child, ...).
// Attributes: i18n and i18nParams (its text, through show), class, for,
// on* (listeners), dataset; anything else is set as an attribute (true
// as an empty one, false and null not at all).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k === 'i18n') continue;
    if (k === 'i18nParams') continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'value' || k === 'checked' || k === 'disabled' || k === 'hidden' || k === 'textContent') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  if (attrs.i18n) show(el, attrs.i18n, attrs.i18nParams);
  el.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

// formatWhen is a meeting's day and time in the page's language, in the
// meeting's own time zone (where the group meets), with the zone named.
export function formatWhen(m) {
  const start = new Date(m.start);
  const end = new Date(m.end);
  const day = new Intl.DateTimeFormat(lang(), { timeZone: m.timeZone, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
  const time = new Intl.DateTimeFormat(lang(), { timeZone: m.timeZone, hour: 'numeric', minute: '2-digit' });
  return `${day.format(start)}, ${time.format(start)}–${time.format(end)} (${zoneName(start, m.timeZone)})`;
}

// formatStart is one start time (a poll's option) as formatWhen writes it.
export function formatStart(iso, timeZone) {
  const d = new Date(iso);
  const f = new Intl.DateTimeFormat(lang(), { timeZone, weekday: 'short', day: 'numeric', month: 'long', hour: 'numeric', minute: '2-digit' });
  return `${f.format(d)} (${zoneName(d, timeZone)})`;
}

function zoneName(d, timeZone) {
  return new Intl.DateTimeFormat(lang(), { timeZone, timeZoneName: 'short' })
    .formatToParts(d).find((p) => p.type === 'timeZoneName')?.value || timeZone;
}

// localInput is an RFC 3339 time as a datetime-local value in timeZone
// (the API takes that local time back in the meeting's zone).
export function localInput(iso, timeZone) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

// errorKey is the message key for a refused API call.
export function errorKey(err, fallback) {
  return {
    rate_limited: 'error.rate_limited',
    connection_lost: 'manage.connectionLost',
    group_full: 'manage.groupFull',
    invalid: 'manage.invalid',
    conflict: 'manage.conflict',
    poll_closed: 'manage.pollClosed',
    bad_transition: 'manage.badTransition',
  }[err.code] || fallback;
}

// saveBlob hands a fetched download to the browser as a file: a blob URL,
// so the token that fetched it never appears in an address.
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

// clock is a span of seconds as m:ss (h:mm:ss from an hour on).
export function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds + 1e-6));
  const pad = (n) => String(n).padStart(2, '0');
  const hours = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return hours ? `${hours}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

// i18n: the language of the page (Finnish or English), chosen from a
// stored choice or the browser's languages, switchable in the page.
// Elements name their string with data-i18n (text), data-i18n-label
// (aria-label) or data-i18n-title (title); code uses t().
import en from './lang/en.js';
import fi from './lang/fi.js';

const strings = { en, fi };
const STORAGE_KEY = 'piiri.lang';
let current = pick();

function pick() {
  const stored = safeStorage()?.getItem(STORAGE_KEY);
  if (stored && strings[stored]) return stored;
  for (const l of navigator.languages || [navigator.language]) {
    const base = String(l).toLowerCase().split('-')[0];
    if (strings[base]) return base;
  }
  return 'en';
}

function safeStorage() {
  try { return window.localStorage; } catch { return null; }
}

export function lang() { return current; }

export function setLang(code) {
  if (!strings[code]) return;
  current = code;
  safeStorage()?.setItem(STORAGE_KEY, code);
  apply(document);
}

// t returns the string for key in the current language, with {name}
// placeholders replaced from params.
export function t(key, params = {}) {
  const s = strings[current][key] ?? strings.en[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => (k in params ? String(params[k]) : `{${k}}`));
}

// has reports whether key names a string.
export function has(key) { return key in strings.en; }

// apply translates every marked element under root.
export function apply(root) {
  document.documentElement.lang = current;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  document.dispatchEvent(new CustomEvent('piiri:lang'));
}

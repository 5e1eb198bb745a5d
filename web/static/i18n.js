// i18n: the language of the page, chosen from a stored choice or the
// browser's languages, switchable in the page.
//
// Every message on the page is kept as a key and its parameters, never as
// finished text, so that switching the language renders each one again:
// elements name their string with data-i18n (text), data-i18n-label
// (aria-label) or data-i18n-title (title), with {name}-style parameters
// as JSON in data-i18n-params; code sets them with show() and label(),
// and apply() renders them all. Text code composes from several strings
// (a tile's label) is composed again on the 'piiri:lang' event, which is
// dispatched on the document (it does not reach listeners on window).

// LANGUAGES are the languages the client speaks, by code, each named in
// itself for the language menu. The strings are in lang/CODE.js, one file
// per language with the same keys as en.js: adding a language is adding
// its file and its line here.
export const LANGUAGES = {
  fi: 'Suomi',
  sv: 'Svenska',
  en: 'English',
};

// FALLBACK is the language of a browser that prefers none of the others,
// and the one a missing string falls back to.
const FALLBACK = 'en';
const STORAGE_KEY = 'piiri.lang';

const strings = {}; // code -> the loaded strings of that language
let current = FALLBACK;

// load fetches a language's strings once.
async function load(code) {
  if (!strings[code]) strings[code] = (await import(`./lang/${code}.js`)).default;
  return strings[code];
}

// init picks the page's language and loads its strings; the page renders
// nothing before it has settled.
export async function init() {
  current = pick();
  await Promise.all([load(FALLBACK), load(current)]);
}

function pick() {
  const stored = safeStorage()?.getItem(STORAGE_KEY);
  if (stored && LANGUAGES[stored]) return stored;
  for (const l of navigator.languages || [navigator.language]) {
    const base = String(l).toLowerCase().split('-')[0];
    if (LANGUAGES[base]) return base;
  }
  return FALLBACK;
}

function safeStorage() {
  try { return window.localStorage; } catch { return null; }
}

export function lang() { return current; }

// setLang switches the page to another language, keeps the choice, and
// renders every message again.
export async function setLang(code) {
  if (!LANGUAGES[code]) return;
  await load(code);
  current = code;
  try { safeStorage()?.setItem(STORAGE_KEY, code); } catch { /* private mode */ }
  apply(document);
}

// t returns the string for key in the current language, with {name}
// placeholders replaced from params.
export function t(key, params = {}) {
  const s = strings[current]?.[key] ?? strings[FALLBACK]?.[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => (k in params ? String(params[k]) : `{${k}}`));
}

// has reports whether key names a string.
export function has(key) { return key in (strings[FALLBACK] || {}); }

// show makes el show the string key with params, now and after every
// language change; without a key it empties el. It writes only when the
// text changes, so a live region is not announced again for nothing.
export function show(el, key, params) {
  if (!key) {
    delete el.dataset.i18n;
    delete el.dataset.i18nParams;
    if (el.textContent) el.textContent = '';
    return;
  }
  el.dataset.i18n = key;
  setParams(el, params);
  render(el);
}

// label makes el's aria-label the string key with params, as show does
// for text.
export function label(el, key, params) {
  el.dataset.i18nLabel = key;
  setParams(el, params);
  render(el);
}

function setParams(el, params) {
  if (params && Object.keys(params).length) el.dataset.i18nParams = JSON.stringify(params);
  else delete el.dataset.i18nParams;
}

function paramsOf(el) {
  try { return el.dataset.i18nParams ? JSON.parse(el.dataset.i18nParams) : {}; } catch { return {}; }
}

function render(el) {
  const params = paramsOf(el);
  const { i18n, i18nLabel, i18nTitle } = el.dataset;
  if (i18n) {
    const text = t(i18n, params);
    if (el.textContent !== text) el.textContent = text;
  }
  if (i18nLabel) el.setAttribute('aria-label', t(i18nLabel, params));
  if (i18nTitle) el.title = t(i18nTitle, params);
}

// apply renders every marked element under root in the current language,
// then tells the page's parts that compose text themselves.
export function apply(root) {
  document.documentElement.lang = current;
  for (const el of root.querySelectorAll('[data-i18n], [data-i18n-label], [data-i18n-title]')) render(el);
  document.dispatchEvent(new CustomEvent('piiri:lang'));
}

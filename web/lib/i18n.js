// i18n.js - the visitor's language, Chinese first with an English switch,
// kept under one localStorage key so that a choice made on any page (the
// services catalog, a phone page, a console, the cockpit) holds on all of
// them. One way to say a thing: t('中文', 'English') where it is said, or
// pick(obj, 'name') for a pack or server object's name_zh / name_en.
// (Node imports this through cockpit/util.js: no document at load.)

export const KEY = 'zz-lang';
const OLD_KEY = 'zz_lang'; // the public pages' key before there was one

const store = globalThis.localStorage || null;

// The stored choice; a choice under the old key moves to the new one once
// (a choice already under the new key wins) and the old key goes.
function load() {
  if (!store) return 'zh';
  try {
    const old = store.getItem(OLD_KEY);
    if (old !== null) {
      if (store.getItem(KEY) === null) store.setItem(KEY, old);
      store.removeItem(OLD_KEY);
    }
    return store.getItem(KEY) === 'en' ? 'en' : 'zh';
  } catch {
    return 'zh'; // storage refused (private mode): Chinese, unsaved
  }
}

/** 'zh' or 'en'; importers see changes (a live binding). */
export let lang = load();

/** Chooses the language and remembers it for every page. */
export function setLang(l) {
  lang = l === 'en' ? 'en' : 'zh';
  try {
    if (store) store.setItem(KEY, lang);
  } catch { /* not remembered; this page still switches */ }
}

/** The text in the current language; English falls back to Chinese. */
export function t(zh, en) {
  return lang === 'en' ? (en || zh) : zh;
}

/** obj[base_zh] / obj[base_en] in the current language, the other if missing. */
export function pick(obj, base) {
  const zh = obj[base + '_zh'], en = obj[base + '_en'];
  return (lang === 'en' ? en || zh : zh || en) || '';
}

/** Relabels the page's static text: <html lang>, [data-zh]/[data-en]
 * text, [data-ph-zh]/[data-ph-en] placeholders, and a #lang switch that
 * names the other language. */
export function translate() {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  for (const e of document.querySelectorAll('[data-zh]')) e.textContent = e.dataset[lang];
  for (const e of document.querySelectorAll('[data-ph-zh]')) e.placeholder = e.dataset[lang === 'zh' ? 'phZh' : 'phEn'];
  const b = document.getElementById('lang');
  if (b) b.textContent = lang === 'zh' ? 'EN' : '中文';
}

/** Wires the page's switches (#lang and .lang-switch): a click flips the
 * language, relabels the page and calls onChange to redraw the rest. */
export function setupLang(onChange = () => {}) {
  const switches = [document.getElementById('lang'), ...document.querySelectorAll('.lang-switch')];
  for (const b of new Set(switches)) {
    if (!b) continue;
    b.addEventListener('click', () => {
      setLang(lang === 'zh' ? 'en' : 'zh');
      translate();
      onChange();
    });
  }
  translate();
}

/**
 * A page's own words: a table of key -> ['中文', 'English'] pairs (a group
 * of pairs under a key for names of states and the like), said with t().
 *   const w = words({ busy: ['请稍后再试', 'Try again shortly'], state: { open: ['待办', 'Open'] } });
 *   w('busy'); w('state', 'open');   // undefined for a pair the table lacks
 */
export function words(table) {
  return (key, sub) => {
    const pair = sub === undefined ? table[key] : table[key] && table[key][sub];
    return pair ? t(pair[0], pair[1]) : undefined;
  };
}

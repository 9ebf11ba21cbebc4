// A small dictionary-based i18n: Chinese first, English as the alternative.
// Messages live in locales/; enumeration labels come from the API (enums.js).
// The chosen language is kept in localStorage.
import { ref, watch } from 'vue';
import zhCN from './locales/zh-CN.js';
import en from './locales/en.js';

const messages = { 'zh-CN': zhCN, en };

const stored = typeof localStorage !== 'undefined' ? localStorage.getItem('gridline.locale') : null;

// locale is the current language: 'zh-CN' or 'en'.
export const locale = ref(stored === 'en' ? 'en' : 'zh-CN');

watch(locale, (l) => {
  try {
    localStorage.setItem('gridline.locale', l);
  } catch {
    // Private mode: the choice just isn't remembered.
  }
  document.documentElement.lang = l;
}, { immediate: true });

// t returns the message for key in the current language, with {name}
// placeholders replaced from params.
export function t(key, params) {
  const s = messages[locale.value][key] ?? messages['zh-CN'][key] ?? key;
  if (!params) return s;
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
}

// localName picks the name of a {name, name_en} object (a grid layer, an
// enumeration label) for the current language.
export function localName(o) {
  if (!o) return '';
  return locale.value === 'en' ? o.name_en || o.name || o.code : o.name || o.code;
}

// layerName returns the localized name of a grid layer from /api/v1/grid-layers.
export const layerName = localName;

// formatNumber formats an integer with the locale's grouping.
export function formatNumber(n) {
  if (n == null || Number.isNaN(n)) return '—';
  return Number(n).toLocaleString(locale.value === 'en' ? 'en-GB' : 'zh-CN');
}

// formatArea formats an area in square metres: km² when at least 1 km²,
// otherwise 万㎡ in Chinese and hectares in English.
export function formatArea(m2) {
  if (m2 == null) return '—';
  if (m2 >= 1e6) return `${(m2 / 1e6).toFixed(2)} km²`;
  if (locale.value === 'en') return `${(m2 / 1e4).toFixed(2)} ha`;
  return `${(m2 / 1e4).toFixed(2)} 万㎡`;
}

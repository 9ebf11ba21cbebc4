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

// Times are shown in China Standard Time whatever the browser's zone, as
// case numbers and deadlines are reckoned in it.
const CST = 'Asia/Shanghai';
const CST_OFFSET = 8 * 3600e3; // ms; China has no daylight saving time since 1991
const dateTimeFormats = {};

// chinaClock returns the time d in China time as 2026/11/28 08:35:43
// (zh-CN) or 28/11/2026, 08:35:43 (en), as Intl would (see chinaDate).
export function chinaClock(d = new Date()) {
  const [date, time] = new Date(d.getTime() + CST_OFFSET).toISOString().slice(0, 19).split('T');
  const [y, m, day] = date.split('-');
  return locale.value === 'en' ? `${day}/${m}/${y}, ${time}` : `${y}/${m}/${day} ${time}`;
}

// formatTime formats an RFC 3339 time as 2026-11-27 15:04 (China time);
// short leaves out the year.
export function formatTime(s, { short = false } = {}) {
  if (!s) return '—';
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return '—';
  const key = short ? 'short' : 'long';
  const f = (dateTimeFormats[key] ||= new Intl.DateTimeFormat('en-CA', {
    timeZone: CST, year: short ? undefined : 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }));
  const p = Object.fromEntries(f.formatToParts(d).map((x) => [x.type, x.value]));
  return `${short ? '' : `${p.year}-`}${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

// chinaTime turns "2026-11-27 18:00" or "2026-11-27", read as China time,
// into an RFC 3339 time for the API.
export function chinaTime(s) {
  if (!s) return undefined;
  const [date, time = '00:00'] = s.split(' ');
  return `${date}T${time.length === 5 ? `${time}:00` : time}+08:00`;
}

// chinaDate returns the day in China time of a Date, shifted by days, as
// 2026-11-27.
export function chinaDate(d = new Date(), days = 0) {
  // China time has been UTC+8 all year since 1991: the day is read from
  // the time moved by eight hours, not with Intl, whose first formatter
  // in a time zone costs 20–30 ms (its zone data) as the app starts.
  return new Date(d.getTime() + days * 86400e3 + CST_OFFSET).toISOString().slice(0, 10);
}

// shiftDay returns the China day d (2026-11-27) moved by days.
export const shiftDay = (d, days) => chinaDate(new Date(`${d}T12:00:00+08:00`), days);

// The category catalogue (案件类别) as the pages show it: read once per
// page load from GET /api/v1/categories and shared.
import { reactive } from 'vue';
import { getCategories } from './api/tickets.js';
import { localName } from './i18n.js';

// catalogue holds items (main classes and sub-classes, in catalogue order)
// and byCode; loaded turns true once they are read.
export const catalogue = reactive({ items: [], byCode: {}, loaded: false, error: '' });

let loading = null;

// loadCatalogue reads the catalogue once; later calls share the first.
export function loadCatalogue() {
  if (!loading) {
    loading = getCategories().then((r) => {
      catalogue.items = r.items || [];
      catalogue.byCode = Object.fromEntries(catalogue.items.map((c) => [c.code, c]));
      catalogue.loaded = true;
    }).catch((err) => {
      loading = null; // asked again by the next page
      catalogue.error = err.message;
    });
  }
  return loading;
}

// categoryTree returns the catalogue as cascader options: main classes
// with their sub-classes as children; value is the code.
export function categoryTree() {
  const mains = catalogue.items.filter((c) => !c.parent_code)
    .map((c) => ({ value: c.code, label: localName(c), children: [] }));
  const byMain = Object.fromEntries(mains.map((m) => [m.value, m]));
  for (const c of catalogue.items) {
    if (c.parent_code && byMain[c.parent_code]) byMain[c.parent_code].children.push({ value: c.code, label: localName(c) });
  }
  return mains.filter((m) => m.children.length);
}

// categoryPath returns [main code, sub code] for a sub-class code, or [].
export function categoryPath(code) {
  const c = catalogue.byCode[code];
  return c && c.parent_code ? [c.parent_code, c.code] : [];
}

// categoryLabel names a sub-class with its main class: "市政公用设施 / 路灯";
// a code not in the catalogue (deactivated since) shows as it is.
export function categoryLabel(code) {
  const c = catalogue.byCode[code];
  if (!c) return code || '';
  const main = catalogue.byCode[c.parent_code];
  return main ? `${localName(main)} / ${localName(c)}` : localName(c);
}

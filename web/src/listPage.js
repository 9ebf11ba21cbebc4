// useListPage is what the list pages (治理力量, 工单列表) share: filters kept
// in the URL query, so a filtered list can be reloaded and shared; a page
// of rows loaded by fetch, cancelling a load still running; the search box
// that updates the URL when typing pauses; and whether the screen is wide.
import { computed, onBeforeUnmount, onMounted, ref, watch } from 'vue';
import { useRoute, useRouter } from 'vue-router';

// useListPage takes fetch(signal), which returns {items, total} and, where
// the total may be a lower bound (a text search of the cases), total_exact.
export function useListPage(fetch) {
  const route = useRoute();
  const router = useRouter();

  const param = (k) => (typeof route.query[k] === 'string' ? route.query[k] : '');
  const q = computed(() => param('q').trim());
  const page = computed(() => Math.max(1, Number.parseInt(param('page'), 10) || 1));

  // setQuery changes filters in the URL; any change but the page's own
  // goes back to the first page.
  function setQuery(changes) {
    const query = { ...route.query, ...changes };
    if (!('page' in changes)) delete query.page;
    for (const k of Object.keys(query)) if (!query[k]) delete query[k];
    router.replace({ query });
  }

  const rows = ref([]);
  const total = ref(null);
  const totalExact = ref(true);
  const loading = ref(false);
  const error = ref(null);
  let controller = null;

  async function load() {
    if (controller) controller.abort();
    const my = (controller = new AbortController());
    loading.value = true;
    error.value = null;
    try {
      const r = await fetch(my.signal);
      rows.value = r.items || [];
      total.value = r.total;
      totalExact.value = r.total_exact !== false;
    } catch (err) {
      if (err.name === 'AbortError') return;
      error.value = err;
      rows.value = [];
      total.value = null;
      totalExact.value = true;
    } finally {
      if (controller === my) {
        controller = null;
        loading.value = false;
      }
    }
  }

  // The search box updates the URL when typing pauses, or at once on Enter.
  const search = ref(q.value);
  let searchTimer = null;
  watch(q, (v) => { if (v !== search.value.trim()) search.value = v; });
  function applySearch() {
    clearTimeout(searchTimer);
    if (search.value.trim() !== q.value) setQuery({ q: search.value.trim() });
  }
  watch(search, () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(applySearch, 300);
  });

  // Narrow screens get the columns that matter most.
  const wideQuery = window.matchMedia('(min-width: 900px)');
  const wide = ref(wideQuery.matches);
  const onWide = (e) => { wide.value = e.matches; };
  onMounted(() => wideQuery.addEventListener('change', onWide));

  onBeforeUnmount(() => {
    wideQuery.removeEventListener('change', onWide);
    clearTimeout(searchTimer);
    if (controller) controller.abort();
  });

  return { route, router, param, q, page, setQuery, rows, total, totalExact, loading, error, load, search, applySearch, wide };
}

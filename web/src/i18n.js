// A small dictionary-based i18n: Chinese first, English as the alternative.
// The chosen language is kept in localStorage.
import { ref, watch } from 'vue';

const messages = {
  'zh-CN': {
    product: '网格化社会治理平台',
    loadFailed: '数据加载失败',
    retry: '重试',
    map: '网格地图',
    layers: '图层',
    gridLayers: '网格图层',
    boundaries: '边界',
    townBoundary: '镇街边界',
    villageBoundary: '村居边界',
    townLabels: '镇街名称',
    fitCounty: '全区视图',
    gridsShown: '显示网格 {n} 个',
    overview: '全区概况',
    townsStreets: '镇街',
    townsStreetsSub: '街道 {streets} · 镇 {towns}',
    villagesCommunities: '村居',
    villagesCommunitiesSub: '社区 {communities} · 村 {villages}',
    grids: '网格',
    points: '包保点位',
    compounds: '小区',
    buildings: '楼栋',
    departments: '职能部门',
    propertyCompanies: '物业企业',
    people: '治理力量',
    workforce: '治理力量构成',
    workforceSub: '“6+3+N” 按队伍统计',
    propertyShare: '物业兼职网格员占城区网格员比例',
    propertyShareSub: '城区网格员 {all} 人，其中物业兼职 {property} 人',
    partyOrgs: '六级党组织',
    gridDetails: '网格详情',
    close: '关闭',
    community: '所属村居',
    town: '所属镇街',
    area: '面积',
    workers: '网格力量',
    noWorkers: '暂无人员',
    partyOrg: '网格党组织',
    leader: '负责人',
    none: '无',
    alsoHere: '此处的其他网格',
    hint: '点击地图上的网格查看详情',
  },
  en: {
    product: 'Grid-based community governance',
    loadFailed: 'Could not load data',
    retry: 'Retry',
    map: 'Grid map',
    layers: 'Layers',
    gridLayers: 'Grid layers',
    boundaries: 'Boundaries',
    townBoundary: 'Towns and streets',
    villageBoundary: 'Villages and communities',
    townLabels: 'Town names',
    fitCounty: 'Whole district',
    gridsShown: '{n} grids shown',
    overview: 'District overview',
    townsStreets: 'Towns and streets',
    townsStreetsSub: '{streets} streets · {towns} towns',
    villagesCommunities: 'Villages and communities',
    villagesCommunitiesSub: '{communities} communities · {villages} villages',
    grids: 'Grids',
    points: 'Responsibility points',
    compounds: 'Compounds',
    buildings: 'Buildings',
    departments: 'Departments',
    propertyCompanies: 'Property companies',
    people: 'Workforce',
    workforce: 'Workforce by team',
    workforceSub: 'The “6+3+N” teams',
    propertyShare: 'Property staff among urban grid workers',
    propertyShareSub: '{property} of {all} urban grid workers are property staff',
    partyOrgs: 'Party organisations (six levels)',
    gridDetails: 'Grid details',
    close: 'Close',
    community: 'Village / community',
    town: 'Town / street',
    area: 'Area',
    workers: 'People responsible',
    noWorkers: 'Nobody assigned yet',
    partyOrg: 'Party organisation',
    leader: 'Leader',
    none: 'None',
    alsoHere: 'Other grids here',
    hint: 'Click a grid on the map for its details',
  },
};

// Team names of the "6+3+N" workforce (gridline.Team).
const teams = {
  'zh-CN': {
    grid_worker: '专职网格员',
    cadre: '下沉干部',
    street_staff: '街道配套人员',
    property_staff: '物业兼职网格员',
    volunteer: '志愿者',
    welfare_post: '公益岗',
    special_grid_worker: '特聘网格员',
  },
  en: {
    grid_worker: 'Full-time grid workers',
    cadre: 'Sunk-down cadres',
    street_staff: 'Street support staff',
    property_staff: 'Property staff',
    volunteer: 'Volunteers',
    welfare_post: 'Public-welfare posts',
    special_grid_worker: 'Special grid workers',
  },
};

const roles = {
  'zh-CN': { grid_leader: '网格长', grid_worker: '网格员', leader: '负责人', member: '成员' },
  en: { grid_leader: 'Grid leader', grid_worker: 'Grid worker', leader: 'Leader', member: 'Member' },
};

// The six levels of the party organisation tree.
const partyLevels = {
  'zh-CN': ['街道党工委', '社区党委', '网格党组织', '小区党支部', '楼宇党小组', '红色楼栋长'],
  en: ['Street working committees', 'Community committees', 'Grid organisations', 'Compound branches', 'Building groups', 'Red building heads'],
};

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

// teamName returns the display name of a workforce team code.
export function teamName(code) {
  return teams[locale.value][code] ?? teams['zh-CN'][code] ?? code;
}

// teamCodes lists the teams in their canonical order.
export const teamCodes = Object.keys(teams['zh-CN']);

// roleName returns the display name of a role, or the role itself if unknown.
export function roleName(code) {
  return roles[locale.value][code] ?? code;
}

// partyLevelName returns the name of party organisation level n (1–6).
export function partyLevelName(n) {
  return partyLevels[locale.value][n - 1] ?? String(n);
}

// layerName returns the localized name of a grid layer from /api/v1/grid-layers.
export function layerName(layer) {
  if (!layer) return '';
  return locale.value === 'en' ? layer.name_en || layer.name || layer.code : layer.name || layer.code;
}

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

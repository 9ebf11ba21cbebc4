// The pages of the app, one view per feature under views/. History mode:
// the page is the path (/people), which leaves the URL hash to the map
// for its view (#zoom/lat/lon). The server answers every non-API path
// with index.html, so these URLs can be reloaded and shared.
import { createRouter, createWebHistory } from 'vue-router';

// DEFAULT_REGION is the county shown when the URL names none: Yanzhou.
export const DEFAULT_REGION = '370812';

// regionOf returns the county a route shows: ?region=<code>, which the nav
// bar carries from page to page.
export function regionOf(route) {
  const r = route.query.region;
  return typeof r === 'string' && r ? r : DEFAULT_REGION;
}

const regionProps = (route) => ({ region: regionOf(route) });

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    // Views are loaded on demand, so the workforce page does without the
    // map and chart libraries.
    { path: '/', name: 'map', component: () => import('./views/MapPage.vue'), props: regionProps, meta: { title: 'map' } },
    { path: '/people', name: 'people', component: () => import('./views/PeoplePage.vue'), props: regionProps, meta: { title: 'people', perm: 'people.read' } },
    // The case workbench: the list, intake, one case. section marks the
    // nav bar's 工单 on all three.
    { path: '/tickets', name: 'tickets', component: () => import('./views/TicketsPage.vue'), props: regionProps, meta: { title: 'tickets', section: 'tickets', perm: 'tickets.read' } },
    { path: '/tickets/new', name: 'ticket-new', component: () => import('./views/TicketNewPage.vue'), props: regionProps, meta: { title: 'ticketNewTitle', section: 'tickets', perm: 'tickets.create' } },
    {
      path: '/tickets/:id(\\d+)',
      name: 'ticket',
      component: () => import('./views/TicketPage.vue'),
      props: (route) => ({ region: regionOf(route), id: Number(route.params.id) }),
      meta: { title: 'ticket', section: 'tickets', perm: 'tickets.read' },
    },
    // Accounts: meta.perm is the permission a page needs (auth/me),
    // meta.signIn that it needs a user, whatever the role.
    { path: '/login', name: 'login', component: () => import('./views/LoginPage.vue'), meta: { title: 'login', bare: true } },
    { path: '/account', name: 'account', component: () => import('./views/AccountPage.vue'), meta: { title: 'account', signIn: true } },
    { path: '/admin/users', name: 'users', component: () => import('./views/UsersPage.vue'), meta: { title: 'users', perm: 'users.read', section: 'users' } },
    { path: '/admin/audit', name: 'audit', component: () => import('./views/AuditPage.vue'), meta: { title: 'audit', perm: 'audit.read', section: 'audit' } },
    // Supervision and assessment: the lights on the open cases, the KPIs.
    { path: '/supervision', name: 'supervision', component: () => import('./views/SupervisionPage.vue'), props: regionProps, meta: { title: 'supervision', perm: 'kpis.read' } },
    // Whistle-and-report (吹哨报到): the whistles, the reports, the department ranking.
    { path: '/whistles', name: 'whistles', component: () => import('./views/WhistlePage.vue'), props: regionProps, meta: { title: 'whistles', perm: 'tickets.read' } },
    { path: '/fusion', name: 'fusion', component: () => import('./views/FusionPage.vue'), props: regionProps, meta: { title: 'fusion', perm: 'kpis.read' } },
    // Coordination meetings (工单协调会): the list, the form, one meeting.
    { path: '/meetings', name: 'meetings', component: () => import('./views/MeetingsPage.vue'), meta: { title: 'meetings', section: 'meetings', perm: 'tickets.read' } },
    { path: '/meetings/new', name: 'meeting-new', component: () => import('./views/MeetingNewPage.vue'), meta: { title: 'meetingNew', section: 'meetings', perm: 'tickets.dispatch' } },
    {
      path: '/meetings/:id(\\d+)',
      name: 'meeting',
      component: () => import('./views/MeetingPage.vue'),
      props: (route) => ({ id: Number(route.params.id) }),
      meta: { title: 'meetings', section: 'meetings', perm: 'tickets.read' },
    },
    // The 12345 platform: importing its export (hotline intake), webhooks (admins).
    { path: '/hotline', name: 'hotline', component: () => import('./views/HotlinePage.vue'), meta: { title: 'hotline', perm: 'tickets.create' } },
    // The command centre's big screen: full screen, without the nav bar.
    { path: '/command', name: 'command', component: () => import('./views/CommandPage.vue'), props: regionProps, meta: { title: 'command', perm: 'kpis.read', fullscreen: true } },
    { path: '/kpis', name: 'kpis', component: () => import('./views/KpiPage.vue'), props: regionProps, meta: { title: 'kpis', perm: 'kpis.read' } },
    // The grid worker's phone app (网格通): its own pages under /m/, no
    // desktop nav (meta.phone), installable (public/m/).
    { path: '/m/:rest(.*)*', name: 'mobile', component: () => import('./views/MobileApp.vue'), props: true, meta: { title: 'mobileApp', phone: true } },
    // The residents' page (随手拍): no account, no staff shell
    // (meta.public); a QR door plate opens /report?qr=TOKEN.
    { path: '/report', name: 'report', component: () => import('./views/ResidentPage.vue'), props: { mode: 'report' }, meta: { title: 'resTitle', public: true } },
    { path: '/report/follow', name: 'report-follow', component: () => import('./views/ResidentPage.vue'), props: { mode: 'follow' }, meta: { title: 'resTabFollow', public: true } },
    { path: '/:unknown(.*)*', redirect: (to) => ({ name: 'map', query: to.query }) },
  ],
});

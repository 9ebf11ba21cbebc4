// The app's first requests, sent as soon as the modules they need have run
// (main.js imports this module before the app's components, Element Plus's
// among them): who is signed in and the enums first — the app mounts once
// the user is known, and the browser opens only six connections to the
// server, which the command centre's slower reads would otherwise hold —
// then, on /command, the command centre's first reads, before the user is
// known and its page (with MapLibre) has loaded and mounted.
import { hinted, loadMe } from './auth.js';
import { loadEnums } from './enums.js';
import { prefetchCommand } from './commandReads.js';
import { regionOf } from './router.js';

// signedIn settles once the signed-in user is known (auth.js, loadMe).
export const signedIn = loadMe();
loadEnums();
if (location.pathname === '/command' && hinted()) {
  const query = Object.fromEntries(new URLSearchParams(location.search));
  prefetchCommand(query, regionOf({ query }));
}

// The token the UI writes with (登录令牌): a session token from
// POST /api/v1/auth/login or an API token of an account. Either
// authorises writes and shows personal data unmasked, so the UI only
// needs to know whether it holds one that works. (A login page replaces
// this dialog later.)
import { reactive } from 'vue';
import { getToken, onTokenRejected, request, setToken } from './api/client.js';

// auth.token is the stored token ('' for none); rejected is set when the
// server refused it; dialog opens the token dialog in the header, from
// any page that needs a token for what the user is about to do.
export const auth = reactive({
  token: getToken(),
  rejected: false,
  dialog: false,
});

onTokenRejected(() => { auth.rejected = true; });

// checkToken asks the server whether token is valid: GET auth/me answers
// 401 for any token that is not a live session or API token, whatever
// the account's role.
export async function checkToken(token) {
  await request('GET', 'auth/me', { token });
}

// useToken keeps token for every request from now on; '' forgets it.
export function useToken(token) {
  setToken(token);
  auth.token = token;
  auth.rejected = false;
}

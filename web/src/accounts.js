// Small helpers of the account pages.

// browserOf names the browser and system of a User-Agent, roughly
// ("Chrome · Android"), for the list of devices; the full string is
// what the server keeps.
export function browserOf(ua) {
  if (!ua) return '—';
  const browser = /Edg\//.test(ua) ? 'Edge' : /MicroMessenger/.test(ua) ? 'WeChat'
    : /Firefox\//.test(ua) ? 'Firefox' : /Chrom(e|ium)\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : ua.split(/[\s/]/)[0];
  const os = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Windows/.test(ua) ? 'Windows'
    : /Mac OS X/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : '';
  return os ? `${browser} · ${os}` : browser;
}

// tokenState is 'revoked', 'expired' or 'active'.
export function tokenState(tok) {
  if (tok.revoked_at) return 'revoked';
  if (new Date(tok.expires_at) <= new Date()) return 'expired';
  return 'active';
}

// The server's field messages are English; these are the ones the account
// forms meet, in Chinese. Others show as the server wrote them.
const ZH = [
  [/^is required/, '必填'],
  [/^must be at least (\d+) characters long$/, '至少 $1 个字符'],
  [/^must be at most (\d+) characters long$/, '最多 $1 个字符'],
  [/^must not be the username$/, '不能与用户名相同'],
  [/^is one of the most common passwords/, '过于常见，请换一个密码'],
  [/^must not be one character repeated$/, '不能只是同一个字符的重复'],
  [/^must differ from the old password$/, '不能与当前密码相同'],
  [/^is taken$/, '已被占用'],
  [/use lower-case letters/, '只能用小写字母 a–z、数字和 . _ -，以字母或数字开头'],
  [/^must be 2–\d+ characters long$/, '长度须为 2–64 个字符'],
  [/^no unit (\d+) is stored$/, '没有编号为 $1 的单位'],
  [/^no region or grid (\d+) is stored$/, '没有代码为 $1 的区划或网格'],
  [/holds at a place: name its region or grid code$/, '该角色须填写区划或网格代码'],
  [/holds at a unit: name its unit id$/, '该角色须选择单位'],
  [/is not a region or grid code$/, '不是区划或网格代码'],
  [/is not a role/, '请选择角色'],
  [/is granted twice$/, '同一角色重复授予'],
  [/^you cannot take the admin role from yourself$/, '不能取消自己的管理员角色'],
  [/^you cannot disable your own account$/, '不能停用自己的账号'],
  [/is not a phone number$/, '不是有效的电话号码'],
];

// fieldMessages returns the server's field errors in the current
// language.
export function fieldMessages(fields, lang) {
  const out = {};
  for (const [k, v] of Object.entries(fields || {})) {
    let m = v;
    if (lang !== 'en') {
      const hit = ZH.find(([re]) => re.test(v));
      // The matched part alone, translated: $1 keeps a number.
      if (hit) m = v.match(hit[0])[0].replace(hit[0], hit[1]);
    }
    out[k] = m;
  }
  return out;
}

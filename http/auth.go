package http

import (
	"errors"
	"mime"
	"net/http"
	"net/netip"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gridline/gridline"
)

// hashSlots is how many password checks run at once: one per core keeps
// the cores for everything else, and bounds their memory (19 MiB each).
var hashSlots = max(2, runtime.NumCPU())

// SessionCookie is the cookie that carries a browser's session token.
const SessionCookie = "gridline_session"

// principal resolves the request's credentials: the Authorization header
// (a session or API token) or else the session cookie. No credentials is
// an anonymous caller (nil, no error); bad ones are EUNAUTHORIZED.
// viaCookie says the credentials came from the cookie. The principal is a
// copy, with Addr set, that the request may keep.
func (s *Server) principal(r *http.Request, ip netip.Addr) (p *gridline.Principal, viaCookie bool, err error) {
	var token string
	if h := r.Header.Get("Authorization"); h != "" {
		// The scheme is matched case-insensitively (RFC 9110 §11.1).
		scheme, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return nil, false, gridline.Errorf(gridline.EUNAUTHORIZED, "Use the header Authorization: Bearer <token>.")
		}
		if token = strings.TrimSpace(tok); token == "" {
			return nil, false, gridline.Errorf(gridline.EUNAUTHORIZED, "Use the header Authorization: Bearer <token>.")
		}
	} else if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		token, viaCookie = c.Value, true
	} else {
		return nil, false, nil
	}
	if s.Auth == nil {
		return nil, viaCookie, gridline.Errorf(gridline.EUNAUTHORIZED, "This server has no accounts.")
	}
	found, err := s.Auth.Authenticate(r.Context(), token)
	if err != nil {
		return nil, viaCookie, err
	}
	if viaCookie && found.SessionID == 0 {
		// Only a session belongs in the cookie: an API token there would
		// make it a browser credential without a CSRF token.
		return nil, true, gridline.Errorf(gridline.EUNAUTHORIZED, "The session cookie holds no session; log in again.")
	}
	c := *found
	c.Addr = ip.String()
	return &c, viaCookie, nil
}

// secure reports whether the client reached us over TLS: directly, or
// through a trusted proxy that says so in X-Forwarded-Proto.
func (s *Server) secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if len(s.g.limits.TrustedProxies) == 0 {
		return false
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	return err == nil && trusted(s.g.limits.TrustedProxies, ap.Addr().Unmap()) &&
		strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// contentSecurityPolicy allows the app's own assets only. MapLibre runs
// its workers from blob: URLs and draws images from data: and blob:;
// Element Plus and MapLibre set inline styles. No base tiles are loaded,
// so nothing comes from another origin.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; child-src 'self' blob:; " +
	"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// policy returns the Content-Security-Policy: contentSecurityPolicy, with
// the base map's origins allowed to be fetched and drawn when one is
// configured (MapLibre fetches tiles, then draws them as images).
func policy(bm gridline.BaseMap) string {
	var origins []string
	for _, u := range append(append([]string{}, bm.Tiles...), bm.Style) {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			continue
		}
		scheme, rest, _ := strings.Cut(u, "://")
		host, _, _ := strings.Cut(rest, "/")
		host, _, _ = strings.Cut(host, "?")
		if o := scheme + "://" + host; !slices.Contains(origins, o) {
			origins = append(origins, o)
		}
	}
	if len(origins) == 0 {
		return contentSecurityPolicy
	}
	extra := " " + strings.Join(origins, " ")
	p := strings.Replace(contentSecurityPolicy, "img-src 'self' data: blob:", "img-src 'self' data: blob:"+extra, 1)
	return strings.Replace(p, "connect-src 'self'", "connect-src 'self'"+extra, 1)
}

// setSecurityHeaders sets the headers every answer carries; csp is the
// server's policy.
func setSecurityHeaders(h http.Header, tls bool, csp string) {
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	if tls {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
}

func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, token string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", Expires: expires,
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
}

// signedIn returns the request's principal, or EUNAUTHORIZED.
func signedIn(r *http.Request) (*gridline.Principal, error) {
	p := gridline.PrincipalFrom(r.Context())
	if p == nil || p.User == nil {
		return nil, gridline.Errorf(gridline.EUNAUTHORIZED, "Not signed in: log in (POST /api/v1/auth/login) or send the header Authorization: Bearer <token>.")
	}
	return p, nil
}

// inSession returns the request's principal if it signed in with a
// session: changing the password and issuing tokens need one, so a
// leaked API token cannot make itself permanent.
func inSession(r *http.Request, what string) (*gridline.Principal, error) {
	p, err := signedIn(r)
	if err != nil {
		return nil, err
	}
	if p.SessionID == 0 {
		return nil, gridline.Errorf(gridline.EFORBIDDEN, "%s needs a signed-in session, not an API token.", what)
	}
	return p, nil
}

// admin returns the request's principal if it holds RoleAdmin.
func admin(r *http.Request) (*gridline.Principal, error) {
	p, err := signedIn(r)
	if err != nil {
		return nil, err
	}
	if !p.Has(gridline.RoleAdmin) {
		return nil, gridline.Errorf(gridline.EFORBIDDEN, "User administration needs the admin role.")
	}
	return p, nil
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type loginAnswer struct {
	Token     string         `json:"token"`
	CSRF      string         `json:"csrf"`
	ExpiresAt time.Time      `json:"expires_at"`
	User      *gridline.User `json:"user"`
}

// handleLogin checks a username and password and opens a session: the
// token in the answer (for apps: Authorization: Bearer) and in an
// HttpOnly cookie (for the browser, with the CSRF token for its writes).
// Failures from one address are limited (Limits.LoginFailures), and
// accounts lock after repeated failures (AuthPolicy).
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	// JSON only: a cross-site HTML form cannot send it, so another site
	// cannot sign a visitor in to an account of its choosing.
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		s.Error(w, r, gridline.Errorf(gridline.EINVALID, "Send the credentials as JSON with Content-Type: application/json."))
		return
	}
	var req loginRequest
	if err := decode(r, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	if req.Username == "" {
		s.Error(w, r, gridline.FieldErrorf("username", "is required"))
		return
	}
	if req.Password == "" {
		s.Error(w, r, gridline.FieldErrorf("password", "is required"))
		return
	}
	// No password is longer; argon2 need not hash megabytes to say so.
	if err := gridline.CheckText("password", req.Password, gridline.MaxPasswordLen); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := gridline.CheckText("username", req.Username, gridline.MaxUsernameLen); err != nil {
		s.Error(w, r, err)
		return
	}
	ip, now := s.clientIP(r), time.Now()
	l := s.g.limits
	rate, burst := 1/l.LoginRefill.Seconds(), float64(l.LoginFailures)
	if l.LoginFailures < 0 {
		rate = -1
	}
	if wait, ok := s.g.logins.take(ip, rate, burst, 0, now); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		s.Error(w, r, gridline.Errorf(gridline.ERATELIMITED, "Too many failed logins from your address; try again later."))
		return
	}
	ctx := gridline.WithClient(r.Context(), gridline.Client{Addr: ip.String(), UserAgent: r.UserAgent()})
	ses, token, err := s.Auth.Login(ctx, req.Username, req.Password)
	if err != nil {
		if code := gridline.ErrorCode(err); code == gridline.EUNAUTHORIZED || code == gridline.ERATELIMITED {
			s.g.logins.take(ip, rate, burst, 1, now)
		}
		var locked *gridline.LockedError
		if errors.As(err, &locked) {
			w.Header().Set("Retry-After", strconv.Itoa(int(locked.RetryAfter.Seconds())+1))
		}
		s.Error(w, r, err)
		return
	}
	u, err := s.Users.FindUserByID(r.Context(), ses.UserID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.setSessionCookie(w, r, token, ses.ExpiresAt)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, loginAnswer{Token: token, CSRF: ses.CSRF, ExpiresAt: ses.ExpiresAt, User: u})
}

// handleLogout ends the request's session and clears the cookie. Without
// a session (none, or one that has ended) it only clears the cookie.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if p := gridline.PrincipalFrom(r.Context()); p != nil {
		if p.SessionID == 0 {
			s.Error(w, r, gridline.Errorf(gridline.EINVALID, "An API token is not a session: revoke it with DELETE /api/v1/auth/tokens/{id}."))
			return
		}
		if err := s.Auth.Logout(r.Context(), p.SessionID); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	s.clearSessionCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
}

type meAnswer struct {
	User *gridline.User `json:"user"`
	// Grants are what this request may use: the user's, or the subset
	// its API token was issued for.
	Grants []gridline.Grant `json:"grants"`
	// CSRF is the session's CSRF token ("" with an API token).
	CSRF string `json:"csrf"`
	// TokenID is the API token used (0 in a session).
	TokenID int64 `json:"token_id,omitempty"`
	// Permissions are what the request may do, as "resource.action"
	// (gridline.Permissions): what the web app shows.
	Permissions []string `json:"permissions"`
}

// handleMe says who is signed in.
func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	if err := parseQuery(r).err; err != nil {
		s.Error(w, r, err)
		return
	}
	p, err := signedIn(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, meAnswer{User: p.User, Grants: p.Grants, CSRF: p.CSRF, TokenID: p.TokenID,
		Permissions: gridline.Permissions(p)})
}

type passwordChange struct {
	OldPassword string `json:"old_password"`
	NewPassword string `json:"new_password"`
}

// handlePasswordChange changes the signed-in user's password and ends
// the user's other sessions.
func (s *Server) handlePasswordChange(w http.ResponseWriter, r *http.Request) {
	p, err := inSession(r, "Changing the password")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var req passwordChange
	if err := decode(r, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	if req.OldPassword == "" {
		s.Error(w, r, gridline.FieldErrorf("old_password", "is required"))
		return
	}
	err = s.Auth.ChangePassword(r.Context(), p.User.ID, p.SessionID, req.OldPassword, req.NewPassword)
	var locked *gridline.LockedError
	if errors.As(err, &locked) {
		w.Header().Set("Retry-After", strconv.Itoa(int(locked.RetryAfter.Seconds())+1))
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleTokenIndex lists the signed-in user's API tokens (never the
// tokens themselves).
func (s *Server) handleTokenIndex(w http.ResponseWriter, r *http.Request) {
	if err := parseQuery(r).err; err != nil {
		s.Error(w, r, err)
		return
	}
	p, err := signedIn(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	ts, err := s.Auth.FindTokens(r.Context(), p.User.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(ts, len(ts)))
}

type tokenRequest struct {
	Name      string           `json:"name"`
	ExpiresAt *time.Time       `json:"expires_at"`
	Grants    []gridline.Grant `json:"grants"`
}

type tokenAnswer struct {
	*gridline.APIToken
	// Token is shown this once.
	Token string `json:"token"`
}

// handleTokenCreate issues an API token to the signed-in user; the answer
// is the only time the token is shown.
func (s *Server) handleTokenCreate(w http.ResponseWriter, r *http.Request) {
	p, err := inSession(r, "Issuing an API token")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var req tokenRequest
	if err := decode(r, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	t := &gridline.APIToken{UserID: p.User.ID, Name: req.Name, Grants: req.Grants}
	if req.ExpiresAt != nil {
		t.ExpiresAt = *req.ExpiresAt
	}
	token, err := s.Auth.CreateToken(r.Context(), t)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, tokenAnswer{APIToken: t, Token: token})
}

// handleTokenDelete revokes one of the signed-in user's API tokens.
func (s *Server) handleTokenDelete(w http.ResponseWriter, r *http.Request) {
	p, err := signedIn(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.Auth.RevokeToken(r.Context(), p.User.ID, id); err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// sessionView is a session as its list shows it.
type sessionView struct {
	*gridline.Session
	// Current is the session of this request.
	Current bool `json:"current"`
}

// writeSessions answers a user's open sessions; current is the
// request's (0: none).
func (s *Server) writeSessions(w http.ResponseWriter, r *http.Request, userID, current int64) {
	ss, err := s.Auth.FindSessions(r.Context(), userID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	out := make([]sessionView, len(ss))
	for i, ses := range ss {
		out[i] = sessionView{Session: ses, Current: ses.ID == current}
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, list(out, len(out)))
}

// handleSessionIndex lists the signed-in user's open sessions: the
// devices signed in.
func (s *Server) handleSessionIndex(w http.ResponseWriter, r *http.Request) {
	if err := parseQuery(r).err; err != nil {
		s.Error(w, r, err)
		return
	}
	p, err := signedIn(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.writeSessions(w, r, p.User.ID, p.SessionID)
}

// handleSessionDelete ends one of the signed-in user's sessions. Ending
// the request's own is a logout: the cookie goes too.
func (s *Server) handleSessionDelete(w http.ResponseWriter, r *http.Request) {
	p, err := signedIn(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.Auth.EndSession(r.Context(), p.User.ID, id); err != nil {
		s.Error(w, r, err)
		return
	}
	if id == p.SessionID {
		s.clearSessionCookie(w, r)
	}
	w.WriteHeader(http.StatusNoContent)
}

type endedAnswer struct {
	// Ended is how many sessions were ended.
	Ended int `json:"ended"`
}

// handleSessionsDelete ends every session of the signed-in user but the
// request's own: "sign out everywhere else". It needs a session, so a
// leaked API token cannot sign its owner out over and over.
func (s *Server) handleSessionsDelete(w http.ResponseWriter, r *http.Request) {
	if err := parseQuery(r).err; err != nil {
		s.Error(w, r, err)
		return
	}
	p, err := inSession(r, "Ending the other sessions")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	n, err := s.Auth.EndSessions(r.Context(), p.User.ID, p.SessionID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, endedAnswer{Ended: n})
}

// adminUser checks that the request is an admin's and returns the user
// the path's {id} names (ENOTFOUND if none) and the admin.
func (s *Server) adminUser(r *http.Request) (*gridline.User, *gridline.Principal, error) {
	p, err := admin(r)
	if err != nil {
		return nil, nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, nil, err
	}
	u, err := s.Users.FindUserByID(r.Context(), id)
	return u, p, err
}

// handleUserTokenIndex lists a user's API tokens (admins).
func (s *Server) handleUserTokenIndex(w http.ResponseWriter, r *http.Request) {
	if err := parseQuery(r).err; err != nil {
		s.Error(w, r, err)
		return
	}
	u, _, err := s.adminUser(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	ts, err := s.Auth.FindTokens(r.Context(), u.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(ts, len(ts)))
}

// handleUserTokenDelete revokes one of a user's API tokens (admins).
func (s *Server) handleUserTokenDelete(w http.ResponseWriter, r *http.Request) {
	u, _, err := s.adminUser(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	tid, err := strconv.ParseInt(r.PathValue("tid"), 10, 64)
	if err != nil || tid <= 0 {
		s.Error(w, r, gridline.FieldErrorf("tid", "%q is not a token id", r.PathValue("tid")))
		return
	}
	if err := s.Auth.RevokeToken(r.Context(), u.ID, tid); err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleUserSessionIndex lists a user's open sessions (admins).
func (s *Server) handleUserSessionIndex(w http.ResponseWriter, r *http.Request) {
	if err := parseQuery(r).err; err != nil {
		s.Error(w, r, err)
		return
	}
	u, p, err := s.adminUser(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.writeSessions(w, r, u.ID, p.SessionID)
}

// handleUserSessionsDelete ends a user's sessions (admins): all of them,
// but the admin's own request's when the user is the admin.
func (s *Server) handleUserSessionsDelete(w http.ResponseWriter, r *http.Request) {
	if err := parseQuery(r).err; err != nil {
		s.Error(w, r, err)
		return
	}
	u, p, err := s.adminUser(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var keep int64
	if p.User != nil && p.User.ID == u.ID {
		keep = p.SessionID
	}
	n, err := s.Auth.EndSessions(r.Context(), u.ID, keep)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, endedAnswer{Ended: n})
}

// handleUserIndex lists users (admins).
func (s *Server) handleUserIndex(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r, "q", "role", "disabled", "limit", "offset")
	f := gridline.UserFilter{Query: q.str("q")}
	if v := q.str("role"); v != nil {
		role := gridline.Role(*v)
		if !role.Valid() {
			q.fail(gridline.FieldErrorf("role", "%q is not a role", *v))
		}
		f.Role = &role
	}
	if q.v.Has("disabled") {
		d := q.bool("disabled")
		f.Disabled = &d
	}
	f.Limit, f.Offset = q.page()
	if q.err == nil {
		_, q.err = admin(r)
	}
	index(s, w, r, q, func() ([]*gridline.User, int, error) { return s.Users.FindUsers(r.Context(), f) })
}

type userCreate struct {
	Username string           `json:"username"`
	Password string           `json:"password"`
	Name     string           `json:"name"`
	Phone    string           `json:"phone"`
	Disabled bool             `json:"disabled"`
	PersonID *int64           `json:"person_id"`
	Grants   []gridline.Grant `json:"grants"`
}

// handleUserCreate creates an account (admins).
func (s *Server) handleUserCreate(w http.ResponseWriter, r *http.Request) {
	if _, err := admin(r); err != nil {
		s.Error(w, r, err)
		return
	}
	var req userCreate
	if err := decode(r, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	u := &gridline.User{Username: req.Username, Name: req.Name, Phone: req.Phone, Disabled: req.Disabled,
		PersonID: req.PersonID, Grants: req.Grants}
	if err := s.Users.CreateUser(r.Context(), u, req.Password); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, u)
}

// handleUserView shows one account (admins).
func (s *Server) handleUserView(w http.ResponseWriter, r *http.Request) {
	if err := parseQuery(r).err; err != nil {
		s.Error(w, r, err)
		return
	}
	if _, err := admin(r); err != nil {
		s.Error(w, r, err)
		return
	}
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	u, err := s.Users.FindUserByID(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

// handleUserUpdate changes an account's name, phone, person, grants or
// disabled flag (admins). An admin cannot disable themselves or drop
// their own admin grant: the last admin would lock everyone out.
func (s *Server) handleUserUpdate(w http.ResponseWriter, r *http.Request) {
	p, err := admin(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var upd gridline.UserUpdate
	if err := decode(r, &upd); err != nil {
		s.Error(w, r, err)
		return
	}
	if p.User != nil && id == p.User.ID {
		if upd.Disabled != nil && *upd.Disabled {
			s.Error(w, r, gridline.FieldErrorf("disabled", "you cannot disable your own account"))
			return
		}
		if upd.Grants != nil && !(&gridline.Principal{Grants: *upd.Grants}).Has(gridline.RoleAdmin) {
			s.Error(w, r, gridline.FieldErrorf("grants", "you cannot take the admin role from yourself"))
			return
		}
	}
	u, err := s.Users.UpdateUser(r.Context(), id, upd)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

type passwordReset struct {
	Password string `json:"password"`
}

// handleUserPassword sets an account's password (admins) and ends its
// sessions.
func (s *Server) handleUserPassword(w http.ResponseWriter, r *http.Request) {
	if _, err := admin(r); err != nil {
		s.Error(w, r, err)
		return
	}
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var req passwordReset
	if err := decode(r, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.Users.SetPassword(r.Context(), id, req.Password); err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

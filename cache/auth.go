package cache

import (
	"context"
	"sync"
	"time"

	"github.com/gridline/gridline"
)

// AuthEntities are the change-feed entities whose changes can end or
// narrow a credential: a cached principal is dropped when any moves.
var AuthEntities = []string{"user", "session", "api_token"}

// Auth is a gridline.AuthService that remembers, for a short time, whom a
// session or API token belongs to, so that a request costs a hash and a
// map lookup instead of three queries. An entry is dropped as soon as
// this process commits a change to users, sessions or tokens (Committed)
// — a logout, a revocation, a disabled user, new grants — and after TTL
// in any case, which bounds how long a change made by another process
// (the CLI on the same database) takes to be seen.
type Auth struct {
	gridline.AuthService
	// Committed returns this process's last committed change-feed seq of
	// AuthEntities (sqlstore.DB.CommittedSeqOf).
	Committed func() int64
	// TTL bounds an entry's life; 0 means 30 s.
	TTL time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu      sync.RWMutex
	entries map[string]authEntry
}

type authEntry struct {
	p *gridline.Principal
	stamp
}

// maxAuthEntries bounds the cache; past it the cache starts afresh.
const maxAuthEntries = 100_000

var _ gridline.AuthService = (*Auth)(nil)

// Authenticate implements gridline.AuthService. Only verified tokens are
// kept, by their hash; refusals are not, so a revoked token is asked
// about each time (the HTTP layer rate-limits those). The principal
// returned is shared: callers must copy it before changing it.
func (a *Auth) Authenticate(ctx context.Context, token string) (*gridline.Principal, error) {
	key := gridline.TokenHash(token)
	now := clock(a.Now)
	seq := a.Committed()
	a.mu.RLock()
	e, ok := a.entries[key]
	a.mu.RUnlock()
	if ok && e.fresh(seq, now) {
		return e.p, nil
	}
	p, err := a.AuthService.Authenticate(ctx, token)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	if a.entries == nil || len(a.entries) >= maxAuthEntries {
		a.entries = map[string]authEntry{}
	}
	a.entries[key] = authEntry{p: p, stamp: newStamp(seq, now, a.TTL, 30*time.Second)}
	a.mu.Unlock()
	return p, nil
}

package cache_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/cache"
)

type countingAuth struct {
	gridline.AuthService
	n       atomic.Int64
	refuses bool
}

func (c *countingAuth) Authenticate(ctx context.Context, token string) (*gridline.Principal, error) {
	c.n.Add(1)
	if c.refuses {
		return nil, gridline.Errorf(gridline.EUNAUTHORIZED, "no")
	}
	return &gridline.Principal{User: &gridline.User{Username: token}}, nil
}

// TestAuthCache: a token is asked about once while nothing changes and
// the TTL runs; a change to accounts, or the TTL, asks again; refusals
// are not kept.
func TestAuthCache(t *testing.T) {
	inner := &countingAuth{}
	var seq atomic.Int64
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	c := &cache.Auth{AuthService: inner, Committed: seq.Load, TTL: 30 * time.Second, Now: func() time.Time { return now }}
	ask := func(tok string, want int64) {
		t.Helper()
		p, err := c.Authenticate(context.Background(), tok)
		if err == nil && p.User.Username != tok {
			t.Fatalf("%s: principal of %s", tok, p.User.Username)
		}
		if got := inner.n.Load(); got != want {
			t.Fatalf("%s: asked %d times, want %d", tok, got, want)
		}
	}
	ask("a", 1)
	ask("a", 1)
	ask("b", 2)
	now = now.Add(29 * time.Second)
	ask("a", 2)
	seq.Add(1) // a logout, a revocation, a disabled user…
	ask("a", 3)
	ask("b", 4)
	now = now.Add(31 * time.Second)
	ask("a", 5)
	inner.refuses = true
	seq.Add(1)
	for i := int64(0); i < 3; i++ {
		if _, err := c.Authenticate(context.Background(), "a"); gridline.ErrorCode(err) != gridline.EUNAUTHORIZED {
			t.Fatalf("refused: %v", err)
		}
		if got := inner.n.Load(); got != 6+i {
			t.Fatalf("refusals are kept: asked %d times", got)
		}
	}
}

// BenchmarkAuthCacheHit is what a request with a cached session or API
// token pays to learn its principal: a SHA-256, a map lookup and the
// feed position.
func BenchmarkAuthCacheHit(b *testing.B) {
	var seq atomic.Int64
	c := &cache.Auth{AuthService: &countingAuth{}, Committed: seq.Load}
	ctx := context.Background()
	tok := gridline.NewSecret(gridline.APITokenPrefix)
	if _, err := c.Authenticate(ctx, tok); err != nil {
		b.Fatal(err)
	}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Authenticate(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
}

package cache

import "time"

// stamp marks a value kept in memory (Auth, Compounds, Gazetteers,
// Router): the change-feed seq this process had committed when the value
// was read, and when its life ends. The seq is read before the value: a
// change racing the read moves the feed past it, and the next caller reads
// again.
type stamp struct {
	seq  int64
	till time.Time
}

// newStamp stamps a value read after seq at now, to live ttl, or def when
// ttl is not set.
func newStamp(seq int64, now time.Time, ttl, def time.Duration) stamp {
	if ttl <= 0 {
		ttl = def
	}
	return stamp{seq: seq, till: now.Add(ttl)}
}

// fresh reports whether a value stamped s holds for a caller that read seq
// at now: this process has committed no change since the value was read,
// and its life has not ended.
func (s stamp) fresh(seq int64, now time.Time) bool { return seq <= s.seq && now.Before(s.till) }

// clock returns now(), or time.Now() when now is nil.
func clock(now func() time.Time) time.Time {
	if now != nil {
		return now()
	}
	return time.Now()
}

package gridline

import (
	"context"
	"time"
)

// MaxDuplicateRows bounds how many cases within a probe's radius and
// window one duplicate lookup compares: a city centre holds a few dozen
// cases within a radius and a month; more than this would be a flood of
// one incident, where any of them is as good a candidate.
const MaxDuplicateRows = 2000

// DuplicateStore is a DuplicateService over the stored cases that also
// gives what an index of recent cases needs to answer lookups as the
// store would: the cases as the finder compares them, and the catalogue
// the store ranks with. The index replaces only the store's reading of
// the cases around a probe; the rules and the ranking stay
// DuplicateRuleFor and RankDuplicates.
type DuplicateStore interface {
	DuplicateService
	// DuplicateCatalogue returns the catalogue lookups rank with: the one
	// in use, the admins' edits applied. A new value means new rules or
	// vocabulary, so fingerprints made with the old one are stale.
	DuplicateCatalogue() *Catalogue
	// FindDuplicateCases returns the cases of ids that have a place, in
	// any status, without their fingerprints; unknown ids and cases
	// without a place are left out.
	FindDuplicateCases(ctx context.Context, ids []int64) ([]*DuplicateCase, error)
	// FindRecentDuplicateCases returns the cases that can be candidates
	// (with a place, not merged, voided or rejected) reported at or after
	// since, with ids above after, in id order, at most limit: a page of
	// them, the next page after the last id.
	FindRecentDuplicateCases(ctx context.Context, since time.Time, after int64, limit int) ([]*DuplicateCase, error)
}

// MaxDuplicateWindow returns how far before a new case its candidates
// may lie: the longest window of cat's rules, reached a month further by
// an ongoing report (see [DuplicateBounds]). An index of recent cases
// holding this much answers every lookup of a new case.
func MaxDuplicateWindow(cat *Catalogue) time.Duration {
	w := DefaultDuplicateRule.Window
	for _, c := range cat.cats {
		w = max(w, DuplicateRuleFor(cat, c.Code).Window)
	}
	return w + dupOngoingWindow
}

package sqlstore

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/gridline/gridline"
)

// TestGramsCoverSubstrings: whatever case a query's runes are written in
// (ASCII, the Kelvin sign, long s, Greek, Cyrillic), every term of a
// substring of a text is a term of the text, and a single rune is the
// prefix of one: the index can narrow but never lose a match.
func TestGramsCoverSubstrings(t *testing.T) {
	alphabet := []rune("噪音占道经营井盖aAkKKſsSσΣςдД0123456789 -'\"*%，")
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		text := make([]rune, 1+r.IntN(20))
		for i := range text {
			text[i] = alphabet[r.IntN(len(alphabet))]
		}
		i := r.IntN(len(text))
		q := slices.Clone(text[i : i+1+r.IntN(len(text)-i)])
		for k := range q {
			switch r.IntN(3) {
			case 0:
				q[k] = unicode.ToUpper(q[k])
			case 1:
				q[k] = unicode.ToLower(q[k])
			}
		}
		have := textGrams(string(text))
		if !slices.IsSorted(have) || len(slices.Compact(slices.Clone(have))) != len(have) {
			t.Fatalf("text %q: terms not sorted and distinct: %v", string(text), have)
		}
		terms, prefix := queryGrams(string(q))
		for _, term := range terms {
			ok := slices.Contains(have, term)
			if prefix {
				ok = slices.ContainsFunc(have, func(h string) bool { return strings.HasPrefix(h, term) })
			}
			if !ok {
				t.Fatalf("text %q, query %q: term %s not in %v", string(text), string(q), term, have)
			}
		}
		if len(q) > 1 && prefix || len(q) == 1 && !prefix {
			t.Fatalf("query %q: prefix %v", string(q), prefix)
		}
	}
	// Terms are [0-9a-z] only: nothing for FTS5 or tsquery to read.
	for _, term := range textGrams(`"AND" OR NEAR * ' : & | ! 噪音`) {
		if strings.Trim(term, "0123456789abcdefghijklmnopqrstuvwxyz") != "" || len(term)%gramRuneWidth != 0 {
			t.Errorf("term %q", term)
		}
	}
}

// TestGramExact: only one or two runes without case are left to the index
// alone.
func TestGramExact(t *testing.T) {
	for q, want := range map[string]bool{"噪音": true, "噪": true, "13": true, "，": true, `"*`: true, "%_": true,
		"占道经营": false, "井盖缺": false, "k": false, "K": false, "İ": false, "ǅ": false, "ß": false, "1a": false, "": false} {
		if got := gramExact(q); got != want {
			t.Errorf("gramExact(%q) = %v, want %v", q, got, want)
		}
	}
}

// TestRegionTerms: a place's terms are never a one-rune query's prefix
// (no rune's code starts with z) nor a bigram's length, and only region
// codes of digits become terms (a grid filter's text goes into FTS5's and
// tsquery's syntax).
func TestRegionTerms(t *testing.T) {
	if first := string(appendRune(nil, unicode.MaxRune))[0]; first >= regionTermPrefix[0] {
		t.Fatalf("the largest rune's code starts with %c", first)
	}
	got := regionTerms(nil, gridline.RegionPath{CountyCode: "370812", TownCode: "370812001", CommunityCode: "370812001002",
		GridCode: "370812001002001"})
	if want := []string{"z370812001", "z370812001002", "z370812001002001"}; !slices.Equal(got, want) {
		t.Errorf("regionTerms = %v, want %v", got, want)
	}
	for _, term := range got {
		if len(term) == gramRuneWidth || len(term) == 2*gramRuneWidth {
			t.Errorf("%s has a bigram's length", term)
		}
	}
	if got := regionTerms(nil, gridline.RegionPath{}); len(got) != 0 {
		t.Errorf("an unlocated case's terms: %v", got)
	}
	for code, want := range map[string]string{"370812001": "z370812001", "370812001002": "z370812001002",
		"370812001002001": "z370812001002001", "370812": "", "37081200100": "", `37081200"`: "", "3708120 1": "",
		"37081200a": "", "": ""} {
		if got := regionTerm(code); got != want {
			t.Errorf("regionTerm(%q) = %q, want %q", code, got, want)
		}
	}
}

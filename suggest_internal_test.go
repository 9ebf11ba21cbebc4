package gridline

import (
	"math"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// suggestEverySub is Suggest as it was before its index of keywords and
// bigrams: every sub-class searched for each text.
func suggestEverySub(c *Catalogue, text string, n int) []Suggestion {
	text = normalizeText(text)
	grams := bigrams(text)
	var out []Suggestion
	var found []string
	for k, i := range c.subs {
		cat := &c.cats[i]
		var s Suggestion
		found = found[:0]
		for _, kw := range cat.Keywords {
			if strings.Contains(text, kw) {
				found = append(found, kw)
			}
		}
		for _, kw := range found {
			if !containsLonger(found, kw) {
				s.Matched = append(s.Matched, kw)
				s.Score += c.keywordW[kw]
			}
		}
		for g := range grams {
			if c.profile[k][g] {
				s.Score += bigramWeight * c.bigramIDF[g]
			}
		}
		if s.Score > 0 {
			s.Code, s.Name = cat.Code, cat.Name
			s.Score = math.Round(s.Score*1000) / 1000
			out = append(out, s)
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Score > out[b].Score })
	if len(out) > n {
		out = out[:n]
	}
	return out
}

func containsLonger(found []string, kw string) bool {
	for _, long := range found {
		if long != kw && strings.Contains(long, kw) {
			return true
		}
	}
	return false
}

// TestSuggestIndexed checks that Suggest gives what searching every
// sub-class gives, on the labelled duplicates' lines and the catalogue's
// own names and keywords as texts.
func TestSuggestIndexed(t *testing.T) {
	c := DefaultCatalogue()
	data, err := os.ReadFile("testdata/duplicates_labelled.csv")
	if err != nil {
		t.Fatal(err)
	}
	texts := strings.Split(string(data), "\n")
	for _, cat := range c.cats {
		texts = append(texts, cat.Name, strings.Join(cat.Keywords, "，"), "ＡＢＣ"+cat.Name+"的问题")
	}
	for _, text := range texts {
		got, want := c.Suggest(text, 5), suggestEverySub(c, text, 5)
		if len(got) != len(want) {
			t.Fatalf("%q: %+v; every sub-class searched: %+v", text, got, want)
		}
		for i := range got {
			// The bigrams' scores are summed in another order: equal to
			// the rounding, and a tie may fall the other way.
			if math.Abs(got[i].Score-want[i].Score) > 0.0015 {
				t.Fatalf("%q: %+v; every sub-class searched: %+v", text, got, want)
			}
			if got[i].Score == want[i].Score && !reflect.DeepEqual(got[i], want[i]) && (i+1 >= len(got) || got[i+1].Score != got[i].Score) && (i == 0 || got[i-1].Score != got[i].Score) {
				t.Fatalf("%q: %+v; every sub-class searched: %+v", text, got, want)
			}
		}
	}
}

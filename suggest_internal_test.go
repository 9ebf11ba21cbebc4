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
// bigrams: every sub-class searched for each text; the text model's part
// is the model's own.
func suggestEverySub(c *Catalogue, text string, n int) []Suggestion {
	text = normalizeText(text)
	grams := bigrams(text)
	model := make([]float64, len(c.subs))
	c.model.probabilities(grams, model)
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
		s.Score += model[k]
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

// TestTextModelNaive checks the text model's postings against naive Bayes
// computed the long way: every sub-class's counts of every bigram of the
// examples, names and keywords, the text's known bigrams looked up in
// each.
func TestTextModelNaive(t *testing.T) {
	c := DefaultCatalogue()
	counts := make([]map[string]float64, len(c.subs))
	totals := make([]float64, len(c.subs))
	vocab := map[string]bool{}
	for k, i := range c.subs {
		cat := c.cats[i]
		counts[k] = map[string]float64{}
		docs := []string{cat.Name + " " + strings.Join(cat.Keywords, " ")}
		docs = append(docs, c.examples[cat.Code]...)
		for d, doc := range docs {
			w := 1.0
			if d == 0 {
				w = keywordDocWeight
			}
			for g := range bigrams(normalizeText(doc)) {
				counts[k][g] += w
				totals[k] += w
				vocab[g] = true
			}
		}
	}
	texts := []string{"", "ＡＢＣ", "路灯不亮", "楼上天天装修砸墙吵得睡不着", "pair,split,label", "xyz 没有 认识的 词 qqq"}
	for _, l := range readLabelledInternal(t) {
		texts = append(texts, l)
	}
	a, v := exampleSmoothing, float64(len(vocab))
	for _, text := range texts {
		grams := bigrams(normalizeText(text))
		ll := make([]float64, len(c.subs))
		known := 0
		for g := range grams {
			if !vocab[g] {
				continue
			}
			known++
			for k := range c.subs {
				ll[k] += math.Log((counts[k][g] + a) / (totals[k] + a*v))
			}
		}
		want := make([]float64, len(c.subs))
		if known > 0 {
			top := math.Inf(-1)
			for _, x := range ll {
				top = max(top, x)
			}
			var z float64
			for _, x := range ll {
				z += math.Exp((x - top) / modelTemperature)
			}
			for k, x := range ll {
				if p := math.Exp((x-top)/modelTemperature) / z; p >= modelFloor {
					want[k] = modelWeight * p
				}
			}
		}
		got := make([]float64, len(c.subs))
		c.model.probabilities(grams, got)
		for k := range got {
			if math.Abs(got[k]-want[k]) > 1e-9 {
				t.Fatalf("%q, %s: model %.12f, naive %.12f", text, c.cats[c.subs[k]].Code, got[k], want[k])
			}
		}
	}
}

// readLabelledInternal reads the texts of testdata/category_labelled.tsv.
func readLabelledInternal(t *testing.T) []string {
	b, err := os.ReadFile("testdata/category_labelled.tsv")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if text, _, ok := strings.Cut(line, "\t"); ok && !strings.HasPrefix(line, "#") {
			out = append(out, text)
		}
	}
	return out
}

// TestParseExamples checks the examples file's faults are named by line
// and field.
func TestParseExamples(t *testing.T) {
	c := DefaultCatalogue()
	for _, tc := range []struct{ tsv, want string }{
		{"# comment\n\n0115\t路灯不亮\n", ""},
		{"0115\t路灯不亮\r\n20502\t楼上吵\n", ""},
		{"0115 路灯不亮\n", "line 1"},
		{"# c\n0115\t  \n", "line 2"},
		{"01\t公用设施坏了\n", "not a sub-class"},
		{"0115\t路灯\n9999\t不知道\n", "line 2"},
	} {
		ex, err := parseExamples(c, tc.tsv)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q: %v", tc.tsv, err)
		case tc.want == "" && len(ex["0115"]) != 1:
			t.Errorf("%q: got %v", tc.tsv, ex)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%q: error %v, want one naming %q", tc.tsv, err, tc.want)
		}
	}
}

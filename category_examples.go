package gridline

import (
	_ "embed"
	"math"
	"strings"
)

// The built-in catalogue's examples: case texts filed under each
// sub-class, from which Suggest learns the words people use for it
// beyond the keywords (see textModel).
//
//go:embed category_examples.tsv
var defaultExamplesTSV string

// parseExamples reads lines of code<TAB>text, skipping blank lines and
// lines starting with #, into texts by code. A line without a tab, or
// with a code that is not a sub-class of c, is an error naming the line:
// the file ships with the binary, so a fault is the build's.
func parseExamples(c *Catalogue, tsv string) (map[string][]string, error) {
	out := map[string][]string{}
	for i, line := range strings.Split(tsv, "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		code, text, ok := strings.Cut(line, "\t")
		if !ok || strings.TrimSpace(text) == "" {
			return nil, rowError(i+1, "text", "want code<TAB>text")
		}
		if cat, ok := c.Category(code); !ok || cat.IsMain() {
			return nil, rowError(i+1, "code", "%q is not a sub-class", code)
		}
		out[code] = append(out[code], text)
	}
	return out, nil
}

// The text model's settings, chosen on the labelled sets' tuning parts
// (docs/api.md, "Categories"): exampleSmoothing is the naive Bayes
// model's additive smoothing of bigram counts; keywordDocWeight counts a
// sub-class's name and keywords as that many example texts; modelWeight
// scales the model's probability for a sub-class against the keywords'
// scores, modelTemperature flattens its overconfident probabilities, and
// a sub-class below modelFloor gets nothing from it.
const (
	exampleSmoothing = 0.1
	keywordDocWeight = 1.0
	modelWeight      = 6.0
	modelTemperature = 1.5
	modelFloor       = 0.05
)

// textModel is a multinomial naive Bayes model over the character
// bigrams of a text (each counted once a text), trained on the examples
// of each sub-class and its name and keywords. Its log-likelihood for
// sub-class k is the sum over the text's known bigrams g of
// log((n[k][g]+a) / (N[k]+a·V)); it is kept as base[k] (the unseen
// bigram's term, once per known bigram) plus, for the few sub-classes
// that have g, post[g]'s log(1 + n[k][g]/a), so scoring a text touches
// only the postings of its bigrams.
type textModel struct {
	base []float64
	post map[string][]modelPosting
}

// modelPosting is one sub-class's extra log-likelihood for a bigram.
type modelPosting struct {
	sub int // index into Catalogue.subs
	w   float64
}

// train builds the model for c's sub-classes from examples by code.
func (m *textModel) train(c *Catalogue, examples map[string][]string) {
	counts := make([]map[string]float64, len(c.subs))
	totals := make([]float64, len(c.subs))
	vocab := map[string]bool{}
	add := func(k int, text string, w float64) {
		for g := range bigrams(normalizeText(text)) {
			counts[k][g] += w
			totals[k] += w
			vocab[g] = true
		}
	}
	for k, i := range c.subs {
		cat := &c.cats[i]
		counts[k] = map[string]float64{}
		add(k, cat.Name+" "+strings.Join(cat.Keywords, " "), keywordDocWeight)
		for _, text := range examples[cat.Code] {
			add(k, text, 1)
		}
	}
	a, v := exampleSmoothing, float64(len(vocab))
	m.base = make([]float64, len(c.subs))
	m.post = make(map[string][]modelPosting, len(vocab))
	for k := range c.subs {
		m.base[k] = math.Log(a / (totals[k] + a*v))
		for g, n := range counts[k] {
			m.post[g] = append(m.post[g], modelPosting{k, math.Log1p(n / a)})
		}
	}
}

// probabilities adds to score[k] modelWeight times the model's
// probability of sub-class k for the bigrams grams (those it has seen),
// where that is at least modelFloor. A text with no known bigram adds
// nothing.
func (m *textModel) probabilities(grams map[string]bool, score []float64) {
	ll := make([]float64, len(m.base))
	known := 0
	for g := range grams {
		posts, ok := m.post[g]
		if !ok {
			continue
		}
		known++
		for _, p := range posts {
			ll[p.sub] += p.w
		}
	}
	if known == 0 {
		return
	}
	top := math.Inf(-1)
	for k := range ll {
		ll[k] += float64(known) * m.base[k]
		top = max(top, ll[k])
	}
	var z float64
	for k := range ll {
		ll[k] = math.Exp((ll[k] - top) / modelTemperature)
		z += ll[k]
	}
	for k, e := range ll {
		if p := e / z; p >= modelFloor {
			score[k] += modelWeight * p
		}
	}
}

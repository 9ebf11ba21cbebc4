package gridline

import (
	_ "embed"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// duplicateLexiconText is the duplicate finder's lexicon: words read as
// one another and related classes. The file says what belongs in it.
//
//go:embed duplicate_lexicon.txt
var duplicateLexiconText string

// dupPhrase is a phrase normalising replaces: by a break for an intake
// formula (to is nil), by the word it is read as for a synonym.
type dupPhrase struct {
	from string
	to   []rune
}

// dupLexicon is the parsed lexicon.
type dupLexicon struct {
	same    [][]string       // synonym lines, the first word what the others are read as
	related map[string][]int // code → the related lines it is on
}

// dupLex is the built-in lexicon, parsed once at start (a broken file is
// a build mistake, caught by every test).
var dupLex = mustParseDupLexicon(duplicateLexiconText)

func mustParseDupLexicon(text string) *dupLexicon {
	l, err := parseDupLexicon(text)
	if err != nil {
		panic(err)
	}
	return l
}

// parseDupLexicon reads the lexicon's sections; see duplicate_lexicon.txt.
func parseDupLexicon(text string) (*dupLexicon, error) {
	l := &dupLexicon{related: map[string][]int{}}
	section, lines := "", 0
	seen := map[string]bool{}
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = line[1 : len(line)-1]
			continue
		}
		f := strings.Fields(line)
		switch section {
		case "same":
			if len(f) < 2 {
				return nil, fmt.Errorf("duplicate lexicon line %d: a word and what it is read as are needed", n+1)
			}
			for _, w := range f[1:] {
				if utf8.RuneCountInString(w) < 2 {
					return nil, fmt.Errorf("duplicate lexicon line %d: %q is a single character", n+1, w)
				}
				if seen[w] {
					return nil, fmt.Errorf("duplicate lexicon line %d: %q is read as two words", n+1, w)
				}
				seen[w] = true
			}
			l.same = append(l.same, f)
		case "related":
			for _, code := range f {
				l.related[code] = append(l.related[code], lines)
			}
			lines++
		default:
			return nil, fmt.Errorf("duplicate lexicon line %d: outside a known section", n+1)
		}
	}
	return l, nil
}

// phrasesByRune lists the intake formulas and the synonyms by their first
// character, longest first, so normalising tries only the phrases that can
// start where it stands and the longest wins.
func (l *dupLexicon) phrasesByRune(stops []string) map[rune][]dupPhrase {
	m := map[rune][]dupPhrase{}
	add := func(p dupPhrase) {
		r, _ := utf8.DecodeRuneInString(p.from)
		m[r] = append(m[r], p)
	}
	for _, p := range stops {
		add(dupPhrase{from: p})
	}
	for _, line := range l.same {
		to := []rune(line[0])
		for _, w := range line[1:] {
			add(dupPhrase{from: w, to: to})
		}
	}
	for _, ps := range m {
		sort.SliceStable(ps, func(i, j int) bool { return len(ps[i].from) > len(ps[j].from) })
	}
	return m
}

// relatedClasses reports whether sub-classes a and b (main classes ma and
// mb) share a line of the lexicon's related classes.
func (l *dupLexicon) relatedClasses(a, ma, b, mb string) bool {
	for _, x := range [2]string{a, ma} {
		for _, i := range l.related[x] {
			for _, y := range [2]string{b, mb} {
				for _, j := range l.related[y] {
					if i == j {
						return true
					}
				}
			}
		}
	}
	return false
}

package sqlstore_test

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/gridline/gridline"
)

// textAlphabet makes texts where short substrings recur: Chinese, digits,
// Latin in both cases, spaces, quotes and what FTS5 and tsquery read as
// operators, and LIKE's wildcards.
var textAlphabet = []rune("噪音占道经营井盖路灯不亮小区楼aAbBkKzZ0123456789 -'\"*():&|!%_\\，。ANDORNEAR")

func randomText(r *rand.Rand, min, max int) string {
	n := min + r.IntN(max-min+1)
	var b strings.Builder
	for range n {
		b.WriteRune(textAlphabet[r.IntN(len(textAlphabet))])
	}
	return b.String()
}

// TestTicketTextSearch checks the list's text filter, which the bigram
// index (textsearch.go) narrows and LIKE decides, against the LIKE alone
// on a random set of cases taken in by intake and by ImportTickets: the
// same totals for substrings across bigram boundaries, single runes,
// Latin in either case, digits, queries longer than any text, quotes and
// operators; then again after rebuilding the index as migration 0019 does.
func TestTicketTextSearch(t *testing.T) {
	f := newFixture(t)
	r := rand.New(rand.NewPCG(7, 19))
	var texts []string
	fixed := []string{"楼上装修噪音扰民", "占道经营，流动摊贩", "井盖缺失 13912345678", "Street LIGHT broken",
		`他说"AND" OR NEAR * 不亮`, "噪"}
	for _, text := range fixed {
		mustTicket(t, f, 116.805, 35.555, text)
		texts = append(texts, text)
	}
	// Random texts in g1, g2, g3 and in no grid (unlocated: located later,
	// which re-indexes them with their place).
	places := [][2]float64{{116.805, 35.555}, {116.825, 35.555}, {116.905, 35.605}, {117.9, 36.9}}
	var unlocated []*gridline.Ticket
	for i := range 60 {
		text := randomText(r, 1, 24)
		tk := mustTicket(t, f, places[i%4][0], places[i%4][1], text)
		if tk.Status == gridline.StatusUnlocated {
			unlocated = append(unlocated, tk)
		}
		texts = append(texts, text)
	}
	if len(unlocated) != 15 {
		t.Fatalf("%d unlocated cases, want 15", len(unlocated))
	}
	var imported []*gridline.Ticket
	at := time.Date(2026, 3, 10, 10, 0, 0, 0, gridline.ChinaTime)
	for i := range 60 {
		text := randomText(r, 1, 24)
		imported = append(imported, newHistory(at.Add(time.Duration(i)*time.Minute), 116.805, 35.556, f.g1, text).t)
		texts = append(texts, text)
	}
	if err := f.s.Tickets.ImportTickets(ctx, imported); err != nil {
		t.Fatal(err)
	}

	queries := []string{"噪音", "装修噪音", "修噪", "占道经营", "道经", "井盖", "1391", "2345678", "13912345678",
		"light", "LIGHT", "Light b", "t b", "噪", "音", "k", "K", "7", " ", "，", `"`, `'`, `"AND"`, "AND", "OR",
		"NEAR", "*", "%", "_", `\`, "a%b", "'&'", ":*", "楼上装修噪音扰民，还有别的", "不存在的词"}
	for range 150 {
		switch text := texts[r.IntN(len(texts))]; r.IntN(3) {
		case 0: // a substring of a text, anywhere
			rs := []rune(text)
			i := r.IntN(len(rs))
			j := i + 1 + r.IntN(min(6, len(rs)-i))
			queries = append(queries, string(rs[i:j]))
		case 1:
			queries = append(queries, randomText(r, 1, 4))
		default: // longer than the text
			queries = append(queries, text+randomText(r, 1, 3))
		}
	}
	// Within a town, a community, a grid (the index's place terms), a
	// county and a grid code no grid has.
	str := func(s string) *string { return &s }
	regions := []struct {
		name        string
		within, grd *string
		cond        string
	}{
		{"town 鼓楼街道", str("370812001"), nil, "town_code = '370812001'"},
		{"community 府东社区", str("370812003001"), nil, "community_code = '370812003001'"},
		{"grid g3", nil, &f.g3.Code, "grid_code = '" + f.g3.Code + "'"},
		{"town 龙桥街道 and grid g2", str("370812003"), &f.g2.Code, "grid_code = '" + f.g2.Code + "'"},
		{"county", str("370812"), nil, "county_code = '370812'"},
		{"no such grid", nil, str("370812001002999"), "grid_code = '370812001002999'"},
	}
	check := func(when string) {
		t.Helper()
		found := 0
		for _, q := range queries {
			pattern := `%` + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q) + `%`
			var want int
			if err := f.db.QueryRowForTest(ctx, `SELECT COUNT(*) FROM tickets WHERE lower(text) LIKE lower($1) ESCAPE '\'`,
				pattern).Scan(&want); err != nil {
				t.Fatal(err)
			}
			for _, rg := range regions {
				var wantIn int
				if err := f.db.QueryRowForTest(ctx, `SELECT COUNT(*) FROM tickets WHERE lower(text) LIKE lower($1) ESCAPE '\' AND `+rg.cond,
					pattern).Scan(&wantIn); err != nil {
					t.Fatal(err)
				}
				ts, n, err := f.s.Tickets.FindTickets(ctx, gridline.TicketFilter{Query: &q, Within: rg.within, GridCode: rg.grd, Limit: 100})
				if err != nil {
					t.Fatalf("%s: %q %s: %v", when, q, rg.name, err)
				}
				if n != wantIn || len(ts) != wantIn {
					t.Errorf("%s: %q %s: total %d (%d on the page), LIKE counts %d", when, q, rg.name, n, len(ts), wantIn)
				}
			}
			for _, limit := range []int{100, 2} { // counted from the page, and counted apart
				ts, n, err := f.s.Tickets.FindTickets(ctx, gridline.TicketFilter{Query: &q, Limit: limit})
				if err != nil {
					t.Fatalf("%s: %q: %v", when, q, err)
				}
				if n != want {
					t.Errorf("%s: %q (limit %d): total %d, LIKE counts %d", when, q, limit, n, want)
				}
				for _, tk := range ts {
					if !strings.Contains(strings.ToLower(tk.Text), strings.ToLower(q)) {
						t.Errorf("%s: %q found %q", when, q, tk.Text)
					}
				}
			}
			// Counted up to a bound (a text search's count stops one
			// past it), from the index alone and joined with a grid.
			for _, grid := range []*string{nil, &f.g1.Code} {
				fb := gridline.TicketFilter{Query: &q, GridCode: grid, Limit: 2, CountUpTo: 3}
				wantIn := want
				if grid != nil {
					if err := f.db.QueryRowForTest(ctx, `SELECT COUNT(*) FROM tickets WHERE grid_code = $2 AND lower(text) LIKE lower($1) ESCAPE '\'`,
						`%`+strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q)+`%`, *grid).Scan(&wantIn); err != nil {
						t.Fatal(err)
					}
				}
				_, n, err := f.s.Tickets.FindTickets(ctx, fb)
				if err != nil {
					t.Fatalf("%s: %q bounded: %v", when, q, err)
				}
				if total, exact := fb.TotalOf(n); n != min(wantIn, 4) || exact != (wantIn <= 3) || total != min(wantIn, 3) {
					t.Errorf("%s: %q (grid %v) counted to 3: %d (total %d, exact %v), LIKE counts %d", when, q, grid != nil, n, total, exact, wantIn)
				}
			}
			if want > 0 {
				found++
			}
		}
		if found < len(queries)/2 {
			t.Errorf("%s: only %d of %d queries found anything: the set does not test much", when, found, len(queries))
		}
	}
	check("intake and import")

	// Located by hand, in g2 and g3: found within their place at once.
	for i, tk := range unlocated {
		p := places[1+i%2]
		act(t, f, tk.ID, gridline.TicketActionRequest{Action: gridline.ActionLocate, Lon: &p[0], Lat: &p[1]})
	}
	check("after locating")

	// The index narrows: a two-rune query's candidates are its matches (its
	// one bigram), and a bigram no text has gives none, where a table scan
	// would give every case.
	for q, want := range map[string]int{"噪音": -1, "不存在": 0} {
		n, err := f.db.TextCandidatesForTest(ctx, q, "")
		if err != nil {
			t.Fatal(err)
		}
		if want < 0 {
			if err := f.db.QueryRowForTest(ctx, `SELECT COUNT(*) FROM tickets WHERE text LIKE '%噪音%'`).Scan(&want); err != nil {
				t.Fatal(err)
			}
		}
		if n != want {
			t.Errorf("index candidates for %q: %d, want %d", q, n, want)
		}
	}

	if err := f.db.RebuildTextIndexForTest(ctx); err != nil {
		t.Fatal(err)
	}
	check("after the backfill")

	// Intake then search: the new case is found at once.
	q := "新来的案件XYZ"
	tk := mustTicket(t, f, 116.805, 35.555, "刚刚"+q+"。")
	ts, n, err := f.s.Tickets.FindTickets(ctx, gridline.TicketFilter{Query: &q, Limit: 100})
	if err != nil || n != 1 || len(ts) != 1 || ts[0].ID != tk.ID {
		t.Errorf("the case just taken in: %d found (%v)", n, err)
	}
}

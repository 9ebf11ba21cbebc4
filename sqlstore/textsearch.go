package sqlstore

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gridline/gridline"
	"github.com/jackc/pgx/v5/pgtype"
)

// The case list's text filter ("text contains q", TicketFilter.Query) is
// a substring test, lower(text) LIKE lower('%q%'), which no B-tree helps:
// over a million cases it read every case's text (1–2 s). ticket_grams
// indexes each case's text by its character bigrams, which suit Chinese
// (no spaces between words, queries of two to four characters) as well as
// numbers and Latin words: a text containing q contains every bigram of q.
// The index narrows the candidates and the LIKE decides, so totals are
// exact and the semantics are what they were; only where the index alone
// is exact (gramExact: one or two runes without case) is the LIKE left out.
//
// A term is two runes of the folded text, each written as four base-36
// digits (every code point fits): terms are plain [0-9a-z] words that
// neither FTS5's tokenizer nor tsvector's input reads anything into, and a
// rune's code is a prefix of every term starting with that rune. The last
// rune of a text is also a term by itself, so a one-rune query is the
// prefix query "c*": every occurrence of c starts a bigram or ends the text.
//
// Folding maps every rune to the smallest rune of its case-folding orbit
// (A, a → A; K, k, K → K). Whatever lower() does to a rune in either
// database stays in its orbit, so the index never misses a case the LIKE
// would take; it may over-match (SQLite's lower() folds ASCII only), which
// the LIKE removes. Not covered: a lower() that turns one rune into
// several (none in the C.UTF-8 or SQLite lower()).
//
// A case's place is indexed with its text: its town, community and grid
// codes are terms too (regionTerms), so a text search within a town or a
// grid — every scoped user's search — is one lookup of the index that
// intersects the two lists of cases, instead of a common word's tens of
// thousands of candidates each checked for the town (小区 within a town:
// 800 ms on PostgreSQL, 300 ms on SQLite over a million cases before). A
// case's codes change only by an action (locating it), which re-indexes it
// (reindexTicketGrams).
//
// SQLite keeps the terms in an FTS5 table (contentless, detail=none: the
// case ids of each term, no text and no positions), PostgreSQL in a table
// of tsvectors with a GIN index. Case texts are never edited, so the terms
// are written once, with the case: by intake and by ImportTickets in their
// transactions, and for the cases before migration 0019 by its backfill.

// gramRuneWidth is the base-36 digits of one rune in a term.
const gramRuneWidth = 4

// foldRune returns the smallest rune of r's simple case-folding orbit.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		if r != 'k' && r != 's' {
			return r
		}
	}
	min := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < min {
			min = f
		}
	}
	return min
}

// appendRune appends r's four base-36 digits.
func appendRune(dst []byte, r rune) []byte {
	const digits = "0123456789abcdefghijklmnopqrstuvwxyz"
	var b [gramRuneWidth]byte
	v := uint32(r)
	for i := gramRuneWidth - 1; i >= 0; i-- {
		b[i] = digits[v%36]
		v /= 36
	}
	return append(dst, b[:]...)
}

// foldedRunes returns s's runes folded.
func foldedRunes(s string) []rune {
	rs := make([]rune, 0, len(s)/2)
	for _, r := range s {
		rs = append(rs, foldRune(r))
	}
	return rs
}

// regionTermPrefix starts the terms of a case's place. No rune's base-36
// code starts with z (U+10FFFF is "nvdr"), so a one-rune query's prefix
// never reaches them; and their lengths (10, 13, 16) are no bigram's (4, 8).
const regionTermPrefix = "z"

// regionTerms appends the terms of a place to dst: its town, community and
// grid codes, those it has, each after regionTermPrefix. Not the county:
// a deployment's cases are nearly all in one, so its term would narrow
// nothing.
func regionTerms(dst []string, p gridline.RegionPath) []string {
	for _, code := range []string{p.TownCode, p.CommunityCode, p.GridCode} {
		if code != "" {
			dst = append(dst, regionTermPrefix+code)
		}
	}
	return dst
}

// regionTerm returns the term of a region code a text search may add to its
// lookup: a town's (9 digits), a community's (12) or a grid's (15); "" for
// any other code, which the index does not hold.
func regionTerm(code string) string {
	if n := len(code); n != 9 && n != 12 && n != 15 {
		return ""
	}
	for i := range len(code) {
		if code[i] < '0' || code[i] > '9' {
			return ""
		}
	}
	return regionTermPrefix + code
}

// filterRegionTerm returns the region term of f's grid, or else of its
// region (Within), that a text search of f may add; "" for none.
func filterRegionTerm(f gridline.TicketFilter) string {
	if f.GridCode != nil {
		if t := regionTerm(*f.GridCode); t != "" {
			return t
		}
	}
	if f.Within != nil && len(*f.Within) != 15 {
		return regionTerm(*f.Within)
	}
	return ""
}

// textGrams returns the index terms of a case's text, sorted and distinct:
// each bigram of its folded runes, and its last rune alone. The terms are
// slices of one string.
func textGrams(text string) []string {
	keys := gramKeys(text)
	joined := string(appendTerms(make([]byte, 0, len(keys)*(2*gramRuneWidth+1)), keys, ' '))
	terms := make([]string, 0, len(keys))
	for len(joined) > 0 {
		i := strings.IndexByte(joined, ' ')
		if i < 0 {
			i = len(joined)
		}
		terms = append(terms, joined[:i])
		joined = joined[min(i+1, len(joined)):]
	}
	return terms
}

// gramKeys returns text's terms as numbers, sorted as the terms are and
// distinct: a bigram (a, b) is a<<32 | b+1, a last rune a is a<<32. Sorting
// and comparing numbers, not strings, is most of what makes writing the
// index of an import cheap.
func gramKeys(text string) []uint64 {
	keys := make([]uint64, 0, len(text)/2)
	prev := rune(-1)
	for _, r := range text {
		r = foldRune(r)
		if prev >= 0 {
			keys = append(keys, uint64(prev)<<32|uint64(r+1))
		}
		prev = r
	}
	if prev < 0 {
		return nil
	}
	keys = append(keys, uint64(prev)<<32)
	slices.Sort(keys)
	return slices.Compact(keys)
}

// appendTerms appends the terms of keys, sep after each but the last.
func appendTerms(dst []byte, keys []uint64, sep byte) []byte {
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, sep)
		}
		dst = appendRune(dst, rune(k>>32))
		if b := uint32(k); b != 0 {
			dst = appendRune(dst, rune(b-1))
		}
	}
	return dst
}

// queryGrams returns the terms every text containing q has: q's distinct
// bigrams, or for a single rune that rune's code, to match as a prefix.
func queryGrams(q string) (terms []string, prefix bool) {
	rs := foldedRunes(q)
	switch len(rs) {
	case 0:
		return nil, false
	case 1:
		return []string{string(appendRune(nil, rs[0]))}, true
	}
	for i := 0; i+1 < len(rs); i++ {
		terms = append(terms, string(appendRune(appendRune(nil, rs[i]), rs[i+1])))
	}
	slices.Sort(terms)
	return slices.Compact(terms), false
}

// gramExact reports whether the index alone decides whether a text
// contains q, so the LIKE can be left out: q is one rune or two (one term,
// no two bigrams that need not be adjacent) and none of its runes has case
// (Chinese, digits, punctuation), so that neither database's lower() nor
// the folding can take a rune to or from one of q's. Most searches are two
// Chinese characters; their count then reads the index, not the cases.
func gramExact(q string) bool {
	n := 0
	for _, r := range q {
		if n++; n > 2 || unicode.SimpleFold(r) != r || unicode.ToLower(r) != r || unicode.ToUpper(r) != r ||
			unicode.ToTitle(r) != r {
			return false
		}
	}
	return n > 0
}

// gramCondition returns the condition (alias t) that narrows a text
// search for q, within the place of region (a term of regionTerm, or ""),
// to the cases the index holds every term of, and its argument; "" when q
// has no term.
func gramCondition(d dialect, q, region string) (string, any) {
	terms, prefix := queryGrams(q)
	if len(terms) == 0 {
		return "", nil
	}
	if d.isPostgres() {
		// tsquery: 'a' & 'b', or 'a':* for a prefix; & 'z…' for a place.
		arg := "'" + strings.Join(terms, "' & '") + "'"
		if prefix {
			arg += ":*"
		}
		if region != "" {
			arg += " & '" + region + "'"
		}
		return "t.id IN (SELECT g.ticket_id FROM ticket_grams g WHERE g.grams @@ CAST(? AS tsquery))", arg
	}
	// FTS5: "a" "b" (implicit AND), or "a"* for a prefix; "z…" for a place.
	arg := `"` + strings.Join(terms, `" "`) + `"`
	if prefix {
		arg += "*"
	}
	if region != "" {
		arg += ` "` + region + `"`
	}
	return "t.id IN (SELECT rowid FROM ticket_grams WHERE ticket_grams MATCH ?)", arg
}

// textOnly returns q when f, for the caller of ctx, is a text search and
// nothing else but perhaps one town, community or grid (its term, region),
// and the index alone is exact for q (gramExact): then the index holds the
// selection, and the page and its total are read from it (findTextPage)
// without visiting the cases but the page's.
func textOnly(ctx context.Context, f gridline.TicketFilter) (q, region string, ok bool) {
	if f.Query == nil || !gramExact(*f.Query) {
		return "", "", false
	}
	g := f
	if f.Within == nil || f.GridCode == nil {
		if region = filterRegionTerm(f); region != "" {
			g.Within, g.GridCode = nil, nil
		}
	}
	if !bareFilter(ctx, g) || f.Status != nil || f.Channel != nil || f.Category != nil || f.UnitID != nil {
		return "", "", false
	}
	return *f.Query, region, true
}

// findTextPage returns a page of the cases whose text contains q (within
// region's place, a region term or "") and their total up to bound+1
// (bound > 0), for q the index alone is exact
// for: every case has its row of terms and every row its case (cases are
// never deleted), so the ids of the page and the count come from the
// index alone.
func findTextPage(ctx context.Context, tx *Tx, q, region string, limit, offset, bound int) ([]*gridline.Ticket, int, error) {
	if offset < 0 {
		return nil, 0, gridline.FieldErrorf("offset", "must not be negative")
	}
	_, arg := gramCondition(tx.db.dialect, q, region)
	ids, match := `SELECT rowid FROM ticket_grams WHERE ticket_grams MATCH ? ORDER BY rowid DESC`,
		`SELECT 1 FROM ticket_grams WHERE ticket_grams MATCH $1`
	if tx.db.dialect.isPostgres() {
		ids, match = `SELECT g.ticket_id FROM ticket_grams g WHERE g.grams @@ CAST(? AS tsquery) ORDER BY g.ticket_id DESC`,
			`SELECT 1 FROM ticket_grams g WHERE g.grams @@ CAST($1 AS tsquery)`
	}
	count := `SELECT COUNT(*) FROM (` + match + `) s`
	if bound > 0 {
		count = `SELECT COUNT(*) FROM (` + match + ` LIMIT ` + strconv.Itoa(bound+1) + `) s`
	}
	total := -1
	if tx.db.dialect.isPostgres() {
		// PostgreSQL plans the page from the index's estimate of the
		// matches, which takes a word and a place as independent (小区
		// within a rural town: 4,018 estimated, 163 found) and then walks
		// the ids backwards for a page it expects soon: through all of a
		// million rows. So the count comes first, and a selection it finds
		// within the bound is sorted (the id's order hidden from the
		// planner by + 0); a larger one, spread over the cases as words
		// are, gives its page to the walk within a few thousand rows.
		if err := tx.QueryRowContext(ctx, count, arg).Scan(&total); err != nil {
			return nil, 0, translate(tx.db.dialect, err)
		}
		if total <= cmp.Or(bound, gridline.TextTotalBound) {
			ids = strings.Replace(ids, "ORDER BY g.ticket_id DESC", "ORDER BY g.ticket_id + 0 DESC", 1)
		}
	}
	var w where
	w.add("t.id IN ("+ids+limitOffset(limit, offset)+")", arg)
	rows, err := tx.QueryContext(ctx, `SELECT `+ticketColumns+` FROM `+ticketFrom+w.String()+` ORDER BY t.id DESC`, w.args...)
	if err != nil {
		return nil, 0, translate(tx.db.dialect, err)
	}
	out, err := scanTickets(rows)
	if err != nil {
		return nil, 0, err
	}
	if total >= 0 {
		return out, total, nil
	}
	if (limit <= 0 || len(out) < limit) && (len(out) > 0 || offset == 0) {
		return out, offset + len(out), nil
	}
	if err := tx.QueryRowContext(ctx, count, arg).Scan(&total); err != nil {
		return nil, 0, translate(tx.db.dialect, err)
	}
	return out, total, nil
}

// writeTicketGrams indexes the texts and places of new cases (ids[i] has
// texts[i] at paths[i]) in tx: one COPY or multi-row insert for all of
// them.
func writeTicketGrams(ctx context.Context, tx *Tx, ids []int64, texts []string, paths []gridline.RegionPath) error {
	if tx.db.dialect.isPostgres() {
		return copyRows(ctx, tx, "ticket_grams", []string{"ticket_id", "grams"}, len(ids), func(i int, dst []any) []any {
			return append(dst, ids[i], gramVector(texts[i], paths[i]))
		})
	}
	var buf []byte
	written := 0
	if err := copyRows(ctx, tx, "ticket_grams", []string{"rowid", "grams"}, len(ids), func(i int, dst []any) []any {
		buf = appendGramDoc(buf[:0], texts[i], paths[i])
		written += len(buf)
		return append(dst, ids[i], string(buf))
	}); err != nil {
		return err
	}
	return mergeTicketGrams(ctx, tx, written)
}

// mergeTicketGrams merges a few pages of SQLite's text index after a
// transaction wrote docBytes of documents to it: FTS5's own automerge is
// off (migration 0032) because it merges in quanta of 64 leaves times the
// levels, all in the one commit that crosses a quantum — a 15–50 ms stall
// every half second under intake load. Here each writing transaction
// merges up to mergePagesPerLeaf pages for each leaf its documents may
// fill (more than automerge's one a level a leaf, so the merges keep up:
// FTS5 merges only a level that holds usermerge, 4, segments, so a call
// with nothing to merge does nothing). A few pages in every commit
// rather than hundreds in one.
func mergeTicketGrams(ctx context.Context, tx *Tx, docBytes int) error {
	const (
		leafBytes         = 4000 // FTS5's pgsz, 4,050 by default
		mergePagesPerLeaf = 8
		maxMergePages     = 256 // a bulk import's: its segments wait for later commits
	)
	pages := min(mergePagesPerLeaf*(1+docBytes/leafBytes), maxMergePages)
	_, err := tx.exec(ctx, `INSERT INTO ticket_grams (ticket_grams, rank) VALUES ('merge', $1)`, pages)
	return err
}

// gramVector is a case's terms as PostgreSQL's tsvector: the text's, then
// its place's (sorted after them: z is after every rune's first digit).
func gramVector(text string, p gridline.RegionPath) pgtype.TSVector {
	terms := regionTerms(textGrams(text), p)
	v := pgtype.TSVector{Lexemes: make([]pgtype.TSVectorLexeme, len(terms)), Valid: true}
	for k, w := range terms {
		v.Lexemes[k].Word = w
	}
	return v
}

// appendGramDoc appends a case's terms as FTS5's document to dst: the
// text's and its place's, separated by spaces.
func appendGramDoc(dst []byte, text string, p gridline.RegionPath) []byte {
	dst = appendTerms(dst, gramKeys(text), ' ')
	for _, t := range regionTerms(nil, p) {
		if len(dst) > 0 {
			dst = append(dst, ' ')
		}
		dst = append(dst, t...)
	}
	return dst
}

// reindexTicketGrams replaces the index row of case id, whose text is
// text, when its place moved from was to now. FTS5 takes a contentless
// row out only given the terms it was written with: those of was (every
// change of a case's place comes here).
func reindexTicketGrams(ctx context.Context, tx *Tx, id int64, text string, was, now gridline.RegionPath) error {
	if was == now {
		return nil
	}
	if tx.db.dialect.isPostgres() {
		_, err := tx.exec(ctx, `UPDATE ticket_grams SET grams = $1 WHERE ticket_id = $2`, gramVector(text, now), id)
		return err
	}
	if _, err := tx.exec(ctx, `INSERT INTO ticket_grams (ticket_grams, rowid, grams) VALUES ('delete', $1, $2)`,
		id, string(appendGramDoc(nil, text, was))); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `INSERT INTO ticket_grams (rowid, grams) VALUES ($1, $2)`, id, string(appendGramDoc(nil, text, now)))
	return err
}

// gramQueue holds the texts of the cases a transaction took in until
// writeGrams indexes them (Tx.grams).
type gramQueue struct {
	ids   []int64
	texts []string
	paths []gridline.RegionPath
}

// queueGrams has case id's text and place indexed before commit.
func (tx *Tx) queueGrams(id int64, text string, p gridline.RegionPath) {
	q := tx.grams
	q.ids, q.texts, q.paths = append(q.ids, id), append(q.texts, text), append(q.paths, p)
}

// len is how many cases are queued.
func (q *gramQueue) len() int { return len(q.ids) }

// truncate drops the cases queued after the first n (a batch's case that
// rolled back to its savepoint).
func (q *gramQueue) truncate(n int) {
	q.ids, q.texts, q.paths = q.ids[:n], q.texts[:n], q.paths[:n]
}

// writeGrams indexes the queued texts and empties the queue.
func (tx *Tx) writeGrams(ctx context.Context) error {
	q := tx.grams
	if q == nil || len(q.ids) == 0 {
		return nil
	}
	err := writeTicketGrams(ctx, tx, q.ids, q.texts, q.paths)
	q.truncate(0)
	return err
}

// backfillTicketGrams indexes the texts and places of the cases there are
// (migration 0019, and 0028 which adds the places), a batch of ids at a time, and on PostgreSQL builds the GIN index
// after the rows: building it whole is much faster than growing it.
func backfillTicketGrams(ctx context.Context, tx *Tx) error {
	const batch = 20000
	var after int64
	for {
		rows, err := tx.QueryContext(ctx, `SELECT id, text, county_code, town_code, community_code, grid_code
			FROM tickets WHERE id > $1 ORDER BY id LIMIT $2`, after, batch)
		if err != nil {
			return translate(tx.db.dialect, err)
		}
		var ids []int64
		var texts []string
		var paths []gridline.RegionPath
		for rows.Next() {
			var id int64
			var text string
			var p gridline.RegionPath
			if err := rows.Scan(&id, &text, &p.CountyCode, &p.TownCode, &p.CommunityCode, &p.GridCode); err != nil {
				rows.Close()
				return err
			}
			ids, texts, paths = append(ids, id), append(texts, text), append(paths, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(ids) == 0 {
			break
		}
		if err := writeTicketGrams(ctx, tx, ids, texts, paths); err != nil {
			return err
		}
		after = ids[len(ids)-1]
	}
	if tx.db.dialect.isPostgres() {
		if _, err := tx.ExecContext(ctx, `SET LOCAL maintenance_work_mem = '256MB'`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `CREATE INDEX ticket_grams_idx ON ticket_grams USING gin (grams)`); err != nil {
			return translate(tx.db.dialect, err)
		}
		if _, err := tx.ExecContext(ctx, `ANALYZE ticket_grams`); err != nil {
			return err
		}
	}
	return nil
}

package gridline

import (
	"cmp"
	"context"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// DuplicateRule bounds where and when another case may be the same
// incident as a new one: within Radius metres of it and Window of its
// report time, either side.
type DuplicateRule struct {
	Radius float64       `json:"radius_m"`
	Window time.Duration `json:"window"`
}

// DefaultDuplicateRule is the rule of a case whose main class has none of
// its own, and of a case without a category.
var DefaultDuplicateRule = DuplicateRule{Radius: 300, Window: 7 * 24 * time.Hour}

const day = 24 * time.Hour

// DuplicateRules are the rules per category main class, and for the few
// sub-classes whose incidents stay or spread unlike the rest of their
// class. A broken facility stays where it is and is reported again for
// weeks (30 days, a tight radius); noise and dust carry and are reported
// by neighbours streets apart within days; a water or power cut covers a
// neighbourhood within hours; a dispute is one household's for a month.
// Refuse, wrecks, stalls and parked cars stay, or come back every day,
// until someone acts: two weeks. What lies along a line (a village road,
// a river) or drifts (smoke, sewage, a farm's smell) is named by
// reporters at points hundreds of metres apart.
var DuplicateRules = map[string]DuplicateRule{
	"01":    {Radius: 150, Window: 30 * day}, // 公用设施: lamps, manhole covers
	"02":    {Radius: 200, Window: 30 * day}, // 道路交通
	"0212":  {Radius: 500, Window: 30 * day}, // 农村公路: a road between villages
	"03":    {Radius: 150, Window: 14 * day}, // 市容环境设施
	"04":    {Radius: 150, Window: 14 * day}, // 园林绿化
	"05":    {Radius: 100, Window: 30 * day}, // 房屋土地
	"06":    {Radius: 150, Window: 30 * day}, // 其他设施
	"0603":  {Radius: 500, Window: 30 * day}, // 河道堤岸设施: a levee, along a river
	"101":   {Radius: 200, Window: 14 * day}, // 市容环境 (events): refuse, structures, materials stay
	"10105": {Radius: 500, Window: 14 * day}, // 水域不洁: along a river
	"10107": {Radius: 500, Window: 14 * day}, // 露天焚烧: smoke is seen and smelt from afar
	"10106": {Radius: 200, Window: 30 * day}, // 废弃车辆: a wreck stands for months
	"102":   {Radius: 200, Window: 14 * day}, // 宣传广告
	"103":   {Radius: 500, Window: 7 * day},  // 施工管理: dust and noise carry
	"104":   {Radius: 500, Window: 2 * day},  // 突发事件: reported at once, by many
	"105":   {Radius: 200, Window: 14 * day}, // 街面秩序: the same stall or car every day
	"106":   {Radius: 500, Window: 14 * day}, // 其他事件: land, rivers, farms, pollution
	"10603": {Radius: 1000, Window: 7 * day}, // 工业废气: smoke and smell drift
	"201":   {Radius: 300, Window: 30 * day}, // 物业管理: one compound
	"202":   {Radius: 500, Window: 7 * day},  // 供暖供热
	"203":   {Radius: 1000, Window: 3 * day}, // 水电气: an outage covers an area
	"204":   {Radius: 300, Window: 30 * day}, // 劳动保障: one employer
	"205":   {Radius: 500, Window: 7 * day},  // 噪声扰民
	"206":   {Radius: 100, Window: 30 * day}, // 矛盾纠纷: one household
}

// MaxDuplicates is how many candidates intake and GET …/duplicates show.
const MaxDuplicates = 5

// DuplicateThreshold is the score from which a case is a candidate. It,
// the weights in [ScoreDuplicate] and the lexicon were tuned on the
// labelled sets a, b and c (testdata/duplicates_labelled*.csv: since
// branch dupf2 on their odd-numbered pairs, the even ones checked in
// aggregate); docs/benchmarks.md gives the figures, and those of set d,
// written blind and scored once after the scorer was frozen.
const DuplicateThreshold = 0.43

// DuplicateRuleFor returns the rule for a case of category code in cat:
// its sub-class's, else its main class's, else the default.
func DuplicateRuleFor(cat *Catalogue, code string) DuplicateRule {
	if main := mainClass(cat, code); main != "" {
		if r, ok := DuplicateRules[code]; ok {
			return r
		}
		if r, ok := DuplicateRules[main]; ok {
			return r
		}
	}
	return DefaultDuplicateRule
}

// DuplicateBounds returns the bounds of c's candidates: its category's
// rule, its window reaching dupOngoingWindow further when c's text says
// the problem was reported before and goes on (之前打过电话, 到现在还没修):
// the caller is reporting the same incident again, weeks after the first
// report. A recurrence (又坏了) is a new incident and widens nothing.
func DuplicateBounds(cat *Catalogue, c *DuplicateCase) DuplicateRule {
	r := DuplicateRuleFor(cat, c.Category)
	if OngoingReport(c.Text) {
		r.Window += dupOngoingWindow
	}
	return r
}

// dupOngoingWindow is how much further an ongoing report's window reaches:
// a month, the span of 上个月就打过电话.
const dupOngoingWindow = 30 * day

// dupOngoingMarkers are the phrases by which a report says its problem was
// reported before, or has gone on unresolved since.
var dupOngoingMarkers = []string{"打过电话", "打过热线", "打过12345", "反映过", "之前反映", "上次反映", "多次反映",
	"再次反映", "重复反映", "多次打电话", "还没修", "还没人管", "还没处理", "还没解决", "没人处理", "没人来处理", "仍未",
	"到现在还", "到现在也", "至今未", "至今没", "至今仍", "还是没人", "一直没人", "一直没有解决", "一直未"}

// OngoingReport reports whether text says its problem was reported
// before or has gone on unresolved (see [DuplicateBounds]).
func OngoingReport(text string) bool {
	for _, m := range dupOngoingMarkers {
		if strings.Contains(text, m) {
			return true
		}
	}
	return false
}

// mainClass returns the main class of code in cat: code itself for a main
// class, its parent for a sub-class, "" for an unknown code.
func mainClass(cat *Catalogue, code string) string {
	i, ok := cat.byCode[code]
	if !ok {
		return ""
	}
	if p := cat.cats[i].ParentCode; p != "" {
		return p
	}
	return code
}

// DuplicateReasons are the facts a candidate's score is made of.
type DuplicateReasons struct {
	DistanceM  float64 `json:"distance_m"`
	HoursApart float64 `json:"hours_apart"`
	// SameCategory is "sub" for the same sub-class, "main" for the same
	// main class, "related" for classes the lexicon relates (one incident
	// seen from two sides), "suggested" when a resident's (or no one's)
	// class disagrees but the catalogue's suggestions for the texts agree
	// with the other class, "" otherwise.
	SameCategory   string  `json:"same_category"`
	TextSimilarity float64 `json:"text_similarity"`
	// OtherBuilding is true when both texts name building numbers and
	// none in common (3号楼 against 5号楼): neighbours' lifts, pipes and
	// flats, not one incident.
	OtherBuilding bool `json:"other_building,omitempty"`
	// OtherUnit is true when both texts name unit numbers (2单元) and
	// none in common: one building's neighbouring stairwells, each with
	// its own lift, door and pipes.
	OtherUnit bool `json:"other_unit,omitempty"`
	// OtherGate is true when both texts name gates (南门, 后门) and none
	// in common: a compound's or a hospital's other entrance, another
	// spot for a stall, a parked car or a manhole.
	OtherGate bool `json:"other_gate,omitempty"`
	// OtherFlat is true when both texts name flats (402, 1502) and none
	// in common: another household's dog, leak or renovation.
	OtherFlat bool `json:"other_flat,omitempty"`
}

// DuplicateCandidate is a case that may be the same incident as another.
type DuplicateCandidate struct {
	ID         int64            `json:"id"`
	Number     string           `json:"number"`
	Score      float64          `json:"score"`
	DistanceM  float64          `json:"distance_m"`
	Text       string           `json:"text"`
	Category   string           `json:"category,omitempty"`
	Channel    Channel          `json:"channel"`
	Status     TicketStatus     `json:"status"`
	ReportedAt time.Time        `json:"reported_at"`
	Reasons    DuplicateReasons `json:"reasons"`
}

// DuplicateCase is what the finder compares of a case: its place, time,
// category and text, and the text's fingerprint once made.
type DuplicateCase struct {
	ID         int64
	Number     string
	Channel    Channel
	Status     TicketStatus
	Category   string
	Text       string
	Lon, Lat   float64
	ReportedAt time.Time
	fingerprint
}

// fingerprint is what a text becomes for comparison with a catalogue's
// vocabulary (DuplicateCase.Fingerprint).
type fingerprint struct {
	grams     []gram
	weights   gramWeights // of grams, summed once rather than per pair
	marks     placeMarks
	suggested []string // the catalogue's first suggestions for the text
}

// Fingerprint prepares c's text for comparison with cat's vocabulary;
// ScoreDuplicate calls it when needed, so calling it first only saves
// repeating the work.
func (c *DuplicateCase) Fingerprint(cat *Catalogue) {
	if c.grams == nil {
		c.grams, c.marks = textGrams(c.Text, cat)
		c.weights = weighGrams(c.grams)
		c.suggested = cat.suggestFromGrams(c.grams, dupSuggestions)
	}
}

// AdoptFingerprint gives c the fingerprint of o, made with the same
// catalogue, when both have the same text: a fingerprint depends on
// nothing else. It saves fingerprinting a new case twice, once as a probe
// and once as held by an index.
func (c *DuplicateCase) AdoptFingerprint(o *DuplicateCase) {
	if c.grams == nil && o.grams != nil && c.Text == o.Text {
		c.fingerprint = o.fingerprint
	}
}

// ScoreDuplicate scores whether b is the same incident as a, a's category
// rule deciding the bounds: ok is false outside them. The score (0–1)
// weighs text similarity most: two reporters of one incident share its
// words (路灯, 不亮, 井盖), while neighbours' different problems share
// only the place; category agreement and closeness in place and time add
// to it.
func ScoreDuplicate(cat *Catalogue, a, b *DuplicateCase) (score float64, why DuplicateReasons, ok bool) {
	return scoreDuplicate(cat, nil, DuplicateBounds(cat, a), a, b)
}

// scoreDuplicate is ScoreDuplicate with a's bounds (rule) found once by
// the caller, taking the fingerprints from fc, when not nil.
func scoreDuplicate(cat *Catalogue, fc *FingerprintCache, rule DuplicateRule, a, b *DuplicateCase) (score float64, why DuplicateReasons, ok bool) {
	// In whole metres, as reported: a case 300.0000001 m away is within a
	// 300 m radius (the store's disc keeps it too).
	why.DistanceM = math.Round(DistanceM(a.Lon, a.Lat, b.Lon, b.Lat))
	gap := a.ReportedAt.Sub(b.ReportedAt)
	if gap < 0 {
		gap = -gap
	}
	why.HoursApart = gap.Hours()
	if why.DistanceM > rule.Radius || gap > rule.Window {
		return 0, why, false
	}
	fc.fingerprint(cat, a)
	fc.fingerprint(cat, b)
	// Two cases filed under one sub-class have their problem named
	// already: their problem words are paraphrase (冒黑烟 and 排放废气),
	// not a sign of two problems at one place.
	why.TextSimilarity = gramSimilarity(a.grams, b.grams, a.weights, b.weights, a.Category == "" || a.Category != b.Category)
	why.OtherBuilding = otherPlace(a.marks.buildings, b.marks.buildings)
	why.OtherUnit = otherPlace(a.marks.units, b.marks.units)
	why.OtherGate = otherPlace(a.marks.gates, b.marks.gates)
	why.OtherFlat = otherPlace(a.marks.flats, b.marks.flats)
	var catScore float64
	why.SameCategory, catScore = classAgreement(cat, a.Category, b.Category)
	staff := !residentChannel(a.Channel) && !residentChannel(b.Channel)
	if catScore < 1 && !staff {
		if s := suggestedAgreement(cat, a, b) * dupSuggestedShare; s > catScore {
			why.SameCategory, catScore = "suggested", s
		}
	}
	if why.SameCategory == "" && staff && a.Category != "" && b.Category != "" {
		// Two people who looked, or listened, filed them under unrelated
		// classes: most often two problems at one spot, whose texts
		// share the place's words.
		catScore = dupConflictScore
	}
	place := 1 - why.DistanceM/rule.Radius
	when := 1 - float64(gap)/float64(rule.Window)
	score = dupWeightText*why.TextSimilarity + dupWeightCategory*catScore + dupWeightPlace*place + dupWeightTime*when
	for _, other := range []bool{why.OtherBuilding, why.OtherUnit, why.OtherGate, why.OtherFlat} {
		if other {
			score = math.Max(0, score-dupOtherPlacePenalty)
		}
	}
	why.HoursApart = math.Round(why.HoursApart*10) / 10
	why.TextSimilarity = math.Round(why.TextSimilarity*1000) / 1000
	return math.Round(score*1000) / 1000, why, true
}

// classAgreement says how far categories a and b agree: "sub" (1) for
// the same sub-class, "related" (0.75) for classes of one line of the
// lexicon's related classes, "main" (0.25) for the same main class, ""
// (0) otherwise. Two sub-classes of one main class at one spot are
// mostly two problems (a pothole and a faded marking, a stall and a
// parked car); related classes name one incident from two sides.
func classAgreement(cat *Catalogue, a, b string) (string, float64) {
	switch {
	case a == "" || b == "":
		return "", 0
	case a == b:
		return "sub", 1
	}
	ma, mb := mainClass(cat, a), mainClass(cat, b)
	switch {
	case dupLex.relatedClasses(a, ma, b, mb):
		// One incident filed from two sides (a broken transformer as
		// 电力设施 and as 电力线路故障), or under one of the classes
		// only its owner tells apart (a manhole cover's).
		return "related", 0.75
	case ma != "" && ma == mb:
		return "main", 0.25
	}
	return "", 0
}

// residentChannel reports whether cases from ch have their category
// chosen by a resident, or by no one (the catalogue's first suggestion):
// a snap report's or a letter's class says little.
func residentChannel(ch Channel) bool {
	switch ch {
	case ChannelSnapReport, ChannelMailbox, ChannelWebsite, ChannelApp:
		return true
	}
	return false
}

// dupSuggestions is how many of the catalogue's suggestions for a text
// the finder keeps with its fingerprint.
const dupSuggestions = 3

// suggestFromGrams returns the codes of the n sub-classes whose names and
// keywords share the most of grams' pairs, each pair weighed by its
// rarity among the sub-classes: [Catalogue.Suggest]'s bigram half, on
// the finder's normalised text (synonyms folded), without its keyword
// half, at a fraction of its cost. Ties keep catalogue order.
func (c *Catalogue) suggestFromGrams(grams []gram, n int) []string {
	vocab := c.vocabulary()
	score := make([]float64, len(c.subs))
	type scored struct {
		sub   int32
		score float64
	}
	top := make([]scored, 0, 32)
	for _, g := range grams {
		if g.key>>32 == 0 {
			continue // a single character
		}
		for _, s := range vocab[g.key] {
			if score[s.sub] == 0 {
				top = append(top, scored{sub: s.sub})
			}
			score[s.sub] += s.idf
		}
	}
	for i := range top {
		top[i].score = score[top[i].sub]
	}
	top = slices.DeleteFunc(top, func(t scored) bool { return t.score <= 0 })
	slices.SortFunc(top, func(x, y scored) int {
		if x.score != y.score {
			return cmp.Compare(y.score, x.score)
		}
		return cmp.Compare(x.sub, y.sub)
	})
	out := make([]string, 0, n)
	for _, t := range top[:min(n, len(top))] {
		out = append(out, c.cats[c.subs[t.sub]].Code)
	}
	return out
}

// suggestedAgreement is the best agreement between one case's category
// and the catalogue's suggestions for the other's text, or between the
// two texts' suggestions.
func suggestedAgreement(cat *Catalogue, a, b *DuplicateCase) float64 {
	best := 0.0
	for _, x := range a.suggested {
		for _, y := range b.suggested {
			_, s := classAgreement(cat, x, y)
			best = max(best, s)
		}
	}
	for _, y := range b.suggested {
		_, s := classAgreement(cat, a.Category, y)
		best = max(best, s)
	}
	for _, x := range a.suggested {
		_, s := classAgreement(cat, x, b.Category)
		best = max(best, s)
	}
	return best
}

// dupProblemWeight is the weight of a pair of the catalogue's vocabulary
// in text similarity, against 1 for other pairs.
const dupProblemWeight = 3

// dupProblemShare is the share of text similarity given to the problem
// words alone (the pairs of the catalogue's vocabulary) when both texts
// have some: two neighbours' complaints share the place's words, and only
// the words for the problem (井盖 against 路灯, 不热 against 漏水) tell
// them apart; the overlap coefficient, so a terse note naming the problem
// once matches a long story naming it among others.
const dupProblemShare = 0.5

// dupCharWeight is the weight of a single character in text similarity.
const dupCharWeight = 0.5

// dupOtherPlacePenalty is what a pair naming different buildings, units,
// gates or flats loses from its score, for each kind: the same problem in the next
// building or stairwell (its lift, its door, its heating) is another
// incident, and a pair that agrees on all else scores about 0.9.
const dupOtherPlacePenalty = 0.5

// dupSuggestedShare is the category score of a pair whose classes do not
// agree but one case's class agrees with the catalogue's suggestions for
// the other's text (or both texts' suggestions agree), when either class
// was chosen by a resident or by no one: three quarters of what the
// classes' own agreement would give.
const dupSuggestedShare = 0.75

// dupConflictScore is the category score of two cases filed by staff
// (not a resident's guess) under unrelated classes: evidence against, not
// only none for.
const dupConflictScore = -0.4

// The weights of ScoreDuplicate; they sum to 1.
const (
	dupWeightText     = 0.55
	dupWeightCategory = 0.25
	dupWeightPlace    = 0.12
	dupWeightTime     = 0.08
)

// RankDuplicates scores each of others against c and returns the
// candidates at or above DuplicateThreshold, best first, at most n.
// Others that are c itself, merged, voided or rejected are skipped: a
// merged case's master is the candidate.
func RankDuplicates(cat *Catalogue, c *DuplicateCase, others []*DuplicateCase, n int) []DuplicateCandidate {
	return RankDuplicatesCached(cat, nil, c, others, n)
}

// RankDuplicatesCached is RankDuplicates taking the cases' fingerprints
// from fc and keeping there those it makes; fc may be nil.
func RankDuplicatesCached(cat *Catalogue, fc *FingerprintCache, c *DuplicateCase, others []*DuplicateCase, n int) []DuplicateCandidate {
	// c's bounds once, not per candidate: reading its text for an
	// ongoing report is a scan of every marker.
	rule := DuplicateBounds(cat, c)
	out := []DuplicateCandidate{}
	for _, o := range others {
		if o.ID == c.ID || !DuplicateTarget(o.Status) {
			continue
		}
		score, why, ok := scoreDuplicate(cat, fc, rule, c, o)
		if !ok || score < DuplicateThreshold {
			continue
		}
		out = append(out, DuplicateCandidate{ID: o.ID, Number: o.Number, Score: score, DistanceM: why.DistanceM,
			Text: o.Text, Category: o.Category, Channel: o.Channel, Status: o.Status, ReportedAt: o.ReportedAt, Reasons: why})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].ID < out[j].ID
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// FingerprintCache keeps the text fingerprints of cases by id, so that a
// case read again by the next lookups around it (at intake, every new
// case's neighbours) is not fingerprinted again. An entry is used only for
// the same text and catalogue it was made from, so an edited text or
// vocabulary makes a new one. It holds between max and twice max entries,
// the most recently used kept. Safe for concurrent use.
type FingerprintCache struct {
	mu       sync.Mutex
	max      int
	cat      *Catalogue
	cur, old map[int64]cachedPrint
}

// cachedPrint is a fingerprint kept with the text it was made from.
type cachedPrint struct {
	text string
	fingerprint
}

// NewFingerprintCache returns a cache of about max fingerprints.
func NewFingerprintCache(max int) *FingerprintCache {
	return &FingerprintCache{max: max, cur: map[int64]cachedPrint{}}
}

// fingerprint sets c's fingerprint from fc, or makes it and keeps it
// there; a nil fc only makes it. A case without an id (not stored) is not
// kept.
func (fc *FingerprintCache) fingerprint(cat *Catalogue, c *DuplicateCase) {
	if c.grams != nil {
		return
	}
	if fc == nil || c.ID == 0 {
		c.Fingerprint(cat)
		return
	}
	fc.mu.Lock()
	if fc.cat != cat {
		fc.cat, fc.cur, fc.old = cat, map[int64]cachedPrint{}, nil
	}
	f, ok := fc.cur[c.ID]
	if !ok {
		if f, ok = fc.old[c.ID]; ok {
			fc.put(c.ID, f)
		}
	}
	fc.mu.Unlock()
	if ok && f.text == c.Text {
		c.fingerprint = f.fingerprint
		return
	}
	c.Fingerprint(cat)
	fc.mu.Lock()
	if fc.cat == cat {
		fc.put(c.ID, cachedPrint{text: c.Text, fingerprint: c.fingerprint})
	}
	fc.mu.Unlock()
}

// put keeps f for id, the older half dropped when the newer is full.
// fc.mu is held.
func (fc *FingerprintCache) put(id int64, f cachedPrint) {
	if len(fc.cur) >= fc.max {
		fc.old, fc.cur = fc.cur, make(map[int64]cachedPrint, fc.max)
	}
	fc.cur[id] = f
}

// DuplicateTarget reports whether a case in status s can be the master of
// a duplicate: one that was not merged away, voided or rejected.
func DuplicateTarget(s TicketStatus) bool {
	switch s {
	case StatusMerged, StatusVoided, StatusRejected:
		return false
	}
	return true
}

// DistanceM returns the distance in metres between two lon/lat points,
// on a local flat approximation (exact to well under a metre over the
// few kilometres duplicates are looked for in).
func DistanceM(lon1, lat1, lon2, lat2 float64) float64 {
	kx, ky := metresPerDegree((lat1 + lat2) / 2)
	return math.Hypot((lon2-lon1)*kx, (lat2-lat1)*ky)
}

// DuplicateCellSize is the side of a place cell in degrees: about 1.1 km
// north–south and 0.9 km east–west in Shandong.
const DuplicateCellSize = 0.01

// DuplicateCell returns the key of the place cell that holds lon/lat. The
// store keeps it on each case and indexes it with the report time, so
// the candidates of a case are read from the few cells its radius
// touches within its window, never by a scan.
func DuplicateCell(lon, lat float64) int64 {
	return int64(math.Floor((lat+90)*100))*100000 + int64(math.Floor((lon+180)*100))
}

// DuplicateBox returns the bounding box of the points within radius
// metres of lon/lat, a little widened against rounding: min lon, min lat,
// max lon, max lat.
func DuplicateBox(lon, lat, radius float64) [4]float64 {
	kx, ky := metresPerDegree(lat)
	dx, dy := radius/kx*1.001+1e-9, radius/ky*1.001+1e-9
	return [4]float64{lon - dx, lat - dy, lon + dx, lat + dy}
}

// DuplicateDisc returns the terms of a test for the points within radius
// metres of lon/lat, a little widened against rounding, that a store can
// make on its index without reading the rows: x, y is within when
// ((x-lon)·kx)² + ((y-lat)·ky)² ≤ r2. It keeps every point DistanceM puts
// within radius (its scale is taken at the two points' mean latitude,
// here at lat: a relative difference under 1e-3 over a few kilometres).
func DuplicateDisc(lon, lat, radius float64) (kx, ky, r2 float64) {
	kx, ky = metresPerDegree(lat)
	r := radius*1.01 + 1
	return kx, ky, r * r
}

// DuplicateCells returns the keys of the cells that DuplicateBox(lon, lat,
// radius) touches.
func DuplicateCells(lon, lat, radius float64) []int64 {
	b := DuplicateBox(lon, lat, radius)
	y0, y1 := int64(math.Floor((b[1]+90)*100)), int64(math.Floor((b[3]+90)*100))
	x0, x1 := int64(math.Floor((b[0]+180)*100)), int64(math.Floor((b[2]+180)*100))
	var out []int64
	for y := y0; y <= y1; y++ {
		for x := x0; x <= x1; x++ {
			out = append(out, y*100000+x)
		}
	}
	return out
}

// DuplicateService finds the duplicate candidates of cases.
type DuplicateService interface {
	// FindDuplicates returns the candidates of case id, best first, at
	// most MaxDuplicates. A case without a place has none. Returns
	// ENOTFOUND for an unknown case.
	FindDuplicates(ctx context.Context, id int64) ([]DuplicateCandidate, error)
	// FindDuplicatesOf returns the candidates of t, a case just taken in
	// (its ID excluded).
	FindDuplicatesOf(ctx context.Context, t *Ticket) ([]DuplicateCandidate, error)
}

// gram is a pair of adjacent characters of a normalised text and its
// weight.
type gram struct {
	key    uint64
	weight float64
}

// gramWeights are the sums of a gram set's weights: of all its grams and
// of its problem words'.
type gramWeights struct {
	all, problem float64
}

// weighGrams sums gs's weights.
func weighGrams(gs []gram) gramWeights {
	var w gramWeights
	for _, g := range gs {
		w.all += g.weight
		if g.weight == dupProblemWeight {
			w.problem += g.weight
		}
	}
	return w
}

// dupStopPhrases are the formulas of intake that say nothing about the
// incident: who called, and what they ask for. The replacer tries longer
// phrases first where two start alike.
var dupStopPhrases = []string{
	"市民来电反映", "市民来电称", "来电人反映", "来电人称", "来电反映", "来电称", "市民反映", "群众反映", "居民反映",
	"网格员巡查发现", "网格员巡查时发现", "网格员发现", "巡查发现", "巡查中发现", "视频巡查发现", "监控发现",
	"物业上报", "物业反映", "业主反映", "有人反映", "反映", "诉求人", "来电人",
	"请相关部门尽快处理", "请相关部门处理", "请有关部门处理", "希望相关部门尽快解决", "希望相关部门处理",
	"希望有关部门处理", "希望尽快处理", "希望尽快解决", "要求尽快处理", "要求尽快解决", "要求处理", "请求处理",
	"请尽快处理", "请尽快解决", "尽快处理", "尽快解决", "相关部门", "有关部门", "请处理", "望解决", "谢谢",
	"已拍照上传", "拍照上传", "现场照片", "见附件", "附照片",
}

// dupPhrases are the stop phrases and the lexicon's synonyms by their
// first character, longest first.
var dupPhrases = dupLex.phrasesByRune(dupStopPhrases)

// dupParticles are characters that carry grammar, not content.
const dupParticles = "的了吗呢吧啊呀么哦嘛"

// dupCommonGrams are pairs found in complaints of every kind; they count
// a third as much as others.
var dupCommonGrams = gramKeys(map[string]bool{
	"小区": true, "门口": true, "附近": true, "社区": true, "居民": true, "问题": true, "严重": true, "影响": true,
	"一直": true, "现在": true, "已经": true, "没有": true, "不能": true, "无人": true, "处理": true, "解决": true,
	"希望": true, "要求": true, "情况": true, "存在": true, "发现": true, "位置": true, "路口": true, "东侧": true,
	"西侧": true, "南侧": true, "北侧": true, "对面": true, "周边": true, "这里": true, "那里": true, "多次": true,
	"晚上": true, "白天": true, "每天": true, "最近": true, "几天": true, "出行": true, "生活": true, "安全": true,
})

// gramKeys returns the keys of the pairs in m.
func gramKeys(m map[string]bool) map[uint64]bool {
	out := make(map[uint64]bool, len(m))
	for p := range m {
		r := []rune(p)
		out[gramKey(r[0], r[1])] = true
	}
	return out
}

// gramKey is the key of the pair a, b; a single character's is gramKey(0, r).
func gramKey(a, b rune) uint64 { return uint64(a)<<32 | uint64(b) }

// gramSub is a sub-class (an entry of Catalogue.subs) whose name or
// keywords have a pair, and the pair's rarity among the sub-classes.
type gramSub struct {
	sub int32
	idf float64
}

// vocabulary returns the pairs of c's sub-classes' names and keywords,
// each with the sub-classes that have it, built once.
func (c *Catalogue) vocabulary() map[uint64][]gramSub {
	c.vocabOnce.Do(func() {
		c.vocab = make(map[uint64][]gramSub, len(c.bigramIDF))
		for p, idf := range c.bigramIDF {
			r := []rune(p)
			if len(r) != 2 {
				continue
			}
			subs := make([]gramSub, 0, len(c.gramSubs[p]))
			for _, k := range c.gramSubs[p] {
				subs = append(subs, gramSub{sub: int32(k), idf: idf})
			}
			c.vocab[gramKey(r[0], r[1])] = subs
		}
	})
	return c.vocab
}

// chineseDigits folds Chinese numerals to digits, so 三号楼 and 3号楼 agree
// (十 is read by its neighbours: 十二 12, 二十 20).
var chineseDigits = map[rune]rune{'〇': '0', '零': '0', '一': '1', '二': '2', '两': '2', '三': '3', '四': '4',
	'五': '5', '六': '6', '七': '7', '八': '8', '九': '9'}

// NormalizeDuplicateText returns the text the finder compares: full-width
// folded, lower case, numerals as digits, the intake formulas and
// particles removed, punctuation and spaces as breaks (a "|").
func NormalizeDuplicateText(s string) string { return string(normalizeRunes(s)) }

// normalizeRunes is NormalizeDuplicateText in one pass, as runes.
func normalizeRunes(s string) []rune {
	out := make([]rune, 0, len(s)/2)
	lastBreak := true
	brk := func() {
		if !lastBreak {
			out = append(out, '|')
			lastBreak = true
		}
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if ps, ok := dupPhrases[r]; ok {
			var hit *dupPhrase
			for k := range ps {
				if strings.HasPrefix(s[i:], ps[k].from) {
					hit = &ps[k]
					break
				}
			}
			if hit != nil {
				i += len(hit.from)
				if hit.to == nil {
					brk()
				} else {
					out = append(out, hit.to...)
					lastBreak = false
				}
				continue
			}
		}
		i += size
		if r >= '！' && r <= '～' {
			r -= '！' - '!'
		}
		r = unicode.ToLower(r)
		if d, ok := chineseDigits[r]; ok {
			r = d
		}
		if r == '十' {
			// 十二 is 12, 二十 20, 二十一 21, 十 10.
			next, _ := utf8.DecodeRuneInString(s[i:])
			_, nextDigit := chineseDigits[next]
			nextDigit = nextDigit || next >= '0' && next <= '9'
			prevDigit := len(out) > 0 && out[len(out)-1] >= '0' && out[len(out)-1] <= '9'
			switch {
			case prevDigit && nextDigit:
			case prevDigit:
				out = append(out, '0')
			case nextDigit:
				out = append(out, '1')
			default:
				out = append(out, '1', '0')
			}
			lastBreak = false
			continue
		}
		switch {
		case strings.ContainsRune(dupParticles, r):
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			out = append(out, r)
			lastBreak = false
		default:
			brk()
		}
	}
	if n := len(out); n > 0 && out[n-1] == '|' {
		out = out[:n-1]
	}
	return out
}

// textGrams returns the weighted bigrams of s's normalised text, sorted
// by key and without repeats, and the marks of the exact spot it names.
// Pairs of the catalogue's vocabulary (the
// names and keywords of its sub-classes: 路灯, 井盖, 不亮, 漏水) say what
// the problem is and weigh dupProblemWeight; pairs of every complaint
// weigh a third; the rest — mostly the place — one.
func textGrams(s string, cat *Catalogue) ([]gram, placeMarks) {
	norm := normalizeRunes(s)
	vocab := cat.vocabulary()
	out := make([]gram, 0, 2*len(norm))
	for _, r := range norm {
		// Single characters, lightly weighed, catch paraphrase that
		// shares no pair: 乱停 and 停在, 堵门 and 堵着门.
		if r != '|' && !unicode.IsDigit(r) {
			out = append(out, gram{key: gramKey(0, r), weight: dupCharWeight})
		}
	}
	for i := 1; i < len(norm); i++ {
		a, b := norm[i-1], norm[i]
		if a == '|' || b == '|' {
			continue
		}
		w, k := 1.0, gramKey(a, b)
		if dupCommonGrams[k] {
			w = 1.0 / 3
		} else if _, ok := vocab[k]; ok {
			w = dupProblemWeight
		}
		out = append(out, gram{key: k, weight: w})
	}
	slices.SortFunc(out, func(x, y gram) int { return cmp.Compare(x.key, y.key) })
	marks := placeMarks{buildings: buildingNumbers(norm), units: unitNumbers(norm), gates: gateNames(norm),
		flats: flatNumbers(norm)}
	return slices.CompactFunc(out, func(x, y gram) bool { return x.key == y.key }), marks
}

// placeMarks are what a text names of its exact spot: building, unit and
// flat numbers, and gates. Two texts naming marks of one kind and none in
// common are about two spots.
type placeMarks struct {
	buildings []string // 3号楼 → "3"
	units     []string // 2单元 → "2"
	gates     []string // 南门 → "南", 东北门 → "东北", 后门 → "后"
	flats     []string // 402, 1502
}

// gateNames returns the gates norm names: 东门, 南大门, 东北门, 正门, 后门;
// not a street or a place named after a gate (西门大街, 南门村).
func gateNames(norm []rune) []string {
	var out []string
	for i := 1; i < len(norm); i++ {
		if norm[i] != '门' {
			continue
		}
		if next := i + 1; next < len(norm) && (strings.ContainsRune("街村巷桥社", norm[next]) ||
			norm[next] == '路' && (next+1 >= len(norm) || !strings.ContainsRune("边旁上对", norm[next+1])) ||
			norm[next] == '大' && next+1 < len(norm) && norm[next+1] == '街') {
			continue // 西门大街, 南门路 (but 南门路边)
		}
		j := i - 1
		if norm[j] == '大' && j > 0 {
			j--
		}
		if !strings.ContainsRune("东西南北正后", norm[j]) {
			continue
		}
		if (norm[j] == '南' || norm[j] == '北') && j > 0 && (norm[j-1] == '东' || norm[j-1] == '西') {
			j--
		}
		name := string(norm[j : j+1])
		if j+1 < i && norm[j+1] != '大' {
			name = string(norm[j : j+2])
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

// dupServiceNumbers are the telephone numbers complaints name (打了110),
// not flats.
var dupServiceNumbers = []string{"110", "119", "120", "122", "114", "315"}

// flatNumbers returns the flat numbers norm names: three or four digits
// whose last two are a door on a floor (402, 1502, 2301), not a length,
// an area, a year, a road, a bus line, an amount or a service's
// number (150米, 2026年, 110).
func flatNumbers(norm []rune) []string {
	var out []string
	for i := 0; i < len(norm); {
		if !unicode.IsDigit(norm[i]) || i > 0 && unicode.IsDigit(norm[i-1]) {
			i++
			continue
		}
		j := i
		for j < len(norm) && unicode.IsDigit(norm[j]) {
			j++
		}
		n := norm[i:j]
		door := len(n) >= 3 && len(n) <= 4 && n[0] != '0' && n[len(n)-2] <= '2' && string(n[len(n)-2:]) != "00" &&
			!slices.Contains(dupServiceNumbers, string(n))
		if door && j < len(norm) && strings.ContainsRune(".米年月日路号楼元个人次辆平方公里吨度斤块天分秒岁国线%多余", norm[j]) {
			door = false
		}
		if door && !slices.Contains(out, string(n)) {
			out = append(out, string(n))
		}
		i = j
	}
	return out
}

// unitNumbers returns the numbers norm gives units of a building: the
// digits before 单元.
func unitNumbers(norm []rune) []string {
	var out []string
	for i := 1; i+1 < len(norm); i++ {
		if norm[i] != '单' || norm[i+1] != '元' {
			continue
		}
		j := i
		for j > 0 && unicode.IsDigit(norm[j-1]) && i-j < 3 {
			j--
		}
		if j < i && !slices.Contains(out, string(norm[j:i])) {
			out = append(out, string(norm[j:i]))
		}
	}
	return out
}

// buildingNumbers returns the numbers norm gives buildings: the digits
// before 号楼 (the lexicon reads 栋楼, #楼 as it), 栋 or 幢.
func buildingNumbers(norm []rune) []string {
	var out []string
	for i, r := range norm {
		if r != '号' && r != '栋' && r != '幢' || r == '号' && (i+1 >= len(norm) || norm[i+1] != '楼') {
			continue
		}
		j := i
		for j > 0 && unicode.IsDigit(norm[j-1]) && i-j < 4 {
			j--
		}
		if j < i && !slices.Contains(out, string(norm[j:i])) {
			out = append(out, string(norm[j:i]))
		}
	}
	return out
}

// otherPlace reports whether a and b both name marks of one kind and
// none in common.
func otherPlace(a, b []string) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	for _, x := range a {
		if slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// gramSimilarity is the mean of the weighted Dice coefficient and the
// weighted overlap coefficient of two gram sets: Dice alone punishes a
// grid worker's terse note against a caller's long story, overlap alone
// lets a short note match anything long. When both name problem words
// (pairs of the catalogue's vocabulary), their overlap coefficient takes
// dupProblemShare of the result.
func gramSimilarity(a, b []gram, sa, sb gramWeights, problems bool) float64 {
	wa, pa, wb, pb := sa.all, sa.problem, sb.all, sb.problem
	var both, pboth float64
	if wa == 0 || wb == 0 {
		return 0
	}
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i].key < b[j].key:
			i++
		case a[i].key > b[j].key:
			j++
		default:
			both += a[i].weight
			if a[i].weight == dupProblemWeight {
				pboth += a[i].weight
			}
			i++
			j++
		}
	}
	dice := 2 * both / (wa + wb)
	overlap := both / math.Min(wa, wb)
	sim := (dice + overlap) / 2
	if problems && pa > 0 && pb > 0 {
		sim = (1-dupProblemShare)*sim + dupProblemShare*pboth/math.Min(pa, pb)
	}
	return sim
}

// Timeline entries that annotate a case without moving it through the
// loop: its status and version stay. They are not actions a client can
// post.
const (
	// A merged case gets its master's reply, callback and closure, so its
	// reporter, following their own case, learns the outcome.
	ActionMasterReply    TicketAction = "master_reply"
	ActionMasterCallback TicketAction = "master_callback"
	ActionMasterClose    TicketAction = "master_close"
)

// IsRelay reports whether a is an entry a master's action leaves on a case
// merged into it (master_reply, master_callback, master_close).
func (a TicketAction) IsRelay() bool {
	return a == ActionMasterReply || a == ActionMasterCallback || a == ActionMasterClose
}

// MasterRelay returns the entry a master's action a leaves on each case
// merged into it, or "" when a is not relayed. A callback that closes the
// master relays as the callback; the closure it brings is implied.
func MasterRelay(a TicketAction) TicketAction {
	switch a {
	case ActionReply:
		return ActionMasterReply
	case ActionCallback:
		return ActionMasterCallback
	case ActionClose, ActionSelfHandle:
		return ActionMasterClose
	}
	return ""
}

package gridline

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// CategoryKind says which part of the catalogue a category belongs to.
type CategoryKind string

// Category kinds. The first digit of a code tells the kind: 0 for
// components, 1 for events, 2 for hotline classes.
const (
	CategoryComponent CategoryKind = "component" // 部件 (GB/T 30428.2 components)
	CategoryEvent     CategoryKind = "event"     // 事件 (GB/T 30428.2 events)
	CategoryHotline   CategoryKind = "hotline"   // 12345 热线诉求 classes
)

// Valid reports whether k is a known kind.
func (k CategoryKind) Valid() bool {
	return k == CategoryComponent || k == CategoryEvent || k == CategoryHotline
}

// codeDigit is the first digit of every code of a kind, and mainLen the
// length of its main-class codes (sub-class codes are two digits longer).
// Components keep the standard's two-digit main classes (01 公用设施 …
// 06 其他设施); the standard numbers events from 01 as well, so events
// take a leading 1 (101 市容环境, 10101 私搭乱建) and the hotline classes
// a leading 2, and no code means two things.
func (k CategoryKind) codeDigit() byte {
	switch k {
	case CategoryEvent:
		return '1'
	case CategoryHotline:
		return '2'
	}
	return '0'
}

func (k CategoryKind) mainLen() int {
	if k == CategoryComponent {
		return 2
	}
	return 3
}

// LimitUnit is the unit of a time limit. Both count on the working
// calendar: weekends and public holidays do not count, adjusted working
// days do.
type LimitUnit string

// Time limit units.
const (
	LimitWorkingHours LimitUnit = "working_hours" // 工作时
	LimitWorkingDays  LimitUnit = "working_days"  // 工作日
)

// maxLimit bounds a sub-class's time limit per unit. Beyond 24 working
// hours a limit is written in days; beyond 30 working days it is no longer
// a deadline anyone supervises, and a typo (50 for 5) is more likely.
var maxLimit = map[LimitUnit]int{LimitWorkingHours: 24, LimitWorkingDays: 30}

// TimeLimit is how long a case may take (办理时限), counted on the working
// calendar from dispatch.
type TimeLimit struct {
	Amount int       `json:"amount"`
	Unit   LimitUnit `json:"unit"`
}

// String returns the limit in English, e.g. "2 working hours".
func (t TimeLimit) String() string {
	unit := strings.ReplaceAll(string(t.Unit), "_", " ")
	if t.Amount == 1 {
		unit = strings.TrimSuffix(unit, "s")
	}
	return fmt.Sprintf("%d %s", t.Amount, unit)
}

// HotlineProfile holds a province's 12345 hotline time rules.
type HotlineProfile struct {
	Name string `json:"name"`
	// Reply is the time a handling unit has to reply to a case.
	Reply TimeLimit `json:"reply"`
	// MaxExtension bounds all extensions of one case together.
	MaxExtension TimeLimit `json:"max_extension"`
	// Return is the time within which a unit may return a misrouted case,
	// with a reason, before it becomes the unit's to handle.
	Return TimeLimit `json:"return"`
}

// ShandongHotline is the Shandong 12345 profile: reply within 5 working
// days, extensions of at most 10 working days, a misrouted case returned
// within 2 working days.
var ShandongHotline = HotlineProfile{
	Name:         "山东省12345政务服务便民热线",
	Reply:        TimeLimit{5, LimitWorkingDays},
	MaxExtension: TimeLimit{10, LimitWorkingDays},
	Return:       TimeLimit{2, LimitWorkingDays},
}

// LeadKind says who leads a case.
type LeadKind string

// Lead kinds.
const (
	// LeadDepartment is a district department (职能部门), named by its
	// short name in Lead.Department.
	LeadDepartment LeadKind = "department"
	// LeadStreet is the street office or town (街道/镇) where the case is
	// (属地).
	LeadStreet LeadKind = "street"
	// LeadCommunity is the residents' or villagers' committee (社区/村)
	// where the case is.
	LeadCommunity LeadKind = "community"
	// LeadProperty is the property company (物业服务企业) of the compound
	// where the case is; the caller knows which company that is.
	LeadProperty LeadKind = "property"
)

// Lead is the unit proposed to lead a case.
type Lead struct {
	Kind       LeadKind `json:"kind"`
	Department string   `json:"department,omitempty"` // short name, for LeadDepartment
}

// String returns the department's short name or the lead kind.
func (l Lead) String() string {
	if l.Kind == LeadDepartment {
		return l.Department
	}
	return string(l.Kind)
}

// Leads are a sub-class's default leads by the level that dispatches the
// case.
type Leads struct {
	District  Lead `json:"district"`  // dispatched by the district command centre
	Street    Lead `json:"street"`    // by a street or town
	Community Lead `json:"community"` // by a community or village
}

// Category is a main class (大类) or a sub-class (小类) of the case
// catalogue. A case is filed under a sub-class; a main class only groups
// them and has no limit, leads, flags or keywords.
type Category struct {
	Code       string       `json:"code"`
	Name       string       `json:"name"`
	NameEN     string       `json:"name_en"`
	Kind       CategoryKind `json:"kind"`
	ParentCode string       `json:"parent_code,omitempty"`
	TimeLimit  TimeLimit    `json:"time_limit,omitzero"`
	Leads      Leads        `json:"leads,omitzero"`
	// Property marks classes the compound's property company handles when
	// the place is inside a compound (see [Catalogue.Route]).
	Property bool `json:"property,omitempty"`
	// Emergency marks classes that endanger people or property at once.
	Emergency bool `json:"emergency,omitempty"`
	// Keywords are words that suggest the class in a case's text (see
	// [Catalogue.Suggest]).
	Keywords []string `json:"keywords,omitempty"`
}

// IsMain reports whether c is a main class.
func (c Category) IsMain() bool { return c.ParentCode == "" }

// Catalogue is an immutable two-level case catalogue. Its methods return
// copies, so callers cannot change it, and it is safe for concurrent use.
type Catalogue struct {
	cats   []Category     // in file order: each main class before its sub-classes
	byCode map[string]int // index into cats
	// Suggest's index, built by ParseCatalogue and WithEdits.
	subs      []int               // indexes of sub-classes
	keywordW  map[string]float64  // keyword → weight
	bigramIDF map[string]float64  // bigram → inverse document frequency over sub-classes
	profile   []map[string]bool   // per entry of subs: the bigrams of its name and keywords
	gramSubs  map[string][]int    // bigram → the entries of subs whose profile has it
	kwFirst   map[rune][]string   // the keywords by their first character, each once
	examples  map[string][]string // example texts by sub-class code (category_examples.tsv)
	model     textModel           // learnt from examples, names and keywords
	vocabOnce sync.Once           // vocab, for the duplicate finder
	vocab     map[uint64][]gramSub
}

// Category returns the category with code.
func (c *Catalogue) Category(code string) (Category, bool) {
	i, ok := c.byCode[code]
	if !ok {
		return Category{}, false
	}
	return c.cats[i].clone(), true
}

// All returns every category in catalogue order: each main class followed
// by its sub-classes.
func (c *Catalogue) All() []Category {
	out := make([]Category, len(c.cats))
	for i, cat := range c.cats {
		out[i] = cat.clone()
	}
	return out
}

// Mains returns the main classes in catalogue order.
func (c *Catalogue) Mains() []Category {
	var out []Category
	for _, cat := range c.cats {
		if cat.IsMain() {
			out = append(out, cat.clone())
		}
	}
	return out
}

// Children returns the sub-classes of main class code in catalogue order,
// or nil if code is not a main class.
func (c *Catalogue) Children(code string) []Category {
	if cat, ok := c.byCode[code]; !ok || !c.cats[cat].IsMain() {
		return nil
	}
	var out []Category
	for _, cat := range c.cats {
		if cat.ParentCode == code {
			out = append(out, cat.clone())
		}
	}
	return out
}

func (c Category) clone() Category {
	c.Keywords = slices.Clone(c.Keywords)
	return c
}

// Route proposes the lead of a case of sub-class code, dispatched at level
// (LevelCounty: the district command centre; LevelTown: a street or town;
// LevelVillage: a community or village), at a place inside a residential
// compound or not. A property-class case inside a compound goes to the
// compound's property company whatever the level: the company is on the
// spot and answers to the compound's residents. Otherwise the sub-class's
// lead for the level. The proposal is a default a dispatcher may change.
// Returns EINVALID for an unknown code, a main class or another level.
func (c *Catalogue) Route(code string, level RegionLevel, inCompound bool) (Lead, error) {
	i, ok := c.byCode[code]
	if !ok {
		return Lead{}, FieldErrorf("category", "unknown category %q", code)
	}
	cat := &c.cats[i]
	if cat.IsMain() {
		return Lead{}, FieldErrorf("category", "%s %s is a main class; choose one of its sub-classes", cat.Code, cat.Name)
	}
	var lead Lead
	switch level {
	case LevelCounty:
		lead = cat.Leads.District
	case LevelTown:
		lead = cat.Leads.Street
	case LevelVillage:
		lead = cat.Leads.Community
	default:
		return Lead{}, FieldErrorf("level", "must be county, town or village, got %q", level)
	}
	if cat.Property && inCompound {
		return Lead{Kind: LeadProperty}, nil
	}
	return lead, nil
}

//go:embed categories.csv
var defaultCatalogueCSV []byte

var defaultCatalogue = sync.OnceValue(func() *Catalogue {
	c, err := readCatalogue(bytes.NewReader(defaultCatalogueCSV))
	if err != nil {
		panic("gridline: embedded categories.csv: " + err.Error())
	}
	if c.examples, err = parseExamples(c, defaultExamplesTSV); err != nil {
		panic("gridline: embedded category_examples.tsv: " + err.Error())
	}
	c.index()
	return c
})

// DefaultCatalogue returns the built-in catalogue (categories.csv), parsed
// once: the city-management components and events in the style of GB/T
// 30428.2 and the 12345 hotline's classes, with leads named by the short
// names of the demo district's departments.
func DefaultCatalogue() *Catalogue { return defaultCatalogue() }

// catalogueHeader is the required first line of a catalogue file.
var catalogueHeader = []string{"code", "name", "name_en", "kind", "limit", "unit",
	"lead_district", "lead_street", "lead_community", "flags", "keywords"}

// CatalogueFileLimits bound a catalogue file; the built-in one is about
// 30 KB.
var CatalogueFileLimits = UploadLimits{MaxBytes: 1 << 20, MaxLine: 4096}

// Bounds of a catalogue and its rows.
const (
	MaxCatalogueRows = 2000
	maxKeywords      = 40 // per sub-class
	maxKeywordLen    = 16 // characters
)

// ParseCatalogue reads a catalogue in CSV (UTF-8) with the header
//
//	code,name,name_en,kind,limit,unit,lead_district,lead_street,lead_community,flags,keywords
//
// Lines starting with # are comments. A main class has code, names and
// kind only; each of its sub-classes follows it, with a code two digits
// longer that starts with the main class's code. Codes start with 0 for
// components (main 2 digits), 1 for events and 2 for hotline classes
// (main 3 digits). A sub-class has a limit (a whole number) in unit
// working_hours (at most 24) or working_days (at most 30); lead_district
// names a department by its short name, or "street" when the street or
// town of the place handles it; lead_street and lead_community name a
// department, "street" or "community", or are empty to keep the lead of
// the level above. Flags and keywords are lists separated by "|"; the
// flags are property and emergency, not both: an emergency inside a
// compound is not the property company's to lead. Every main class needs
// a sub-class. The first fault fails the file with EINVALID naming its
// line and field.
func ParseCatalogue(r io.Reader) (*Catalogue, error) {
	c, err := readCatalogue(r)
	if err != nil {
		return nil, err
	}
	c.index()
	return c, nil
}

// readCatalogue reads a catalogue file (see ParseCatalogue) without
// building Suggest's index.
func readCatalogue(r io.Reader) (*Catalogue, error) {
	content, err := OpenUpload(r, CatalogueFileLimits)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(content)
	cr.FieldsPerRecord = len(catalogueHeader)
	cr.Comment = '#'
	c := &Catalogue{byCode: map[string]int{}}
	lines := map[string]int{} // code → line, for messages
	header := true
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		var ge *Error
		switch {
		case errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount):
			return nil, lineError(pe.StartLine, "expected %d columns (%s), found %d",
				len(catalogueHeader), strings.Join(catalogueHeader, ","), len(rec))
		case errors.As(err, &pe):
			return nil, lineError(pe.Line, "%v", pe.Err)
		case errors.As(err, &ge):
			return nil, ge
		case err != nil:
			return nil, Errorf(EINVALID, "catalogue file: %v", err)
		}
		line, _ := cr.FieldPos(0)
		if header {
			header = false
			rec[0] = strings.TrimPrefix(rec[0], "\ufeff")
			if !slices.Equal(rec, catalogueHeader) {
				return nil, lineError(line, "the header must be %s", strings.Join(catalogueHeader, ","))
			}
			continue
		}
		if len(c.cats) == MaxCatalogueRows {
			return nil, lineError(line, "more than %d categories", MaxCatalogueRows)
		}
		cat, err := c.parseRow(rec, line, lines)
		if err != nil {
			return nil, err
		}
		c.byCode[cat.Code] = len(c.cats)
		lines[cat.Code] = line
		c.cats = append(c.cats, cat)
	}
	if len(c.cats) == 0 {
		return nil, Errorf(EINVALID, "catalogue file: no categories")
	}
	for _, cat := range c.cats {
		if cat.IsMain() && !c.hasChildren(cat.Code) {
			return nil, rowError(lines[cat.Code], "code", "main class %s %s has no sub-classes", cat.Code, cat.Name)
		}
	}
	return c, nil
}

func (c *Catalogue) hasChildren(code string) bool {
	for _, cat := range c.cats {
		if cat.ParentCode == code {
			return true
		}
	}
	return false
}

// rowError is an EINVALID error naming the line and the field.
func rowError(line int, field, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Code: EINVALID, Message: fmt.Sprintf("line %d: %s: %s", line, field, msg),
		Fields: map[string]string{"line": strconv.Itoa(line), field: msg}}
}

// parseRow reads one row; lines holds the codes read so far.
func (c *Catalogue) parseRow(rec []string, line int, lines map[string]int) (Category, error) {
	for i := range rec {
		rec[i] = strings.TrimSpace(rec[i])
	}
	col := func(name string) string { return rec[slices.Index(catalogueHeader, name)] }
	cat := Category{Code: col("code"), Name: col("name"), NameEN: col("name_en"), Kind: CategoryKind(col("kind"))}

	if !cat.Kind.Valid() {
		return cat, rowError(line, "kind", "must be component, event or hotline, got %q", cat.Kind)
	}
	if cat.Code == "" || !allDigits(cat.Code) {
		return cat, rowError(line, "code", "must be digits, got %q", cat.Code)
	}
	if cat.Code[0] != cat.Kind.codeDigit() {
		return cat, rowError(line, "code", "%s codes start with %c, got %s", cat.Kind, cat.Kind.codeDigit(), cat.Code)
	}
	if first, ok := lines[cat.Code]; ok {
		return cat, rowError(line, "code", "duplicate code %s (first on line %d)", cat.Code, first)
	}
	mainLen := cat.Kind.mainLen()
	switch len(cat.Code) {
	case mainLen:
		if strings.Trim(cat.Code[1:], "0") == "" {
			return cat, rowError(line, "code", "main class %s has no number", cat.Code)
		}
	case mainLen + 2:
		cat.ParentCode = cat.Code[:mainLen]
		if cat.Code[mainLen:] == "00" {
			return cat, rowError(line, "code", "sub-class numbers run from 01, got %s", cat.Code)
		}
		if _, ok := lines[cat.ParentCode]; !ok {
			return cat, rowError(line, "code", "main class %s of %s is not defined above this line", cat.ParentCode, cat.Code)
		}
	default:
		return cat, rowError(line, "code", "a %s code has %d digits (main class) or %d (sub-class), got %s",
			cat.Kind, mainLen, mainLen+2, cat.Code)
	}
	for _, f := range []struct{ field, value string }{{"name", cat.Name}, {"name_en", cat.NameEN}} {
		if f.value == "" {
			return cat, rowError(line, f.field, "is required")
		}
		if err := CheckText(f.field, f.value, MaxNameLen); err != nil {
			return cat, rowError(line, f.field, "%s", ErrorFields(err)[f.field])
		}
	}

	if cat.IsMain() {
		for _, f := range catalogueHeader[4:] {
			if col(f) != "" {
				return cat, rowError(line, f, "must be empty for a main class: set it on the sub-classes")
			}
		}
		return cat, nil
	}

	unit := LimitUnit(col("unit"))
	max, ok := maxLimit[unit]
	if !ok {
		return cat, rowError(line, "unit", "must be working_hours or working_days, got %q", unit)
	}
	n, err := strconv.Atoi(col("limit"))
	if err != nil || n < 1 || n > max {
		return cat, rowError(line, "limit", "must be a whole number from 1 to %d %s, got %q", max, unit, col("limit"))
	}
	cat.TimeLimit = TimeLimit{n, unit}

	if cat.Leads.District, err = parseLead(line, "lead_district", col("lead_district"), Lead{}); err != nil {
		return cat, err
	}
	if cat.Leads.Street, err = parseLead(line, "lead_street", col("lead_street"), cat.Leads.District); err != nil {
		return cat, err
	}
	if cat.Leads.Community, err = parseLead(line, "lead_community", col("lead_community"), cat.Leads.Street); err != nil {
		return cat, err
	}

	if f := col("flags"); f != "" {
		for _, flag := range strings.Split(f, "|") {
			switch flag = strings.TrimSpace(flag); {
			case flag == "property" && !cat.Property:
				cat.Property = true
			case flag == "emergency" && !cat.Emergency:
				cat.Emergency = true
			default:
				return cat, rowError(line, "flags", "must be property or emergency, each once, got %q", f)
			}
		}
		if cat.Property && cat.Emergency {
			return cat, rowError(line, "flags", "property and emergency exclude each other: an emergency inside a compound is not the property company's to lead")
		}
	}

	if k := col("keywords"); k != "" {
		for _, kw := range strings.Split(k, "|") {
			kw = strings.TrimSpace(kw)
			switch {
			case kw == "":
				return cat, rowError(line, "keywords", "has an empty keyword")
			case utf8.RuneCountInString(kw) > maxKeywordLen:
				return cat, rowError(line, "keywords", "%q is longer than %d characters", kw, maxKeywordLen)
			case slices.Contains(cat.Keywords, normalizeText(kw)):
				return cat, rowError(line, "keywords", "%q is listed twice", kw)
			}
			cat.Keywords = append(cat.Keywords, normalizeText(kw))
		}
		if len(cat.Keywords) > maxKeywords {
			return cat, rowError(line, "keywords", "more than %d keywords", maxKeywords)
		}
	}
	return cat, nil
}

// parseLead reads a lead column. An empty value keeps above, the lead of
// the level above; the district level has none above, so it must be set.
func parseLead(line int, field, s string, above Lead) (Lead, error) {
	switch s {
	case "":
		if above.Kind == "" {
			return Lead{}, rowError(line, field, "is required: a department's short name or street")
		}
		return above, nil
	case string(LeadStreet):
		return Lead{Kind: LeadStreet}, nil
	case string(LeadCommunity):
		if field == "lead_district" {
			return Lead{}, rowError(line, field, "the district dispatches to a street or town, not to a community: use street")
		}
		return Lead{Kind: LeadCommunity}, nil
	case string(LeadProperty):
		return Lead{}, rowError(line, field, "property is a flag, not a lead: set flags to property")
	}
	if err := CheckText(field, s, MaxShortLen); err != nil {
		return Lead{}, rowError(line, field, "%s", ErrorFields(err)[field])
	}
	return Lead{Kind: LeadDepartment, Department: s}, nil
}

// Suggestion is a sub-class proposed for a case's text, with its score
// and the keywords that matched, so a person can see why.
type Suggestion struct {
	Code    string   `json:"code"`
	Name    string   `json:"name"`
	Score   float64  `json:"score"`
	Matched []string `json:"matched,omitempty"`
}

// bigramWeight scales the bigram overlap against the keyword matches:
// bigrams catch words no keyword lists ("路灯坏了" shares 路灯 with
// 路灯不亮), but many bigrams are shared by chance, so a keyword weighs more.
const bigramWeight = 0.25

// Suggest proposes up to n sub-classes for a case's text, best first; a
// person confirms or corrects the choice. A sub-class scores for each of
// its keywords found in the text, weighted by length and divided by the
// number of sub-classes that list the same keyword, so 电力井盖 says more
// than 井盖; plus the character bigrams the text shares with the
// sub-class's name and keywords, each weighted by how rare it is among the
// sub-classes. A name is not matched whole, because many names are places
// (人行道, 小区公共设施) that a text names only to say where the problem is.
// To those the text model (textModel, learnt from category_examples.tsv)
// adds its probability of each sub-class, so a text in words no keyword
// lists ("杆子上的灯好几天没亮") still finds its class.
// Only sub-classes that score are returned; ties keep catalogue order.
func (c *Catalogue) Suggest(text string, n int) []Suggestion {
	if n <= 0 {
		return nil
	}
	text = normalizeText(text)
	// The keywords in the text, found from each of its characters, and
	// each sub-class's bigram score, from the bigrams' lists of
	// sub-classes: a case's text touches few of either, and the
	// catalogue's hundreds of sub-classes are not each searched.
	in := map[string]bool{}
	for i, r := range text {
		for _, kw := range c.kwFirst[r] {
			if strings.HasPrefix(text[i:], kw) {
				in[kw] = true
			}
		}
	}
	// Each sub-class's score beyond its keywords: the bigrams it shares
	// with the text, and the text model's probability.
	grams := bigrams(text)
	textScore := make([]float64, len(c.subs))
	for g := range grams {
		for _, k := range c.gramSubs[g] {
			textScore[k] += bigramWeight * c.bigramIDF[g]
		}
	}
	c.model.probabilities(grams, textScore)
	var out []Suggestion
	var found []string
	for k, i := range c.subs {
		cat := &c.cats[i]
		var s Suggestion
		found = found[:0]
		for _, kw := range cat.Keywords {
			if in[kw] || kw == "" {
				found = append(found, kw)
			}
		}
		for _, kw := range found {
			// A keyword inside a longer one that matched (垃圾 in 垃圾堆)
			// says nothing more: only the longer one counts.
			if !slices.ContainsFunc(found, func(long string) bool { return long != kw && strings.Contains(long, kw) }) {
				s.Matched = append(s.Matched, kw)
				s.Score += c.keywordW[kw]
			}
		}
		s.Score += textScore[k]
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

// index builds Suggest's weights from the sub-classes.
func (c *Catalogue) index() {
	df := map[string]int{}  // keyword → sub-classes listing it
	gdf := map[string]int{} // bigram → sub-classes whose profile has it
	for i := range c.cats {
		cat := &c.cats[i]
		if cat.IsMain() {
			continue
		}
		c.subs = append(c.subs, i)
		prof := bigrams(normalizeText(cat.Name))
		for _, kw := range cat.Keywords {
			df[kw]++
			for g := range bigrams(kw) {
				prof[g] = true
			}
		}
		for g := range prof {
			gdf[g]++
		}
		c.profile = append(c.profile, prof)
	}
	c.keywordW = make(map[string]float64, len(df))
	for kw, n := range df {
		c.keywordW[kw] = float64(utf8.RuneCountInString(kw)) / float64(n)
	}
	c.gramSubs = map[string][]int{}
	for k, prof := range c.profile {
		for g := range prof {
			c.gramSubs[g] = append(c.gramSubs[g], k)
		}
	}
	c.kwFirst = map[rune][]string{}
	for kw := range df {
		if r, _ := utf8.DecodeRuneInString(kw); kw != "" {
			c.kwFirst[r] = append(c.kwFirst[r], kw)
		}
	}
	c.bigramIDF = make(map[string]float64, len(gdf))
	for g, n := range gdf {
		c.bigramIDF[g] = math.Log(float64(len(c.subs)) / float64(n))
	}
	c.model.train(c, c.examples)
}

// normalizeText folds full-width ASCII to half-width and letters to lower
// case, so "ＫＴＶ" and "ktv" match the keyword KTV.
func normalizeText(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '！' && r <= '～' {
			r -= '！' - '!'
		}
		return unicode.ToLower(r)
	}, s)
}

// bigrams returns the pairs of adjacent letters or digits in s; spaces and
// punctuation break a run.
func bigrams(s string) map[string]bool {
	out := map[string]bool{}
	var prev rune = -1
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			prev = -1
			continue
		}
		if prev >= 0 {
			out[string([]rune{prev, r})] = true
		}
		prev = r
	}
	return out
}

// ReturnUntil returns until when a unit may return a case dispatched at
// dispatched: the profile's return window on the calendar.
func (p HotlineProfile) ReturnUntil(cal *Calendar, dispatched time.Time) (time.Time, error) {
	return cal.Deadline(dispatched, p.Return)
}

// ExtendUntil returns the latest deadline extensions may give a case whose
// deadline at dispatch was base: all extensions together add at most the
// profile's maximum.
func (p HotlineProfile) ExtendUntil(cal *Calendar, base time.Time) (time.Time, error) {
	return cal.Deadline(base, p.MaxExtension)
}

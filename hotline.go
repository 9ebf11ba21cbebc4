package gridline

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// The 12345 platform's case export (工单导出), as the provincial and city
// platforms write it: one case per row, a header row naming the columns
// in Chinese. Hotline12345Fields are the fields Gridline reads, each with
// the header names it knows; a mapping names others.
var Hotline12345Fields = []struct {
	Field    string
	Required bool
	Headers  []string
}{
	{"external_id", true, []string{"工单编号", "工单号", "受理编号", "编号", "工单编码", "受理号", "诉求编号", "工单流水号"}},
	{"reported_at", true, []string{"来电时间", "受理时间", "登记时间", "诉求时间", "来电日期", "受理日期", "登记日期", "反映时间", "创建时间"}},
	{"reporter_name", false, []string{"来电人", "来电人姓名", "诉求人", "联系人", "诉求人姓名", "市民姓名", "姓名"}},
	{"reporter_phone", false, []string{"联系电话", "来电号码", "联系方式", "电话", "来电电话", "来电人电话", "联系人电话", "手机号码", "手机号"}},
	{"text", true, []string{"诉求内容", "问题描述", "来电内容", "内容", "诉求描述", "反映内容", "事件描述", "问题内容", "来电诉求", "工单内容", "诉求详情"}},
	{"address", true, []string{"诉求地址", "事发地址", "地址", "事发地点", "问题地址", "详细地址", "事发位置", "发生地址", "地点"}},
	// The subject's columns before 诉求类型, which is often the kind
	// (投诉, 咨询 …): see appealKinds.
	{"category", false, []string{"问题分类", "诉求分类", "事项分类", "问题类别", "诉求类别", "诉求类型", "类型"}},
	{"time_limit", false, []string{"办理时限", "办结时限", "时限", "办理期限", "处理时限"}},
	{"confidential", false, []string{"是否保密", "保密"}},
}

// MaxHotline12345Rows bounds one import: a city's month fits.
const MaxHotline12345Rows = 200000

// Hotline12345Mapping is the optional mapping file of an import (JSON):
// Columns names the header of a field where it is not one Gridline knows
// ({"external_id": "受理单号"}); Categories maps the platform's 诉求类型
// values to catalogue sub-class codes ({"城市管理-路灯": "0115"}).
type Hotline12345Mapping struct {
	Columns    map[string]string `json:"columns"`
	Categories map[string]string `json:"categories"`
}

// ParseHotline12345Mapping reads a mapping file, refusing unknown fields
// and fields Gridline does not read.
func ParseHotline12345Mapping(b []byte) (*Hotline12345Mapping, error) {
	var m Hotline12345Mapping
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, FieldErrorf("mapping", "is not a mapping file: %v", err)
	}
	for f := range m.Columns {
		if !slices.ContainsFunc(Hotline12345Fields, func(x struct {
			Field    string
			Required bool
			Headers  []string
		}) bool {
			return x.Field == f
		}) {
			return nil, FieldErrorf("mapping.columns."+f, "is not a field of the import")
		}
	}
	return &m, nil
}

// Hotline12345Row is one row of an export as read, with its line in the
// file (the header is line 1).
type Hotline12345Row struct {
	Line   int
	Fields map[string]string
}

// DecodeText returns b as UTF-8: as it is when it is UTF-8 (a BOM is
// dropped), else decoded from GBK (GB18030), the encoding Chinese
// spreadsheets save CSV in. Returns EINVALID when it is neither.
func DecodeText(b []byte) ([]byte, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if utf8.Valid(b) {
		return b, nil
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
	// GB18030 maps almost any byte string to something; binary shows as
	// replacement characters and control bytes.
	if err != nil || !utf8.Valid(out) || bytes.ContainsRune(out, utf8.RuneError) ||
		bytes.ContainsFunc(out, func(r rune) bool { return r < 0x20 && r != '\t' && r != '\n' && r != '\r' }) {
		return nil, Errorf(EINVALID, "The file is neither UTF-8 nor GBK text.")
	}
	return out, nil
}

// ReadHotline12345CSV reads a CSV export (UTF-8 or GBK, comma or tab
// separated) into rows. A file without the required columns is EINVALID
// naming them; rows are checked later, one by one.
func ReadHotline12345CSV(b []byte, m *Hotline12345Mapping) ([]Hotline12345Row, error) {
	b, err := DecodeText(b)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	if first, _, _ := bytes.Cut(b, []byte("\n")); bytes.Count(first, []byte("\t")) > bytes.Count(first, []byte(",")) {
		r.Comma = '\t'
	}
	var recs [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		} else if err != nil {
			return nil, Errorf(EINVALID, "The file is not CSV: %v", err)
		}
		recs = append(recs, rec)
		if len(recs) > MaxHotline12345Rows+1 {
			return nil, Errorf(EINVALID, "The file has more than %d rows; split it.", MaxHotline12345Rows)
		}
	}
	return Hotline12345Records(recs, m)
}

// hotlineHeaderRows is how far down a sheet its header row is looked
// for: exports often start with a title row or two (兖州区12345工单导出,
// 导出时间…).
const hotlineHeaderRows = 5

// normalizeHeader is a column's name as matched: without spaces, required
// marks (*) and what brackets add (诉求内容（必填）, 来电时间(yyyy-mm-dd)),
// full-width letters and digits folded.
func normalizeHeader(h string) string {
	h = strings.TrimPrefix(h, "\ufeff")
	var b strings.Builder
	depth := 0
	for _, r := range h {
		switch r {
		case '(', '（', '[', '【':
			depth++
			continue
		case ')', '）', ']', '】':
			depth = max(depth-1, 0)
			continue
		case '*', '＊':
			continue
		}
		if r >= '０' && r <= '９' || r >= 'Ａ' && r <= 'ｚ' {
			r -= '０' - '0'
		}
		if depth == 0 && !unicode.IsSpace(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// hotlineColumns finds the columns of the fields in a header row, and
// the required fields it lacks, each with the names looked for.
func hotlineColumns(header []string, m *Hotline12345Mapping) (col map[string]int, missing []string) {
	col = map[string]int{}
	norm := make([]string, len(header))
	for i, h := range header {
		norm[i] = normalizeHeader(h)
	}
	for _, f := range Hotline12345Fields {
		names := f.Headers
		if m != nil && m.Columns[f.Field] != "" {
			names = []string{m.Columns[f.Field]}
		}
		for _, n := range names {
			if i := slices.Index(norm, normalizeHeader(n)); i >= 0 {
				col[f.Field] = i
				break
			}
		}
		if _, ok := col[f.Field]; !ok && f.Required {
			missing = append(missing, fmt.Sprintf("%s (%s)", f.Field, strings.Join(names, "/")))
		}
	}
	return col, missing
}

// Hotline12345Records turns a sheet's records into rows. The header is
// the first of the first hotlineHeaderRows rows that has every required
// column; rows above it (a title, the export's date) are passed over.
func Hotline12345Records(recs [][]string, m *Hotline12345Mapping) ([]Hotline12345Row, error) {
	if len(recs) == 0 {
		return nil, Errorf(EINVALID, "The file is empty: it needs a header row and cases.")
	}
	col, missing := hotlineColumns(recs[0], m)
	at := 0
	for i := 1; len(missing) > 0 && i < min(len(recs), hotlineHeaderRows); i++ {
		if c, miss := hotlineColumns(recs[i], m); len(miss) == 0 {
			col, missing, at = c, nil, i
		}
	}
	if len(missing) > 0 {
		return nil, &Error{Code: EINVALID, Message: "The header lacks columns: " + strings.Join(missing, ", ") +
			"; name them in the mapping file's columns if the file calls them otherwise.",
			Fields: map[string]string{"columns": strings.Join(missing, ", ")}}
	}
	recs = recs[at:]
	rows := make([]Hotline12345Row, 0, len(recs)-1)
	for i, rec := range recs[1:] {
		blank := true
		for _, v := range rec {
			if strings.TrimSpace(v) != "" {
				blank = false
				break
			}
		}
		if blank {
			continue
		}
		row := Hotline12345Row{Line: at + i + 2, Fields: map[string]string{}}
		for f, c := range col {
			if c < len(rec) {
				row.Fields[f] = strings.TrimSpace(rec[c])
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// RowError is a row an import left out, and why.
type RowError struct {
	Line   int    `json:"line"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
	// ExternalID is the row's 工单编号, when it has one.
	ExternalID string `json:"external_id,omitempty"`
}

// hotlineTime reads a time as exports write it, after hotlineTimeWords:
// a date of year, month and day (2026-11-27, 2026/1/7, 2026.11.27, or
// 20261127 and 202611270830 run together), then maybe an hour and minute
// with seconds and their fraction, then maybe a zone (+08:00, +0800, Z).
var hotlineTime = regexp.MustCompile(`^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.\d+)?)?)?` +
	`|^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?`)

// hotlineZone is a zone after a time.
var hotlineZone = regexp.MustCompile(`^ ?(Z|[+-]\d{2}:?\d{2})$`)

// hotlineTimeWords rewrites the Chinese forms of a time to the figures
// hotlineTime reads: 2026年11月27日 9时5分 → 2026-11-27 9:5 (a last colon
// dropped).
var hotlineTimeWords = strings.NewReplacer("年", "-", "月", "-", "日", " ", "号", " ", "时", ":", "点", ":", "分", ":", "秒", "",
	"：", ":", "上午", "", "早上", "", "凌晨", "", "下午", "", "晚上", "")

// ParseHotlineTime reads a time as exports write it (hotlineTime: in China
// Standard Time unless it names a zone; 下午 and 晚上 add 12 hours before
// 12:00), RFC 3339, or a spreadsheet's date serial number (an XLSX cell).
func ParseHotlineTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	if t, ok := parseHotlineClock(s); ok {
		return t, true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f > 20000 && f < 80000 {
		// Days since 1899-12-30 (the spreadsheet epoch), in local time.
		day := math.Floor(f)
		secs := math.Round((f - day) * 86400)
		t := time.Date(1899, 12, 30, 0, 0, 0, 0, ChinaTime).AddDate(0, 0, int(day)).Add(time.Duration(secs) * time.Second)
		return t, true
	}
	return time.Time{}, false
}

// parseHotlineClock reads s by hotlineTime.
func parseHotlineClock(s string) (time.Time, bool) {
	pm := strings.Contains(s, "下午") || strings.Contains(s, "晚上")
	s = hotlineTimeWords.Replace(s)
	s = strings.Join(strings.Fields(s), " ")
	s = strings.TrimSuffix(strings.TrimSuffix(s, ":"), " ")
	m := hotlineTime.FindStringSubmatchIndex(s)
	if m == nil {
		return time.Time{}, false
	}
	if m[2] < 0 { // the figures run together: the second pattern's groups
		copy(m[2:14], m[14:26])
	}
	loc := ChinaTime
	if rest := s[m[1]:]; rest != "" {
		z := hotlineZone.FindStringSubmatch(rest)
		if z == nil {
			return time.Time{}, false
		}
		if z[1] != "Z" {
			zt, err := time.Parse("-0700", strings.ReplaceAll(z[1], ":", ""))
			if err != nil {
				return time.Time{}, false
			}
			loc = zt.Location()
		} else {
			loc = time.UTC
		}
	}
	var n [6]int
	for i := range n {
		if a, b := m[2+2*i], m[3+2*i]; a >= 0 {
			n[i], _ = strconv.Atoi(s[a:b])
		}
	}
	if pm && n[3] < 12 {
		n[3] += 12
	}
	t := time.Date(n[0], time.Month(n[1]), n[2], n[3], n[4], n[5], 0, loc)
	// time.Date carries 2026-13-01 over to 2027: a field out of range is
	// not a time.
	if t.Year() != n[0] || int(t.Month()) != n[1] || t.Day() != n[2] || t.Hour() != n[3] || t.Minute() != n[4] || t.Second() != n[5] {
		return time.Time{}, false
	}
	return t, true
}

// Hotline12345Case turns a row into a case on the hotline channel, with
// the time limit (the platform's, not Gridline's: the deadline is set at
// dispatch) kept as a line of the text. Its place is the caller's (see
// Gazetteer). Errors are the row's, naming the field.
func Hotline12345Case(row Hotline12345Row, c *Catalogue, m *Hotline12345Mapping) (*Ticket, *RowError) {
	f := row.Fields
	bad := func(field, format string, args ...any) *RowError {
		return &RowError{Line: row.Line, Field: field, Reason: fmt.Sprintf(format, args...), ExternalID: f["external_id"]}
	}
	if f["external_id"] == "" {
		return nil, bad("external_id", "工单编号 is empty")
	}
	at, ok := ParseHotlineTime(f["reported_at"])
	if !ok {
		return nil, bad("reported_at", "%q is not a time (e.g. 2026-11-27 08:30:00)", f["reported_at"])
	}
	t := &Ticket{Channel: ChannelHotline, ExternalID: f["external_id"], Text: f["text"], Address: f["address"],
		ReportedAt: at.UTC(), Reporter: Reporter{Name: f["reporter_name"], Phone: hotlinePhone(f["reporter_phone"])}}
	switch strings.TrimSpace(f["confidential"]) {
	case "", "否", "0", "N", "n", "false", "不保密":
	case "是", "1", "Y", "y", "true", "保密":
		t.Reporter.Confidential = true
	default:
		return nil, bad("confidential", "%q is not 是 or 否", f["confidential"])
	}
	if v := f["category"]; v != "" {
		code, ok := hotlineCategory(v, c, m)
		if !ok {
			return nil, bad("category", "unknown category %q: map it in the mapping file's categories", v)
		}
		t.Category = code
	}
	if t.Category == "" {
		if sug := c.Suggest(t.Text, 1); len(sug) > 0 {
			t.Category = sug[0].Code
		}
	}
	if v := f["time_limit"]; v != "" {
		if lt, ok := ParseHotlineTime(v); ok {
			t.Text += "\n【12345办理时限】" + lt.In(ChinaTime).Format("2006-01-02 15:04")
		} else if hotlineLimit.MatchString(v) {
			t.Text += "\n【12345办理时限】" + v
		} else {
			return nil, bad("time_limit", "%q is not a time or a limit such as 5个工作日", v)
		}
	}
	if t.Address == "" {
		return nil, bad("address", "诉求地址 is empty")
	}
	t.Normalize()
	if err := t.Validate(); err != nil {
		field := ""
		for k := range ErrorFields(err) {
			field = k
		}
		return nil, bad(field, "%s", ErrorMessage(err))
	}
	if t.ReportedAt.After(time.Now().Add(24 * time.Hour)) {
		return nil, bad("reported_at", "%s is in the future", at.Format("2006-01-02 15:04"))
	}
	return t, nil
}

var hotlineLimit = regexp.MustCompile(`^\d{1,3}\s*个?(工作日|自然日|天|小时|工作小时|个工作时)$`)

// hotlinePhone is the reporter's phone of a row as Gridline keeps it. An
// export may mask it (138****5678): nothing is left to keep, and the case
// has no phone. It may hold several (13812345678/0537-3412345): the first
// is kept. A mobile loses its country code (+86, 0086) and separators; a
// landline keeps its extension (0537-3412345-8001). Anything else is
// returned with spaces, dashes and brackets dropped, for the case's
// validation to name.
func hotlinePhone(s string) string {
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, "*×xX") {
		return ""
	}
	if i := strings.IndexAny(s, "/,，;；、|"); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	for _, cc := range []string{"+86", "0086", "(+86)", "（+86）"} {
		if rest, ok := strings.CutPrefix(s, cc); ok {
			s = strings.TrimSpace(rest)
			break
		}
	}
	if p, err := ResidentPhone(s); err == nil {
		return p // a mobile without separators, or a landline as typed
	}
	if validPhone(s) {
		return s // a service number (12345, 95xxx …)
	}
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '(' || r == ')' {
			return -1
		}
		return r
	}, s)
}

// appealKinds are what many platforms put in a column called 诉求类型:
// the kind of appeal, not its subject. Such a value names no sub-class;
// the case's is suggested from its text.
var appealKinds = map[string]bool{"投诉": true, "咨询": true, "求助": true, "建议": true, "意见建议": true,
	"举报": true, "表扬": true, "感谢": true, "其他": true, "其它": true}

// hotlineCategory finds the sub-class of a 诉求类型 value: the mapping
// file's, a code, or a sub-class name, also as a part of a path such as
// "大类-小类", "大类/小类" or "城市管理>路灯>路灯不亮" (the last part that is
// a name). An appeal kind (投诉, 咨询 …) gives "" and true: no sub-class.
func hotlineCategory(v string, c *Catalogue, m *Hotline12345Mapping) (string, bool) {
	if m != nil {
		if code, ok := m.Categories[v]; ok {
			cat, ok := c.Category(code)
			return code, ok && !cat.IsMain()
		}
	}
	if cat, ok := c.Category(v); ok && !cat.IsMain() {
		return v, true
	}
	if appealKinds[v] {
		return "", true
	}
	parts := strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune("-/>、|－—＞→\\", r) })
	names := subclassNames(c)
	for i := len(parts) - 1; i >= 0; i-- {
		if code, ok := names[strings.TrimSpace(parts[i])]; ok {
			return code, true
		}
	}
	return "", false
}

// subclassNamesOf caches subclassNames per catalogue: an import asks once
// per row.
var subclassNamesOf sync.Map // *Catalogue → map[string]string

// subclassNames returns the sub-class codes of c by name (the first of a
// name, in catalogue order).
func subclassNames(c *Catalogue) map[string]string {
	if m, ok := subclassNamesOf.Load(c); ok {
		return m.(map[string]string)
	}
	m := map[string]string{}
	for _, cat := range c.All() {
		if _, dup := m[cat.Name]; !cat.IsMain() && !dup {
			m[cat.Name] = cat.Code
		}
	}
	subclassNamesOf.Store(c, m)
	return m
}

// GeoLevel is how precisely a gazetteer placed an address.
type GeoLevel string

// Geocoding levels, most precise first.
const (
	GeoBuilding  GeoLevel = "building"  // a building of a compound: its standard address
	GeoCompound  GeoLevel = "compound"  // a compound: the middle of its standard addresses
	GeoCommunity GeoLevel = "community" // only a community or village: not placed
	GeoTown      GeoLevel = "town"      // only a town or street: not placed
	GeoNone      GeoLevel = ""          // nothing known
)

// unplacedReason says why address, geocoded to level l, placed no case.
func unplacedReason(address string, l GeoLevel) string {
	switch l {
	case GeoCommunity:
		return fmt.Sprintf("诉求地址 %q names a community or village but no compound of its standard addresses: the case waits unlocated", address)
	case GeoTown:
		return fmt.Sprintf("诉求地址 %q names only a town or street: the case waits unlocated", address)
	}
	return fmt.Sprintf("诉求地址 %q matches no standard address or region name: the case waits unlocated", address)
}

// Placed reports whether level l gives a position.
func (l GeoLevel) Placed() bool { return l == GeoBuilding || l == GeoCompound }

// Geocode is where a gazetteer put an address.
type Geocode struct {
	Level    GeoLevel
	Lon, Lat float64
	// GridCode is the grid of the standard address matched.
	GridCode string
	// Region is the most precise region code found (community or town).
	Region string
}

// Gazetteer places addresses written in words on the standard addresses
// (标准地址) and region names of the district: a compound named in the
// address, in its community or town when those are named too, and a
// building of it (N号楼/栋/幢), else the middle of the compound. Roads
// are not in the standard addresses, so an address naming only a road and
// its community is placed no better than the community, which leaves the
// case for a person to place. Safe for concurrent use once built.
type Gazetteer struct {
	compounds []*gazCompound // longest name first
	regions   []gazRegion    // communities and towns, longest name first
	// byRune index compounds and regions by the first rune of their
	// names, so an address is matched at each of its runes against the
	// few names that start there, not against every name.
	compoundsByRune map[rune][]*gazCompound
	regionsByRune   map[rune][]gazRegion
}

type gazCompound struct {
	name      string
	alias     bool   // the name without 小区: it counts only before a building's number
	community string // code
	lon, lat  float64
	grid      string
	buildings map[int]gazPoint
}

// compoundAliases returns the compounds whose names end in 小区 again
// under their names without it (盛景 for 盛景小区), as people say them
// before a building's number: 盛景3号楼 (Geocode takes an alias there
// only: 幸福 in 幸福街 is a street's name). An alias that is another
// compound's name, a town's or community's name, or the alias of a
// compound of another name, is left out: better unplaced than placed
// wrong.
func compoundAliases(compounds []*gazCompound, regions []gazRegion) []*gazCompound {
	names := map[string]bool{}
	for _, c := range compounds {
		names[c.name] = true
	}
	for _, r := range regions {
		names[r.name] = true // 韦园 of 韦园社区 is the community, not 韦园小区
	}
	byAlias := map[string][]*gazCompound{}
	for _, c := range compounds {
		alias, ok := strings.CutSuffix(c.name, "小区")
		if ok && utf8.RuneCountInString(alias) >= 2 && !names[alias] {
			byAlias[alias] = append(byAlias[alias], c)
		}
	}
	var out []*gazCompound
	for alias, cs := range byAlias {
		// Compounds of one name in several communities keep their alias,
		// told apart as their names are (by the community named).
		if slices.ContainsFunc(cs, func(c *gazCompound) bool { return c.name != cs[0].name }) {
			continue
		}
		for _, c := range cs {
			a := *c
			a.name, a.alias = alias, true
			out = append(out, &a)
		}
	}
	slices.SortFunc(out, func(a, b *gazCompound) int {
		return cmp.Or(strings.Compare(a.name, b.name), strings.Compare(a.community, b.community))
	})
	return out
}

type gazPoint struct {
	lon, lat float64
	grid     string
}

type gazRegion struct {
	name, code string
}

// NewGazetteer builds a gazetteer from the standard addresses and the
// regions (towns and communities) of the district. Addresses are written
// "… 社区 小区名 N号楼M单元" (their FullName).
func NewGazetteer(addrs []*Address, regions []*Region) *Gazetteer {
	g := &Gazetteer{}
	byKey := map[string]*gazCompound{}
	type sum struct {
		lon, lat float64
		n        int
	}
	sums := map[*gazCompound]*sum{}
	for _, a := range addrs {
		parts := strings.Fields(a.FullName)
		if len(parts) < 2 {
			continue
		}
		name := parts[len(parts)-2]
		if len(parts) == 2 {
			name = parts[0]
		}
		key := a.CommunityCode + "|" + name
		c := byKey[key]
		if c == nil {
			c = &gazCompound{name: normalizeAddress(name), community: a.CommunityCode, grid: a.GridCode, buildings: map[int]gazPoint{}}
			byKey[key] = c
			g.compounds = append(g.compounds, c)
			sums[c] = &sum{}
		}
		s := sums[c]
		s.lon, s.lat, s.n = s.lon+a.Lon, s.lat+a.Lat, s.n+1
		if m := buildingNo.FindStringSubmatch(normalizeAddress(parts[len(parts)-1])); m != nil {
			if n, ok := buildingNumber(m[1]); ok {
				if _, ok := c.buildings[n]; !ok {
					c.buildings[n] = gazPoint{a.Lon, a.Lat, a.GridCode}
				}
			}
		}
	}
	for c, s := range sums {
		c.lon, c.lat = s.lon/float64(s.n), s.lat/float64(s.n)
		// The grid of the building nearest the middle.
		best := math.Inf(1)
		for _, b := range c.buildings {
			if d := math.Hypot(b.lon-c.lon, b.lat-c.lat); d < best {
				best, c.grid = d, b.grid
			}
		}
	}
	for _, r := range regions {
		if r.Level != LevelTown && r.Level != LevelVillage {
			continue
		}
		for _, n := range regionAliases(r.Name) {
			g.regions = append(g.regions, gazRegion{normalizeAddress(n), r.Code})
		}
	}
	slices.SortStableFunc(g.regions, func(a, b gazRegion) int {
		return utf8.RuneCountInString(b.name) - utf8.RuneCountInString(a.name)
	})
	g.compounds = append(g.compounds, compoundAliases(g.compounds, g.regions)...)
	slices.SortStableFunc(g.compounds, func(a, b *gazCompound) int {
		return utf8.RuneCountInString(b.name) - utf8.RuneCountInString(a.name)
	})
	g.compoundsByRune, g.regionsByRune = map[rune][]*gazCompound{}, map[rune][]gazRegion{}
	for _, c := range g.compounds {
		if r, _ := utf8.DecodeRuneInString(c.name); c.name != "" {
			g.compoundsByRune[r] = append(g.compoundsByRune[r], c)
		}
	}
	for _, x := range g.regions {
		if r, _ := utf8.DecodeRuneInString(x.name); x.name != "" {
			g.regionsByRune[r] = append(g.regionsByRune[r], x)
		}
	}
	return g
}

// regionAliases are the ways people write a region's name: 韦园社区居委会
// is also 韦园社区 and 韦园; 小孟镇 stays 小孟镇.
func regionAliases(name string) []string {
	out := []string{name}
	for _, suf := range []string{"社区居民委员会", "村民委员会", "居民委员会", "社区居委会", "村委会", "居委会"} {
		if base, ok := strings.CutSuffix(name, suf); ok && base != "" {
			kind := "社区"
			if strings.Contains(suf, "村") {
				kind = "村"
			}
			out = append(out, base+kind)
			if utf8.RuneCountInString(base) >= 2 {
				out = append(out, base)
			}
			break
		}
	}
	return out
}

// buildingNo finds a building's number, in digits or in Chinese numerals
// as call-takers and speech input write them (三号楼, 十二栋, 一〇五号楼).
var buildingNo = regexp.MustCompile(`(\d+|[零〇一二两三四五六七八九十百]+)\s*(?:号楼|号住宅楼|栋|幢|号院|号)`)

// buildingNoNext is buildingNo at the start of the text.
var buildingNoNext = regexp.MustCompile(`^` + buildingNo.String())

// buildingNumber reads buildingNo's number: digits, or Chinese numerals
// with 十 and 百 (二十三) or digit by digit (一〇五). ok is false for a
// numeral it cannot read (十百).
func buildingNumber(s string) (n int, ok bool) {
	if s[0] >= '0' && s[0] <= '9' {
		n, err := strconv.Atoi(s)
		return n, err == nil
	}
	// The digits are the duplicate finder's (chineseDigits); 十 and 百
	// are read here as units.
	if !strings.ContainsAny(s, "十百") {
		for _, r := range s {
			n = n*10 + int(chineseDigits[r]-'0')
		}
		return n, true
	}
	total, cur, last := 0, -1, 1000
	for _, r := range s {
		unit := 0
		switch r {
		case '十':
			unit = 10
		case '百':
			unit = 100
		default:
			cur = int(chineseDigits[r] - '0')
			continue
		}
		if unit >= last {
			return 0, false
		}
		if cur < 0 {
			cur = 1 // 十二: one ten
		}
		total, cur, last = total+cur*unit, -1, unit
	}
	return total + max(cur, 0), true
}

// normalizeAddress folds full-width letters and digits to ASCII and drops
// spaces and punctuation, so 盛景小区５号楼 matches 盛景小区 5号楼.
func normalizeAddress(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '０' && r <= '９' {
			r = r - '０' + '0'
		} else if r >= 'Ａ' && r <= 'ｚ' {
			r = r - 'Ａ' + 'A'
		}
		if unicode.IsSpace(r) || unicode.IsPunct(r) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Geocode places addr.
func (g *Gazetteer) Geocode(addr string) Geocode {
	a := normalizeAddress(addr)
	var out Geocode
	// The most precise region named (a community over a town): it
	// narrows the compounds.
	best := 0 // length of the name that gave out.Region
	for i, r := range a {
		for _, x := range g.regionsByRune[r] {
			if !strings.HasPrefix(a[i:], x.name) {
				continue
			}
			// 鼓楼 (a community's short name) inside 鼓楼街道 names the
			// street, not the community.
			if rest := a[i+len(x.name):]; len(x.code) == 12 && (strings.HasPrefix(rest, "街道") || strings.HasPrefix(rest, "镇")) {
				continue
			}
			if len(x.code) > len(out.Region) || (len(x.code) == len(out.Region) && len(x.name) > best) {
				out.Region, best = x.code, len(x.name)
			}
		}
	}
	switch len(out.Region) {
	case 12:
		out.Level = GeoCommunity
	case 9:
		out.Level = GeoTown
	}
	// The longest compound name in the address, within that region.
	var found *gazCompound
	at, ambiguous := -1, false
	for i, r := range a {
		for _, c := range g.compoundsByRune[r] {
			if !strings.HasPrefix(a[i:], c.name) || (out.Region != "" && !strings.HasPrefix(c.community, out.Region)) {
				continue
			}
			if c.alias && !buildingNoNext.MatchString(a[i+len(c.name):]) {
				continue // 幸福 of 幸福街 is not 幸福小区; 幸福3号楼 is
			}
			switch {
			case found == nil || len(c.name) > len(found.name):
				found, at, ambiguous = c, i, false
			case len(c.name) == len(found.name) && c.community != found.community:
				// The same name in two places the address does not
				// tell apart: better unplaced than placed wrong.
				ambiguous = true
			}
		}
	}
	if found == nil || ambiguous {
		return out
	}
	out.Level, out.Lon, out.Lat, out.GridCode, out.Region = GeoCompound, found.lon, found.lat, found.grid, found.community
	if m := buildingNo.FindStringSubmatch(a[at+len(found.name):]); m != nil {
		if n, ok := buildingNumber(m[1]); ok {
			if b, ok := found.buildings[n]; ok {
				out.Level, out.Lon, out.Lat, out.GridCode = GeoBuilding, b.lon, b.lat, b.grid
			}
		}
	}
	return out
}

// Hotline12345Report is what an import did: how many rows were read,
// imported, already there (the same 工单编号 on the hotline channel), and
// left out with their reasons; how the imported cases were placed.
type Hotline12345Report struct {
	Rows     int        `json:"rows"`
	Imported int        `json:"imported"`
	Existing int        `json:"existing"`
	Failed   int        `json:"failed"`
	Errors   []RowError `json:"errors"`
	// Placed counts the imported cases by GeoLevel ("building",
	// "compound", "community", "town", "none"); only the first two are
	// placed in a grid, the others wait unlocated for a person.
	Placed map[string]int `json:"placed"`
	// Unplaced are the imported rows left unlocated, with their line and
	// why (Field "address"): the work list of whoever places them.
	Unplaced []RowError `json:"unplaced"`
	// Applied is false when an atomic import refused the file.
	Applied bool `json:"applied"`
}

// HotlineImportService stores the cases of a 12345 export.
type HotlineImportService interface {
	// ImportHotlineCases takes in cases ts of the hotline channel, each
	// with its place set (a grid path and position, or none: unlocated),
	// in one transaction, numbered by the day each was received. A case
	// whose external number is already on the hotline channel is left as
	// it is: existing[i] says so. EFORBIDDEN if the caller may not take
	// hotline cases in.
	ImportHotlineCases(ctx context.Context, ts []*Ticket) (existing []bool, err error)
}

// ImportHotline12345 imports the rows of an export: each row checked
// (Hotline12345Case) and placed (g), the same 工单编号 twice in the file
// reported on its second line, and the good rows stored through svc —
// all of them, or with atomic none when any row is bad. Rows already
// imported count as existing, so running a file twice changes nothing.
func ImportHotline12345(ctx context.Context, rows []Hotline12345Row, c *Catalogue, m *Hotline12345Mapping, g *Gazetteer,
	svc HotlineImportService, atomic bool) (*Hotline12345Report, error) {
	rep := &Hotline12345Report{Rows: len(rows), Errors: []RowError{}, Placed: map[string]int{}, Unplaced: []RowError{}}
	// Checking and placing a row is pure and the bulk of the work: it
	// runs on every core; what depends on the rows before (duplicates)
	// follows in file order.
	type done struct {
		t   *Ticket
		err *RowError
		geo Geocode
	}
	res := make([]done, len(rows))
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(rows); i += workers {
				t, rerr := Hotline12345Case(rows[i], c, m)
				res[i] = done{t: t, err: rerr}
				if rerr == nil {
					res[i].geo = g.Geocode(t.Address)
				}
			}
		}(w)
	}
	wg.Wait()
	seen := map[string]int{}
	var ts []*Ticket
	var levels []GeoLevel
	var lines []int
	for i, row := range rows {
		t, rerr := res[i].t, res[i].err
		if rerr == nil {
			if first, dup := seen[t.ExternalID]; dup {
				rerr = &RowError{Line: row.Line, Field: "external_id", ExternalID: t.ExternalID,
					Reason: fmt.Sprintf("工单编号 %s is also on line %d", t.ExternalID, first)}
			}
		}
		if rerr != nil {
			rep.Errors = append(rep.Errors, *rerr)
			continue
		}
		seen[t.ExternalID] = row.Line
		geo := res[i].geo
		status := StatusUnlocated
		if geo.Level.Placed() {
			lon, lat := geo.Lon, geo.Lat
			t.Lon, t.Lat, t.RegionPath, status = &lon, &lat, PathOf(geo.GridCode), StatusReceived
		}
		t.Status, t.Version = status, 1
		t.Timeline = []*TicketEvent{{At: t.ReportedAt, Actor: ActorFrom(ctx).Name, Action: ActionCreate, To: status}}
		ts = append(ts, t)
		levels = append(levels, geo.Level)
		lines = append(lines, row.Line)
	}
	rep.Failed = len(rep.Errors)
	if atomic && rep.Failed > 0 {
		return rep, nil
	}
	existing, err := svc.ImportHotlineCases(ctx, ts)
	if err != nil {
		return nil, err
	}
	for i, ex := range existing {
		if ex {
			rep.Existing++
			continue
		}
		rep.Imported++
		l := string(levels[i])
		if l == "" {
			l = "none"
		}
		rep.Placed[l]++
		if !levels[i].Placed() {
			rep.Unplaced = append(rep.Unplaced, RowError{Line: lines[i], Field: "address", ExternalID: ts[i].ExternalID,
				Reason: unplacedReason(ts[i].Address, levels[i])})
		}
	}
	rep.Applied = true
	return rep, nil
}

// LoadGazetteer builds the gazetteer of the standard addresses and of the
// towns and communities of their counties.
func LoadGazetteer(ctx context.Context, s Services) (*Gazetteer, error) {
	var addrs []*Address
	const page = 10000
	for off := 0; ; off += page {
		as, total, err := s.Addresses.FindAddresses(ctx, PlaceFilter{Offset: off, Limit: page})
		if err != nil {
			return nil, err
		}
		addrs = append(addrs, as...)
		if len(as) == 0 || off+len(as) >= total {
			break
		}
	}
	counties := map[string]bool{}
	for _, a := range addrs {
		counties[a.CountyCode] = true
	}
	var regions []*Region
	for county := range counties {
		for _, level := range []RegionLevel{LevelTown, LevelVillage} {
			c, l := county, level
			rs, _, err := s.Regions.FindRegions(ctx, RegionFilter{Within: &c, Level: &l, Limit: 100000})
			if err != nil {
				return nil, err
			}
			regions = append(regions, rs...)
		}
	}
	return NewGazetteer(addrs, regions), nil
}

// PlacedOnlyInWords reports whether t names its place by an address alone:
// no point, building, standard address or door plate.
func (t *Ticket) PlacedOnlyInWords() bool {
	return t.Lon == nil && t.Lat == nil && t.BuildingID == nil && t.AddressID == nil && t.QRToken == "" &&
		strings.TrimSpace(t.Address) != ""
}

// GazetteerService gives the gazetteer of the district's standard
// addresses as they are now (a cache may answer).
type GazetteerService interface {
	Gazetteer(ctx context.Context) (*Gazetteer, error)
}

// PlaceByAddress places a case that names its place only in words: when t
// has no point, building, standard address or door plate but an address,
// and g puts that address on a compound or one of its buildings, t takes
// the point there, as a 12345 export row does; otherwise t is left as it
// is and waits unlocated. It reports the level the address was geocoded
// to (GeoNone when t was not asked about).
func PlaceByAddress(t *Ticket, g *Gazetteer) GeoLevel {
	if !t.PlacedOnlyInWords() || g == nil {
		return GeoNone
	}
	geo := g.Geocode(t.Address)
	if geo.Level.Placed() {
		lon, lat := geo.Lon, geo.Lat
		t.Lon, t.Lat = &lon, &lat
	}
	return geo.Level
}

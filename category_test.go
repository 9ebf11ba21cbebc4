package gridline_test

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/gridline/gridline"
)

const catalogueHeader = "code,name,name_en,kind,limit,unit,lead_district,lead_street,lead_community,flags,keywords\n"

func TestParseCatalogueErrors(t *testing.T) {
	const main = "01,公用设施,Public utilities,component,,,,,,,\n"
	const sub = "0101,上水井盖,Water supply manhole cover,component,2,working_hours,水务集团,,,,井盖\n"
	tests := []struct {
		name  string
		csv   string
		line  string // the "line" field
		field string // the other field named, "" if none
		msg   string // substring of the message
	}{
		{"no header", main + sub, "1", "", "line 1: the header must be code,name,"},
		{"header out of order", strings.Replace(catalogueHeader, "name,name_en", "name_en,name", 1) + main, "1", "", "the header must be"},
		{"comments and blank lines keep line numbers", "# a comment\n" + catalogueHeader + "\n# another\n" + main + "0101,上水井盖,Cover,component,0,working_hours,水务集团,,,,\n", "6", "limit", "line 6: limit: must be a whole number from 1 to 24 working_hours"},
		{"column count", catalogueHeader + main + "0101,上水井盖,Cover,component,2\n", "3", "", "line 3: expected 11 columns"},
		{"bad quote", catalogueHeader + main + "0101,\"上水井盖,Cover,component,2,working_hours,水务集团,,,,\n", "3", "", "line 3"},
		{"unknown kind", catalogueHeader + "01,公用设施,Public utilities,part,,,,,,,\n", "2", "kind", `line 2: kind: must be component, event or hotline, got "part"`},
		{"code not digits", catalogueHeader + "0A,公用设施,Public utilities,component,,,,,,,\n", "2", "code", "must be digits"},
		{"code digit against kind", catalogueHeader + "01,市容环境,City appearance,event,,,,,,,\n", "2", "code", "event codes start with 1, got 01"},
		{"code length", catalogueHeader + "011,公用设施,Public utilities,component,,,,,,,\n", "2", "code", "a component code has 2 digits (main class) or 4 (sub-class), got 011"},
		{"main class zero", catalogueHeader + "100,事件,Events,event,,,,,,,\n", "2", "code", "main class 100 has no number"},
		{"sub-class zero", catalogueHeader + main + "0100,井盖,Cover,component,2,working_hours,水务集团,,,,\n", "3", "code", "sub-class numbers run from 01"},
		{"duplicate code", catalogueHeader + main + sub + sub, "4", "code", "duplicate code 0101 (first on line 3)"},
		{"sub-class before its main class", catalogueHeader + sub + main, "2", "code", "main class 01 of 0101 is not defined above this line"},
		{"sub-class of another main class", catalogueHeader + main + "0201,车行道,Carriageway,component,2,working_days,区住建局,,,,\n", "3", "code", "main class 02 of 0201"},
		{"main class without sub-classes", catalogueHeader + main + sub + "02,道路交通,Roads,component,,,,,,,\n", "4", "code", "main class 02 道路交通 has no sub-classes"},
		{"name missing", catalogueHeader + "01,,Public utilities,component,,,,,,,\n", "2", "name", "line 2: name: is required"},
		{"english name missing", catalogueHeader + main + "0101,上水井盖,,component,2,working_hours,水务集团,,,,\n", "3", "name_en", "name_en: is required"},
		{"main class with a limit", catalogueHeader + "01,公用设施,Public utilities,component,2,working_days,,,,,\n", "2", "limit", "must be empty for a main class"},
		{"main class with keywords", catalogueHeader + "01,公用设施,Public utilities,component,,,,,,,井盖\n", "2", "keywords", "must be empty for a main class"},
		{"unknown unit", catalogueHeader + main + "0101,上水井盖,Cover,component,2,hours,水务集团,,,,\n", "3", "unit", `must be working_hours or working_days, got "hours"`},
		{"limit not a number", catalogueHeader + main + "0101,上水井盖,Cover,component,two,working_hours,水务集团,,,,\n", "3", "limit", `got "two"`},
		{"limit negative", catalogueHeader + main + "0101,上水井盖,Cover,component,-1,working_days,水务集团,,,,\n", "3", "limit", "from 1 to 30 working_days"},
		{"limit too long in hours", catalogueHeader + main + "0101,上水井盖,Cover,component,25,working_hours,水务集团,,,,\n", "3", "limit", "from 1 to 24 working_hours"},
		{"limit too long in days", catalogueHeader + main + "0101,上水井盖,Cover,component,31,working_days,水务集团,,,,\n", "3", "limit", "from 1 to 30 working_days"},
		{"no district lead", catalogueHeader + main + "0101,上水井盖,Cover,component,2,working_hours,,street,,,\n", "3", "lead_district", "is required"},
		{"district lead community", catalogueHeader + main + "0101,上水井盖,Cover,component,2,working_hours,community,,,,\n", "3", "lead_district", "use street"},
		{"property as a lead", catalogueHeader + main + "0101,上水井盖,Cover,component,2,working_hours,区住建局,,property,,\n", "3", "lead_community", "property is a flag"},
		{"unknown flag", catalogueHeader + main + "0101,上水井盖,Cover,component,2,working_hours,水务集团,,,urgent,\n", "3", "flags", `must be property or emergency, each once, got "urgent"`},
		{"flag twice", catalogueHeader + main + "0101,上水井盖,Cover,component,2,working_hours,水务集团,,,property|property,\n", "3", "flags", "each once"},
		{"property and emergency", catalogueHeader + main + "0101,上水井盖,Cover,component,2,working_hours,水务集团,,,property|emergency,\n", "3", "flags", "exclude each other"},
		{"empty keyword", catalogueHeader + main + "0101,上水井盖,Cover,component,2,working_hours,水务集团,,,,井盖||上水\n", "3", "keywords", "has an empty keyword"},
		{"keyword twice", catalogueHeader + main + "0101,上水井盖,Cover,component,2,working_hours,水务集团,,,,井盖|上水|井盖\n", "3", "keywords", `"井盖" is listed twice`},
		{"keyword too long", catalogueHeader + main + "0101,上水井盖,Cover,component,2,working_hours,水务集团,,,,井盖|" + strings.Repeat("井", 17) + "\n", "3", "keywords", "longer than 16 characters"},
		{"line too long", catalogueHeader + main + "0101,上水井盖,Cover,component,2,working_hours,水务集团,,,," + strings.Repeat("井盖|", 1000) + "\n", "3", "", "line 3: longer than 4096 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := gridline.ParseCatalogue(strings.NewReader(tt.csv))
			if gridline.ErrorCode(err) != gridline.EINVALID || !strings.Contains(gridline.ErrorMessage(err), tt.msg) {
				t.Fatalf("err = %v, want EINVALID containing %q", err, tt.msg)
			}
			fields := gridline.ErrorFields(err)
			if fields["line"] != tt.line {
				t.Errorf("line field = %q, want %q", fields["line"], tt.line)
			}
			if tt.field != "" && fields[tt.field] == "" {
				t.Errorf("fields = %v, want one named %q", fields, tt.field)
			}
		})
	}
	if _, err := gridline.ParseCatalogue(strings.NewReader(catalogueHeader)); gridline.ErrorCode(err) != gridline.EINVALID ||
		!strings.Contains(gridline.ErrorMessage(err), "no categories") {
		t.Errorf("empty catalogue: err = %v", err)
	}
}

func TestParseCatalogueLeads(t *testing.T) {
	csv := "\ufeff" + catalogueHeader +
		"206,矛盾纠纷,Disputes,hotline,,,,,,,\n" +
		"20601,邻里纠纷,Neighbour dispute,hotline,5,working_days,street,community,,,邻居| 吵架 \n" +
		"20602,测试,Test,hotline,3,working_days,区司法局,,street,,\n" +
		"20603,测试二,Test two,hotline,1,working_days,区司法局,street,区民政局,,\n"
	c, err := gridline.ParseCatalogue(strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	street, community := gridline.Lead{Kind: gridline.LeadStreet}, gridline.Lead{Kind: gridline.LeadCommunity}
	dept := func(name string) gridline.Lead { return gridline.Lead{Kind: gridline.LeadDepartment, Department: name} }
	tests := []struct {
		code string
		want gridline.Leads
	}{
		// An empty lead keeps the lead of the level above.
		{"20601", gridline.Leads{District: street, Street: community, Community: community}},
		{"20602", gridline.Leads{District: dept("区司法局"), Street: dept("区司法局"), Community: street}},
		{"20603", gridline.Leads{District: dept("区司法局"), Street: street, Community: dept("区民政局")}},
	}
	for _, tt := range tests {
		cat, _ := c.Category(tt.code)
		if cat.Leads != tt.want {
			t.Errorf("%s: leads = %+v, want %+v", tt.code, cat.Leads, tt.want)
		}
	}
	if cat, _ := c.Category("20601"); !slices.Equal(cat.Keywords, []string{"邻居", "吵架"}) {
		t.Errorf("keywords = %q", cat.Keywords)
	}
}

// demoDepartments are the short names of the demo district's departments
// (demo/names.go); the catalogue's leads must be among them.
var demoDepartments = []string{"区住建局", "区执法局", "环境分局", "区交通局", "区水务局", "区市场监管局",
	"公安分局", "区民政局", "区卫健局", "区教体局", "区人社局", "区应急局", "自然资源分局", "区农业农村局",
	"区文旅局", "区商务局", "区信访局", "区司法局", "供电公司", "水务集团"}

func TestDefaultCatalogue(t *testing.T) {
	c := gridline.DefaultCatalogue()
	if c != gridline.DefaultCatalogue() {
		t.Error("DefaultCatalogue parses more than once")
	}
	type shape struct{ mains, subs int }
	got := map[gridline.CategoryKind]shape{}
	var main gridline.Category
	for _, cat := range c.All() {
		s := got[cat.Kind]
		if cat.IsMain() {
			s.mains++
			main = cat
		} else {
			s.subs++
			if cat.ParentCode != main.Code || !strings.HasPrefix(cat.Code, main.Code) {
				t.Errorf("%s follows main class %s", cat.Code, main.Code)
			}
			for _, l := range []gridline.Lead{cat.Leads.District, cat.Leads.Street, cat.Leads.Community} {
				if l.Kind == gridline.LeadDepartment && !slices.Contains(demoDepartments, l.Department) {
					t.Errorf("%s %s: lead %q is not a demo department", cat.Code, cat.Name, l.Department)
				}
			}
			if cat.Kind == gridline.CategoryHotline && !withinDays(cat.TimeLimit, gridline.ShandongHotline.Reply) {
				t.Errorf("%s %s: limit %v is beyond the hotline's reply window %v", cat.Code, cat.Name, cat.TimeLimit, gridline.ShandongHotline.Reply)
			}
			if len(cat.Keywords) == 0 {
				t.Errorf("%s %s has no keywords", cat.Code, cat.Name)
			}
		}
		got[cat.Kind] = s
	}
	want := map[gridline.CategoryKind]shape{
		gridline.CategoryComponent: {6, 47},
		gridline.CategoryEvent:     {6, 47},
		gridline.CategoryHotline:   {14, 77},
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %+v, want %+v", k, got[k], w)
		}
	}
}

// withinDays reports whether limit ends no later than days (8 working
// hours to a working day).
func withinDays(limit, days gridline.TimeLimit) bool {
	hours := limit.Amount
	if limit.Unit == gridline.LimitWorkingDays {
		hours *= 8
	}
	return hours <= days.Amount*8
}

func TestCatalogueLookup(t *testing.T) {
	c := gridline.DefaultCatalogue()
	cover, ok := c.Category("0101")
	want := gridline.Category{Code: "0101", Name: "上水井盖", NameEN: "Water supply manhole cover",
		Kind: gridline.CategoryComponent, ParentCode: "01",
		TimeLimit: gridline.TimeLimit{Amount: 2, Unit: gridline.LimitWorkingHours}}
	if !ok || cover.Code != want.Code || cover.Name != want.Name || cover.NameEN != want.NameEN ||
		cover.Kind != want.Kind || cover.ParentCode != want.ParentCode || cover.TimeLimit != want.TimeLimit ||
		cover.Leads.District != (gridline.Lead{Kind: gridline.LeadDepartment, Department: "水务集团"}) {
		t.Errorf("0101 = %+v", cover)
	}
	if cover.IsMain() || cover.TimeLimit.String() != "2 working hours" {
		t.Errorf("0101: main %v, limit %q", cover.IsMain(), cover.TimeLimit)
	}
	// Callers get copies: changing one leaves the catalogue as it was.
	cover.Keywords[0] = "changed"
	if again, _ := c.Category("0101"); again.Keywords[0] == "changed" {
		t.Error("Category shares its keywords with the catalogue")
	}

	tests := []struct {
		code     string
		found    bool
		main     bool
		children []string // first few
		limit    string
	}{
		{"01", true, true, []string{"0101", "0102", "0103"}, ""},
		{"101", true, true, []string{"10101", "10102"}, ""},
		{"204", true, true, []string{"20401", "20402", "20403", "20404"}, ""},
		{"0115", true, false, nil, "2 working days"},  // 路灯
		{"20401", true, false, nil, "5 working days"}, // 拖欠工资
		{"21401", true, false, nil, "1 working day"},  // 政策咨询
		{"10403", true, false, nil, "1 working hour"}, // 燃气泄漏
		{"02", true, true, []string{"0201"}, ""},
		{"0199", false, false, nil, ""},
		{"", false, false, nil, ""},
	}
	for _, tt := range tests {
		cat, ok := c.Category(tt.code)
		if ok != tt.found || (ok && cat.IsMain() != tt.main) {
			t.Errorf("%q: found %v main %v", tt.code, ok, cat.IsMain())
			continue
		}
		if tt.limit != "" && cat.TimeLimit.String() != tt.limit {
			t.Errorf("%s: limit %v, want %s", tt.code, cat.TimeLimit, tt.limit)
		}
		kids := c.Children(tt.code)
		if !tt.main && kids != nil {
			t.Errorf("%q: children %v of a sub-class or unknown code", tt.code, kids)
		}
		for i, code := range tt.children {
			if i >= len(kids) || kids[i].Code != code {
				t.Errorf("%s: children %v, want them to start %v", tt.code, kids, tt.children)
				break
			}
		}
	}
	mains := c.Mains()
	if len(mains) != 26 || mains[0].Code != "01" || mains[len(mains)-1].Code != "214" {
		t.Errorf("mains: %d, first %s, last %s", len(mains), mains[0].Code, mains[len(mains)-1].Code)
	}
	b, _ := json.Marshal(mains[0])
	if string(b) != `{"code":"01","name":"公用设施","name_en":"Public utilities","kind":"component"}` {
		t.Errorf("main class JSON = %s", b)
	}
	b, _ = json.Marshal(must(c.Category("20501")))
	if !strings.Contains(string(b), `"time_limit":{"amount":1,"unit":"working_days"},"leads":{"district":{"kind":"department","department":"公安分局"},"street":{"kind":"street"},"community":{"kind":"community"}},"property":true`) {
		t.Errorf("sub-class JSON = %s", b)
	}
}

func must(cat gridline.Category, ok bool) gridline.Category {
	if !ok {
		panic("no such category")
	}
	return cat
}

func TestRoute(t *testing.T) {
	c := gridline.DefaultCatalogue()
	dept := func(name string) gridline.Lead { return gridline.Lead{Kind: gridline.LeadDepartment, Department: name} }
	street := gridline.Lead{Kind: gridline.LeadStreet}
	community := gridline.Lead{Kind: gridline.LeadCommunity}
	property := gridline.Lead{Kind: gridline.LeadProperty}
	const (
		district = gridline.LevelCounty
		town     = gridline.LevelTown
		village  = gridline.LevelVillage
	)
	tests := []struct {
		name       string
		code       string
		level      gridline.RegionLevel
		inCompound bool
		want       gridline.Lead
		err        string // field named by an EINVALID error
	}{
		// A department's class stays with the department at every level.
		{"street lamp, district", "0115", district, false, dept("区住建局"), ""},
		{"street lamp, street", "0115", town, false, dept("区住建局"), ""},
		{"street lamp, community", "0115", village, false, dept("区住建局"), ""},
		{"wages, community", "20401", village, true, dept("区人社局"), ""},
		// Local classes go to the street or community.
		{"neighbour dispute, district", "20601", district, false, street, ""},
		{"neighbour dispute, street", "20601", town, false, community, ""},
		{"neighbour dispute, community", "20601", village, false, community, ""},
		{"neighbour dispute in a compound stays local", "20601", village, true, community, ""},
		{"village affairs never go to the village", "21303", village, false, street, ""},
		{"illegal structure, district", "10101", district, false, dept("区执法局"), ""},
		{"illegal structure, street", "10101", town, false, street, ""},
		{"illegal structure, community", "10101", village, false, street, ""},
		// Property classes go to the compound's property company inside a
		// compound, at any level, and to the level's lead outside.
		{"property service in a compound, district", "20101", district, true, property, ""},
		{"property service in a compound, community", "20101", village, true, property, ""},
		{"property service outside, district", "20101", district, false, dept("区住建局"), ""},
		{"property service outside, street", "20101", town, false, street, ""},
		{"property service outside, community", "20101", village, false, community, ""},
		{"renovation noise in a compound", "20501", town, true, property, ""},
		{"renovation noise outside", "20501", district, false, dept("公安分局"), ""},
		{"parked car in a compound", "10503", district, true, property, ""},
		{"parked car on the street", "10503", district, false, dept("公安分局"), ""},
		{"lift in a compound", "20103", village, true, property, ""},
		// Emergencies are never the property company's.
		{"gas leak in a compound", "10403", village, true, dept("区住建局"), ""},
		{"fire in a compound", "10405", district, true, dept("区应急局"), ""},
		// Errors.
		{"unknown code", "9999", district, false, gridline.Lead{}, "category"},
		{"main class", "201", district, true, gridline.Lead{}, "category"},
		{"city level", "0115", gridline.LevelCity, false, gridline.Lead{}, "level"},
		{"no level", "20101", "", true, gridline.Lead{}, "level"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Route(tt.code, tt.level, tt.inCompound)
			if tt.err != "" {
				if gridline.ErrorCode(err) != gridline.EINVALID || gridline.ErrorFields(err)[tt.err] == "" {
					t.Fatalf("err = %v, want EINVALID naming %s", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Route = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestHotlineProfile(t *testing.T) {
	p := gridline.ShandongHotline
	if p.Reply.String() != "5 working days" || p.MaxExtension.String() != "10 working days" || p.Return.String() != "2 working days" {
		t.Errorf("profile = %+v", p)
	}
}

func TestSuggestExplains(t *testing.T) {
	c := gridline.DefaultCatalogue()
	got := c.Suggest("小区门口路灯坏了好几天了，晚上很黑", 3)
	// 路灯 is inside 路灯坏, which counts alone.
	if len(got) == 0 || got[0].Code != "0115" || !slices.Equal(got[0].Matched, []string{"路灯坏"}) || got[0].Score <= 0 {
		t.Fatalf("Suggest = %+v, want 0115 路灯 first, matching 路灯坏", got)
	}
	for i := 1; i < len(got); i++ {
		if got[i].Score > got[i-1].Score {
			t.Errorf("not best first: %+v", got)
		}
	}
	// Full-width letters match the keyword KTV.
	if got := c.Suggest("楼下ＫＴＶ天天唱到半夜", 3); len(got) == 0 || !slices.ContainsFunc(got, func(s gridline.Suggestion) bool {
		return s.Code == "20504" && slices.Contains(s.Matched, "ktv")
	}) {
		t.Errorf("KTV: %+v", got)
	}
	if got := c.Suggest("路灯", 0); got != nil {
		t.Errorf("n = 0: %+v", got)
	}
	if got := c.Suggest("", 3); len(got) != 0 {
		t.Errorf("empty text: %+v", got)
	}
	if got := c.Suggest("路灯", 500); len(got) == 0 || len(got) > 171 {
		t.Errorf("n beyond the catalogue: %d suggestions", len(got))
	}
}

// labelled is a case text with its sub-class.
type labelled struct {
	text, code string
	line       int
}

// labelledTexts are the labelled texts for Catalogue.Suggest, each file in
// parts named by "# part: NAME" lines, with the floors of its held-out
// part (top-1, top-3). A tuning part is copied into category_examples.tsv;
// a held-out part is only measured. The floors sit a few texts below the
// figures measured when they were set (docs/api.md, "Categories"), so a
// change that makes suggestions worse fails here and rewording one example
// does not.
var labelledTexts = []struct {
	file       string
	top1, top3 float64
}{
	{"testdata/category_labelled.tsv", 0.93, 0.97}, // 96.4 %, 100 % of 166
	{"testdata/category_blind.tsv", 0.83, 0.90},    // 86.9 %, 93.4 % of 122
	{"testdata/category_blind2.tsv", 0.88, 0.94},   // 92.1 %, 97.0 % of 265
}

// readLabelled reads a labelled file into its parts.
func readLabelled(t testing.TB, file string) map[string][]labelled {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string][]labelled{}
	part := ""
	for i, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if name, ok := strings.CutPrefix(line, "# part: "); ok {
			part = name
			continue
		}
		if strings.HasPrefix(line, "#") {
			continue
		}
		text, code, ok := strings.Cut(line, "\t")
		if !ok || part == "" {
			t.Fatalf("%s line %d: want text<TAB>code after a part line: %q", file, i+1, line)
		}
		parts[part] = append(parts[part], labelled{text, code, i + 1})
	}
	return parts
}

// TestSuggestQuality measures Suggest on the labelled texts: top-1 and
// top-3 accuracy on each file's parts, failing when a held-out part falls
// below its floors or when one of its texts is among the examples the
// model learns from. Run with -v to see the figures; set
// GRIDLINE_SUGGEST_MISSES=1 to list the tuning parts' misses (only
// theirs: the held-out parts stay unseen).
func TestSuggestQuality(t *testing.T) {
	c := gridline.DefaultCatalogue()
	examples, err := os.ReadFile("category_examples.tsv")
	if err != nil {
		t.Fatal(err)
	}
	learnt := map[string]bool{}
	for _, line := range strings.Split(string(examples), "\n") {
		if _, text, ok := strings.Cut(line, "\t"); ok {
			learnt[text] = true
		}
	}
	for _, set := range labelledTexts {
		parts := readLabelled(t, set.file)
		for _, name := range []string{"tune", "held-out"} {
			texts := parts[name]
			if len(texts) == 0 {
				continue
			}
			top1, top3 := 0, 0
			for _, l := range texts {
				if cat, ok := c.Category(l.code); !ok || cat.IsMain() {
					t.Errorf("%s line %d: %q is not a sub-class", set.file, l.line, l.code)
				}
				if name == "held-out" && learnt[l.text] {
					t.Errorf("%s line %d: a held-out text is in category_examples.tsv", set.file, l.line)
				}
				got := c.Suggest(l.text, 3)
				switch i := slices.IndexFunc(got, func(s gridline.Suggestion) bool { return s.Code == l.code }); {
				case i == 0:
					top1++
					top3++
				case i > 0:
					top3++
				}
				if name == "tune" && os.Getenv("GRIDLINE_SUGGEST_MISSES") != "" && (len(got) == 0 || got[0].Code != l.code) {
					want, _ := c.Category(l.code)
					t.Logf("miss %s %s: %s → %v", l.code, want.Name, l.text, got)
				}
			}
			acc1, acc3 := float64(top1)/float64(len(texts)), float64(top3)/float64(len(texts))
			t.Logf("%s %-8s %3d texts: top-1 %.1f %%, top-3 %.1f %%", set.file, name, len(texts), 100*acc1, 100*acc3)
			if name == "held-out" && (acc1 < set.top1 || acc3 < set.top3) {
				t.Errorf("%s held-out accuracy top-1 %.3f, top-3 %.3f is below its floors %.2f, %.2f", set.file, acc1, acc3, set.top1, set.top3)
			}
		}
	}
}

// BenchmarkSuggest times Catalogue.Suggest on the labelled texts in turn
// (intake calls it once a case without a category).
func BenchmarkSuggest(b *testing.B) {
	c := gridline.DefaultCatalogue()
	var texts []string
	for _, l := range readLabelled(b, "testdata/category_labelled.tsv")["held-out"] {
		texts = append(texts, l.text)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		c.Suggest(texts[i%len(texts)], 3)
	}
}

package gridline

import (
	"slices"
	"strings"
	"testing"
)

func TestParseDupLexicon(t *testing.T) {
	for _, tt := range []struct{ name, text, err string }{
		{"outside a section", "井盖 窨井盖\n", "outside a known section"},
		{"a word alone", "[same]\n井盖\n", "a word and what it is read as"},
		{"a single character", "[same]\n噪声 吵\n", "single character"},
		{"a word read as two", "[same]\n井盖 窨井盖\n下水道 窨井盖\n", "read as two words"},
		{"an unknown section", "[other]\n井盖 窨井盖\n", "outside a known section"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := parseDupLexicon(tt.text); err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("error %v; want one saying %q", err, tt.err)
			}
		})
	}
	l, err := parseDupLexicon("# c\n[same]\n井盖 窨井盖 下水道盖\n[related]\n0113 10406\n205 20601\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(l.same) != 1 || len(l.related) != 4 {
		t.Fatalf("parsed %+v", l)
	}
}

// TestDupLexiconRelated checks related classes by sub-class and by a main
// class standing for its sub-classes, in both directions.
func TestDupLexiconRelated(t *testing.T) {
	cat := DefaultCatalogue()
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{"0113", "10406", true},  // 电力设施, 电力线路故障
		{"10406", "0113", true},  // either way round
		{"20502", "20601", true}, // 生活噪声 (main class 205) and 邻里纠纷
		{"0113", "0115", false},  // 电力设施 and 路灯: same main class, not related lines
		{"10106", "20401", false},
	} {
		ma, mb := mainClass(cat, tt.a), mainClass(cat, tt.b)
		if got := dupLex.relatedClasses(tt.a, ma, tt.b, mb); got != tt.want {
			t.Errorf("related(%s, %s) = %v; want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestDupLexiconCodes checks that every code of the built-in lexicon's
// related lines is in the built-in catalogue: a renamed class would
// otherwise silently relate nothing.
func TestDupLexiconCodes(t *testing.T) {
	cat := DefaultCatalogue()
	for code := range dupLex.related {
		if _, ok := cat.Category(code); !ok {
			t.Errorf("related class %s is not in the catalogue", code)
		}
	}
}

func TestBuildingNumbers(t *testing.T) {
	for _, tt := range []struct {
		text string
		want []string
	}{
		{"华勤花园3号楼电梯坏了", []string{"3"}},
		{"东方花园十二号楼和5#楼之间", []string{"12", "5"}},
		{"锦绣华庭5栋2单元", []string{"5"}},
		{"3号门口", nil},
		{"号楼", nil},
	} {
		if got := buildingNumbers(normalizeRunes(tt.text)); !slices.Equal(got, tt.want) {
			t.Errorf("buildingNumbers(%q) = %q; want %q", tt.text, got, tt.want)
		}
	}
	for _, tt := range []struct {
		text string
		want []string
	}{
		{"青莲苑8#楼2单元601", []string{"2"}},
		{"11号楼三单元和1单元之间", []string{"3", "1"}},
		{"东单元门口", nil},
		{"单元门", nil},
	} {
		if got := unitNumbers(normalizeRunes(tt.text)); !slices.Equal(got, tt.want) {
			t.Errorf("unitNumbers(%q) = %q; want %q", tt.text, got, tt.want)
		}
	}
	if !otherPlace([]string{"3"}, []string{"5"}) || otherPlace([]string{"3", "5"}, []string{"5"}) ||
		otherPlace(nil, []string{"5"}) {
		t.Error("otherPlace: wrong")
	}
}

func TestGateNames(t *testing.T) {
	for _, tt := range []struct {
		text string
		want []string
	}{
		{"人民医院北门口车辆乱停", []string{"北"}},
		{"小区南大门外", []string{"南"}},
		{"东北门和西门之间", []string{"东北", "西"}},
		{"医院后门急诊通道", []string{"后"}},
		{"正门对面", []string{"正"}},
		{"西门大街路口", nil},
		{"南门路与建设路口", nil},
		{"少陵公园南门路边", []string{"南"}},
		{"单元门口", nil},
		{"门口堆放杂物", nil},
		{"南门村村口", nil},
	} {
		if got := gateNames(normalizeRunes(tt.text)); !slices.Equal(got, tt.want) {
			t.Errorf("gateNames(%q) = %q; want %q", tt.text, got, tt.want)
		}
	}
}

func TestFlatNumbers(t *testing.T) {
	for _, tt := range []struct {
		text string
		want []string
	}{
		{"3号楼2单元402卫生间漏水，楼上502不让查", []string{"402", "502"}},
		{"1502室业主装修", []string{"1502"}},
		{"围挡倒伏约150米", nil},
		{"2026年3月", nil},
		{"303路公交车", nil},
		{"打了110也没用", nil},
		{"面积约120平方米", nil},
		{"府河路100号", nil},
		{"欠薪3200元", nil},
		{"12345热线", nil},
	} {
		if got := flatNumbers(normalizeRunes(tt.text)); !slices.Equal(got, tt.want) {
			t.Errorf("flatNumbers(%q) = %q; want %q", tt.text, got, tt.want)
		}
	}
}

func TestDuplicateBoundsOngoing(t *testing.T) {
	cat := DefaultCatalogue()
	base := DuplicateRuleFor(cat, "20502")
	for _, tt := range []struct {
		text    string
		ongoing bool
	}{
		{"半个多月前打过电话，到现在还是天天叫", true},
		{"之前反映过，一直没人管", true},
		{"路灯还没修", true},
		{"狗天天晚上叫", false},
		{"路灯又坏了", false}, // a recurrence is a new incident
	} {
		got := DuplicateBounds(cat, &DuplicateCase{Category: "20502", Text: tt.text})
		want := base
		if tt.ongoing {
			want.Window += dupOngoingWindow
		}
		if got != want || OngoingReport(tt.text) != tt.ongoing {
			t.Errorf("%s: bounds %+v, ongoing %v; want %+v, %v", tt.text, got, OngoingReport(tt.text), want, tt.ongoing)
		}
	}
}

package gridline_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"golang.org/x/text/encoding/simplifiedchinese"
)

func TestParseHotlineTime(t *testing.T) {
	want := time.Date(2026, 11, 27, 8, 30, 0, 0, gridline.ChinaTime)
	for _, s := range []string{"2026-11-27 08:30:00", "2026-11-27 08:30", "2026/11/27 8:30", "2026年11月27日 08:30",
		"2026-11-27T00:30:00Z", "46353.354166666664", "2026-11-27 08:30:00.000", "2026-11-27T08:30:00",
		"2026.11.27 08:30", "2026年11月27日 8时30分", "2026年11月27日08:30", "2026年11月27号 8点30分0秒",
		"202611270830", "20261127083000", "2026/11/27 上午8:30", "2026-11-27 08:30:00 +0800", "2026-11-27 00:30 Z",
		"2026-11-27  08:30", "2026-11-27 08：30"} {
		got, ok := gridline.ParseHotlineTime(s)
		if !ok || !got.Equal(want) {
			t.Errorf("%q: %v %v, want %v", s, got, ok, want)
		}
	}
	for s, w := range map[string]time.Time{
		"2026-1-7 9:05":       time.Date(2026, 1, 7, 9, 5, 0, 0, gridline.ChinaTime),
		"2026/11/27 下午3:05":   time.Date(2026, 11, 27, 15, 5, 0, 0, gridline.ChinaTime),
		"2026年11月27日 晚上9点":    time.Time{}, // an hour alone is not read
		"2026.11.27":          time.Date(2026, 11, 27, 0, 0, 0, 0, gridline.ChinaTime),
		"20261127":            time.Date(2026, 11, 27, 0, 0, 0, 0, gridline.ChinaTime),
		"2026-11-27 12:00 下午": time.Date(2026, 11, 27, 12, 0, 0, 0, gridline.ChinaTime),
	} {
		got, ok := gridline.ParseHotlineTime(s)
		if ok != !w.IsZero() || ok && !got.Equal(w) {
			t.Errorf("%q: %v %v, want %v", s, got, ok, w)
		}
	}
	for _, s := range []string{"", "昨天", "2026-13-01 00:00", "12", "2026-02-30", "2026-11-27 24:00", "2026-11-27 08:61",
		"2026-11-27 08:30 北京时间", "20261327", "2026-11-27 08:30:00 +8"} {
		if _, ok := gridline.ParseHotlineTime(s); ok {
			t.Errorf("%q parsed", s)
		}
	}
}

func TestDecodeText(t *testing.T) {
	gbk, _ := simplifiedchinese.GBK.NewEncoder().String("工单编号,诉求内容\n1,路灯不亮\n")
	got, err := gridline.DecodeText([]byte(gbk))
	if err != nil || string(got) != "工单编号,诉求内容\n1,路灯不亮\n" {
		t.Errorf("GBK: %q %v", got, err)
	}
	if got, err := gridline.DecodeText([]byte("\xef\xbb\xbf工单")); err != nil || string(got) != "工单" {
		t.Errorf("UTF-8 with BOM: %q %v", got, err)
	}
	if _, err := gridline.DecodeText([]byte{0x00, 0x01, 0xff, 0xfe}); gridline.ErrorCode(err) != gridline.EINVALID {
		t.Errorf("binary: %v", err)
	}
}

// TestGazetteer places addresses written as callers and platforms write
// them, and leaves unplaced what it cannot tell apart.
func TestGazetteer(t *testing.T) {
	addr := func(id int64, name, grid string, lon, lat float64) *gridline.Address {
		return &gridline.Address{ID: id, FullName: name, Lon: lon, Lat: lat, RegionPath: gridline.PathOf(grid)}
	}
	g := gridline.NewGazetteer([]*gridline.Address{
		addr(1, "山东省济宁市兖州区鼓楼街道韦园社区 盛景小区 1号楼1单元", "370812001002001", 116.1, 35.1),
		addr(2, "山东省济宁市兖州区鼓楼街道韦园社区 盛景小区 2号楼1单元", "370812001002002", 116.2, 35.2),
		addr(3, "山东省济宁市兖州区鼓楼街道长安社区 阳光公馆 1号楼1单元", "370812001012001", 116.3, 35.3),
		addr(4, "山东省济宁市兖州区龙桥街道五里庄社区 阳光公馆 1号楼1单元", "370812003005001", 116.4, 35.4),
		addr(5, "山东省济宁市兖州区鼓楼街道韦园社区 韦园小区 3号楼1单元", "370812001002003", 116.5, 35.5),
		addr(6, "山东省济宁市兖州区鼓楼街道长安社区 金城小区 1号楼1单元", "370812001012002", 116.6, 35.6),
		addr(7, "山东省济宁市兖州区鼓楼街道长安社区 金城花园 1号楼1单元", "370812001012003", 116.7, 35.7),
		addr(8, "山东省济宁市兖州区鼓楼街道长安社区 金城 2号楼1单元", "370812001012004", 116.8, 35.8),
		addr(9, "山东省济宁市兖州区鼓楼街道长安社区 幸福小区 1号楼1单元", "370812001012005", 116.9, 35.9),
	}, []*gridline.Region{
		{Code: "370812001", Name: "鼓楼街道", Level: gridline.LevelTown},
		{Code: "370812003", Name: "龙桥街道", Level: gridline.LevelTown},
		{Code: "370812001002", Name: "韦园社区居委会", Level: gridline.LevelVillage},
		{Code: "370812001012", Name: "长安社区居委会", Level: gridline.LevelVillage},
		{Code: "370812001099", Name: "鼓楼社区居委会", Level: gridline.LevelVillage},
		{Code: "370812003005", Name: "五里庄社区居委会", Level: gridline.LevelVillage},
	})
	for _, c := range []struct {
		addr  string
		level gridline.GeoLevel
		grid  string
	}{
		{"盛景小区2号楼", gridline.GeoBuilding, "370812001002002"},
		{"山东省济宁市兖州区鼓楼街道韦园社区盛景小区１号楼２单元", gridline.GeoBuilding, "370812001002001"},
		{"盛景小区二号楼三单元", gridline.GeoBuilding, "370812001002002"}, // as spoken
		{"盛景小区 9号楼", gridline.GeoCompound, ""},
		{"盛景小区十号楼", gridline.GeoCompound, ""},
		{"盛景小区东门", gridline.GeoCompound, ""},
		{"长安社区阳光公馆", gridline.GeoCompound, "370812001012001"},
		{"五里庄阳光公馆1号楼", gridline.GeoBuilding, "370812003005001"},
		{"阳光公馆1号楼", gridline.GeoNone, ""},                     // two compounds of that name
		{"鼓楼街道阳光公馆", gridline.GeoCompound, "370812001012001"}, // the street tells them apart; 鼓楼 is not the community
		{"鼓楼街道韦园社区建设路东段", gridline.GeoCommunity, ""},
		{"龙桥街道某某路", gridline.GeoTown, ""},
		{"火星", gridline.GeoNone, ""},
		{"盛景2号楼", gridline.GeoBuilding, "370812001002002"},   // 小区 left out, as said
		{"韦园小区3号楼", gridline.GeoBuilding, "370812001002003"}, // the full name
		{"韦园社区3号楼", gridline.GeoCommunity, ""},               // 韦园 is the community's: no alias
		{"金城1号楼", gridline.GeoCompound, "370812001012004"},   // 金城 is a compound's own name, not 金城小区's alias
		{"金城2号楼", gridline.GeoBuilding, "370812001012004"},   // …that one
		{"金城小区1号楼", gridline.GeoBuilding, "370812001012002"},
		{"某某路与幸福街交叉口", gridline.GeoNone, ""}, // an alias only before a building's number
		{"盛景东门", gridline.GeoNone, ""},       // no building after the alias
		{"幸福一号楼", gridline.GeoBuilding, "370812001012005"},
	} {
		got := g.Geocode(c.addr)
		if got.Level != c.level || (c.grid != "" && got.GridCode != c.grid) {
			t.Errorf("%s: %+v, want %s in %s", c.addr, got, c.level, c.grid)
		}
		if got.Level.Placed() != (got.GridCode != "") {
			t.Errorf("%s: placed %v with grid %q", c.addr, got.Level.Placed(), got.GridCode)
		}
	}
}

// TestHotline12345Header finds the header under a title row and matches
// column names with marks, brackets and spaces; rows keep their lines in
// the file.
func TestHotline12345Header(t *testing.T) {
	recs := [][]string{
		{"兖州区12345热线工单导出"},
		{"导出时间：2026-11-27", ""},
		{"序号", "工单编号*", "来电时间（yyyy-mm-dd hh:mm）", "来 电 人", "诉求内容(必填)", "事发地址【详细】", "备注"},
		{"1", "A1", "2026-11-27 09:00", "张三", "路灯不亮", "盛景小区3号楼", ""},
		{"", "", "", "", "", "", ""},
		{"2", "A2", "2026-11-27 10:00", "", "井盖丢了", "盛景小区", ""},
	}
	rows, err := gridline.Hotline12345Records(recs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Line != 4 || rows[1].Line != 6 {
		t.Fatalf("rows %+v, want lines 4 and 6", rows)
	}
	if f := rows[0].Fields; f["external_id"] != "A1" || f["reported_at"] != "2026-11-27 09:00" || f["reporter_name"] != "张三" ||
		f["text"] != "路灯不亮" || f["address"] != "盛景小区3号楼" {
		t.Errorf("fields %v", f)
	}
	// A header lower than the rows looked at is not found, and the
	// error names the first row's missing columns.
	deep := append([][]string{{"t"}, {"t"}, {"t"}, {"t"}, {"t"}}, recs[2:]...)
	if _, err := gridline.Hotline12345Records(deep, nil); err == nil || !strings.Contains(err.Error(), "lacks columns: external_id") {
		t.Errorf("a header on line 6: %v", err)
	}
}

// TestHotline12345Category reads the platform's class of a row: a code, a
// name, a path of names, the mapping's; an appeal kind (投诉) is no class
// and the text's suggestion is taken; anything else fails the row on
// category.
func TestHotline12345Category(t *testing.T) {
	c := gridline.DefaultCatalogue()
	m := &gridline.Hotline12345Mapping{Categories: map[string]string{"市政-下水道": "10409"}}
	for _, tc := range []struct{ class, text, want, fail string }{
		{"0115", "灯不亮", "0115", ""},
		{"路灯", "有个问题", "0115", ""},
		{"城市管理-路灯", "有个问题", "0115", ""},
		{"城乡建设>路灯>路灯不亮", "有个问题", "0115", ""},
		{"城市管理/市容环境/占道经营", "有个问题", "10501", ""},
		{"市政-下水道", "有个问题", "10409", ""},
		{"投诉", "楼上装修天天砸墙，周末一早就开始", "20501", ""},
		{"咨询", "孩子上小学怎么报名，要带什么材料", "20701", ""},
		{"", "路灯不亮", "0115", ""},
		{"城市管理-不存在的小类", "路灯不亮", "", `unknown category "城市管理-不存在的小类"`},
	} {
		row := gridline.Hotline12345Row{Line: 2, Fields: map[string]string{"external_id": "X1", "reported_at": "2026-11-27 09:00",
			"text": tc.text, "address": "盛景小区", "category": tc.class}}
		tk, rerr := gridline.Hotline12345Case(row, c, m)
		switch {
		case tc.fail != "":
			if rerr == nil || rerr.Field != "category" || !strings.Contains(rerr.Reason, tc.fail) {
				t.Errorf("%q: %+v, want a failure on category: %s", tc.class, rerr, tc.fail)
			}
		case rerr != nil:
			t.Errorf("%q: %+v", tc.class, rerr)
		case tk.Category != tc.want:
			t.Errorf("%q (%s): category %s, want %s", tc.class, tc.text, tk.Category, tc.want)
		}
	}
}

// FuzzParseHotlineTime: any text is read or refused without a panic, and
// a time read prints back (as RFC 3339) to the same time.
func FuzzParseHotlineTime(f *testing.F) {
	for _, s := range []string{"2026-11-27 08:30:00", "2026年11月27号 下午3点05分", "20261127083000", "2026-11-27 08:30 +0800", "46353.5", "9时"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := gridline.ParseHotlineTime(s)
		if !ok {
			return
		}
		back, ok := gridline.ParseHotlineTime(got.Format(time.RFC3339))
		if !ok || !back.Equal(got) {
			t.Errorf("%q: %v printed back as %v %v", s, got, back, ok)
		}
	})
}

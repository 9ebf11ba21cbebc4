package http_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/gridline/gridline"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// hotlineCSV is a 12345 export as the platform writes it, with the bad
// rows such files have: a duplicate number, an unknown category, a bad
// time, an empty text, and an address that matches nothing (imported,
// unlocated).
const hotlineCSV = "工单编号,来电时间,来电人,联系电话,诉求内容,诉求地址,诉求类型,办理时限\n" +
	"SD2026112700001,2026-11-27 08:30:00,张三,138-1234-5678,韦园花园1号楼门前路灯不亮,山东省济宁市兖州区鼓楼街道韦园社区韦园花园１号楼,路灯,5个工作日\n" +
	"SD2026112700002,2026/11/27 9:05,李四,13900001111,小区里垃圾没人清运,鼓楼街道韦园社区 韦园花园,城市管理-垃圾箱,2026-12-02 17:00\n" +
	"SD2026112700003,2026-11-27 09:10:00,王五,13900002222,路上有大坑,兖州区建设东路,,\n" +
	"SD2026112700001,2026-11-27 10:00:00,张三,13812345678,重复的工单编号,韦园花园,路灯,\n" +
	"SD2026112700004,2026-11-27 10:30:00,赵六,13900003333,不知道是什么,韦园花园,外星人入侵,\n" +
	"SD2026112700005,昨天上午,钱七,13900004444,时间写错了,韦园花园,路灯,\n" +
	"SD2026112700006,2026-11-27 11:00:00,孙八,13900005555,,韦园花园,路灯,\n" +
	"\n"

func multipartBody(t *testing.T, parts map[string][]byte) (string, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for name, data := range parts {
		w, err := mw.CreateFormFile(name, name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	mw.Close()
	return b.String(), mw.FormDataContentType()
}

// TestHotlineImport imports a 12345 export over HTTP: good rows in,
// placed on the standard addresses; bad rows reported by line; the same
// file again creates nothing; GBK and XLSX read as UTF-8 CSV does; a
// mapping names other columns; atomic=true refuses a file with a bad row.
func TestHotlineImport(t *testing.T) {
	_, ts := newServer(t)
	runScenarios(t, ts.URL, []scenario{
		{name: "grid", method: "POST", url: "/api/v1/grids", auth: true, status: 201,
			body: `{"name":"韦园社区第1网格","community_code":"370812001002","geometry":` + square(116.80, 35.55, 0.01) + `}`},
		{name: "unit", method: "POST", url: "/api/v1/units", auth: true, status: 201, body: `{"kind":"property","name":"韦园物业"}`},
		{name: "compound", method: "POST", url: "/api/v1/compounds", auth: true, status: 201,
			body: `{"name":"韦园花园","property_unit_id":1,"households":300,"geometry":` + square(116.802, 35.552, 0.003) + `}`},
		{name: "building 1", method: "POST", url: "/api/v1/buildings", auth: true, status: 201,
			body: `{"compound_id":1,"name":"1号楼","number":1,"floors":6,"footprint":` + square(116.8025, 35.5525, 0.0003) + `,"entrances":[{"number":1,"floors":6}]}`},
		{name: "building 2", method: "POST", url: "/api/v1/buildings", auth: true, status: 201,
			body: `{"compound_id":1,"name":"2号楼","number":2,"floors":6,"footprint":` + square(116.8040, 35.5540, 0.0003) + `,"entrances":[{"number":1,"floors":6}]}`},
		{name: "atomic: a bad row refuses the file", method: "POST", url: "/api/v1/imports/12345?atomic=true", auth: true, status: 422,
			body: hotlineCSV, want: []string{`"rows":7`, `"imported":0`, `"failed":4`, `"applied":false`}},
		{name: "nothing was written", method: "GET", url: "/api/v1/tickets?channel=hotline", auth: true, status: 200, want: []string{`"total":0`}},
		{name: "import", method: "POST", url: "/api/v1/imports/12345", auth: true, status: 200, body: hotlineCSV,
			want: []string{`"rows":7`, `"imported":3`, `"existing":0`, `"failed":4`, `"applied":true`,
				`{"line":5,"field":"external_id","reason":"工单编号 SD2026112700001 is also on line 2","external_id":"SD2026112700001"}`,
				`{"line":6,"field":"category","reason":"unknown category \"外星人入侵\"`,
				`{"line":7,"field":"reported_at","reason":"\"昨天上午\" is not a time`,
				`{"line":8,"field":"text"`,
				`"placed":{"building":1,"compound":1,"none":1}`,
				`"unplaced":[{"line":4,"field":"address","reason":"诉求地址 \"兖州区建设东路\" `}},
		{name: "the same file again creates nothing", method: "POST", url: "/api/v1/imports/12345", auth: true, status: 200, body: hotlineCSV,
			want: []string{`"imported":0`, `"existing":3`, `"failed":4`}},
		{name: "the cases", method: "GET", url: "/api/v1/tickets?channel=hotline", auth: true, status: 200,
			want: []string{`"total":3`, `"external_id":"SD2026112700001"`, `"status":"received"`, `"grid_code":"370812001002001"`,
				`"status":"unlocated"`, `"category":"0302"`, `【12345办理时限】5个工作日`, `【12345办理时限】2026-12-02 17:00`,
				`"reported_at":"2026-11-27T00:30:00Z"`, `"phone":"138****5678"`}},
		{name: "audit", method: "GET", url: "/api/v1/audit?entity=tickets", auth: true, status: 200, want: []string{`"actor":"admin"`, `"action":"import"`}},
		{name: "missing columns", method: "POST", url: "/api/v1/imports/12345", auth: true, status: 400,
			body: "编号,内容\n1,x\n", want: []string{`The header lacks columns: reported_at (来电时间/受理时间/登记时间/诉求时间/`}},
		{name: "not text", method: "POST", url: "/api/v1/imports/12345", auth: true, status: 400,
			body: "\xff\xfe\x00\x01\x80", want: []string{`neither UTF-8 nor GBK`}},
		{name: "empty", method: "POST", url: "/api/v1/imports/12345", auth: true, status: 400, want: []string{`empty`}},
		{name: "anonymous", method: "POST", url: "/api/v1/imports/12345", status: 401, body: hotlineCSV},
		{name: "unknown parameter", method: "POST", url: "/api/v1/imports/12345?dry=1", auth: true, status: 400, body: hotlineCSV},
	})

	t.Run("GBK", func(t *testing.T) {
		gbk, err := simplifiedchinese.GBK.NewEncoder().String(strings.ReplaceAll(hotlineCSV, "SD20261127", "GB20261127"))
		if err != nil {
			t.Fatal(err)
		}
		scenario{method: "POST", url: "/api/v1/imports/12345", auth: true, status: 200, body: gbk,
			want: []string{`"imported":3`, `"failed":4`, `"reason":"工单编号 GB2026112700001 is also on line 2"`}}.run(t, ts.URL)
	})
	t.Run("XLSX with a mapping", func(t *testing.T) {
		f := excelize.NewFile()
		rows := [][]any{{"受理单号", "来电时间", "诉求内容", "事发地址", "分类"},
			{"XL1", 46353.5, "韦园花园2号楼下水道堵了", "韦园花园2号楼", "市政-下水道"}, // 2026-11-27 12:00 as a date serial
			{"XL2", "2026-11-27 13:00", "韦园花园门口", "韦园花园", "路灯"}}
		for i, r := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			f.SetSheetRow("Sheet1", cell, &r)
		}
		var b bytes.Buffer
		if err := f.Write(&b); err != nil {
			t.Fatal(err)
		}
		mapping, _ := json.Marshal(gridline.Hotline12345Mapping{Columns: map[string]string{"external_id": "受理单号", "category": "分类"},
			Categories: map[string]string{"市政-下水道": "0103"}})
		body, ctype := multipartBody(t, map[string][]byte{"file": b.Bytes(), "mapping": mapping})
		sc := scenario{method: "POST", url: "/api/v1/imports/12345", auth: true, ctype: ctype, status: 200, body: body,
			want: []string{`"rows":2`, `"imported":2`, `"failed":0`, `"placed":{"building":1,"compound":1}`}}
		sc.run(t, ts.URL)
		scenario{method: "GET", url: "/api/v1/tickets?channel=hotline&q=下水道", auth: true, status: 200,
			want: []string{`"external_id":"XL1"`, `"category":"0103"`, `"reported_at":"2026-11-27T04:00:00Z"`}}.run(t, ts.URL)
		bad, ctype := multipartBody(t, map[string][]byte{"file": b.Bytes(), "mapping": []byte(`{"columns":{"colour":"x"}}`)})
		scenario{method: "POST", url: "/api/v1/imports/12345", auth: true, ctype: ctype, status: 400, body: bad,
			want: []string{`"mapping.columns.colour"`}}.run(t, ts.URL)
	})
	_ = http.StatusOK
}

// TestInbound12345 pushes cases as the 12345 platform does: a new one is
// 201 with its case number, a replay 200 with the same number and nothing
// new, bad fields 400 naming them, and only roles that take hotline cases
// in may push.
func TestInbound12345(t *testing.T) {
	s, ts := newServer(t)
	ext := roleToken(t, s.Services, "platform", gridline.Grant{Role: gridline.RoleExternal})
	worker := roleToken(t, s.Services, "worker", gridline.Grant{Role: gridline.RoleGridWorker, Region: "370812001002"})
	runScenarios(t, ts.URL, []scenario{
		{name: "grid", method: "POST", url: "/api/v1/grids", auth: true, status: 201,
			body: `{"name":"韦园社区第1网格","community_code":"370812001002","geometry":` + square(116.80, 35.55, 0.01) + `}`},
		{name: "unit", method: "POST", url: "/api/v1/units", auth: true, status: 201, body: `{"kind":"property","name":"韦园物业"}`},
		{name: "compound", method: "POST", url: "/api/v1/compounds", auth: true, status: 201,
			body: `{"name":"韦园花园","property_unit_id":1,"households":300,"geometry":` + square(116.802, 35.552, 0.003) + `}`},
		{name: "building", method: "POST", url: "/api/v1/buildings", auth: true, status: 201,
			body: `{"compound_id":1,"name":"1号楼","number":1,"floors":6,"footprint":` + square(116.8025, 35.5525, 0.0003) + `,"entrances":[{"number":1,"floors":6}]}`},
	})
	push := func(name, tok, body string, status int, want ...string) {
		t.Helper()
		t.Run(name, func(t *testing.T) {
			res, got := call(t, "POST", ts.URL+"/api/v1/inbound/12345", body, "Authorization", "Bearer "+tok)
			if res.StatusCode != status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, status, got)
			}
			for _, w := range want {
				if !strings.Contains(got, w) {
					t.Errorf("body lacks %q: %s", w, got)
				}
			}
		})
	}
	c1 := `{"external_id":"SD1","reported_at":"2026-11-27 08:30:00","reporter_name":"张三","reporter_phone":"13812345678",` +
		`"text":"韦园花园1号楼门前路灯不亮","address":"韦园社区韦园花园1号楼","category":"路灯","time_limit":"5个工作日"}`
	push("new", ext, c1, 201, `"number":"370812-`, `"status":"received"`, `"created":true`)
	push("replay", ext, c1, 200, `"id":1`, `"created":false`)
	push("replay with other words", ext, strings.Replace(c1, "路灯不亮", "路灯坏了", 1), 200, `"id":1`, `"created":false`)
	push("with a position", ext, `{"external_id":"SD2","reported_at":"2026-11-27T09:00:00+08:00","text":"路面有坑","address":"建设东路","lon":116.805,"lat":35.555}`,
		201, `"id":2`, `"status":"received"`)
	push("words that match nothing", ext, `{"external_id":"SD3","reported_at":"2026-11-27 09:10","text":"路面有坑","address":"火星路1号"}`,
		201, `"status":"unlocated"`)
	push("no external_id", ext, `{"reported_at":"2026-11-27 09:10","text":"x","address":"y"}`, 400, `"external_id"`)
	push("bad time", ext, `{"external_id":"SD4","reported_at":"yesterday","text":"x","address":"y"}`, 400, `"reported_at"`)
	push("unknown category", ext, `{"external_id":"SD4","reported_at":"2026-11-27 09:10","text":"x","address":"y","category":"外星人"}`, 400, `"category"`)
	push("unknown field", ext, `{"external_id":"SD4","colour":"red"}`, 400, `"colour"`)
	push("lat without lon", ext, `{"external_id":"SD4","reported_at":"2026-11-27 09:10","text":"x","address":"y","lat":35.5}`, 400, `"lat"`)
	push("a grid worker takes no hotline cases in", worker, c1, 403, `hotline`)
	push("anonymous", "", c1, 401)
	scenario{name: "three cases, no more", method: "GET", url: "/api/v1/tickets?channel=hotline", auth: true, status: 200,
		want: []string{`"total":3`, `"text":"韦园花园1号楼门前路灯不亮\n【12345办理时限】5个工作日"`}}.run(t, ts.URL)
}

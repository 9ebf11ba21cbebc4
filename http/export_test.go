package http_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/demo"
	glhttp "github.com/gridline/gridline/http"
	"github.com/gridline/gridline/sqlstore/storetest"
	"github.com/xuri/excelize/v2"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./http -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update after checking the change):\n got: %q\nwant: %q", name, got, want)
	}
}

// exportClock is the database clock of the export tests, so the times in
// the golden files stay put; the test moves it between requests.
type exportClock struct{ ns atomic.Int64 }

func (c *exportClock) set(cst string) {
	t, err := time.Parse("2006-01-02 15:04 -0700", cst+" +0800")
	if err != nil {
		panic(err)
	}
	c.ns.Store(t.UnixNano())
}

func (c *exportClock) now() time.Time { return time.Unix(0, c.ns.Load()).UTC() }

// newExportServer is newServer over a database whose clock the test sets.
func newExportServer(t testing.TB) (*exportClock, *httptest.Server) {
	t.Helper()
	clock := &exportClock{}
	clock.set("2026-11-27 08:00")
	db := storetest.Open(t)
	db.Now = clock.now
	s := serverOver(t, db, glhttp.Limits{AnonRate: -1}, nil)
	commandToken = roleToken(t, s.Services, "command", gridline.Grant{Role: gridline.RoleCommand})
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return clock, ts
}

// exportCases takes in the hand-made cases of the golden files, each at its
// own time, and moves some through the loop. The texts hold what breaks
// naive CSV: commas, quotes, line breaks and would-be formulas.
func exportCases(t *testing.T, clock *exportClock, base string) {
	t.Helper()
	step := func(at, method, url, body string, status int) {
		t.Helper()
		clock.set(at)
		scenario{name: url, method: method, url: url, body: body, auth: true, status: status}.run(t, base)
	}
	step("2026-11-27 08:00", "POST", "/api/v1/grids", `{"name":"韦园社区第1网格","community_code":"370812001002","geometry":`+square(116.80, 35.55, 0.01)+`}`, 201)
	step("2026-11-27 08:00", "POST", "/api/v1/units", `{"kind":"department","name":"兖州区住房和城乡建设局"}`, 201)
	step("2026-11-27 08:00", "POST", "/api/v1/units", `{"kind":"department","name":"兖州区城市管理局"}`, 201)
	// 1: the whole loop, a confidential reporter.
	step("2026-11-27 08:30", "POST", "/api/v1/tickets", `{"channel":"hotline","external_id":"SD-1","text":"小区门口路灯不亮，晚上很黑","category":"0302",
		"lon":116.805,"lat":35.555,"reporter":{"name":"王女士","phone":"13912345678","confidential":true}}`, 201)
	step("2026-11-27 09:00", "POST", "/api/v1/tickets/1/actions/file", ``, 200)
	step("2026-11-27 09:05", "POST", "/api/v1/tickets/1/actions/dispatch", `{"lead_unit":1,"deadline":"2026-11-30T18:00:00+08:00"}`, 200)
	step("2026-11-27 10:00", "POST", "/api/v1/tickets/1/actions/sign", ``, 200)
	step("2026-11-28 15:20", "POST", "/api/v1/tickets/1/actions/reply", `{"opinion":"已更换灯泡"}`, 200)
	step("2026-11-28 16:00", "POST", "/api/v1/tickets/1/actions/verify", `{"outcome":"passed"}`, 200)
	step("2026-11-29 09:41", "POST", "/api/v1/tickets/1/actions/callback", `{"outcome":"satisfied"}`, 200)
	// 2: a formula for a text, a name starting with @.
	step("2026-11-27 08:45", "POST", "/api/v1/tickets", `{"channel":"snap_report","text":"=HYPERLINK(\"http://example.com/x\",\"点我查看\")",
		"lon":116.806,"lat":35.556,"reporter":{"name":"@李四","phone":"0537-3412345"}}`, 201)
	// 3: commas, quotes and a line break; dispatched with a deadline that passes.
	step("2026-11-27 09:10", "POST", "/api/v1/tickets", `{"channel":"grid_patrol","text":"井盖缺失, 行人\"很容易\"踩空\n位置：建设路与九州大道交叉口",
		"category":"0101","lon":116.807,"lat":35.557}`, 201)
	step("2026-11-27 09:12", "POST", "/api/v1/tickets/3/actions/file", ``, 200)
	step("2026-11-27 09:15", "POST", "/api/v1/tickets/3/actions/dispatch", `{"lead_unit":2,"deadline":"2026-11-28T09:15:00+08:00"}`, 200)
	// 4: only an address (unlocated); a text starting with a minus.
	step("2026-11-27 09:20", "POST", "/api/v1/tickets", `{"channel":"mailbox","text":"-5℃了，暖气还不热","address":"鼓楼街道某小区3号楼",
		"reporter":{"name":"赵先生","phone":"13800001111"}}`, 201)
	// 5: a text starting with a plus, a confidential reporter without a phone.
	step("2026-11-27 09:30", "POST", "/api/v1/tickets", `{"channel":"hotline","text":"+86开头的号码反复骚扰，夜间施工噪音扰民",
		"lon":116.808,"lat":35.558,"reporter":{"name":"钱女士","confidential":true}}`, 201)
	clock.set("2026-11-29 10:00")
}

// fetch gets url, with the admin's token if auth, and returns the answer
// and its body, checking the status.
func fetch(t *testing.T, url string, auth bool, status int) (*http.Response, []byte) {
	t.Helper()
	tok := ""
	if auth {
		tok = token
	}
	return fetchWith(t, url, tok, status)
}

// fetchWith is fetch with the token tok ("": none).
func fetchWith(t *testing.T, url, tok string, status int) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != status {
		t.Fatalf("GET %s: status %d, want %d; body: %.600s", url, res.StatusCode, status, b)
	}
	return res, b
}

// parseCSV checks the export's framing (BOM, CRLF) and returns its records.
func parseCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	body, ok := bytes.CutPrefix(b, []byte("\uFEFF"))
	if !ok {
		t.Fatalf("CSV does not start with a byte order mark: %q", b[:min(len(b), 16)])
	}
	if !bytes.HasSuffix(body, []byte("\r\n")) || bytes.Contains(bytes.ReplaceAll(body, []byte("\r\n"), nil), []byte("\n")) {
		t.Errorf("CSV lines must end in CRLF, and no LF may stand alone: %q", body)
	}
	recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v", err)
	}
	return recs
}

// dumpXLSX renders a workbook as text for a golden file: zip bytes vary,
// what a person sees does not. Cells show their formatted value and, when
// it differs, the stored one in brackets (a date is a number).
func dumpXLSX(t *testing.T, b []byte) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("XLSX does not open: %v", err)
	}
	defer f.Close()
	var out bytes.Buffer
	sheets := f.GetSheetList()
	fmt.Fprintf(&out, "sheets: %s\n", strings.Join(sheets, ", "))
	sheet := sheets[0]
	panes, err := f.GetPanes(sheet)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&out, "frozen: %v, rows above: %d, top left: %s\n", panes.Freeze, panes.YSplit, panes.TopLeftCell)
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	cols := len(rows[0])
	out.WriteString("widths:")
	for c := 1; c <= cols; c++ {
		name, _ := excelize.ColumnNumberToName(c)
		w, err := f.GetColWidth(sheet, name)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&out, " %s=%g", name, w)
	}
	out.WriteString("\n")
	for r := 1; r <= len(rows); r++ {
		fmt.Fprintf(&out, "row %d:", r)
		for c := 1; c <= cols; c++ {
			ref, _ := excelize.CoordinatesToCellName(c, r)
			shown, err := f.GetCellValue(sheet, ref)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
			cell := fmt.Sprintf("%q", shown)
			if raw != shown {
				cell += " [" + raw + "]"
			}
			if r == 1 {
				id, _ := f.GetCellStyle(sheet, ref)
				st, err := f.GetStyle(id)
				if err != nil {
					t.Fatal(err)
				}
				if st.Font != nil && st.Font.Bold {
					cell += " bold"
				}
			}
			out.WriteString(" " + cell)
		}
		out.WriteString("\n")
	}
	return out.Bytes()
}

func TestTicketExportGolden(t *testing.T) {
	clock, ts := newExportServer(t)
	exportCases(t, clock, ts.URL)

	res, b := fetch(t, ts.URL+"/api/v1/tickets/export.csv", true, 200)
	for h, want := range map[string]string{
		"Content-Type":        "text/csv; charset=utf-8; header=present",
		"Content-Disposition": `attachment; filename="tickets-YYYYMMDD.csv"; filename*=UTF-8''%E5%B7%A5%E5%8D%95-YYYYMMDD.csv`,
		"Cache-Control":       "no-store",
	} {
		got := regexp.MustCompile(`\d{8}`).ReplaceAllString(res.Header.Get(h), "YYYYMMDD")
		if got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	recs := parseCSV(t, b)
	if len(recs) != 6 {
		t.Errorf("%d CSV records, want the header and 5 cases", len(recs))
	}
	golden(t, "tickets-export.csv", b)

	// Pages of two (one case of each repeats the one before) change nothing.
	glhttp.SetExportLimits(t, 100_000, 2)
	if _, paged := fetch(t, ts.URL+"/api/v1/tickets/export.csv", true, 200); !bytes.Equal(paged, b) {
		t.Errorf("read in pages of two, the export differs:\n%s\nwant:\n%s", paged, b)
	}

	res, x := fetch(t, ts.URL+"/api/v1/tickets/export.xlsx", true, 200)
	if got := res.Header.Get("Content-Type"); got != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Errorf("XLSX Content-Type %q", got)
	}
	if got := res.Header.Get("Content-Disposition"); !strings.Contains(got, `filename*=UTF-8''%E5%B7%A5%E5%8D%95-`) || !strings.HasSuffix(got, ".xlsx") {
		t.Errorf("XLSX Content-Disposition %q", got)
	}
	golden(t, "tickets-export.xlsx.txt", dumpXLSX(t, x))
}

// TestTicketExportMasking checks that a role that did not take the cases
// in (the command centre) sees phones masked and confidential reporters
// hidden, in both formats, and nothing else changed; the admin, who took
// them in, sees them whole, and an anonymous caller nothing.
func TestTicketExportMasking(t *testing.T) {
	clock, ts := newExportServer(t)
	exportCases(t, clock, ts.URL)
	_, full := fetch(t, ts.URL+"/api/v1/tickets/export.csv", true, 200)
	_, anon := fetchWith(t, ts.URL+"/api/v1/tickets/export.csv", commandToken, 200)
	fetch(t, ts.URL+"/api/v1/tickets/export.csv", false, 401)
	fr, ar := parseCSV(t, full), parseCSV(t, anon)
	const name, phone = 12, 13
	want := map[string][2]string{ // number's suffix → reporter, phone for the command centre
		"000001": {"保密", "保密"},
		"000002": {"'@李四", "****-****345"},
		"000003": {"", ""},
		"000004": {"赵先生", "138****1111"},
		"000005": {"保密", ""},
	}
	for i := 1; i < len(fr); i++ {
		f, a := fr[i], ar[i]
		w, ok := want[f[0][len(f[0])-6:]]
		if !ok {
			t.Fatalf("unexpected case %s", f[0])
		}
		if a[name] != w[0] || a[phone] != w[1] {
			t.Errorf("%s without the token: reporter %q, phone %q; want %q, %q", f[0], a[name], a[phone], w[0], w[1])
		}
		f[name], f[phone], a[name], a[phone] = "", "", "", ""
		if strings.Join(f, "|") != strings.Join(a, "|") {
			t.Errorf("%s: more than the reporter differs without the token:\n%q\n%q", f[0], f, a)
		}
	}
	if bytes.Contains(anon, []byte("13912345678")) || bytes.Contains(anon, []byte("王女士")) {
		t.Error("the CSV without the token shows personal data")
	}
	_, x := fetchWith(t, ts.URL+"/api/v1/tickets/export.xlsx", commandToken, 200)
	dump := dumpXLSX(t, x)
	for _, secret := range []string{"13912345678", "王女士", "钱女士", "0537-3412345"} {
		if bytes.Contains(dump, []byte(secret)) {
			t.Errorf("the XLSX without the token shows %q", secret)
		}
	}
	for _, masked := range []string{`"138****1111"`, `"保密"`} {
		if !bytes.Contains(dump, []byte(masked)) {
			t.Errorf("the XLSX without the token lacks %s", masked)
		}
	}
}

// TestTicketExportFilters checks that the exports select as the list does.
func TestTicketExportFilters(t *testing.T) {
	clock, ts := newExportServer(t)
	exportCases(t, clock, ts.URL)
	tests := []struct {
		query string
		want  []string // number suffixes, newest first
	}{
		{"", []string{"000005", "000004", "000003", "000002", "000001"}},
		{"status=closed", []string{"000001"}},
		{"status=unlocated", []string{"000004"}},
		{"channel=hotline", []string{"000005", "000001"}},
		{"category=01", []string{"000003"}},
		{"within=370812001002", []string{"000005", "000003", "000002", "000001"}},
		{"grid=370812001002001&unit=2", []string{"000003"}},
		{"overdue=true", []string{"000003"}},
		{"from=2026-11-27T08:40:00%2B08:00&to=2026-11-27T09:20:00%2B08:00", []string{"000003", "000002"}},
		{"q=%E6%9A%96%E6%B0%94", []string{"000004"}}, // 暖气
		{"status=voided", nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			var list struct{ Total int }
			sc := scenario{method: "GET", url: "/api/v1/tickets?" + tt.query, auth: true, status: 200}
			if err := json.Unmarshal([]byte(sc.run(t, ts.URL)), &list); err != nil {
				t.Fatal(err)
			}
			if list.Total != len(tt.want) {
				t.Errorf("the list has %d, the test expects %d", list.Total, len(tt.want))
			}
			_, b := fetch(t, ts.URL+"/api/v1/tickets/export.csv?"+tt.query, true, 200)
			var got []string
			for _, r := range parseCSV(t, b)[1:] {
				got = append(got, r[0][len(r[0])-6:])
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("CSV holds %v, want %v", got, tt.want)
			}
			_, x := fetch(t, ts.URL+"/api/v1/tickets/export.xlsx?"+tt.query, true, 200)
			if n := bytes.Count(dumpXLSX(t, x), []byte("\nrow ")) - 1; n != len(tt.want) {
				t.Errorf("XLSX holds %d cases, want %d", n, len(tt.want))
			}
		})
	}
}

// TestTicketExportRefusals checks the answers that come before any file:
// bad filters, parameters the export does not take, and the row cap.
func TestTicketExportRefusals(t *testing.T) {
	clock, ts := newExportServer(t)
	exportCases(t, clock, ts.URL)
	glhttp.SetExportLimits(t, 3, 2)
	runScenarios(t, ts.URL, []scenario{
		{name: "bad status", method: "GET", url: "/api/v1/tickets/export.csv?status=done", auth: true, status: 400, want: []string{`"status"`}},
		{name: "bad time", method: "GET", url: "/api/v1/tickets/export.xlsx?from=yesterday", auth: true, status: 400, want: []string{`"from"`}},
		{name: "no paging", method: "GET", url: "/api/v1/tickets/export.csv?limit=10", auth: true, status: 400, want: []string{`"limit"`, `unknown query parameter`}},
		{name: "over the cap", method: "GET", url: "/api/v1/tickets/export.csv", auth: true, status: 400,
			want: []string{`"invalid"`, `The selection holds 5 cases; an export holds at most 3. Narrow the filters`}},
		{name: "over the cap, xlsx", method: "GET", url: "/api/v1/tickets/export.xlsx", auth: true, status: 400, want: []string{`at most 3`}},
		{name: "at the cap", method: "GET", url: "/api/v1/tickets/export.csv?within=370812001002&channel=hotline", auth: true, status: 200, want: []string{"工单编号"}},
		{name: "another format is no case id", method: "GET", url: "/api/v1/tickets/export.json", auth: true, status: 400, want: []string{`"id"`}},
		{name: "a case still answers", method: "GET", url: "/api/v1/tickets/2", auth: true, status: 200, want: []string{`"number":"370812-20261127-000002"`}},
	})
	// A text search is counted as far as the cap, no further, and says so;
	// the list counts it to its own bound (gridline.TextTotalBound).
	glhttp.SetExportLimits(t, 1, 2)
	glhttp.SetListTextBound(t, 1)
	const q = "q=%EF%BC%8C" // "，": cases 1 and 4
	runScenarios(t, ts.URL, []scenario{
		{name: "text over the cap", method: "GET", url: "/api/v1/tickets/export.csv?" + q, auth: true, status: 400,
			want: []string{`The selection holds more than 1 cases; an export holds at most 1.`}},
		{name: "text over the list's bound", method: "GET", url: "/api/v1/tickets?limit=1&" + q, auth: true, status: 200,
			want: []string{`"total":1,"total_exact":false`}},
		{name: "text within the list's bound", method: "GET", url: "/api/v1/tickets?limit=1&q=%E4%BA%95%E7%9B%96", auth: true, status: 200,
			want: []string{`"total":1,"total_exact":true`}},
		{name: "no text: exact", method: "GET", url: "/api/v1/tickets?limit=1", auth: true, status: 200,
			want: []string{`"total":5,"total_exact":true`}},
	})
}

// TestTicketExportControlCharacters checks that a text with a control
// character XML cannot carry still gives a workbook that opens.
func TestTicketExportControlCharacters(t *testing.T) {
	clock, ts := newExportServer(t)
	exportCases(t, clock, ts.URL)
	scenario{method: "POST", url: "/api/v1/tickets", auth: true, status: 201,
		body: `{"channel":"hotline","text":"广场舞音响\u000b太吵\u0001","lon":116.805,"lat":35.555}`}.run(t, ts.URL)
	const q = "?q=%E5%B9%BF%E5%9C%BA%E8%88%9E" // 广场舞
	_, x := fetch(t, ts.URL+"/api/v1/tickets/export.xlsx"+q, true, 200)
	if dump := dumpXLSX(t, x); !bytes.Contains(dump, []byte("\"广场舞音响\uFFFD太吵\uFFFD\"")) {
		t.Errorf("want the control characters replaced; got\n%s", dump)
	}
	_, b := fetch(t, ts.URL+"/api/v1/tickets/export.csv"+q, true, 200)
	if recs := parseCSV(t, b); len(recs) != 2 || recs[1][3] != "广场舞音响\v太吵\x01" {
		t.Errorf("CSV keeps the text as it is; got %q", recs)
	}
}

// exportBenchCases is how many cases BenchmarkTicketExport exports: the
// row cap.
const exportBenchCases = 100_000

// exportBenchServer returns a server over the demo's regions and grids and
// n cases taken in through the store in one InTx transaction, as bulk
// loads are: a quarter dispatched to one of 40 units with a deadline, an
// eighth closed, one in fifty with only an address.
func exportBenchServer(b *testing.B, n int) *httptest.Server {
	b.Helper()
	start := time.Now()
	db := storetest.Open(b)
	svcs := storetest.Services(b, db)
	s := &glhttp.Server{Services: svcs, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Limits: glhttp.Limits{AnonRate: -1}}
	token = adminToken(b, svcs)
	d, err := demo.Generate(1)
	if err != nil {
		b.Fatal(err)
	}
	ctx := gridline.WithActor(context.Background(), gridline.Actor{Name: "bench"})
	if _, err := svcs.Regions.ImportRegions(ctx, d.Regions); err != nil {
		b.Fatal(err)
	}
	grids := make([]*gridline.Grid, len(d.Grids))
	for i := range d.Grids {
		g := d.Grids[i].Grid
		grids[i] = &g
	}
	if err := svcs.Grids.ImportGrids(ctx, grids); err != nil {
		b.Fatal(err)
	}
	if err := svcs.Locate.Refresh(ctx); err != nil {
		b.Fatal(err)
	}
	var units []int64
	for i := range 40 {
		u := &gridline.Unit{Kind: "department", Name: fmt.Sprintf("兖州区第%d承办单位", i+1)}
		if err := svcs.Units.CreateUnit(ctx, u); err != nil {
			b.Fatal(err)
		}
		units = append(units, u.ID)
	}
	texts := []string{
		"小区门口路灯不亮，晚上很黑，老人孩子出行不便，希望尽快维修。",
		"楼下餐馆油烟直排，窗户都不敢开，多次沟通无果，请相关部门处理。",
		"道路井盖缺失，行人很容易踩空，位置在路口东侧五十米处，存在安全隐患，请尽快处理。",
		"夜间施工噪音扰民，已经连续一周到凌晨两点，严重影响休息。",
		"小区垃圾清运不及时，垃圾桶周边异味很大，夏天蚊蝇滋生。",
		"反映供暖温度不达标，室内只有十四度，家中有老人和婴儿，请供热公司上门检查。",
	}
	names := []string{"王女士", "李先生", "张女士", "刘先生", "陈女士", "杨先生"}
	rng := rand.New(rand.NewPCG(1, 2))
	deadline := time.Date(2026, 12, 31, 18, 0, 0, 0, gridline.ChinaTime)
	err = db.InTx(ctx, func(ctx context.Context) error {
		for i := range n {
			p := d.Points[rng.IntN(len(d.Points))]
			lon, lat := p.Lon+(rng.Float64()-0.5)*0.001, p.Lat+(rng.Float64()-0.5)*0.001
			t := &gridline.Ticket{Channel: gridline.Channels[i%len(gridline.Channels)], Lon: &lon, Lat: &lat,
				Text:     texts[i%len(texts)] + fmt.Sprintf("（第%d号）", i+1),
				Category: benchCategories[i%len(benchCategories)],
				Reporter: gridline.Reporter{Name: names[i%len(names)], Phone: fmt.Sprintf("139%08d", i), Confidential: i%3 == 0}}
			if i%50 == 0 {
				t.Lon, t.Lat, t.Address = nil, nil, fmt.Sprintf("兖州区某小区%d号楼", i%300)
			}
			if _, err := svcs.Tickets.CreateTicket(ctx, t); err != nil {
				return err
			}
			var acts []gridline.TicketActionRequest
			switch {
			case t.Status != gridline.StatusReceived:
			case i%8 == 1:
				acts = append(acts, gridline.TicketActionRequest{Action: gridline.ActionSelfHandle, Opinion: "已现场处理"})
			case i%4 == 2:
				unit := units[rng.IntN(len(units))]
				acts = append(acts, gridline.TicketActionRequest{Action: gridline.ActionFile},
					gridline.TicketActionRequest{Action: gridline.ActionDispatch, LeadUnit: &unit, Deadline: &deadline})
			}
			for _, a := range acts {
				if _, err := svcs.Tickets.ActOnTicket(ctx, t.ID, a); err != nil {
					return fmt.Errorf("case %d, %s: %w", t.ID, a.Action, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: %d cases loaded in %s", storetest.Dialect(), n, time.Since(start).Round(time.Second))
	ts := httptest.NewServer(s.Handler())
	b.Cleanup(ts.Close)
	return ts
}

// heapPeak samples the live heap every few milliseconds until stop is
// called, which returns the highest sample.
func heapPeak() (stop func() uint64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak atomic.Uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-finished
		return peak.Load()
	}
}

// benchCategories are the catalogue's sub-classes, for the benchmark's cases.
var benchCategories = func() []string {
	var out []string
	for _, c := range gridline.DefaultCatalogue().All() {
		if !c.IsMain() {
			out = append(out, c.Code)
		}
	}
	return out
}()

// BenchmarkTicketExport exports exportBenchCases cases as CSV and XLSX
// over HTTP with the token, reading the body to the end, in pages of
// 1,000, 5,000 (the default) and 10,000, and reports the file's size and
// the peak live heap of the process above what it held before (after a
// GC). Loading the cases takes half a minute on SQLite and about four on
// PostgreSQL; pick one case with -bench, e.g. 'TicketExport/csv/page=5000'.
func BenchmarkTicketExport(b *testing.B) {
	ts := exportBenchServer(b, exportBenchCases)
	for _, bc := range []struct {
		format string
		page   int
	}{{"csv", 1000}, {"csv", 5000}, {"csv", 10000}, {"xlsx", 1000}, {"xlsx", 5000}, {"xlsx", 10000}} {
		format := bc.format
		b.Run(fmt.Sprintf("%s/page=%d", bc.format, bc.page), func(b *testing.B) {
			glhttp.SetExportLimits(b, exportBenchCases, bc.page)
			var size int64
			var peak uint64
			for b.Loop() {
				b.StopTimer()
				runtime.GC()
				sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
				metrics.Read(sample)
				base := sample[0].Value.Uint64()
				stop := heapPeak()
				b.StartTimer()
				req, _ := http.NewRequest("GET", ts.URL+"/api/v1/tickets/export."+format, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				size, err = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if err != nil || res.StatusCode != 200 {
					b.Fatalf("status %d, %v", res.StatusCode, err)
				}
				b.StopTimer()
				if p := stop(); p > base {
					peak = max(peak, p-base)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(size)/1e6, "MB")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}

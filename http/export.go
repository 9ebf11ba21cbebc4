package http

import (
	"cmp"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gridline/gridline"
	"github.com/xuri/excelize/v2"
)

// exportMaxRows is the most cases one export may hold. A larger selection
// is refused before the first byte, asking for narrower filters: the cap
// bounds how long an export holds its expensive slot (docs/benchmarks.md).
// Tests lower it.
var exportMaxRows = 100_000

// exportPage is how many cases an export reads per query: memory grows
// with the page, not with the selection. Pages after the first are found
// by key (TicketFilter.BeforeID), so each costs only itself. Tests lower
// it.
var exportPage = 1000

// exportTimeLayout is how CSV cells show times, in China time.
const exportTimeLayout = "2006-01-02 15:04"

// exportColumn is one column of the case exports: its header, its width in
// the XLSX (in characters) and its cell, a string, a time.Time in China
// time or nil.
type exportColumn struct {
	title string
	width float64
	cell  func(t *gridline.Ticket, n *exportNames) any
}

// exportColumns are the columns of both exports, in order.
var exportColumns = []exportColumn{
	{"工单编号", 24, func(t *gridline.Ticket, _ *exportNames) any { return t.Number }},
	{"状态", 10, func(t *gridline.Ticket, n *exportNames) any { return cmp.Or(n.status[t.Status], string(t.Status)) }},
	{"渠道", 12, func(t *gridline.Ticket, n *exportNames) any { return cmp.Or(n.channel[t.Channel], string(t.Channel)) }},
	{"诉求内容", 60, func(t *gridline.Ticket, _ *exportNames) any { return t.Text }},
	{"分类", 10, func(t *gridline.Ticket, _ *exportNames) any { return t.Category }},
	{"镇街", 14, func(t *gridline.Ticket, _ *exportNames) any { return t.Town.Name }},
	{"村居", 18, func(t *gridline.Ticket, _ *exportNames) any { return t.Community.Name }},
	{"网格", 20, func(t *gridline.Ticket, _ *exportNames) any { return t.Grid.Name }},
	{"承办单位", 26, func(t *gridline.Ticket, n *exportNames) any { return n.unit(t.LeadUnitID) }},
	{"办理时限", 17, func(t *gridline.Ticket, _ *exportNames) any { return chinaTime(t.Deadline) }},
	{"受理时间", 17, func(t *gridline.Ticket, _ *exportNames) any { return chinaTime(&t.CreatedAt) }},
	{"结案时间", 17, func(t *gridline.Ticket, _ *exportNames) any { return chinaTime(t.ClosedAt) }},
	{"反映人", 10, func(t *gridline.Ticket, _ *exportNames) any { return t.Reporter.Name }},
	{"联系电话", 16, func(t *gridline.Ticket, _ *exportNames) any { return t.Reporter.Phone }},
	// Last, so the columns before keep their places for those who read
	// them by position.
	{"楼栋位置", 24, func(t *gridline.Ticket, _ *exportNames) any { return gridline.BuildingPlace(t) }},
}

func chinaTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.In(gridline.ChinaTime)
}

// exportNames are the labels an export shows instead of codes and ids,
// read once per export rather than per row.
type exportNames struct {
	status  map[gridline.TicketStatus]string
	channel map[gridline.Channel]string
	units   map[int64]string
}

func (n *exportNames) unit(id *int64) string {
	if id == nil {
		return ""
	}
	if name, ok := n.units[*id]; ok {
		return name
	}
	return fmt.Sprint(*id)
}

func (s *Server) exportNames(ctx context.Context) (*exportNames, error) {
	n := &exportNames{status: map[gridline.TicketStatus]string{}, channel: map[gridline.Channel]string{}, units: map[int64]string{}}
	e := gridline.AllEnums()
	for _, l := range e.TicketStatuses {
		n.status[gridline.TicketStatus(l.Code)] = l.Name
	}
	for _, l := range e.Channels {
		n.channel[gridline.Channel(l.Code)] = l.Name
	}
	for off := 0; ; {
		us, total, err := s.Units.FindUnits(ctx, gridline.UnitFilter{Limit: 10000, Offset: off})
		if err != nil {
			return nil, err
		}
		for _, u := range us {
			n.units[u.ID] = u.Name
		}
		off += len(us)
		if len(us) == 0 || off >= total {
			return n, nil
		}
	}
}

// ticketPages reads a selection of cases page by page, newest first, each
// case once: the first page by the filter (which also counts the
// selection), the rest by key, below the last id returned. Each page is
// its own query: cases taken in meanwhile have higher ids and are not
// exported, and a case leaving the selection meanwhile is simply not
// returned; none that stays is skipped or repeated.
type ticketPages struct {
	ctx  context.Context
	svc  gridline.TicketService
	f    gridline.TicketFilter
	last int64 // the id of the last case returned; 0 before the first
	done bool
}

// next returns the next cases, none at the end, and, on the first page,
// the size of the selection.
func (p *ticketPages) next() ([]*gridline.Ticket, int, error) {
	if p.done {
		return nil, 0, nil
	}
	p.f.Limit = exportPage
	if p.last != 0 {
		p.f.BeforeID, p.f.Offset = &p.last, 0
	}
	ts, total, err := p.svc.FindTickets(p.ctx, p.f)
	if err != nil {
		return nil, 0, err
	}
	p.done = len(ts) < p.f.Limit
	if len(ts) > 0 {
		p.last = ts[len(ts)-1].ID
	}
	return ts, total, nil
}

// exportRows calls fn with the cells of every exported case, in column
// order; fn must not keep the slice.
type exportRows func(fn func(cells []any) error) error

// exportFormat writes the rows as a file. It calls begin just before its
// first byte: until then a failure can still be an error answer.
type exportFormat struct {
	ext, contentType string
	write            func(w io.Writer, begin func(), rows exportRows) error
}

var (
	csvExport  = exportFormat{"csv", "text/csv; charset=utf-8; header=present", writeTicketsCSV}
	xlsxExport = exportFormat{"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", writeTicketsXLSX}
)

// handleTicketExportCSV answers the cases of the list's filters as CSV.
func (s *Server) handleTicketExportCSV(w http.ResponseWriter, r *http.Request) {
	s.exportTickets(w, r, csvExport)
}

// handleTicketExportXLSX answers the cases of the list's filters as an
// Excel workbook.
func (s *Server) handleTicketExportXLSX(w http.ResponseWriter, r *http.Request) {
	s.exportTickets(w, r, xlsxExport)
}

// exportTickets checks the filters, reads the first page and refuses a
// selection over exportMaxRows before answering anything, then streams
// the selection through format. Personal data is shown as ticketView
// shows it.
func (s *Server) exportTickets(w http.ResponseWriter, r *http.Request, format exportFormat) {
	q := parseQuery(r, ticketFilterParams...)
	f := s.ticketFilter(r, q)
	if q.err != nil {
		s.Error(w, r, q.err)
		return
	}
	ctx := r.Context()
	// A text search's count goes as far as the export's cap, not the
	// list's bound: past the cap is all the check needs to know.
	f.CountUpTo = exportMaxRows
	pages := &ticketPages{ctx: ctx, svc: s.Tickets, f: f}
	page, total, err := pages.next()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if total > exportMaxRows {
		holds := fmt.Sprintf("%d", total)
		if f.TotalBound() > 0 {
			holds = fmt.Sprintf("more than %d", exportMaxRows) // counted no further
		}
		s.Error(w, r, gridline.Errorf(gridline.EINVALID,
			"The selection holds %s cases; an export holds at most %d. Narrow the filters (e.g. from and to, status, within).",
			holds, exportMaxRows))
		return
	}
	names, err := s.exportNames(ctx)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	started := false
	begin := func() {
		started = true
		h := w.Header()
		h.Set("Content-Type", format.contentType)
		h.Set("Content-Disposition", attachment(format.ext, time.Now()))
		// Personal data: no copies in shared caches or the browser's.
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusOK)
	}
	cells := make([]any, len(exportColumns))
	rows := func(fn func([]any) error) error {
		for len(page) > 0 {
			for _, t := range page {
				v := ticketView(r, t).Ticket
				for i, c := range exportColumns {
					cells[i] = c.cell(v, names)
				}
				if err := fn(cells); err != nil {
					return err
				}
			}
			if page, _, err = pages.next(); err != nil {
				return err
			}
		}
		return nil
	}
	err = format.write(w, begin, rows)
	switch {
	case err == nil:
	case !started:
		s.Error(w, r, err)
	case ctx.Err() != nil:
		// The client went away; nobody is left to tell.
	default:
		s.logger().Error("export broken off", slog.String("path", r.URL.Path), slog.Any("err", err))
		// The status is sent: break the connection, so the client sees a
		// failed download rather than a file that looks complete.
		panic(http.ErrAbortHandler)
	}
}

// attachment names the download 工单-YYYYMMDD.ext (the day in China), with
// an ASCII name for clients that do not read RFC 6266's filename*.
func attachment(ext string, now time.Time) string {
	day := now.In(gridline.ChinaTime).Format("20060102")
	// PathEscape percent-encodes all but RFC 5987's attr-chars here: the
	// name holds only CJK, digits, '-' and '.'.
	return fmt.Sprintf(`attachment; filename="tickets-%s.%s"; filename*=UTF-8''%s`, day, ext, url.PathEscape("工单-"+day+"."+ext))
}

// writeTicketsCSV writes RFC 4180 CSV with a byte order mark and CRLF line
// ends, which Excel needs to read UTF-8 and rows; it streams the rows as
// they are read.
func writeTicketsCSV(w io.Writer, begin func(), rows exportRows) error {
	begin()
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	rec := make([]string, len(exportColumns))
	for i, c := range exportColumns {
		rec[i] = c.title
	}
	if err := cw.Write(rec); err != nil {
		return err
	}
	err := rows(func(cells []any) error {
		for i, v := range cells {
			rec[i] = csvCell(v)
		}
		return cw.Write(rec)
	})
	cw.Flush()
	return cmp.Or(err, cw.Error())
}

func csvCell(v any) string {
	switch v := v.(type) {
	case string:
		return defuseFormula(v)
	case time.Time:
		return v.Format(exportTimeLayout)
	}
	return ""
}

// defuseFormula keeps a spreadsheet from running a cell as a formula (CSV
// injection): citizens write the texts, and a cell starting with =, +, -,
// @, tab or CR gets a leading apostrophe, as OWASP advises. Excel shows
// the apostrophe in the cell; that is the price of never running one.
func defuseFormula(s string) string {
	if s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0 {
		return "'" + s
	}
	return s
}

// writeTicketsXLSX writes one sheet with excelize's StreamWriter, which
// keeps the sheet's rows in a temporary file rather than in memory. The
// header row is bold and frozen, and times are date cells. Nothing is
// written until the sheet is complete: excelize assembles the zip in
// memory at the end (its compressed size, not the rows).
func writeTicketsXLSX(w io.Writer, begin func(), rows exportRows) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "工单"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E7E6E6"}}})
	if err != nil {
		return err
	}
	layout := "yyyy-mm-dd hh:mm"
	date, err := f.NewStyle(&excelize.Style{CustomNumFmt: &layout})
	if err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	for i, c := range exportColumns {
		if err := sw.SetColWidth(i+1, i+1, c.width); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}}); err != nil {
		return err
	}
	vals := make([]any, len(exportColumns))
	for i, c := range exportColumns {
		vals[i] = excelize.Cell{StyleID: head, Value: c.title}
	}
	if err := sw.SetRow("A1", vals); err != nil {
		return err
	}
	row := 1
	err = rows(func(cells []any) error {
		for i, v := range cells {
			switch v := v.(type) {
			case time.Time:
				vals[i] = excelize.Cell{StyleID: date, Value: v}
			case string:
				// An empty cell is left out rather than written as an
				// empty string.
				vals[i] = nil
				if v != "" {
					vals[i] = v
				}
			default:
				vals[i] = nil
			}
		}
		row++
		ref, err := excelize.CoordinatesToCellName(1, row)
		if err != nil {
			return err
		}
		return sw.SetRow(ref, vals)
	})
	if err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	begin()
	return f.Write(w)
}

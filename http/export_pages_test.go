package http

import (
	"context"
	"slices"
	"testing"

	"github.com/gridline/gridline"
)

// SetExportLimits lowers the export's row cap and page size for one test;
// they are package variables, so such tests must not run in parallel.
func SetExportLimits(t testing.TB, maxRows, page int) {
	t.Helper()
	oldMax, oldPage := exportMaxRows, exportPage
	exportMaxRows, exportPage = maxRows, page
	t.Cleanup(func() { exportMaxRows, exportPage = oldMax, oldPage })
}

// SetListTextBound lowers how far the case list counts a text search.
func SetListTextBound(t testing.TB, n int) {
	t.Helper()
	old := listTextBound
	listTextBound = n
	t.Cleanup(func() { listTextBound = old })
}

func TestDefuseFormula(t *testing.T) {
	tests := []struct{ in, want string }{
		{"=1+1", "'=1+1"},
		{"+86 139", "'+86 139"},
		{"-5℃ 暖气不热", "'-5℃ 暖气不热"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tcmd", "'\tcmd"},
		{"\rcmd", "'\rcmd"},
		{"路灯不亮 =1+1", "路灯不亮 =1+1"},
		{"'quoted", "'quoted"},
		{"", ""},
		{"139****5678", "139****5678"},
	}
	for _, tt := range tests {
		if got := defuseFormula(tt.in); got != tt.want {
			t.Errorf("defuseFormula(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// pagedTickets is a TicketService over a slice of ids, newest first,
// that lets a test change the selection between two pages.
type pagedTickets struct {
	gridline.TicketService
	ids     []int64
	between func(call int, ids []int64) []int64
	calls   int
}

func (p *pagedTickets) FindTickets(_ context.Context, f gridline.TicketFilter) ([]*gridline.Ticket, int, error) {
	if p.between != nil {
		p.ids = p.between(p.calls, p.ids)
	}
	p.calls++
	sel := p.ids
	if f.BeforeID != nil {
		sel = nil
		for _, id := range p.ids {
			if id < *f.BeforeID {
				sel = append(sel, id)
			}
		}
	}
	var out []*gridline.Ticket
	for i := f.Offset; i < len(sel) && i < f.Offset+f.Limit; i++ {
		out = append(out, &gridline.Ticket{ID: sel[i]})
	}
	if f.BeforeID != nil {
		return out, 0, nil // keyset pages are not counted
	}
	return out, len(p.ids), nil
}

func ids(from, to int64) []int64 {
	var out []int64
	for id := from; id >= to; id-- {
		out = append(out, id)
	}
	return out
}

// TestTicketPages checks that an export returns every case that stays in
// the selection exactly once, newest first, while cases are taken in and
// leave the selection between its pages.
func TestTicketPages(t *testing.T) {
	tests := []struct {
		name    string
		page    int
		ids     []int64
		between func(call int, ids []int64) []int64
		want    []int64
	}{
		{name: "empty", page: 3, want: nil},
		{name: "one short page", page: 3, ids: ids(2, 1), want: ids(2, 1)},
		{name: "exactly full pages", page: 3, ids: ids(5, 1), want: ids(5, 1)},
		{name: "many pages", page: 4, ids: ids(20, 1), want: ids(20, 1)},
		{name: "pages of two", page: 2, ids: ids(7, 1), want: ids(7, 1)},
		{name: "pages of one", page: 1, ids: ids(3, 1), want: ids(3, 1)},
		{name: "cases taken in push the rest down", page: 3, ids: ids(10, 1),
			between: func(call int, s []int64) []int64 {
				if call == 1 || call == 2 {
					return append([]int64{s[0] + 2, s[0] + 1}, s...)
				}
				return s
			},
			want: ids(10, 1)},
		{name: "more taken in than a page", page: 3, ids: ids(10, 1),
			between: func(call int, s []int64) []int64 {
				if call == 1 {
					return slices.Concat(ids(20, 11), s)
				}
				return s
			},
			want: ids(10, 1)},
		{name: "cases returned leave the selection", page: 3, ids: ids(10, 1),
			between: func(call int, s []int64) []int64 {
				if call == 1 {
					return slices.DeleteFunc(s, func(id int64) bool { return id == 10 || id == 9 })
				}
				return s
			},
			want: ids(10, 1)},
		{name: "more leave than a page", page: 3, ids: ids(12, 1),
			between: func(call int, s []int64) []int64 {
				if call == 2 {
					return slices.DeleteFunc(s, func(id int64) bool { return id >= 6 })
				}
				return s
			},
			// 7 was read before it left; 6 left before its page.
			want: slices.Concat(ids(12, 7), ids(5, 1))},
		{name: "every case before leaves", page: 3, ids: ids(12, 1),
			between: func(call int, s []int64) []int64 {
				if call == 1 {
					return ids(7, 1)
				}
				return s
			},
			want: slices.Concat(ids(12, 10), ids(7, 1))},
		{name: "a case not yet returned leaves", page: 3, ids: ids(10, 1),
			between: func(call int, s []int64) []int64 {
				if call == 1 {
					return slices.DeleteFunc(s, func(id int64) bool { return id == 5 })
				}
				return s
			},
			want: slices.DeleteFunc(ids(10, 1), func(id int64) bool { return id == 5 })},
		{name: "taken in and left at once", page: 3, ids: ids(10, 1),
			between: func(call int, s []int64) []int64 {
				if call%2 == 1 {
					gone := s[len(s)/2]
					s = slices.DeleteFunc(s, func(id int64) bool { return id == gone })
					return append([]int64{s[0] + 1}, s...)
				}
				return s
			},
			want: nil}, // checked below: in order, no repeats, every survivor
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			SetExportLimits(t, exportMaxRows, tt.page)
			svc := &pagedTickets{ids: slices.Clone(tt.ids), between: tt.between}
			p := &ticketPages{ctx: context.Background(), svc: svc}
			var got []int64
			for n := 0; ; n++ {
				ts, _, err := p.next()
				if err != nil {
					t.Fatal(err)
				}
				if len(ts) == 0 {
					break
				}
				if n > 100 {
					t.Fatal("no end after 100 pages")
				}
				for _, t := range ts {
					got = append(got, t.ID)
				}
			}
			if tt.want == nil && tt.between != nil {
				// Every case still selected at the end and not newer than
				// the first returned must be there, once, in order.
				if !slices.IsSortedFunc(got, func(a, b int64) int { return int(b - a) }) || len(slices.Compact(slices.Clone(got))) != len(got) {
					t.Fatalf("got %v: not strictly newest first", got)
				}
				for _, id := range svc.ids {
					if id <= got[0] && !slices.Contains(got, id) {
						t.Errorf("case %d is still selected but was not returned (got %v)", id, got)
					}
				}
				return
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

package sqlstore_test

import (
	"bytes"
	"database/sql"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gridline/gridline"
	"github.com/gridline/gridline/sqlstore/storetest"
)

// testJPEG is a minimal JPEG whose scan holds fill bytes of the given
// length, with a comment that cleaning removes.
func testJPEG(tb testing.TB, n, scan int) *gridline.Photo {
	tb.Helper()
	seg := func(m byte, p string) string {
		return string([]byte{0xFF, m, byte((len(p) + 2) >> 8), byte(len(p) + 2)}) + p
	}
	data := make([]byte, scan)
	for i := range data {
		data[i] = byte(i % 251) // no 0xFF: stays one scan
	}
	b := "\xFF\xD8" + seg(0xFE, "GPS 35.555N 116.805E") + seg(0xC0, "\x08\x00\x03\x00\x04\x01\x01\x11\x00") +
		seg(0xDA, "\x01\x01\x00\x00\x3F\x00") + string(data) + "\xFF\xD9"
	p, err := gridline.CleanPhoto(n, []byte(b))
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func photoTicket(ext string, photos ...*gridline.Photo) *gridline.Ticket {
	return &gridline.Ticket{Channel: gridline.ChannelSnapReport, ExternalID: ext, Text: "井盖缺失，有安全隐患",
		Address: "兖州区建设东路 18 号", Photos: photos}
}

// TestTicketPhotos writes a case with two photos, one larger than a read
// piece, lists them with the case and reads them back whole and from the
// middle.
func TestTicketPhotos(t *testing.T) {
	db := storetest.Open(t)
	s := storetest.Services(t, db)
	small, large := testJPEG(t, 1, 100), testJPEG(t, 2, 1300<<10)
	want := [][]byte{small.Data, large.Data}
	tk := photoTicket("P-1", small, large)
	if created, err := s.Tickets.CreateTicket(ctx, tk); err != nil || !created {
		t.Fatalf("create: %v, %v", created, err)
	}
	got, err := s.Tickets.FindTicketByID(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got, tk, intakeOnly); diff != "" {
		t.Errorf("intake answer differs from the stored case (-read +answer):\n%s", diff)
	}
	if len(got.Photos) != 2 || len(tk.Photos) != 2 {
		t.Fatalf("photos listed %d, answered %d, want 2", len(got.Photos), len(tk.Photos))
	}
	for i, p := range got.Photos {
		if p.N != i+1 || p.MIME != gridline.PhotoJPEG || p.Size != len(want[i]) || p.Width != 4 || p.Height != 3 ||
			p.SHA256 != []*gridline.Photo{small, large}[i].SHA256 || p.CreatedAt.IsZero() || p.Data != nil {
			t.Errorf("photo %d listed as %+v", i+1, *p)
		}
		meta, r, err := s.Tickets.FindTicketPhoto(ctx, tk.ID, i+1)
		if err != nil {
			t.Fatal(err)
		}
		if meta.N != i+1 || meta.Size != p.Size || meta.SHA256 != p.SHA256 {
			t.Errorf("photo %d: %+v", i+1, *meta)
		}
		b, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(b, want[i]) {
			t.Fatalf("photo %d: read %d bytes (%v), want %d", i+1, len(b), err, len(want[i]))
		}
		if bytes.Contains(b, []byte("GPS")) {
			t.Errorf("photo %d keeps its comment", i+1)
		}
	}
	// A range across a piece boundary, as a resumed download asks.
	_, r, err := s.Tickets.FindTicketPhoto(ctx, tk.ID, 2)
	if err != nil {
		t.Fatal(err)
	}
	from := int64(512<<10 - 100)
	if _, err := r.Seek(from, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	part := make([]byte, 300)
	if _, err := io.ReadFull(r, part); err != nil || !bytes.Equal(part, large.Data[from:from+300]) {
		t.Fatalf("range read: %v", err)
	}
	if end, _ := r.Seek(0, io.SeekEnd); end != int64(len(large.Data)) {
		t.Errorf("seek to the end: %d, want %d", end, len(large.Data))
	}

	for _, tt := range []struct {
		id   int64
		n    int
		want string
	}{{tk.ID, 3, "has no photo 3"}, {tk.ID, 0, "has no photo 0"}, {tk.ID + 100, 1, "not found"}} {
		if _, _, err := s.Tickets.FindTicketPhoto(ctx, tt.id, tt.n); gridline.ErrorCode(err) != gridline.ENOTFOUND ||
			!strings.Contains(gridline.ErrorMessage(err), tt.want) {
			t.Errorf("case %d photo %d: %v, want ENOTFOUND %q", tt.id, tt.n, err, tt.want)
		}
	}

	// The same intake again adds nothing: the case taken in is answered.
	again := photoTicket("P-1", testJPEG(t, 1, 50))
	if created, err := s.Tickets.CreateTicket(ctx, again); err != nil || created || again.ID != tk.ID || len(again.Photos) != 2 {
		t.Fatalf("repeat: created %v, %v, %d photos", created, err, len(again.Photos))
	}
	// A case without photos lists none.
	plain := photoTicket("P-2")
	if _, err := s.Tickets.CreateTicket(ctx, plain); err != nil || plain.Photos != nil {
		t.Fatalf("no photos: %v, %v", err, plain.Photos)
	}
}

// TestTicketPhotosAllOrNothing makes the second photo's insert fail, after
// the case, its first event and its first photo are written: nothing of
// the case may remain, its number included.
func TestTicketPhotosAllOrNothing(t *testing.T) {
	dsn := storetest.DSN(t)
	db := storetest.OpenAt(t, dsn)
	s := storetest.Services(t, db)
	var raw *sql.DB
	var err error
	ddl := []string{`CREATE TRIGGER photo_fails BEFORE INSERT ON ticket_photos WHEN NEW.seq = 2
		BEGIN SELECT RAISE(ABORT, 'disk full'); END`}
	if storetest.Postgres() {
		raw, err = sql.Open("pgx", dsn)
		ddl = []string{`CREATE FUNCTION photo_fails() RETURNS trigger LANGUAGE plpgsql AS
			'BEGIN IF NEW.seq = 2 THEN RAISE EXCEPTION ''disk full''; END IF; RETURN NEW; END'`,
			`CREATE TRIGGER photo_fails BEFORE INSERT ON ticket_photos FOR EACH ROW EXECUTE FUNCTION photo_fails()`}
	} else {
		raw, err = sql.Open("sqlite", strings.TrimPrefix(dsn, "sqlite:"))
	}
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, q := range ddl {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Tickets.CreateTicket(ctx, photoTicket("P-1", testJPEG(t, 1, 10), testJPEG(t, 2, 10))); err == nil {
		t.Fatal("the second photo's insert failed, yet the case was taken in")
	}
	counts := map[string]int{}
	for _, table := range []string{"tickets", "ticket_events", "ticket_photos", "audit_log", "events", "ticket_counters"} {
		var n int
		if err := raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			counts[table] = n
		}
	}
	if len(counts) > 0 {
		t.Fatalf("a failed intake left rows behind: %v", counts)
	}
	one := photoTicket("P-1", testJPEG(t, 1, 10))
	if _, err := s.Tickets.CreateTicket(ctx, one); err != nil || !strings.HasSuffix(one.Number, "-000001") || len(one.Photos) != 1 {
		t.Fatalf("after the failure: %v, number %s, %d photos", err, one.Number, len(one.Photos))
	}
}

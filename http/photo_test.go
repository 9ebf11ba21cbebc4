package http_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/gridline/gridline"
	glhttp "github.com/gridline/gridline/http"
)

// phonePictures returns a real JPEG carrying an Exif block with a GPS
// position and a real PNG carrying a tEXt chunk with one, as a phone or
// an editor would send them.
func phonePictures(t *testing.T) (jpg, pngb []byte) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 32, 24))
	for y := range 24 {
		for x := range 32 {
			img.Set(x, y, color.RGBA{uint8(8 * x), uint8(10 * y), 128, 255})
		}
	}
	var jb, pb bytes.Buffer
	if err := jpeg.Encode(&jb, img, nil); err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(&pb, img); err != nil {
		t.Fatal(err)
	}
	// Exif: a big-endian TIFF whose IFD0 points at a GPS IFD with the
	// latitude reference, followed by the position in words.
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08\x00\x01\x88\x25\x00\x04\x00\x00\x00\x01\x00\x00\x00\x1a\x00\x00\x00\x00" +
		"\x00\x01\x00\x01\x00\x02\x00\x00\x00\x02N\x00\x00\x00\x00\x00\x00\x00GPS 35.555N 116.805E")
	app1 := append([]byte("Exif\x00\x00"), tiff...)
	seg := append([]byte{0xFF, 0xE1, byte((len(app1) + 2) >> 8), byte(len(app1) + 2)}, app1...)
	j := jb.Bytes()
	jpg = append(append(append([]byte{}, j[:2]...), seg...), j[2:]...)

	text := "Comment\x00GPS 35.555N 116.805E"
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(text)))
	chunk = append(chunk, "tEXt"+text...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE([]byte("tEXt"+text)))
	p := pb.Bytes()
	pngb = append(append(append([]byte{}, p[:33]...), chunk...), p[33:]...)
	return jpg, pngb
}

// formPart is one part of a multipart intake.
type formPart struct {
	name, filename, contentType string
	body                        []byte
}

func intakeForm(t testing.TB, parts ...formPart) (io.Reader, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		cd := fmt.Sprintf(`form-data; name=%q`, p.name)
		if p.filename != "" {
			cd += fmt.Sprintf(`; filename=%q`, p.filename)
		}
		h.Set("Content-Disposition", cd)
		if p.contentType != "" {
			h.Set("Content-Type", p.contentType)
		}
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(p.body)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &b, mw.FormDataContentType()
}

func ticketPart(ext string) formPart {
	return formPart{name: "ticket", contentType: "application/json", body: []byte(`{"channel":"snap_report","external_id":"` + ext +
		`","text":"人行道井盖缺失","address":"兖州区建设东路 18 号","reporter":{"name":"王女士","phone":"13912345678"}}`)}
}

func jpegPart(b []byte) formPart {
	return formPart{name: "photo", filename: "IMG_0001.JPG", contentType: "image/jpeg", body: b}
}

// send posts or gets with the token and returns the answer, body read.
func send(t *testing.T, method, url string, body io.Reader, contentType string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
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
	return res, b
}

// TestTicketPhotoAPI takes a case in with two photos, reads them back
// cleaned, and checks that refused intakes leave nothing behind.
func TestTicketPhotoAPI(t *testing.T) {
	s, ts := newServer(t)
	jpg, pngb := phonePictures(t)
	cleanJPG, err := gridline.CleanPhoto(1, jpg)
	if err != nil {
		t.Fatal(err)
	}
	cleanPNG, err := gridline.CleanPhoto(2, pngb)
	if err != nil {
		t.Fatal(err)
	}

	body, ct := intakeForm(t, jpegPart(jpg), ticketPart("SP-1"),
		formPart{name: "photo", filename: "screenshot.png", contentType: "application/octet-stream", body: pngb})
	res, b := send(t, "POST", ts.URL+"/api/v1/tickets", body, ct)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("intake with photos: %d %s", res.StatusCode, b)
	}
	var created struct {
		Ticket struct {
			ID     int64             `json:"id"`
			Number string            `json:"number"`
			Photos []*gridline.Photo `json:"photos"`
		} `json:"ticket"`
	}
	if err := json.Unmarshal(b, &created); err != nil {
		t.Fatal(err)
	}
	want := []*gridline.Photo{cleanJPG, cleanPNG}
	if len(created.Ticket.Photos) != 2 {
		t.Fatalf("photos in the answer: %s", b)
	}
	for i, p := range created.Ticket.Photos {
		w := want[i]
		if p.N != i+1 || p.MIME != w.MIME || p.Size != w.Size || p.SHA256 != w.SHA256 || p.Width != 32 || p.Height != 24 {
			t.Errorf("photo %d listed as %+v, want %s of %d bytes", i+1, *p, w.MIME, w.Size)
		}
	}
	if bytes.Contains(b, []byte("GPS")) {
		t.Error("the answer mentions GPS")
	}
	id := fmt.Sprint(created.Ticket.ID)

	runScenarios(t, ts.URL, []scenario{
		{name: "listed with the case", method: "GET", url: "/api/v1/tickets/" + id, auth: true, status: 200,
			want: []string{`"photos":[{"n":1,"mime":"image/jpeg"`, `{"n":2,"mime":"image/png"`, `"sha256":"` + cleanPNG.SHA256}},
		{name: "no photo 3", method: "GET", auth: true, url: "/api/v1/tickets/" + id + "/photos/3", status: 404, want: []string{"has no photo 3"}},
		{name: "no case", method: "GET", auth: true, url: "/api/v1/tickets/999/photos/1", status: 404, want: []string{"Case 999 not found"}},
		{name: "bad photo number", method: "GET", auth: true, url: "/api/v1/tickets/" + id + "/photos/first", status: 400, want: []string{`"n"`}},
		{name: "photo zero", method: "GET", auth: true, url: "/api/v1/tickets/" + id + "/photos/0", status: 400, want: []string{`"n"`}},
		{name: "unknown parameter", method: "GET", auth: true, url: "/api/v1/tickets/" + id + "/photos/1?size=small", status: 400, want: []string{`"size"`}},
	})

	// Photos are personal data: anonymous callers are refused.
	if res, err := http.Get(ts.URL + "/api/v1/tickets/" + id + "/photos/1"); err != nil {
		t.Fatal(err)
	} else if res.Body.Close(); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous photo: %d, want 401", res.StatusCode)
	}
	for i, w := range want {
		res, got := send(t, "GET", fmt.Sprintf("%s/api/v1/tickets/%s/photos/%d", ts.URL, id, i+1), nil, "")
		if res.StatusCode != 200 || !bytes.Equal(got, w.Data) {
			t.Fatalf("photo %d: %d, %d bytes, want the %d cleaned bytes", i+1, res.StatusCode, len(got), len(w.Data))
		}
		if bytes.Contains(got, []byte("GPS")) || bytes.Contains(got, []byte("Exif")) {
			t.Errorf("photo %d is served with its metadata", i+1)
		}
		if _, format, err := image.Decode(bytes.NewReader(got)); err != nil || "image/"+format != w.MIME {
			t.Errorf("photo %d does not decode as %s: %s, %v", i+1, w.MIME, format, err)
		}
		ext := map[string]string{"image/jpeg": ".jpg", "image/png": ".png"}[w.MIME]
		for k, v := range map[string]string{
			"Content-Type":           w.MIME,
			"X-Content-Type-Options": "nosniff",
			"Cache-Control":          "private, max-age=86400",
			"Content-Disposition":    fmt.Sprintf(`inline; filename="case-%s-photo-%d%s"`, id, i+1, ext),
			"Etag":                   `"` + w.SHA256 + `"`,
			"Content-Length":         fmt.Sprint(len(w.Data)),
		} {
			if got := res.Header.Get(k); got != v {
				t.Errorf("photo %d: %s = %q, want %q", i+1, k, got, v)
			}
		}
	}
	photo1 := ts.URL + "/api/v1/tickets/" + id + "/photos/1"
	if res, b := send(t, "GET", photo1, nil, "", "Range", "bytes=2-11"); res.StatusCode != http.StatusPartialContent ||
		!bytes.Equal(b, cleanJPG.Data[2:12]) {
		t.Errorf("range: %d, % x", res.StatusCode, b)
	}
	if res, _ := send(t, "GET", photo1, nil, "", "If-None-Match", `"`+cleanJPG.SHA256+`"`); res.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match with the ETag: %d, want 304", res.StatusCode)
	}

	// Refused intakes: each is a 400 naming what is wrong, and writes
	// nothing — no case, no number, no audit row, no feed event.
	text := formPart{name: "photo", filename: "photo.jpg", contentType: "image/jpeg", body: []byte("这不是照片\n")}
	tenPhotos := []formPart{ticketPart("SP-2")}
	for range 10 {
		tenPhotos = append(tenPhotos, jpegPart(jpg))
	}
	sixMB := append(append([]byte{}, jpg[:len(jpg)-2]...), bytes.Repeat([]byte{0x55}, 6<<20)...)
	truncated := jpg[:len(jpg)/2]
	refusals := []struct {
		name  string
		parts []formPart
		want  string
	}{
		{"a text file named photo.jpg", []formPart{ticketPart("SP-2"), jpegPart(jpg), text}, `"photo 2: not a JPEG, PNG or WebP image"`},
		{"ten photos", tenPhotos, `"photo 10: a case takes at most 9 photos"`},
		{"a 6 MB photo", []formPart{ticketPart("SP-2"), jpegPart(sixMB)}, `"photo 1: larger than 5 MB"`},
		{"a truncated JPEG", []formPart{jpegPart(jpg), jpegPart(truncated), ticketPart("SP-2")}, `"photo 2: the file is truncated"`},
		{"no ticket part", []formPart{jpegPart(jpg)}, `"ticket: is required`},
		{"two ticket parts", []formPart{ticketPart("SP-2"), ticketPart("SP-3")}, `"ticket: sent twice"`},
		{"an unknown part", []formPart{ticketPart("SP-2"), {name: "video", body: []byte("x")}}, `"part: \"video\" is not a part of an intake`},
		{"a bad ticket", []formPart{{name: "ticket", body: []byte(`{"channel":"fax","text":"x","address":"y"}`)}, jpegPart(jpg)}, `"channel"`},
		{"an unknown field in the ticket", []formPart{{name: "ticket", body: []byte(`{"colour":"red"}`)}}, `"colour"`},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			body, ct := intakeForm(t, tt.parts...)
			res, b := send(t, "POST", ts.URL+"/api/v1/tickets", body, ct)
			if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), tt.want) {
				t.Fatalf("%d %s, want 400 with %s", res.StatusCode, b, tt.want)
			}
		})
	}
	runScenarios(t, ts.URL, []scenario{
		{name: "refused intakes left no case", method: "GET", url: "/api/v1/tickets", auth: true, status: 200, want: []string{`"total":1`}},
		{name: "nor an event", method: "GET", url: "/api/v1/events?entity=ticket", auth: true, status: 200, want: []string{`"total":1`}},
		{name: "nor an audit row", method: "GET", url: "/api/v1/audit?entity=ticket", auth: true, status: 200, want: []string{`"total":1`}},
	})

	// Nor a number: the next case is the day's second.
	body, ct = intakeForm(t, ticketPart("SP-2"))
	if res, b := send(t, "POST", ts.URL+"/api/v1/tickets", body, ct); res.StatusCode != 201 || !strings.Contains(string(b), `-000002"`) ||
		strings.Contains(string(b), `"photos"`) {
		t.Fatalf("intake without photos: %d %s", res.StatusCode, b)
	}

	// Without the token, a multipart intake is refused before it is read.
	body, ct = intakeForm(t, ticketPart("SP-9"), jpegPart(jpg))
	req, _ := http.NewRequest("POST", ts.URL+"/api/v1/tickets", body)
	req.Header.Set("Content-Type", ct)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("without the token: %v %v", res, err)
	}

	// The bounds: a body announced over 48 MiB is refused unread; a JSON
	// intake keeps the ordinary 1 MiB.
	h := s.Handler()
	rec := httptest.NewRecorder()
	big := httptest.NewRequest("POST", "/api/v1/tickets", strings.NewReader("--x--"))
	big.Header.Set("Authorization", "Bearer "+token)
	big.Header.Set("Content-Type", "multipart/form-data; boundary=x")
	big.ContentLength = 48<<20 + 1
	h.ServeHTTP(rec, big)
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "larger than 50331648 bytes") {
		t.Errorf("49 MiB announced: %d %s", rec.Code, rec.Body)
	}
	long := `{"channel":"hotline","text":"路灯不亮","address":"` + strings.Repeat("x", 1<<20) + `"}`
	if res, b := send(t, "POST", ts.URL+"/api/v1/tickets", strings.NewReader(long), "application/json"); res.StatusCode != 400 ||
		!strings.Contains(string(b), "larger than 1048576 bytes") {
		t.Errorf("JSON intake over 1 MiB: %d %s", res.StatusCode, b)
	}
	// Photos never come in JSON: a "photos" field is ignored.
	withPhotos := `{"channel":"hotline","text":"路灯不亮","address":"建设东路","photos":[{"n":1,"mime":"image/jpeg","size":3}]}`
	if res, b := send(t, "POST", ts.URL+"/api/v1/tickets", strings.NewReader(withPhotos), "application/json"); res.StatusCode != 201 ||
		strings.Contains(string(b), `"photos"`) {
		t.Errorf("JSON intake naming photos: %d %s", res.StatusCode, b)
	}
}

// TestPhotoSlotsBounded: intakes in progress hold at most 36 photos in
// memory; past that, a photo waits a little, then its intake is 503 with
// Retry-After, and once the others finish intakes go through again.
func TestPhotoSlotsBounded(t *testing.T) {
	// The held intakes' own photos must never time out waiting for a slot
	// that a probing intake holds for a moment (under load that freed
	// all 36 and the probes never saw the pool full), so the wait is long
	// enough for them and a probe at a full pool waits it out once.
	s := openServer(t, glhttp.Limits{ExpensiveWait: 3 * time.Second, AnonRate: -1}, nil)
	jpg, _ := phonePictures(t)
	post := func(body io.Reader, ct string) (*http.Response, error) {
		req, _ := http.NewRequest("POST", s.URL()+"/api/v1/tickets", body)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", ct)
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
		return res, err
	}
	// Four intakes send nine photos each, then stall in their ticket part.
	type stalled struct {
		pw   *io.PipeWriter
		mw   *multipart.Writer
		done chan int
	}
	var held []stalled
	for i := range 4 {
		pr, pw := io.Pipe()
		// Runs before the server's Close, which would wait for a stalled
		// intake for ever.
		t.Cleanup(func() { pw.CloseWithError(io.ErrUnexpectedEOF) })
		mw := multipart.NewWriter(pw)
		st := stalled{pw, mw, make(chan int, 1)}
		go func() {
			res, err := post(pr, mw.FormDataContentType())
			if err != nil {
				st.done <- 0
				return
			}
			st.done <- res.StatusCode
		}()
		for range 9 {
			w, _ := mw.CreateFormFile("photo", "p.jpg")
			w.Write(jpg)
		}
		w, _ := mw.CreateFormField("ticket")
		fmt.Fprintf(w, `{"channel":"snap_report","external_id":"S-%d",`, i)
		held = append(held, st)
	}
	// The server takes the held photos in as fast as it can strip them;
	// on a loaded 2-core machine that took over 10 s, so the wait is long
	// and the loop ends as soon as a photo is refused.
	full := false
	for deadline := time.Now().Add(90 * time.Second); !full && time.Now().Before(deadline); {
		body, ct := intakeForm(t, ticketPart("X"), jpegPart(jpg))
		res, err := post(body, ct)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode == http.StatusServiceUnavailable {
			full = true
			if res.Header.Get("Retry-After") == "" {
				t.Error("503 without Retry-After")
			}
		}
	}
	if !full {
		t.Fatal("with 36 photos held, another photo was still taken in")
	}
	for _, st := range held {
		io.WriteString(st.pw, `"text":"井盖缺失","address":"建设东路"}`)
		st.mw.Close()
		st.pw.Close()
		if code := <-st.done; code != http.StatusCreated {
			t.Errorf("stalled intake finished with %d, want 201", code)
		}
	}
	body, ct := intakeForm(t, ticketPart("Y"), jpegPart(jpg))
	if res, err := post(body, ct); err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("after the others finished: %v %v", res, err)
	}
}

// photoAction returns an action's body as an on-site action sends it:
// multipart, its JSON part and one photo; and the Content-Type.
func photoAction(t *testing.T, action string) (body, contentType string) {
	t.Helper()
	jpg, _ := phonePictures(t)
	r, ct := intakeForm(t, formPart{name: "action", contentType: "application/json", body: []byte(action)}, jpegPart(jpg))
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), ct
}

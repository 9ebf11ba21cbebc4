package gridline_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"slices"
	"strings"
	"testing"

	"github.com/gridline/gridline"
)

// The test pictures are built here byte by byte, each metadata block
// carrying the strings a leak would show: a GPS position, a device, a
// name and a phone number.
const secret = "GPS 35.555N 116.805E iPhone 15 王女士 13912345678"

func cat(parts ...[]byte) []byte { return slices.Concat(parts...) }

// jpegSeg is a JPEG marker segment: 0xFF, marker, length, payload.
func jpegSeg(m byte, payload string) []byte {
	n := len(payload) + 2
	return cat([]byte{0xFF, m, byte(n >> 8), byte(n)}, []byte(payload))
}

// gpsTIFF is an Exif TIFF block: IFD0 with an optional Orientation, a
// Make and a pointer to a GPS IFD holding a latitude reference and a
// processing method that spells out the position.
func gpsTIFF(orientation int) []byte {
	be := binary.BigEndian
	var entries [][]byte
	entry := func(tag, typ uint16, count, value uint32) {
		e := make([]byte, 12)
		be.PutUint16(e, tag)
		be.PutUint16(e[2:], typ)
		be.PutUint32(e[4:], count)
		be.PutUint32(e[8:], value)
		entries = append(entries, e)
	}
	if orientation != 0 {
		entry(0x0112, 3, 1, uint32(orientation)<<16)
	}
	n := 3 // entries of IFD0
	if orientation != 0 {
		n = 4
	}
	ifd0End := uint32(8 + 2 + 12*n + 4)
	gpsIFD := ifd0End + 16          // after the Make string
	gpsEnd := gpsIFD + 2 + 12*2 + 4 // then the method string
	entry(0x010F, 2, 16, ifd0End)   // Make
	entry(0x8825, 4, 1, gpsIFD)     // GPSInfo
	entry(0x0132, 2, 4, 0x32303236) // DateTime, inline (short)
	b := []byte{'M', 'M', 0, 42, 0, 0, 0, 8, 0, byte(n)}
	for _, e := range entries {
		b = append(b, e...)
	}
	b = append(b, 0, 0, 0, 0)
	b = append(b, []byte("Apple iPhone 15\x00")...)
	method := "ASCII\x00\x00\x00" + secret
	b = append(b, 0, 2)
	for _, e := range [][3]uint32{{0x0001, 2, 0x4E000000}, {0x001B, 7, 0}} {
		x := make([]byte, 12)
		be.PutUint16(x, uint16(e[0]))
		be.PutUint16(x[2:], uint16(e[1]))
		be.PutUint32(x[4:], 2)
		be.PutUint32(x[8:], e[2])
		if e[0] == 0x001B {
			be.PutUint32(x[4:], uint32(len(method)))
			be.PutUint32(x[8:], gpsEnd)
		}
		b = append(b, x...)
	}
	b = append(b, 0, 0, 0, 0)
	return append(b, method...)
}

// A small baseline JPEG, segment by segment (the entropy-coded data is
// not a real picture: the cleaner never decodes it).
var (
	jpegSOI   = []byte{0xFF, 0xD8}
	jpegJFIF  = jpegSeg(0xE0, "JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
	jpegICC   = jpegSeg(0xE2, "ICC_PROFILE\x00\x01\x01sRGB profile bytes")
	jpegAdobe = jpegSeg(0xEE, "Adobe\x00\x64\x00\x00\x00\x00\x01")
	jpegDQT   = jpegSeg(0xDB, "\x00"+strings.Repeat("\x01", 64))
	jpegSOF   = jpegSeg(0xC0, "\x08\x00\x03\x00\x04\x01\x01\x11\x00") // 4 × 3, one component
	jpegDHT   = jpegSeg(0xC4, "\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x05")
	jpegSOS   = jpegSeg(0xDA, "\x01\x01\x00\x00\x3F\x00")
	// Scan data with a stuffed 0xFF, a restart marker and fill bytes
	// before EOI.
	jpegScan = []byte{0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xFF}
	jpegEOI  = []byte{0xFF, 0xD9}

	jpegExif = jpegSeg(0xE1, "Exif\x00\x00"+string(gpsTIFF(0)))
	jpegXMP  = jpegSeg(0xE1, "http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta><exif:GPSLatitude>"+secret+"</exif:GPSLatitude></x:xmpmeta>")
	jpegIPTC = jpegSeg(0xED, "Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x20"+secret)
	jpegCOM  = jpegSeg(0xFE, secret)
	jpegMPF  = jpegSeg(0xE2, "MPF\x00II*\x00"+secret)
	jpegC2PA = jpegSeg(0xEB, "JP\x00\x01"+secret)
	// A motion photo's video after EOI, with its own position.
	jpegTrailer = []byte("\x00\x00\x00\x18ftypmp42 ©xyz+35.5550+116.8050/" + secret)

	jpegPicture = cat(jpegDQT, jpegSOF, jpegDHT, jpegSOS, jpegScan, jpegEOI)
	jpegClean   = cat(jpegSOI, jpegJFIF, jpegICC, jpegAdobe, jpegPicture)
	jpegGPS     = cat(jpegSOI, jpegJFIF, jpegExif, jpegXMP, jpegICC, jpegMPF, jpegIPTC, jpegAdobe, jpegCOM, jpegC2PA,
		jpegPicture, jpegTrailer)
)

// pngChunk is a PNG chunk with its CRC.
func pngChunk(typ, data string) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(b, typ+data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE([]byte(typ+data)))
}

var (
	pngSig  = []byte("\x89PNG\r\n\x1a\n")
	pngIHDR = pngChunk("IHDR", "\x00\x00\x00\x05\x00\x00\x00\x02\x08\x02\x00\x00\x00") // 5 × 2 RGB
	pngSRGB = pngChunk("sRGB", "\x00")
	pngPHYs = pngChunk("pHYs", "\x00\x00\x0b\x13\x00\x00\x0b\x13\x01")
	pngIDAT = pngChunk("IDAT", "\x78\x9c\x62\x60\x00\x00\x00\x00\xff\xff")
	pngIEND = pngChunk("IEND", "")

	pngText  = pngChunk("tEXt", "Comment\x00"+secret)
	pngZText = pngChunk("zTXt", "Author\x00\x00\x78\x9c\x0b\x01\x00\x00\x55\x00\x56")
	pngIText = pngChunk("iTXt", "XML:com.adobe.xmp\x00\x00\x00\x00\x00"+secret)
	pngExif  = pngChunk("eXIf", string(gpsTIFF(0)))
	pngTime  = pngChunk("tIME", "\x07\xea\x01\x02\x03\x04\x05")

	pngClean = cat(pngSig, pngIHDR, pngSRGB, pngPHYs, pngIDAT, pngIEND)
	pngGPS   = cat(pngSig, pngIHDR, pngExif, pngText, pngSRGB, pngIText, pngPHYs, pngIDAT, pngZText, pngTime, pngIEND,
		[]byte(secret))
)

// riffChunk is a WebP chunk, padded to an even length.
func riffChunk(fourcc, payload string) []byte {
	b := binary.LittleEndian.AppendUint32([]byte(fourcc), uint32(len(payload)))
	b = append(b, payload...)
	if len(payload)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

func webp(chunks ...[]byte) []byte {
	body := cat(chunks...)
	return cat([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(4+len(body))), []byte("WEBP"), body)
}

// vp8x is a VP8X chunk with flags and a canvas of w × h.
func vp8x(flags byte, w, h int) []byte {
	w, h = w-1, h-1
	return riffChunk("VP8X", string([]byte{flags, 0, 0, 0, byte(w), byte(w >> 8), byte(w >> 16), byte(h), byte(h >> 8), byte(h >> 16)}))
}

var (
	// A VP8 key frame header for 4 × 3, then a little "data" (odd
	// length, so the chunk is padded).
	webpVP8  = riffChunk("VP8 ", "\x10\x02\x00\x9d\x01\x2a\x04\x00\x03\x00\x01\x02\x03")
	webpVP8L = riffChunk("VP8L", "\x2f\x06\x80\x00\x00\x07") // 7 × 3
	webpICC  = riffChunk("ICCP", "sRGB profile bytes")
	webpEXIF = riffChunk("EXIF", string(gpsTIFF(0)))
	webpXMP  = riffChunk("XMP ", "<x:xmpmeta>"+secret+"</x:xmpmeta>")
	webpC2PA = riffChunk("C2PA", secret)

	webpGPS   = webp(vp8x(0x20|0x08|0x04, 4, 3), webpICC, webpVP8, webpEXIF, webpXMP, webpC2PA)
	webpClean = webp(vp8x(0x20, 4, 3), webpICC, webpVP8)
)

func TestCleanPhoto(t *testing.T) {
	tests := []struct {
		name          string
		in            []byte
		want          []byte // nil: only check that secret is gone and the size
		mime          string
		width, height int
	}{
		{"JPEG with Exif GPS, XMP, IPTC, comment, C2PA, MPF and a video after it", jpegGPS, jpegClean, gridline.PhotoJPEG, 4, 3},
		{"clean JPEG stays as it is", jpegClean, jpegClean, gridline.PhotoJPEG, 4, 3},
		{"JPEG with fill bytes between segments", cat(jpegSOI, []byte{0xFF, 0xFF}, jpegJFIF, jpegPicture),
			cat(jpegSOI, jpegJFIF, jpegPicture), gridline.PhotoJPEG, 4, 3},
		{"JPEG with a comment between scans", cat(jpegSOI, jpegDQT, jpegSOF, jpegDHT, jpegSOS, []byte{1, 2}, jpegCOM, jpegDHT, jpegSOS, []byte{3}, jpegEOI),
			cat(jpegSOI, jpegDQT, jpegSOF, jpegDHT, jpegSOS, []byte{1, 2}, jpegDHT, jpegSOS, []byte{3}, jpegEOI), gridline.PhotoJPEG, 4, 3},
		{"PNG with eXIf, tEXt, iTXt, zTXt, tIME and data after IEND", pngGPS, pngClean, gridline.PhotoPNG, 5, 2},
		{"clean PNG stays as it is", pngClean, pngClean, gridline.PhotoPNG, 5, 2},
		{"WebP VP8X with EXIF, XMP and C2PA", webpGPS, webpClean, gridline.PhotoWebP, 4, 3},
		{"WebP after its RIFF end", cat(webpClean, []byte(secret)), webpClean, gridline.PhotoWebP, 4, 3},
		{"simple WebP (VP8L)", webp(webpVP8L), webp(webpVP8L), gridline.PhotoWebP, 7, 3},
		{"simple WebP with a stray XMP", webp(webpVP8L, webpXMP), webp(webpVP8L), gridline.PhotoWebP, 7, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := gridline.CleanPhoto(2, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want != nil && !bytes.Equal(p.Data, tt.want) {
				t.Errorf("cleaned:\n got % x\nwant % x", p.Data, tt.want)
			}
			for _, leak := range []string{"GPS", "iPhone", "13912345678", "Exif", "xmpmeta", "Photoshop", "ftyp"} {
				if bytes.Contains(p.Data, []byte(leak)) {
					t.Errorf("%q survived", leak)
				}
			}
			if p.N != 2 || p.MIME != tt.mime || p.Size != len(p.Data) || p.Width != tt.width || p.Height != tt.height || len(p.SHA256) != 64 {
				t.Errorf("photo = %+v", *p)
			}
			again, err := gridline.CleanPhoto(2, p.Data)
			if err != nil || !bytes.Equal(again.Data, p.Data) {
				t.Errorf("cleaning the cleaned photo changed it (%v)", err)
			}
		})
	}
}

// TestCleanPhotoOrientation: a portrait phone picture keeps its
// orientation, alone in a new Exif block, and is measured as shown.
func TestCleanPhotoOrientation(t *testing.T) {
	exif6 := jpegSeg(0xE1, "Exif\x00\x00"+string(gpsTIFF(6)))
	minimal := "MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00\x00\x00\x00\x00"
	tests := []struct {
		name string
		in   []byte
		want []byte
	}{
		{"JPEG", cat(jpegSOI, jpegJFIF, exif6, jpegCOM, jpegPicture),
			cat(jpegSOI, jpegJFIF, jpegSeg(0xE1, "Exif\x00\x00"+minimal), jpegPicture)},
		{"PNG", cat(pngSig, pngIHDR, pngChunk("eXIf", string(gpsTIFF(6))), pngText, pngIDAT, pngIEND),
			cat(pngSig, pngIHDR, pngChunk("eXIf", minimal), pngIDAT, pngIEND)},
		{"WebP", webp(vp8x(0x08|0x04, 4, 3), webpVP8, riffChunk("EXIF", string(gpsTIFF(6))), webpXMP),
			webp(vp8x(0x08, 4, 3), webpVP8, riffChunk("EXIF", minimal))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := gridline.CleanPhoto(1, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(p.Data, tt.want) {
				t.Errorf("cleaned:\n got % x\nwant % x", p.Data, tt.want)
			}
			if bytes.Contains(p.Data, []byte("GPS")) {
				t.Error("GPS survived")
			}
			// Stored landscape, shown portrait.
			if p.Width >= p.Height {
				t.Errorf("size as shown %d × %d, want portrait", p.Width, p.Height)
			}
		})
	}
}

// TestCleanPhotoKeepsPixels encodes real pictures with the standard
// library, adds metadata, cleans them and decodes them again: the pixels
// are the same and the metadata is gone.
func TestCleanPhotoKeepsPixels(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 24, 16))
	for y := range 16 {
		for x := range 24 {
			img.Set(x, y, color.RGBA{uint8(x * 10), uint8(y * 15), uint8(x * y), 255})
		}
	}
	var jb, pb bytes.Buffer
	if err := jpeg.Encode(&jb, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(&pb, img); err != nil {
		t.Fatal(err)
	}
	j, p := jb.Bytes(), pb.Bytes()
	withMeta := map[string][]byte{
		"JPEG": cat(j[:2], jpegExif, jpegXMP, jpegCOM, j[2:], jpegTrailer),
		"PNG":  cat(p[:8+25], pngExif, pngText, pngIText, p[8+25:]),
	}
	for name, in := range withMeta {
		t.Run(name, func(t *testing.T) {
			ph, err := gridline.CleanPhoto(1, in)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(ph.Data, []byte("GPS")) {
				t.Error("GPS survived")
			}
			orig, _, err := image.Decode(bytes.NewReader(in))
			if err != nil {
				t.Fatal(err)
			}
			got, format, err := image.Decode(bytes.NewReader(ph.Data))
			if err != nil {
				t.Fatalf("the cleaned %s does not decode: %v", name, err)
			}
			if !strings.EqualFold(format, name) || got.Bounds() != orig.Bounds() || ph.Width != 24 || ph.Height != 16 {
				t.Fatalf("decoded %s %v, photo %d × %d", format, got.Bounds(), ph.Width, ph.Height)
			}
			for y := range 16 {
				for x := range 24 {
					if got.At(x, y) != orig.At(x, y) {
						t.Fatalf("pixel (%d, %d) = %v, was %v", x, y, got.At(x, y), orig.At(x, y))
					}
				}
			}
		})
	}
}

func TestCleanPhotoRefusals(t *testing.T) {
	badCRC := slices.Clone(pngClean)
	badCRC[len(pngSig)+20] ^= 1
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"text file named photo.jpg", []byte("这不是图片 / not a picture\n"), "photo 3: not a JPEG, PNG or WebP image"},
		{"empty", nil, "photo 3: is empty"},
		{"GIF", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "photo 3: not a JPEG, PNG or WebP image"},
		{"SVG", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "not a JPEG, PNG or WebP image"},
		{"JPEG cut in its scan", jpegGPS[:len(jpegGPS)-len(jpegTrailer)-6], "photo 3: the file is truncated"},
		{"JPEG cut in a segment", jpegGPS[:40], "photo 3: the file is truncated"},
		{"JPEG that is only its start", []byte{0xFF, 0xD8, 0xFF}, "photo 3: the file is truncated"},
		{"JPEG without a picture", cat(jpegSOI, jpegJFIF, jpegEOI), "no image data"},
		{"JPEG with a scan before its frame", cat(jpegSOI, jpegSOS, jpegScan, jpegEOI), "a scan comes before the frame header"},
		{"JPEG with garbage between segments", cat(jpegSOI, jpegJFIF, []byte("xx"), jpegPicture), "no marker at byte"},
		{"JPEG with a zero segment length", cat(jpegSOI, []byte{0xFF, 0xE0, 0, 0}, jpegPicture), "bad segment length"},
		{"PNG cut short", pngGPS[:len(pngGPS)-len(secret)-20], "photo 3: the file is truncated"},
		{"PNG with a damaged chunk", badCRC, "is damaged (CRC)"},
		{"PNG without IHDR", cat(pngSig, pngIDAT, pngIEND), "does not start with its header"},
		{"PNG without IDAT", cat(pngSig, pngIHDR, pngIEND), "no image data"},
		{"PNG with a huge chunk length", cat(pngSig, []byte{0xFF, 0xFF, 0xFF, 0xFF}, []byte("IHDR12345678")), "bad chunk length"},
		{"WebP cut short", webpGPS[:len(webpGPS)-9], "photo 3: the file is truncated"},
		{"WebP whose RIFF size is past the end", cat(webpClean[:4], []byte{0xFF, 0xFF, 0xFF, 0x7F}, webpClean[8:]), "truncated"},
		{"WebP starting with EXIF", webp(webpEXIF, webpVP8), "not VP8, VP8L or VP8X"},
		{"WebP VP8X without a picture", webp(vp8x(0, 4, 3), webpICC), "no image data"},
		{"WebP with a bad VP8 header", webp(riffChunk("VP8 ", "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")), "bad VP8 key frame header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := gridline.CleanPhoto(3, tt.in)
			if gridline.ErrorCode(err) != gridline.EINVALID || !strings.Contains(gridline.ErrorMessage(err), tt.want) {
				t.Fatalf("err = %v, want EINVALID with %q", err, tt.want)
			}
			if f := gridline.ErrorFields(err)["photo"]; f != "3" {
				t.Errorf("fields.photo = %q, want 3", f)
			}
		})
	}
}

func TestReadPhotoLimit(t *testing.T) {
	big := cat(jpegSOI, jpegJFIF, jpegDQT, jpegSOF, jpegDHT, jpegSOS, bytes.Repeat([]byte{0x55}, 6<<20), jpegEOI)
	if _, err := gridline.ReadPhoto(bytes.NewReader(big), 4); gridline.ErrorMessage(err) != "photo 4: larger than 5 MB" {
		t.Fatalf("6 MB photo: %v", err)
	}
	atLimit := cat(jpegSOI, jpegDQT, jpegSOF, jpegDHT, jpegSOS, nil, jpegEOI)
	atLimit = cat(atLimit[:len(atLimit)-2], bytes.Repeat([]byte{0x55}, gridline.MaxPhotoBytes-len(atLimit)), jpegEOI)
	p, err := gridline.ReadPhoto(bytes.NewReader(atLimit), 1)
	if err != nil || p.Size != gridline.MaxPhotoBytes {
		t.Fatalf("photo of exactly 5 MB: %v", err)
	}
}

func TestTicketPhotosValidate(t *testing.T) {
	lon, lat := 116.805, 35.555
	tk := gridline.Ticket{Channel: gridline.ChannelSnapReport, Text: "路面塌陷", Lon: &lon, Lat: &lat}
	for i := range 10 {
		p, err := gridline.CleanPhoto(i+1, jpegClean)
		if err != nil {
			t.Fatal(err)
		}
		tk.Photos = append(tk.Photos, p)
	}
	if err := tk.Validate(); gridline.ErrorMessage(err) != "photo 10: a case takes at most 9 photos" {
		t.Errorf("10 photos: %v", err)
	}
	if _, err := gridline.ReadPhoto(strings.NewReader(string(jpegClean)), 10); gridline.ErrorMessage(err) != "photo 10: a case takes at most 9 photos" {
		t.Errorf("reading photo 10: %v", err)
	}
	tk.Photos = tk.Photos[:9]
	if err := tk.Validate(); err != nil {
		t.Errorf("9 photos: %v", err)
	}
	tk.Photos = []*gridline.Photo{{N: 1, MIME: "text/html", Size: 4, Data: []byte("<p>x")}}
	if err := tk.Validate(); gridline.ErrorCode(err) != gridline.EINVALID {
		t.Errorf("a photo not from CleanPhoto: %v", err)
	}
}

// FuzzCleanPhoto feeds the cleaner arbitrary bytes, starting from the
// test pictures: it must never panic, must refuse with EINVALID about the
// photo, and what it accepts must clean to itself.
func FuzzCleanPhoto(f *testing.F) {
	for _, seed := range [][]byte{jpegGPS, jpegClean, pngGPS, pngClean, webpGPS, webpClean, webp(webpVP8L),
		cat(jpegSOI, jpegJFIF, jpegSeg(0xE1, "Exif\x00\x00"+string(gpsTIFF(6))), jpegPicture),
		jpegGPS[:60], pngGPS[:50], webpGPS[:30]} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := gridline.CleanPhoto(1, b)
		if err != nil {
			if gridline.ErrorCode(err) != gridline.EINVALID || gridline.ErrorFields(err)["photo"] != "1" {
				t.Fatalf("refused with %v", err)
			}
			return
		}
		again, err := gridline.CleanPhoto(1, p.Data)
		if err != nil {
			t.Fatalf("the cleaned photo is refused: %v", err)
		}
		if !bytes.Equal(again.Data, p.Data) || again.MIME != p.MIME || again.Width != p.Width || again.Height != p.Height {
			t.Fatalf("cleaning is not stable: %+v then %+v", p, again)
		}
	})
}

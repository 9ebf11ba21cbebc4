package gridline

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"time"
)

// The media types a case photo may have.
const (
	PhotoJPEG = "image/jpeg"
	PhotoPNG  = "image/png"
	PhotoWebP = "image/webp"
)

// Photo limits. A phone camera's JPEG is 1–4 MB; 随手拍 apps send a few
// pictures of one problem, so 9 (one screen of thumbnails) is plenty.
const (
	MaxTicketPhotos = 9
	MaxPhotoBytes   = 5 << 20
)

// Photo is a picture of a case. Intake keeps the image data and drops
// the metadata a camera writes beside it — EXIF (with the GPS position,
// the device and the time), XMP, IPTC, comments, text chunks — so a
// reporter's position and phone do not travel with the picture. Width and
// Height are as displayed (EXIF orientation applied).
type Photo struct {
	N         int       `json:"n"` // 1, 2, … in the order sent
	MIME      string    `json:"mime"`
	Size      int       `json:"size"`
	Width     int       `json:"width"`
	Height    int       `json:"height"`
	SHA256    string    `json:"sha256"` // of the stored bytes, hex
	CreatedAt time.Time `json:"created_at"`
	// EventID is the timeline event an on-site action brought the photo
	// with; nil for the intake's photos.
	EventID *int64 `json:"event_id,omitempty"`
	// Data is the cleaned image at intake; reads stream it with
	// [TicketService.FindTicketPhoto] instead.
	Data []byte `json:"-"`
}

// ReadPhoto reads photo n (from 1) of an intake from r and cleans it with
// [CleanPhoto]. Photo n past MaxTicketPhotos is EINVALID before anything
// is read, a photo over MaxPhotoBytes as soon as the excess arrives;
// errors of r itself are returned as they are.
func ReadPhoto(r io.Reader, n int) (*Photo, error) {
	if n > MaxTicketPhotos {
		return nil, photoError(n, "a case takes at most %d photos", MaxTicketPhotos)
	}
	br := &boundedReader{r: r, left: MaxPhotoBytes, over: photoError(n, "larger than %s", mbText(MaxPhotoBytes))}
	b, err := io.ReadAll(br)
	if err != nil {
		return nil, err
	}
	return CleanPhoto(n, b)
}

// CleanPhoto takes photo n of an intake: it finds the type from the bytes
// (a name or a Content-Type proves nothing), removes the metadata by
// walking the container — JPEG segments, PNG chunks, WebP RIFF chunks —
// and copies the image data unchanged. What a viewer needs to show the
// picture right stays: JFIF, the ICC colour profile, Adobe's colour
// transform, PNG's colour and transparency chunks, WebP's animation, and
// the EXIF orientation, rewritten as an EXIF block holding nothing else
// (phones store portrait pictures sideways with that tag). Anything else
// is dropped, known or not, and so is data after the image's end (motion
// photos append a video there, with its own GPS position). Returns
// EINVALID naming the photo for other types and for malformed or
// truncated files.
func CleanPhoto(n int, b []byte) (*Photo, error) {
	var (
		img  picture
		mime string
		err  error
	)
	switch {
	case len(b) == 0:
		return nil, photoError(n, "is empty")
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		mime = PhotoJPEG
		img, err = cleanJPEG(b)
	case bytes.HasPrefix(b, pngSignature):
		mime = PhotoPNG
		img, err = cleanPNG(b)
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		mime = PhotoWebP
		img, err = cleanWebP(b)
	default:
		return nil, photoError(n, "not a JPEG, PNG or WebP image")
	}
	if err != nil {
		return nil, photoError(n, "%s", err)
	}
	if img.orientation >= 5 {
		// 5–8 turn the picture a quarter: what is shown is the other way up.
		img.width, img.height = img.height, img.width
	}
	sum := sha256.Sum256(img.data)
	return &Photo{N: n, MIME: mime, Size: len(img.data), Width: img.width, Height: img.height,
		SHA256: hex.EncodeToString(sum[:]), Data: img.data}, nil
}

// photoError is EINVALID about photo n: "photo 3: …", with fields.photo.
func photoError(n int, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Message: fmt.Sprintf("photo %d: %s", n, fmt.Sprintf(format, args...)),
		Fields: map[string]string{"photo": fmt.Sprint(n)}}
}

// validatePhotos checks the photos of an intake: at most MaxTicketPhotos,
// numbered in order, each cleaned by CleanPhoto.
func validatePhotos(ps []*Photo) error {
	if len(ps) > MaxTicketPhotos {
		return photoError(len(ps), "a case takes at most %d photos", MaxTicketPhotos)
	}
	for i, p := range ps {
		if p == nil || p.N != i+1 || len(p.Data) == 0 || p.Size != len(p.Data) ||
			(p.MIME != PhotoJPEG && p.MIME != PhotoPNG && p.MIME != PhotoWebP) {
			return photoError(i+1, "not taken in through CleanPhoto")
		}
	}
	return nil
}

// picture is a cleaned image and what its header says.
type picture struct {
	data          []byte
	width, height int // as stored
	orientation   int // EXIF orientation, 1–8
}

// errTruncated reports a file that ends before its container does: an
// upload cut short.
var errTruncated = errors.New("the file is truncated")

// cleanJPEG keeps a JPEG's frame, tables and scans byte for byte and drops
// its metadata segments (ITU T.81 B.1: a marker 0xFF xx, then for most
// markers a two-byte length that counts itself).
func cleanJPEG(b []byte) (picture, error) {
	img := picture{orientation: 1}
	out := make([]byte, 0, len(b))
	out = append(out, 0xFF, 0xD8)
	var frame, scan, exif bool
	i := 2
	for {
		if i >= len(b) {
			return img, errTruncated
		}
		if b[i] != 0xFF {
			return img, fmt.Errorf("not a valid JPEG: no marker at byte %d", i)
		}
		// Fill bytes (more 0xFF) may precede a marker; they carry nothing.
		for i < len(b) && b[i] == 0xFF {
			i++
		}
		if i >= len(b) {
			return img, errTruncated
		}
		m := b[i]
		i++
		switch {
		case m == 0xD9: // EOI: whatever follows is not this picture
			if !frame || !scan {
				return img, errors.New("not a valid JPEG: it has no image data")
			}
			img.data = append(out, 0xFF, 0xD9)
			return img, nil
		case m == 0x01 || m >= 0xD0 && m <= 0xD7: // TEM, RSTn: no length
			out = append(out, 0xFF, m)
			continue
		case m == 0x00 || m == 0xD8:
			return img, fmt.Errorf("not a valid JPEG: unexpected marker 0x%02X at byte %d", m, i-1)
		}
		if i+2 > len(b) {
			return img, errTruncated
		}
		end := i + int(binary.BigEndian.Uint16(b[i:]))
		if end < i+2 {
			return img, fmt.Errorf("not a valid JPEG: bad segment length at byte %d", i)
		}
		if end > len(b) {
			return img, errTruncated
		}
		payload := b[i+2 : end]
		keep := true
		switch {
		case m == 0xE1: // APP1: Exif, XMP
			keep = false
			if !exif && bytes.HasPrefix(payload, []byte("Exif\x00\x00")) {
				exif = true
				if o := exifOrientation(payload[6:]); o != 1 {
					img.orientation = o
					seg := append([]byte("Exif\x00\x00"), orientationTIFF(o)...)
					out = append(out, 0xFF, 0xE1, byte((len(seg)+2)>>8), byte(len(seg)+2))
					out = append(out, seg...)
				}
			}
		case m >= 0xE0 && m <= 0xEF:
			keep = keepJPEGApp(m, payload)
		case m == 0xFE: // COM
			keep = false
		case m == 0xDA: // SOS
			if !frame {
				return img, errors.New("not a valid JPEG: a scan comes before the frame header")
			}
			scan = true
		case m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC: // SOFn
			if len(payload) < 6 {
				return img, fmt.Errorf("not a valid JPEG: short frame header at byte %d", i)
			}
			if !frame {
				img.height = int(binary.BigEndian.Uint16(payload[1:]))
				img.width = int(binary.BigEndian.Uint16(payload[3:]))
			}
			frame = true
		}
		if keep {
			out = append(out, 0xFF, m)
			out = append(out, b[i:end]...)
		}
		i = end
		if m != 0xDA {
			continue
		}
		// Entropy-coded data runs to the next marker; 0xFF00 is a
		// stuffed 0xFF and RSTn markers sit inside it.
		j := i
		for {
			k := bytes.IndexByte(b[j:], 0xFF)
			if k < 0 || j+k+1 >= len(b) {
				return img, errTruncated
			}
			j += k
			if c := b[j+1]; c == 0x00 || c >= 0xD0 && c <= 0xD7 {
				j += 2
				continue
			} else if c == 0xFF {
				j++
				continue
			}
			break
		}
		out = append(out, b[i:j]...)
		i = j
	}
}

// keepJPEGApp reports whether an APPn segment other than APP1 stays: the
// ones that change how the picture looks. The rest (APP13 Photoshop/IPTC,
// APP11 JUMBF/C2PA, APP2 multi-picture index, vendors' APPn) go.
func keepJPEGApp(m byte, payload []byte) bool {
	switch m {
	case 0xE0:
		return bytes.HasPrefix(payload, []byte("JFIF\x00")) || bytes.HasPrefix(payload, []byte("JFXX\x00"))
	case 0xE2:
		return bytes.HasPrefix(payload, []byte("ICC_PROFILE\x00"))
	case 0xEE: // Adobe: says whether the data is YCbCr, YCCK or CMYK
		return bytes.HasPrefix(payload, []byte("Adobe"))
	}
	return false
}

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// pngKeep lists the ancillary PNG chunks that stay: colour, transparency,
// pixel size and animation. Critical chunks (upper-case first letter)
// always stay; every other ancillary chunk — tEXt, zTXt, iTXt, eXIf, tIME,
// caBX (C2PA) and private ones — goes.
var pngKeep = map[string]bool{
	"tRNS": true, "gAMA": true, "cHRM": true, "sRGB": true, "iCCP": true, "sBIT": true, "bKGD": true,
	"pHYs": true, "sPLT": true, "hIST": true, "cICP": true, "mDCV": true, "cLLI": true,
	"acTL": true, "fcTL": true, "fdAT": true,
}

// cleanPNG walks a PNG's chunks (length, type, data, CRC), checking each
// CRC, and stops at IEND.
func cleanPNG(b []byte) (picture, error) {
	img := picture{orientation: 1}
	out := make([]byte, 0, len(b))
	out = append(out, pngSignature...)
	var idat, exif bool
	for i := len(pngSignature); ; {
		if i+12 > len(b) {
			return img, errTruncated
		}
		n := binary.BigEndian.Uint32(b[i:])
		if n > 1<<31-1 {
			return img, fmt.Errorf("not a valid PNG: bad chunk length at byte %d", i)
		}
		if uint64(n) > uint64(len(b)-i-12) {
			return img, errTruncated
		}
		typ := b[i+4 : i+8]
		data := b[i+8 : i+8+int(n)]
		end := i + 12 + int(n)
		for _, c := range typ {
			if (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') {
				return img, fmt.Errorf("not a valid PNG: bad chunk type at byte %d", i+4)
			}
		}
		if crc32.ChecksumIEEE(b[i+4:i+8+int(n)]) != binary.BigEndian.Uint32(b[i+8+int(n):]) {
			return img, fmt.Errorf("not a valid PNG: the %s chunk at byte %d is damaged (CRC)", typ, i)
		}
		t := string(typ)
		if i == len(pngSignature) {
			if t != "IHDR" || n != 13 {
				return img, errors.New("not a valid PNG: it does not start with its header (IHDR)")
			}
			img.width = int(binary.BigEndian.Uint32(data))
			img.height = int(binary.BigEndian.Uint32(data[4:]))
		}
		keep := typ[0]&0x20 == 0 || pngKeep[t]
		switch t {
		case "IDAT":
			idat = true
		case "eXIf":
			tiff, _ := bytes.CutPrefix(data, []byte("Exif\x00\x00"))
			if o := exifOrientation(tiff); o != 1 && !exif {
				img.orientation = o
				out = appendPNGChunk(out, "eXIf", orientationTIFF(o))
			}
			exif = true
		}
		if keep {
			out = append(out, b[i:end]...)
		}
		if t == "IEND" {
			if !idat {
				return img, errors.New("not a valid PNG: it has no image data")
			}
			img.data = out
			return img, nil
		}
		i = end
	}
}

func appendPNGChunk(out []byte, typ string, data []byte) []byte {
	out = binary.BigEndian.AppendUint32(out, uint32(len(data)))
	start := len(out)
	out = append(out, typ...)
	out = append(out, data...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[start:]))
}

// WebP's VP8X flags for the metadata chunks.
const (
	webpFlagEXIF = 0x08
	webpFlagXMP  = 0x04
)

// cleanWebP walks a WebP's RIFF chunks (FourCC, little-endian size,
// payload padded to even), keeps the image and colour chunks, drops EXIF,
// XMP and unknown chunks, then fixes the VP8X flags and the RIFF size.
func cleanWebP(b []byte) (picture, error) {
	img := picture{orientation: 1}
	size := binary.LittleEndian.Uint32(b[4:])
	if size < 4 {
		return img, errors.New("not a valid WebP: bad RIFF size")
	}
	if uint64(size) > uint64(len(b)-8) {
		return img, errTruncated
	}
	body := b[12 : 8+int(size)]
	out := make([]byte, 12, len(b))
	copy(out, b[:12])
	vp8x, picture, exif := -1, false, false
	for i := 0; i < len(body); {
		if i+8 > len(body) {
			return img, errTruncated
		}
		fourcc := string(body[i : i+4])
		n := binary.LittleEndian.Uint32(body[i+4:])
		if uint64(n)+uint64(n&1) > uint64(len(body)-i-8) {
			return img, errTruncated
		}
		end := i + 8 + int(n) + int(n&1)
		payload := body[i+8 : i+8+int(n)]
		if i == 0 && fourcc != "VP8X" && fourcc != "VP8 " && fourcc != "VP8L" {
			return img, fmt.Errorf("not a valid WebP: it starts with %q, not VP8, VP8L or VP8X", fourcc)
		}
		keep := true
		switch fourcc {
		case "VP8X":
			if i != 0 {
				return img, errors.New("not a valid WebP: VP8X is not the first chunk")
			}
			if n < 10 {
				return img, errors.New("not a valid WebP: short VP8X chunk")
			}
			vp8x = len(out) + 8
			img.width = 1 + (int(payload[4]) | int(payload[5])<<8 | int(payload[6])<<16)
			img.height = 1 + (int(payload[7]) | int(payload[8])<<8 | int(payload[9])<<16)
		case "VP8 ", "VP8L":
			w, h, err := webpFrameSize(fourcc, payload)
			if err != nil {
				return img, err
			}
			if i == 0 {
				img.width, img.height = w, h
			}
			picture = true
		case "ANMF":
			picture = true
		case "ICCP", "ANIM", "ALPH":
		case "EXIF":
			keep = false
			tiff, _ := bytes.CutPrefix(payload, []byte("Exif\x00\x00"))
			if o := exifOrientation(tiff); o != 1 && !exif && vp8x >= 0 {
				img.orientation = o
				t := orientationTIFF(o)
				out = append(out, "EXIF"...)
				out = binary.LittleEndian.AppendUint32(out, uint32(len(t)))
				out = append(out, t...) // even length: no padding
			}
			exif = true
		default: // "XMP " and chunks nobody asked for
			keep = false
		}
		if keep {
			out = append(out, body[i:end]...)
		}
		i = end
	}
	if !picture {
		return img, errors.New("not a valid WebP: it has no image data")
	}
	if vp8x >= 0 {
		out[vp8x] &^= webpFlagXMP
		if img.orientation == 1 {
			out[vp8x] &^= webpFlagEXIF
		} else {
			out[vp8x] |= webpFlagEXIF
		}
	}
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	img.data = out
	return img, nil
}

// webpFrameSize reads the picture size from a VP8 key frame header
// (RFC 6386 §9.1) or a VP8L header (signature 0x2F, then 14-bit width−1
// and height−1).
func webpFrameSize(fourcc string, p []byte) (int, int, error) {
	if fourcc == "VP8L" {
		if len(p) < 5 || p[0] != 0x2F {
			return 0, 0, errors.New("not a valid WebP: bad VP8L header")
		}
		bits := binary.LittleEndian.Uint32(p[1:])
		return int(bits&0x3FFF) + 1, int(bits>>14&0x3FFF) + 1, nil
	}
	if len(p) < 10 || p[0]&1 != 0 || p[3] != 0x9D || p[4] != 0x01 || p[5] != 0x2A {
		return 0, 0, errors.New("not a valid WebP: bad VP8 key frame header")
	}
	return int(binary.LittleEndian.Uint16(p[6:]) & 0x3FFF), int(binary.LittleEndian.Uint16(p[8:]) & 0x3FFF), nil
}

// exifOrientation returns the Orientation tag (0x0112) of IFD0 in a TIFF
// structure (the body of an Exif block), or 1 when there is none or the
// block is malformed: the picture is then shown as stored.
func exifOrientation(tiff []byte) int {
	if len(tiff) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(tiff[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return 1
	}
	off := uint64(bo.Uint32(tiff[4:]))
	if off+2 > uint64(len(tiff)) {
		return 1
	}
	count := uint64(bo.Uint16(tiff[off:]))
	for k := range count {
		e := off + 2 + 12*k
		if e+12 > uint64(len(tiff)) {
			break
		}
		if bo.Uint16(tiff[e:]) == 0x0112 && bo.Uint16(tiff[e+2:]) == 3 && bo.Uint32(tiff[e+4:]) == 1 {
			if o := int(bo.Uint16(tiff[e+8:])); o >= 1 && o <= 8 {
				return o
			}
			return 1
		}
	}
	return 1
}

// orientationTIFF is a TIFF structure holding only an Orientation tag:
// header, IFD0 with one SHORT entry, no next IFD.
func orientationTIFF(o int) []byte {
	return []byte{'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, byte(o), 0, 0, 0, 0, 0, 0}
}

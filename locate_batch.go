package gridline

import (
	"encoding/json"
	"strconv"

	"github.com/paulmach/orb"
)

// MaxLocateBatch is the most points one batch locate may hold.
const MaxLocateBatch = 100_000

// ParseLocateBatch reads the body of a batch locate:
//
//	{"points": [[lon, lat], …], "layer": "party"}
//
// with layer optional (a string, or null for none). It is strict: no other
// member, no member twice, exactly two numbers a point, at most
// [MaxLocateBatch] points, nothing after the object. Every problem is
// EINVALID naming the field: a point's is points[i], with the reason
// [ValidateLonLat] gives (swapped lat/lon named as such). The points are
// appended to dst[:0], so a caller may reuse one slice.
//
// It reads the points without reflection: a batch is meant to carry a
// million points a second.
func ParseLocateBatch(body []byte, dst []orb.Point) (pts []orb.Point, layer string, err error) {
	p := batchParser{b: body}
	pts = dst[:0]
	seenPoints, seenLayer := false, false
	p.ws()
	if err := p.expect('{', "an object"); err != nil {
		return nil, "", err
	}
	p.ws()
	if p.peek() == '}' {
		p.i++
	} else {
		for {
			key, err := p.str()
			if err != nil {
				return nil, "", err
			}
			p.ws()
			if err := p.expect(':', "':'"); err != nil {
				return nil, "", err
			}
			p.ws()
			switch key {
			case "points":
				if seenPoints {
					return nil, "", FieldErrorf("points", "given twice")
				}
				seenPoints = true
				if pts, err = p.points(pts); err != nil {
					return nil, "", err
				}
			case "layer":
				if seenLayer {
					return nil, "", FieldErrorf("layer", "given twice")
				}
				seenLayer = true
				if p.literal("null") {
					break
				}
				if p.peek() != '"' {
					return nil, "", FieldErrorf("layer", "must be a string")
				}
				if layer, err = p.str(); err != nil {
					return nil, "", err
				}
				if !isSlug(layer) {
					return nil, "", FieldErrorf("layer", "%q is not a layer code", layer)
				}
			default:
				return nil, "", FieldErrorf(key, "unknown field (want points and optional layer)")
			}
			p.ws()
			if p.peek() == ',' {
				p.i++
				p.ws()
				continue
			}
			if err := p.expect('}', "',' or '}'"); err != nil {
				return nil, "", err
			}
			break
		}
	}
	p.ws()
	if p.i < len(p.b) {
		return nil, "", Errorf(EINVALID, "request body has data after the JSON value (at byte %d)", p.i)
	}
	if !seenPoints {
		return nil, "", FieldErrorf("points", "is required")
	}
	return pts, layer, nil
}

// batchParser reads a batch locate body; i is the next byte.
type batchParser struct {
	b []byte
	i int
}

// peek returns the next byte, or 0 at the end.
func (p *batchParser) peek() byte {
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

// ws skips JSON whitespace.
func (p *batchParser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *batchParser) syntax(want string) error {
	if p.i >= len(p.b) {
		return Errorf(EINVALID, "request body is not valid JSON: it ends early (want %s)", want)
	}
	return Errorf(EINVALID, "request body is not valid JSON (at byte %d): want %s, got %q", p.i, want, p.b[p.i])
}

func (p *batchParser) expect(c byte, want string) error {
	if p.peek() != c {
		return p.syntax(want)
	}
	p.i++
	return nil
}

// literal consumes word if it comes next.
func (p *batchParser) literal(word string) bool {
	if len(p.b)-p.i >= len(word) && string(p.b[p.i:p.i+len(word)]) == word {
		p.i += len(word)
		return true
	}
	return false
}

// str reads a JSON string. Escapes are rare in a batch body (two member
// names and a layer code), so they are left to encoding/json.
func (p *batchParser) str() (string, error) {
	if p.peek() != '"' {
		return "", p.syntax("a string")
	}
	start, escaped := p.i, false
	for p.i++; p.i < len(p.b); {
		switch c := p.b[p.i]; {
		case c == '"':
			p.i++
			raw := p.b[start:p.i]
			if !escaped {
				return string(raw[1 : len(raw)-1]), nil
			}
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return "", Errorf(EINVALID, "request body is not valid JSON (at byte %d): bad escape in string", start)
			}
			return s, nil
		case c == '\\':
			escaped = true
			p.i += 2
		case c < 0x20:
			return "", Errorf(EINVALID, "request body is not valid JSON (at byte %d): control character in string", p.i)
		default:
			p.i++
		}
	}
	p.i = len(p.b)
	return "", p.syntax("the end of a string")
}

// points reads the points array, appending to pts.
func (p *batchParser) points(pts []orb.Point) ([]orb.Point, error) {
	if p.peek() != '[' {
		return nil, FieldErrorf("points", "must be an array of [lon, lat] pairs")
	}
	p.i++
	p.ws()
	if p.peek() == ']' {
		p.i++
		return pts, nil
	}
	if cap(pts) == 0 {
		// A compact point takes about 20 bytes; growing from here costs
		// a copy or two at most.
		pts = make([]orb.Point, 0, min(len(p.b)/24+1, MaxLocateBatch))
	}
	for n := 0; ; n++ {
		if n == MaxLocateBatch {
			return nil, FieldErrorf("points", "more than %d points; send at most %d a request", MaxLocateBatch, MaxLocateBatch)
		}
		pt, err := p.point(n)
		if err != nil {
			return nil, err
		}
		pts = append(pts, pt)
		p.ws()
		if p.peek() == ',' {
			p.i++
			p.ws()
			continue
		}
		if err := p.expect(']', "',' or ']' after a point"); err != nil {
			return nil, err
		}
		return pts, nil
	}
}

// point reads points[n], [lon, lat], and validates it.
func (p *batchParser) point(n int) (orb.Point, error) {
	field := func() string { return "points[" + strconv.Itoa(n) + "]" }
	if p.peek() != '[' {
		if p.i >= len(p.b) || p.peek() == ']' {
			return orb.Point{}, p.syntax("a point")
		}
		return orb.Point{}, FieldErrorf(field(), "want a [lon, lat] pair")
	}
	p.i++
	var pt orb.Point
	for k := range 2 {
		p.ws()
		if k == 1 {
			if p.peek() == ']' {
				return orb.Point{}, FieldErrorf(field(), "has 1 number, want [lon, lat]")
			}
			if err := p.expect(',', "',' between lon and lat"); err != nil {
				return orb.Point{}, err
			}
			p.ws()
		}
		v, ok := p.number()
		if !ok {
			if p.i >= len(p.b) {
				return orb.Point{}, p.syntax("a number")
			}
			return orb.Point{}, FieldErrorf(field(), "%s is not a number", [2]string{"longitude", "latitude"}[k])
		}
		pt[k] = v
	}
	p.ws()
	if p.peek() == ',' {
		return orb.Point{}, FieldErrorf(field(), "has more than 2 numbers, want [lon, lat]")
	}
	if err := p.expect(']', "']' after lat"); err != nil {
		return orb.Point{}, err
	}
	if msg := ValidateLonLat(pt[0], pt[1]); msg != "" {
		return orb.Point{}, FieldErrorf(field(), "%s", msg)
	}
	return pt, nil
}

// number reads a JSON number. One too large for a float64 reads as an
// infinity, which ValidateLonLat then refuses.
func (p *batchParser) number() (float64, bool) {
	b, start := p.b, p.i
	i := start
	// While checking the grammar, gather the digits as an integer and a
	// power of ten: coordinates such as 116.833712 then convert exactly
	// in one floating-point operation, as strconv's own fast path does,
	// without its general-purpose scan (half the parse time otherwise).
	var mant uint64
	nd, exp := 0, 0
	digits := func(frac bool) bool {
		j := i
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			mant = mant*10 + uint64(b[i]-'0') // wraps past 19 digits; nd says so
			nd++
			if frac {
				exp--
			}
		}
		return i > j
	}
	neg := i < len(b) && b[i] == '-'
	if neg {
		i++
	}
	if i < len(b) && b[i] == '0' {
		i++
	} else if !digits(false) {
		return 0, false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits(true) {
			return 0, false
		}
	}
	exact := nd <= 19 && mant < 1<<53
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		eneg := i < len(b) && (b[i] == '-')
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		e, j := 0, i
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			if e < 1000 {
				e = e*10 + int(b[i]-'0')
			}
		}
		if i == j {
			return 0, false
		}
		if eneg {
			e = -e
		}
		exp += e
	}
	p.i = i
	if exact && exp >= -22 && exp <= 22 {
		f := float64(mant)
		if exp < 0 {
			f /= pow10[-exp]
		} else {
			f *= pow10[exp]
		}
		if neg {
			f = -f
		}
		return f, true
	}
	v, err := strconv.ParseFloat(string(b[start:i]), 64)
	if err != nil && err.(*strconv.NumError).Err != strconv.ErrRange {
		return 0, false // not reached: the grammar above is ParseFloat's subset
	}
	return v, true
}

// pow10 holds the powers of ten a float64 represents exactly.
var pow10 = [23]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

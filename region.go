package gridline

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// RegionLevel is the level of an administrative region (行政区划).
type RegionLevel string

// Region levels and the length of their NBS codes.
const (
	LevelProvince RegionLevel = "province" // 省, 2 digits
	LevelCity     RegionLevel = "city"     // 市, 4 digits
	LevelCounty   RegionLevel = "county"   // 县/区, 6 digits
	LevelTown     RegionLevel = "town"     // 乡镇/街道, 9 digits
	LevelVillage  RegionLevel = "village"  // 村/社区, 12 digits
)

var levelCodeLen = map[RegionLevel]int{
	LevelProvince: 2, LevelCity: 4, LevelCounty: 6, LevelTown: 9, LevelVillage: 12,
}

// CodeLen returns the length of codes at level l, or 0 for an unknown level.
func (l RegionLevel) CodeLen() int { return levelCodeLen[l] }

// Valid reports whether l is a known level.
func (l RegionLevel) Valid() bool { return levelCodeLen[l] != 0 }

// LevelOfCode returns the level implied by a code's length.
func LevelOfCode(code string) (RegionLevel, bool) {
	for l, n := range levelCodeLen {
		if len(code) == n {
			return l, true
		}
	}
	return "", false
}

// ParentCodeOf returns the code of the region one level up, derived from the
// code itself (NBS codes are prefix-hierarchical), or "" for a province.
func ParentCodeOf(code string) string {
	switch len(code) {
	case 4:
		return code[:2]
	case 6:
		return code[:4]
	case 9:
		return code[:6]
	case 12:
		return code[:9]
	}
	return ""
}

// AncestorCodes returns the codes of all regions above code, top first.
func AncestorCodes(code string) []string {
	var out []string
	for p := ParentCodeOf(code); p != ""; p = ParentCodeOf(p) {
		out = append([]string{p}, out...)
	}
	return out
}

// IsStreet reports whether a town-level code is a street office (街道,
// sequence 001–099) rather than a town or township.
func IsStreet(townCode string) bool {
	return len(townCode) == 9 && townCode[6] == '0'
}

// IsResidentsCommittee reports whether a village-level code is a residents'
// committee (社区/居委会, sequence 001–199) rather than a villagers' committee.
func IsResidentsCommittee(code string) bool {
	return len(code) == 12 && (code[9] == '0' || code[9] == '1')
}

// RegionPath is the scope of a located object: the codes of its county,
// town, community and grid. A caller's scope is a prefix filter on
// CommunityCode (or an exact GridCode) on both databases.
type RegionPath struct {
	CountyCode    string `json:"county_code"`
	TownCode      string `json:"town_code"`
	CommunityCode string `json:"community_code"`
	GridCode      string `json:"grid_code,omitempty"`
}

// PathOf returns the region path a county, town, community or grid code
// implies: NBS codes and grid codes are prefix-hierarchical, so the path
// is the code's prefixes of 6, 9, 12 and 15 digits. Any other code gives
// an empty path.
func PathOf(code string) RegionPath {
	var p RegionPath
	switch len(code) {
	case GridCodeLen:
		p.GridCode = code
		fallthrough
	case 12:
		p.CommunityCode = code[:12]
		fallthrough
	case 9:
		p.TownCode = code[:9]
		fallthrough
	case 6:
		p.CountyCode = code[:6]
	}
	return p
}

// IsUrbanCommunity reports whether a village-level code is urban: a
// residents' committee (社区) of a street (街道). Villagers' committees
// that belong to a street are rural, as in the seed's 34.43 %.
func IsUrbanCommunity(code string) bool {
	return IsResidentsCommittee(code) && IsStreet(PathOf(code).TownCode)
}

// Region is an administrative region identified by its NBS statistical code.
type Region struct {
	Code       string      `json:"code"`
	Name       string      `json:"name"`
	Level      RegionLevel `json:"level"`
	ParentCode string      `json:"parent_code,omitempty"`
	// Geometry is the region's outline where known (the demo has outlines
	// for its county, towns and communities).
	Geometry Polygon `json:"geometry,omitempty"`
}

// RegionFilter selects regions. Zero fields do not filter.
type RegionFilter struct {
	ParentCode *string      // direct children of this code
	Within     *string      // the subtree under this code (excluding itself)
	Level      *RegionLevel // only this level
	Codes      []string     // only these codes
	Geometry   bool         // load outlines too
	Offset     int
	Limit      int
}

// RegionImport is the outcome of an import.
type RegionImport struct {
	Rows     int `json:"rows"`
	Inserted int `json:"inserted"`
	Updated  int `json:"updated"`
}

// RegionService reads and writes administrative regions.
type RegionService interface {
	// FindRegionByCode returns ENOTFOUND if there is no such region.
	FindRegionByCode(ctx context.Context, code string) (*Region, error)
	// FindRegions returns matching regions ordered by code and the total count.
	FindRegions(ctx context.Context, f RegionFilter) ([]*Region, int, error)
	// ImportRegions upserts regions in one transaction: all or nothing.
	// Rows are validated (see ValidateRegions); a parent must be in the rows
	// or already stored. Returns EINVALID naming the line of the first
	// offending row.
	ImportRegions(ctx context.Context, rows []RegionRow) (RegionImport, error)
	// SetRegionGeometry stores a region's outline (nil clears it).
	SetRegionGeometry(ctx context.Context, code string, g Polygon) error
}

// RegionRow is a region read from a file, with its line for error messages.
type RegionRow struct {
	Region
	Line int
}

// RegionFileLimits bound a regions file, plain or gzip. The national file
// (665,276 rows) is 33 MB uncompressed with lines of at most 131 bytes, so
// it fits with room to grow; a bomb stops at 64 MB.
var RegionFileLimits = UploadLimits{MaxBytes: 64 << 20, MaxLine: 1024}

// MaxRegionRows bounds the rows of a regions file, a fifth more than the
// national file. A parsed row takes about five times the bytes of a
// short line, so without it 64 MB of short rows would hold twice the
// memory of a national import.
const MaxRegionRows = 800_000

// ParseRegionsCSV reads regions in the format code,name,level,parent_code
// with a header line. A gzip stream is detected and decompressed; the file
// is read row by row within RegionFileLimits. Rows are checked one by one
// (column count, code digits and length against level, parent code
// against code); the first bad row fails the whole file with its line
// number. Whether parents exist is checked by ValidateRegions and the
// store.
func ParseRegionsCSV(r io.Reader) ([]RegionRow, error) {
	content, err := OpenUpload(r, RegionFileLimits)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(content)
	cr.FieldsPerRecord = 4
	cr.ReuseRecord = true // the row keeps the fields' strings, not the slice
	// Rows gather in fixed chunks, copied once at the end: growing one
	// slice by append allocates five times its final size on the way.
	var chunks [][]RegionRow
	var chunk []RegionRow
	n := 0
	// A row repeating the one before fails at once, so a file of one row
	// repeated (a bomb) stops at its second row instead of filling the row
	// limit. Other duplicates are found by ValidateRegions; a map of every
	// code here would cost as much memory again as the rows.
	prev, prevLine := "", 0
	for first := true; ; first = false {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		var ge *Error
		switch {
		case errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount):
			return nil, lineError(pe.StartLine, "expected 4 columns (code,name,level,parent_code), found %d", len(rec))
		case errors.As(err, &pe):
			return nil, lineError(pe.Line, "%v", pe.Err)
		case errors.As(err, &ge):
			return nil, ge
		case err != nil:
			return nil, Errorf(EINVALID, "regions file: %v", err)
		}
		// The real line, not the record count: blank lines are skipped.
		line, _ := cr.FieldPos(0)
		if first {
			if strings.TrimPrefix(rec[0], "\ufeff") == "code" {
				continue // header
			}
			return nil, lineError(line, "missing header code,name,level,parent_code")
		}
		reg := Region{Code: strings.TrimSpace(rec[0]), Name: strings.TrimSpace(rec[1]),
			Level: RegionLevel(strings.TrimSpace(rec[2])), ParentCode: strings.TrimSpace(rec[3])}
		if msg := reg.validateRow(); msg != "" {
			return nil, lineError(line, "%s", msg)
		}
		if reg.Code == prev {
			return nil, lineError(line, "duplicate code %s (first on line %d)", reg.Code, prevLine)
		}
		prev, prevLine = reg.Code, line
		if n == MaxRegionRows {
			return nil, lineError(line, "more than %d rows", MaxRegionRows)
		}
		if len(chunk) == cap(chunk) {
			chunk = make([]RegionRow, 0, 8192)
			chunks = append(chunks, chunk)
		}
		chunk = append(chunk, RegionRow{Region: reg, Line: line})
		chunks[len(chunks)-1] = chunk
		n++
	}
	if n == 0 {
		return nil, Errorf(EINVALID, "regions file: no rows")
	}
	rows := make([]RegionRow, 0, n)
	for _, c := range chunks {
		rows = append(rows, c...)
	}
	return rows, nil
}

func lineError(line int, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Code: EINVALID, Message: fmt.Sprintf("line %d: %s", line, msg),
		Fields: map[string]string{"line": fmt.Sprint(line)}}
}

// validateRow checks one region on its own.
func (r *Region) validateRow() string {
	if r.Code == "" {
		return "code is empty"
	}
	for _, c := range r.Code {
		if c < '0' || c > '9' {
			return fmt.Sprintf("code %q is not all digits", r.Code)
		}
	}
	if r.Name == "" {
		return fmt.Sprintf("name is empty for code %s", r.Code)
	}
	if err := CheckText("name", r.Name, MaxNameLen); err != nil {
		return ErrorMessage(err)
	}
	if !r.Level.Valid() {
		return fmt.Sprintf("unknown level %q (want province, city, county, town or village)", r.Level)
	}
	if len(r.Code) != r.Level.CodeLen() {
		return fmt.Sprintf("code %s has %d digits, a %s code has %d", r.Code, len(r.Code), r.Level, r.Level.CodeLen())
	}
	if want := ParentCodeOf(r.Code); r.ParentCode != want {
		if want == "" {
			return fmt.Sprintf("a province has no parent, found parent_code %q", r.ParentCode)
		}
		return fmt.Sprintf("parent_code %q does not match code %s (want %s)", r.ParentCode, r.Code, want)
	}
	return ""
}

// ValidateRegions checks rows against each other: no duplicate codes, and
// every parent either in rows or reported present by exists. It returns the
// parent codes that were looked up with exists.
func ValidateRegions(rows []RegionRow, exists func(codes []string) (map[string]bool, error)) error {
	seen := make(map[string]int, len(rows))
	for _, r := range rows {
		if first, ok := seen[r.Code]; ok {
			return lineError(r.Line, "duplicate code %s (first on line %d)", r.Code, first)
		}
		seen[r.Code] = r.Line
	}
	var missing []string
	missingSet := map[string]bool{}
	for _, r := range rows {
		if r.ParentCode != "" {
			if _, ok := seen[r.ParentCode]; !ok && !missingSet[r.ParentCode] {
				missingSet[r.ParentCode] = true
				missing = append(missing, r.ParentCode)
			}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	found, err := exists(missing)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if r.ParentCode != "" && missingSet[r.ParentCode] && !found[r.ParentCode] {
			return lineError(r.Line, "parent %s of %s is neither in the file nor stored", r.ParentCode, r.Code)
		}
	}
	return nil
}

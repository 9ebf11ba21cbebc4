package gridline_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/gridline/gridline"
)

func TestParseRegionsCSV(t *testing.T) {
	const header = "code,name,level,parent_code\n"
	tests := []struct {
		name    string
		csv     string
		rows    int
		wantErr string // substring of the message; "" means success
	}{
		{"ok", header + "37,山东省,province,\n3708,济宁市,city,37\n", 2, ""},
		{"bom header", "\ufeff" + header + "37,山东省,province,\n", 1, ""},
		{"no header", "37,山东省,province,\n", 0, "line 1: missing header"},
		{"empty", header, 0, "no rows"},
		{"wrong column count", header + "37,山东省,province\n", 0, "line 2: expected 4 columns"},
		{"too many columns", header + "37,山东省,province,,\n", 0, "line 2: expected 4 columns (code,name,level,parent_code), found 5"},
		{"blank lines keep line numbers", header + "\n37,山东省,province,\n\n3708,济宁市,state,37\n", 0, "line 5: unknown level"},
		{"long line", header + "37," + strings.Repeat("山", 400) + ",province,\n", 0, "line 2: longer than 1024 bytes"},
		{"unknown level", header + "37,山东省,state,\n", 0, `line 2: unknown level "state"`},
		{"code length vs level", header + "370,山东省,province,\n", 0, "line 2: code 370 has 3 digits"},
		{"not digits", header + "3A,山东省,province,\n", 0, "not all digits"},
		{"parent mismatch", header + "37,山东省,province,\n3708,济宁市,city,36\n", 0, "line 3: parent_code \"36\" does not match"},
		{"province with parent", header + "37,山东省,province,1\n", 0, "a province has no parent"},
		{"empty name", header + "37,,province,\n", 0, "name is empty"},
		{"bad quote", header + "37,\"山东省,province,\n", 0, "line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := gridline.ParseRegionsCSV(strings.NewReader(tt.csv))
			if tt.wantErr == "" {
				if err != nil || len(rows) != tt.rows {
					t.Fatalf("rows=%d err=%v", len(rows), err)
				}
				return
			}
			if gridline.ErrorCode(err) != gridline.EINVALID || !strings.Contains(gridline.ErrorMessage(err), tt.wantErr) {
				t.Fatalf("err = %v, want message containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestParseRegionsCSVGzip(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte("code,name,level,parent_code\n37,山东省,province,\n"))
	zw.Close()
	rows, err := gridline.ParseRegionsCSV(&buf)
	if err != nil || len(rows) != 1 || rows[0].Name != "山东省" || rows[0].Line != 2 {
		t.Fatalf("rows=%+v err=%v", rows, err)
	}
}

// TestParseRegionsCSVNational checks that the national file, the largest
// real one, fits within RegionFileLimits and MaxRegionRows.
func TestParseRegionsCSVNational(t *testing.T) {
	f, err := os.Open("testdata/regions/china-2023.csv.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := gridline.ParseRegionsCSV(f)
	if err != nil || len(rows) != 665276 {
		t.Fatalf("rows = %d, %v", len(rows), err)
	}
	if last := rows[len(rows)-1]; last.Line != 665277 || last.Level != gridline.LevelVillage {
		t.Fatalf("last row = %+v", last)
	}
}

// TestRegionRowLimit: a file of more unique rows than MaxRegionRows is
// refused naming the limit, while the national file (665,276 rows) fits.
func TestRegionRowLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString("code,name,level,parent_code\n")
	for i := 0; i <= gridline.MaxRegionRows; i++ {
		code := fmt.Sprintf("%012d", 100000000000+i)
		fmt.Fprintf(&b, "%s,村,village,%s\n", code, code[:9])
	}
	_, err := gridline.ParseRegionsCSV(strings.NewReader(b.String()))
	if want := fmt.Sprintf("more than %d rows", gridline.MaxRegionRows); !strings.Contains(gridline.ErrorMessage(err), want) {
		t.Fatalf("err = %v, want %q", err, want)
	}
}

func TestValidateRegions(t *testing.T) {
	// A row repeating the one before fails as the file streams in.
	_, err := gridline.ParseRegionsCSV(strings.NewReader("code,name,level,parent_code\n3708,济宁市,city,37\n3708,济宁市,city,37\n"))
	if !strings.Contains(gridline.ErrorMessage(err), "line 3: duplicate code 3708 (first on line 2)") {
		t.Fatalf("repeated row: %v", err)
	}
	// Other duplicates are ValidateRegions's.
	rows, err := gridline.ParseRegionsCSV(strings.NewReader("code,name,level,parent_code\n3708,济宁市,city,37\n370812,兖州区,county,3708\n3708,重复,city,37\n"))
	if err != nil {
		t.Fatal(err)
	}
	none := func([]string) (map[string]bool, error) { return map[string]bool{}, nil }
	err = gridline.ValidateRegions(rows, none)
	if !strings.Contains(gridline.ErrorMessage(err), "line 4: duplicate code 3708 (first on line 2)") {
		t.Fatalf("duplicate: %v", err)
	}
	err = gridline.ValidateRegions(rows[:2], none)
	if !strings.Contains(gridline.ErrorMessage(err), "line 2: parent 37 of 3708") {
		t.Fatalf("missing parent: %v", err)
	}
	stored := func(c []string) (map[string]bool, error) { return map[string]bool{"37": true}, nil }
	if err := gridline.ValidateRegions(rows[:2], stored); err != nil {
		t.Fatalf("stored parent: %v", err)
	}
}

func TestRegionCodes(t *testing.T) {
	if got := gridline.AncestorCodes("370812001002"); strings.Join(got, ",") != "37,3708,370812,370812001" {
		t.Fatalf("ancestors = %v", got)
	}
	for code, want := range map[string]bool{"370812001": true, "370812099": true, "370812101": false, "370812201": false} {
		if gridline.IsStreet(code) != want {
			t.Errorf("IsStreet(%s) = %v", code, !want)
		}
	}
	for code, want := range map[string]bool{"370812001002": true, "370812105199": true, "370812105200": false, "370812101399": false} {
		if gridline.IsResidentsCommittee(code) != want {
			t.Errorf("IsResidentsCommittee(%s) = %v", code, !want)
		}
	}
}

func FuzzParseRegionsCSV(f *testing.F) {
	f.Add("code,name,level,parent_code\n37,山东省,province,\n3708,济宁市,city,37\n")
	f.Add("code,name,level,parent_code\n\"37\",\"a\"\"b\",village,\n")
	f.Add("\x1f\x8b garbage")
	f.Fuzz(func(t *testing.T, s string) {
		rows, err := gridline.ParseRegionsCSV(strings.NewReader(s))
		if err != nil {
			if code := gridline.ErrorCode(err); code != gridline.EINVALID {
				t.Fatalf("error code %s for bad input: %v", code, err)
			}
			return
		}
		for _, r := range rows {
			if !r.Level.Valid() || len(r.Code) != r.Level.CodeLen() {
				t.Fatalf("accepted bad row %+v", r)
			}
		}
	})
}

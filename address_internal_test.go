package gridline

import "testing"

// TestBuildingNumber reads building numbers in digits and Chinese
// numerals as buildingNo finds them.
func TestBuildingNumber(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"12", 12, true}, {"三", 3, true}, {"两", 2, true}, {"十", 10, true}, {"十二", 12, true},
		{"二十", 20, true}, {"二十三", 23, true}, {"一〇五", 105, true}, {"一零五", 105, true},
		{"一百零五", 105, true}, {"两百", 200, true}, {"一百一十", 110, true}, {"十百", 0, false},
	} {
		got, ok := buildingNumber(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("%s: %d %v, want %d %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// TestHotlinePhone reads the phone numbers of 12345 exports.
func TestHotlinePhone(t *testing.T) {
	for in, want := range map[string]string{
		"13812345678":              "13812345678",
		" 138 1234 5678 ":          "13812345678",
		"138-1234-5678":            "13812345678",
		"+86 13812345678":          "13812345678",
		"008613812345678":          "13812345678",
		"13812345678/13912345678":  "13812345678",
		"13812345678，0537-3412345": "13812345678",
		"0537-3412345":             "0537-3412345",
		"0537-3412345-8001":        "0537-3412345-8001",
		"(0537)3412345":            "(0537)3412345",
		"138****5678":              "",
		"138XXXX5678":              "",
		"":                         "",
		"12345":                    "12345",
		"1381234567":               "1381234567", // one digit short: validation names it
	} {
		if got := hotlinePhone(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

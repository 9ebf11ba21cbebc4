package gridline_test

import (
	"strings"
	"testing"

	"github.com/gridline/gridline"
)

// countDigits returns the digits in s.
func countDigits(s string) int {
	n := 0
	for _, c := range s {
		if c >= '0' && c <= '9' {
			n++
		}
	}
	return n
}

func TestPhone(t *testing.T) {
	tests := []struct {
		phone   string
		valid   bool
		masked  string
		visible int // digits left by the mask
	}{
		// Mobiles: the customary 3 + 4.
		{"13812345678", true, "138****5678", 7},
		{"138 1234 5678", true, "138 **** 5678", 7},
		{"138-1234-5678", true, "138-****-5678", 7},
		{"19912345678", true, "199****5678", 7},
		// Landlines: the last third of the digits.
		{"0537-3412345", true, "****-****345", 3},
		{"05373412345", true, "********345", 3},
		{"0537 3412345", true, "**** ****345", 3},
		{"(0537)3412345", true, "(****)****345", 3},
		{"(0537) 3412345", true, "(****) ****345", 3},
		{"010-62345678", true, "***-*****678", 3},
		{"021-61234567", true, "***-*****567", 3},
		{"0537-34123456", true, "****-****3456", 4},
		{"0537-3412345-801", true, "****-******5-801", 4},
		{"0537-3412345转801", true, "****-******5转801", 4},
		{"010-62345678-123456", true, "***-********-*23456", 5},
		{"0537-3412345-1", true, "****-****345-1", 4},
		// Service numbers.
		{"12345", true, "****5", 1},
		{"95588", true, "****8", 1},
		{"95105888", true, "******88", 2},
		{"96166", true, "****6", 1},
		{"961234", true, "****34", 2},
		{"400-810-8888", true, "***-***-*888", 3},
		{"4008108888", true, "*******888", 3},
		{"800 810 8888", true, "*** *** *888", 3},
		// Refused, but masked all the same (stored values may be older
		// than the rules).
		{"5551234", false, "*****34", 2},
		{"1234567-", false, "*****67-", 2},
		{"1381234567", false, "*******567", 3},
		{"138123456789", false, "********6789", 4},
		{"12812345678", false, "128****5678", 7},
		{"+86 13812345678", false, "+** *******5678", 4},
		{" 13812345678", false, " 138****5678", 7},
		{"138--1234-5678", false, "138--****-5678", 7},
		{"0537-1412345", false, "****-****345", 3},
		{"010-12345678", false, "***-*****678", 3},
		{"0537-341234", false, "****-***234", 3},
		{"0537-341234567", false, "****-*****4567", 4},
		{"0537-3412345-", false, "****-****345-", 3},
		{"0537-3412345-1234567", false, "****-*******-*234567", 6},
		{"0137-3412345", false, "****-****345", 3},
		{"110", false, "**0", 1},
		{"12", false, "**", 0},
		{"call me", false, "call me", 0},
	}
	for _, tt := range tests {
		t.Run(tt.phone, func(t *testing.T) {
			p := gridline.Person{Name: "张伟", Team: gridline.TeamGridWorker, Phone: tt.phone}
			err := p.Validate()
			if tt.valid && err != nil {
				t.Errorf("refused: %v", err)
			} else if !tt.valid && gridline.ErrorFields(err)["phone"] == "" {
				t.Errorf("accepted: %v", err)
			}
			got := gridline.MaskPhone(tt.phone)
			if got != tt.masked {
				t.Errorf("MaskPhone = %q, want %q", got, tt.masked)
			}
			if v := countDigits(got); v != tt.visible {
				t.Errorf("%d digits visible, want %d", v, tt.visible)
			}
			// Only the mobile convention shows more than a third.
			n := countDigits(tt.phone)
			if v := countDigits(got); v > n/3 && !(n == 11 && tt.visible == 7) {
				t.Errorf("%d of %d digits visible", v, n)
			}
			if msg := gridline.ErrorMessage(err); err != nil && !strings.Contains(msg, `"`+tt.masked+`" is not a phone number`) {
				t.Errorf("the error does not show the number masked: %v", err)
			}
		})
	}
}

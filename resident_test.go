package gridline_test

import (
	"testing"

	"github.com/gridline/gridline"
)

func TestResidentPhone(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"13812345678", "13812345678", true},
		{"138 1234 5678", "13812345678", true},
		{"138-1234-5678", "13812345678", true},
		{"19912345678", "19912345678", true},
		{"0537-3412345", "0537-3412345", true},
		{"010-62345678", "010-62345678", true},
		{"12812345678", "", false}, // 12x is no mobile prefix
		{"1381234567", "", false},
		{"12345", "", false}, // a hotline is nobody's phone
		{"110", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, err := gridline.ResidentPhone(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ResidentPhone(%q) = %q, %v", tt.in, got, err)
		}
		if err != nil && gridline.ErrorFields(err)["phone"] == "" {
			t.Errorf("ResidentPhone(%q): error names no field: %v", tt.in, err)
		}
	}
}

func TestParseResidentLimits(t *testing.T) {
	l, err := gridline.ParseResidentLimits("per_phone_day=10, place_radius=50")
	if err != nil || l.PerPhoneDay != 10 || l.PerPlaceHour != gridline.DefaultResidentLimits.PerPlaceHour || l.PlaceRadius != 50 {
		t.Fatalf("got %+v, %v", l, err)
	}
	for _, bad := range []string{"per_phone_day=0", "per_day=3", "per_place_hour", "place_radius=x", "place_radius=5000"} {
		if _, err := gridline.ParseResidentLimits(bad); gridline.ErrorCode(err) != gridline.EINVALID {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// TestResidentRating: a rating is rateable only after the reply has been
// verified; in the callback stage it moves the case as a callback does,
// on a closed case it leaves it closed; every status has a public stage.
func TestResidentRating(t *testing.T) {
	tests := []struct {
		from gridline.TicketStatus
		o    gridline.Outcome
		to   gridline.TicketStatus
	}{
		{gridline.StatusCallback, gridline.OutcomeSatisfied, gridline.StatusClosed},
		{gridline.StatusCallback, gridline.OutcomeBasic, gridline.StatusClosed},
		{gridline.StatusCallback, gridline.OutcomeUnsatisfied, gridline.StatusHandling},
		{gridline.StatusClosed, gridline.OutcomeUnsatisfied, gridline.StatusClosed},
		{gridline.StatusVerifying, gridline.OutcomeSatisfied, ""},
		{gridline.StatusHandling, gridline.OutcomeSatisfied, ""},
		{gridline.StatusMerged, gridline.OutcomeSatisfied, ""},
	}
	for _, tt := range tests {
		to, err := gridline.ResidentRatingStatus(tt.from, tt.o)
		if to != tt.to || (tt.to == "") != (gridline.ErrorCode(err) == gridline.ECONFLICT) {
			t.Errorf("%s %s: %s, %v", tt.from, tt.o, to, err)
		}
		if (tt.to != "") != gridline.Rateable(tt.from) {
			t.Errorf("Rateable(%s) = %v", tt.from, gridline.Rateable(tt.from))
		}
	}
	for _, s := range gridline.TicketStatuses {
		if gridline.StageOf(s) == "" {
			t.Errorf("no stage for %s", s)
		}
	}
	req := gridline.ResidentRatingAction(gridline.ResidentRating{Satisfaction: gridline.OutcomeBasic, Comment: "还行"})
	if err := req.Validate(); err != nil || req.Action != gridline.ActionCallback || !*req.Contacted || req.Opinion != "" {
		t.Fatalf("rating action %+v, %v", req, err)
	}
	r := gridline.ResidentRating{Satisfaction: gridline.OutcomeUnreachable}
	if err := r.Validate(); gridline.ErrorFields(err)["satisfaction"] == "" {
		t.Fatalf("unreachable is no rating: %v", err)
	}
}

func TestFollowCode(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		c, err := gridline.NewFollowCode()
		if err != nil || len(c) != gridline.FollowCodeLen || seen[c] {
			t.Fatalf("code %q, %v", c, err)
		}
		seen[c] = true
		if gridline.HashFollowCode(c) != gridline.HashFollowCode(" "+c[:4]+"-"+c[4:]+" ") {
			t.Fatal("a code typed with a dash or spaces hashes differently")
		}
	}
}

package gridline_test

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/gridline/gridline"
)

func TestParseLocateQuery(t *testing.T) {
	tests := []struct {
		query, field string
	}{
		{"lon=116.8&lat=35.5", ""},
		{"lon=116.8&lat=35.5&layer=party", ""},
		{"lat=35.5", "lon"},
		{"lon=116.8", "lat"},
		{"lon=abc&lat=35.5", "lon"},
		{"lon=NaN&lat=35.5", "lon"},
		{"lon=200&lat=35.5", "lon"},
		{"lon=116.8&lat=-91", "lat"},
		{"lon=35.5&lat=116.8", "lat"},
		{"lon=35.5&lat=80", "lat"},
		{"lon=116.8&lat=35.5&x=1", "x"},
		{"lon=116.8&lon=116.9&lat=35.5", "lon"},
		{"lon=116.8&lat=35.5&layer=DROP%20TABLE", "layer"},
	}
	for _, tt := range tests {
		q, _ := url.ParseQuery(tt.query)
		_, _, _, err := gridline.ParseLocateQuery(q)
		if tt.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.query, err)
			}
			continue
		}
		if gridline.ErrorCode(err) != gridline.EINVALID || gridline.ErrorFields(err)[tt.field] == "" {
			t.Errorf("%s: err = %v, want a message on field %s", tt.query, err, tt.field)
		}
	}
}

// TestPlaceNameJSON: a level a case is not placed at is null, a placed
// one an object.
func TestPlaceNameJSON(t *testing.T) {
	for _, tt := range []struct {
		in   gridline.PlaceName
		want string
	}{
		{gridline.PlaceName{}, `null`},
		{gridline.PlaceName{Code: "370812001", Name: "鼓楼街道"}, `{"code":"370812001","name":"鼓楼街道"}`},
	} {
		b, err := json.Marshal(tt.in)
		if err != nil || string(b) != tt.want {
			t.Errorf("%+v: %s, %v; want %s", tt.in, b, err, tt.want)
		}
	}
	var back gridline.Ticket
	if err := json.Unmarshal([]byte(`{"grid":{"code":"370812001002001","name":"韦园"},"town":null}`), &back); err != nil ||
		back.Grid.Code != "370812001002001" || back.Town != (gridline.PlaceName{}) {
		t.Errorf("read back: %+v, %v", back.Grid, err)
	}
}

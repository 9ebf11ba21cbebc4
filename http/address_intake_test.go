package http_test

import (
	"testing"
)

// TestIntakeByAddressWords: a case that names its place only in words is
// placed on the standard addresses when they name its compound (and a
// building of it), and waits unlocated otherwise; a compound added while
// serving is found by the next intake.
func TestIntakeByAddressWords(t *testing.T) {
	_, ts := newServer(t)
	intake := func(ext, address string) string {
		return `{"channel":"hotline","external_id":"` + ext + `","text":"楼道灯坏了，晚上看不见","address":"` + address + `"}`
	}
	runScenarios(t, ts.URL, append(compoundScenarios(), []scenario{
		{name: "building", method: "POST", url: "/api/v1/buildings", auth: true, status: 201,
			body: `{"compound_id":1,"name":"5号楼","number":5,"floors":18,"footprint":` + square(116.8035, 35.5535, 0.0003) +
				`,"entrances":[{"number":1},{"number":2}]}`},
		{name: "a building of a compound, in words", method: "POST", url: "/api/v1/tickets", auth: true, status: 201,
			body: intake("A-1", "兖州区鼓楼街道韦园小区5号楼2单元"),
			want: []string{`"status":"received"`, `"grid_code":"370812001002001"`, `"compound_id":1`, `"lon":116.80`, `"lat":35.55`}},
		{name: "only a road", method: "POST", url: "/api/v1/tickets", auth: true, status: 201,
			body: intake("A-2", "兖州区幸福路与建设路交叉口"), want: []string{`"status":"unlocated"`, `"lon":null`}},
		{name: "a compound added while serving", method: "POST", url: "/api/v1/compounds", auth: true, status: 201,
			body: `{"name":"盛景花园","geometry":` + square(116.806, 35.556, 0.002) + `}`},
		{name: "its building", method: "POST", url: "/api/v1/buildings", auth: true, status: 201,
			body: `{"compound_id":2,"name":"1号楼","number":1,"floors":6,"footprint":` + square(116.8065, 35.5565, 0.0003) +
				`,"entrances":[{"number":1}]}`},
		{name: "found by the next intake", method: "POST", url: "/api/v1/tickets", auth: true, status: 201,
			body: intake("A-3", "盛景花园1号楼"), want: []string{`"status":"received"`, `"compound_id":2`}},
		{name: "a point given wins over the words", method: "POST", url: "/api/v1/tickets", auth: true, status: 201,
			body: `{"channel":"hotline","text":"路灯不亮","address":"盛景花园1号楼","lon":116.8091,"lat":35.5591}`,
			want: []string{`"lon":116.8091`, `"lat":35.5591`}},
	}...))
}

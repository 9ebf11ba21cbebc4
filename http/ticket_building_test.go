package http_test

import (
	"encoding/json"
	"testing"
)

// compoundScenarios make 韦园社区's first grid and 韦园小区 (compound 1)
// inside it, for a building and its addresses to follow.
func compoundScenarios() []scenario {
	return []scenario{
		{name: "grid", method: "POST", url: "/api/v1/grids", auth: true, status: 201,
			body: `{"name":"韦园社区第1网格","community_code":"370812001002","geometry":` + square(116.80, 35.55, 0.01) + `}`},
		{name: "compound", method: "POST", url: "/api/v1/compounds", auth: true, status: 201,
			body: `{"name":"韦园小区","geometry":` + square(116.802, 35.552, 0.004) + `}`},
	}
}

// TestTicketAtBuildingAPI: intake names a building, an address or a door
// plate, with entrance and floor; each bad input is a 400 naming its
// field; the case shows its building, and the list selects by building.
func TestTicketAtBuildingAPI(t *testing.T) {
	_, ts := newServer(t)
	runScenarios(t, ts.URL, append(compoundScenarios(),
		scenario{name: "building", method: "POST", url: "/api/v1/buildings", auth: true, status: 201,
			body: `{"compound_id":1,"name":"5号楼","number":5,"floors":18,"height_m":54,"footprint":` + square(116.8035, 35.5535, 0.0003) +
				`,"entrances":[{"number":1},{"number":2,"floors":6}]}`}))
	var addrs struct {
		Items []struct {
			ID         int64  `json:"id"`
			EntranceNo int    `json:"entrance_no"`
			QRToken    string `json:"qr_token"`
		} `json:"items"`
	}
	body := scenario{name: "addresses", method: "GET", url: "/api/v1/addresses?building=1", auth: true, status: 200}.run(t, ts.URL)
	if err := json.Unmarshal([]byte(body), &addrs); err != nil || len(addrs.Items) != 2 || addrs.Items[1].EntranceNo != 2 {
		t.Fatalf("addresses: %v %s", err, body)
	}
	plate, addr2 := addrs.Items[1].QRToken, ftoa(float64(addrs.Items[1].ID))
	intake := func(place string) string {
		return `{"channel":"hotline","text":"楼上漏水，卫生间天花板滴水",` + place + `}`
	}
	runScenarios(t, ts.URL, []scenario{
		{name: "at a building's floor", method: "POST", url: "/api/v1/tickets", auth: true, status: 201,
			body: intake(`"building_id":1,"entrance":1,"floor":12`),
			want: []string{`"building_id":1`, `"building":{"id":1,"name":"5号楼","floors":18,"height_m":54,"compound_name":"韦园小区"}`,
				`"entrance":1`, `"floor":12`, `"status":"received"`, `"grid_code":"370812001002001"`, `"compound_id":1`}},
		{name: "by door plate", method: "POST", url: "/api/v1/tickets", auth: true, status: 201,
			body: intake(`"qr_token":"` + plate + `","floor":3`),
			want: []string{`"building_id":1`, `"entrance":2`, `"floor":3`, `5号楼2单元"`}, notWant: []string{`"qr_token"`}},
		{name: "by address, point near", method: "POST", url: "/api/v1/tickets", auth: true, status: 201,
			body: intake(`"address_id":` + addr2 + `,"lon":116.8041,"lat":35.5536`), want: []string{`"building_id":1`, `"entrance":2`, `"floor":null`, `"lon":116.8041`}},
		{name: "a case at no building", method: "POST", url: "/api/v1/tickets", auth: true, status: 201,
			body: intake(`"lon":116.805,"lat":35.555`), want: []string{`"building_id":null`, `"building":null`, `"entrance":0`, `"floor":null`}},
		{name: "multipart takes the building too", method: "POST", url: "/api/v1/tickets", auth: true, status: 201,
			ctype: "multipart/form-data; boundary=XyZ",
			body:  "--XyZ\r\nContent-Disposition: form-data; name=\"ticket\"\r\n\r\n" + intake(`"building_id":1,"floor":18`) + "\r\n--XyZ--\r\n",
			want:  []string{`"building_id":1`, `"floor":18`}},

		{name: "unknown building", method: "POST", url: "/api/v1/tickets", auth: true, status: 400,
			body: intake(`"building_id":99`), want: []string{`"building_id":"no building 99"`}},
		{name: "unknown address", method: "POST", url: "/api/v1/tickets", auth: true, status: 400,
			body: intake(`"address_id":99`), want: []string{`"address_id"`}},
		{name: "unknown door plate", method: "POST", url: "/api/v1/tickets", auth: true, status: 400,
			body: intake(`"qr_token":"nope"`), want: []string{`"qr_token"`}},
		{name: "entrance not in the building", method: "POST", url: "/api/v1/tickets", auth: true, status: 400,
			body: intake(`"building_id":1,"entrance":3`), want: []string{`"entrance":"5号楼 has no entrance 3 (it has 1, 2)"`}},
		{name: "floor out of range", method: "POST", url: "/api/v1/tickets", auth: true, status: 400,
			body: intake(`"building_id":1,"floor":19`), want: []string{`"floor":"must be 1–18 in 5号楼, got 19"`}},
		{name: "floor above its entrance", method: "POST", url: "/api/v1/tickets", auth: true, status: 400,
			body: intake(`"building_id":1,"entrance":2,"floor":7`), want: []string{`"floor":"must be 1–6 in 5号楼 entrance 2, got 7"`}},
		{name: "no basements", method: "POST", url: "/api/v1/tickets", auth: true, status: 400,
			body: intake(`"building_id":1,"floor":-1`), want: []string{`"floor"`}},
		{name: "floor without a building", method: "POST", url: "/api/v1/tickets", auth: true, status: 400,
			body: intake(`"lon":116.805,"lat":35.555,"floor":2`), want: []string{`"floor":"needs a building`}},
		{name: "building far from the point", method: "POST", url: "/api/v1/tickets", auth: true, status: 400,
			body: intake(`"building_id":1,"lon":116.8085,"lat":35.5535`), want: []string{`"building_id":"5号楼 lies `, ` m from the case's point`}},
		{name: "door plate of another building", method: "POST", url: "/api/v1/tickets", auth: true, status: 400,
			body: intake(`"qr_token":"` + plate + `","building_id":2`), want: []string{`"building_id"`}},
		{name: "bad building filter", method: "GET", url: "/api/v1/tickets?building=tall", auth: true, status: 400, want: []string{`"building"`}},

		{name: "the building's cases", method: "GET", url: "/api/v1/tickets?building=1", auth: true, status: 200, want: []string{`"total":4`}},
		{name: "cases at any building", method: "GET", url: "/api/v1/tickets?building=any&limit=1", auth: true, status: 200,
			want: []string{`"total":4`, `"floor":18`}},
		{name: "export has the place in the building", method: "GET", url: "/api/v1/tickets/export.csv?building=1", auth: true, status: 200,
			want: []string{`楼栋位置`, `韦园小区 5号楼 1单元 12层`, `韦园小区 5号楼 2单元 3层`}},
		{name: "a building with cases stays", method: "DELETE", url: "/api/v1/buildings/1", auth: true, status: 409},
	})
}

package sqlstore_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gridline/gridline"
)

// buildingFixture is a compound in g1 with an 18-floor building of two
// entrances (the second six floors high) and its standard addresses.
type buildingFixture struct {
	*fixture
	compound *gridline.Compound
	b        *gridline.Building
	addr2    *gridline.Address // entrance 2
}

func newBuildingFixture(tb testing.TB) *buildingFixture {
	tb.Helper()
	f := newFixture(tb)
	c := f.mustCompound(tb, "韦园小区", square(116.802, 35.552, 0.004), "")
	b := f.mustBuilding(tb, &gridline.Building{CompoundID: &c.ID, Name: "5号楼", Number: 5, Floors: 18, HeightM: 54,
		Footprint: square(116.8035, 35.5535, 0.0003),
		Entrances: []*gridline.Entrance{{Number: 1}, {Number: 2, Floors: 6}}})
	as, _, err := f.s.Addresses.FindAddresses(ctx, gridline.PlaceFilter{BuildingID: &b.ID})
	if err != nil || len(as) != 2 {
		tb.Fatalf("addresses of the building: %v, %v", as, err)
	}
	bf := &buildingFixture{fixture: f, compound: c, b: b}
	for _, a := range as {
		if a.EntranceNo == 2 {
			bf.addr2 = a
		}
	}
	return bf
}

func (f *buildingFixture) intake(t *gridline.Ticket) (*gridline.Ticket, error) {
	if t.Channel == "" {
		t.Channel = gridline.ChannelHotline
	}
	if t.Text == "" {
		t.Text = "楼上漏水，卫生间天花板滴水"
	}
	_, err := f.s.Tickets.CreateTicket(ctx, t)
	return t, err
}

func TestTicketAtBuilding(t *testing.T) {
	f := newBuildingFixture(t)
	b := f.b

	// A building alone places the case at its centre, in its compound.
	tk, err := f.intake(&gridline.Ticket{BuildingID: &b.ID, Entrance: 1, Floor: ptr(12)})
	if err != nil {
		t.Fatal(err)
	}
	if tk.Lon == nil || *tk.Lon != b.Lon || *tk.Lat != b.Lat || tk.GridCode != f.g1.Code || tk.Status != gridline.StatusReceived {
		t.Fatalf("placed at %v,%v in %q (%s), want the building's centre %v,%v in %s", tk.Lon, tk.Lat, tk.GridCode, tk.Status,
			b.Lon, b.Lat, f.g1.Code)
	}
	if tk.CompoundID == nil || *tk.CompoundID != f.compound.ID {
		t.Errorf("compound %v, want %d", tk.CompoundID, f.compound.ID)
	}
	want := &gridline.TicketBuilding{ID: b.ID, Name: "5号楼", Floors: 18, HeightM: 54, CompoundName: "韦园小区"}
	if diff := cmp.Diff(want, tk.Building); diff != "" {
		t.Errorf("intake's building (-want +got):\n%s", diff)
	}
	// The stored case reads back the same, in the list too.
	read, err := f.s.Tickets.FindTicketByID(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(read, tk, intakeOnly); diff != "" {
		t.Fatalf("intake answer differs from the stored case (-read +answer):\n%s", diff)
	}
	if got := gridline.BuildingPlace(read); got != "韦园小区 5号楼 1单元 12层" {
		t.Errorf("BuildingPlace = %q", got)
	}

	// A door plate names building and entrance, and its address and point.
	byQR, err := f.intake(&gridline.Ticket{QRToken: f.addr2.QRToken, Floor: ptr(3)})
	if err != nil {
		t.Fatal(err)
	}
	if byQR.BuildingID == nil || *byQR.BuildingID != b.ID || byQR.Entrance != 2 || *byQR.Floor != 3 ||
		byQR.Address != f.addr2.FullName || *byQR.Lon != f.addr2.Lon || byQR.QRToken != "" {
		t.Fatalf("by QR: building %v entrance %d floor %v address %q at %v", byQR.BuildingID, byQR.Entrance, byQR.Floor,
			byQR.Address, *byQR.Lon)
	}
	// So does an address id; a point given too wins when near.
	lon, lat := b.Lon+0.0005, b.Lat // about 45 m east of the centre
	byAddr, err := f.intake(&gridline.Ticket{AddressID: &f.addr2.ID, Lon: &lon, Lat: &lat})
	if err != nil {
		t.Fatal(err)
	}
	if *byAddr.BuildingID != b.ID || byAddr.Entrance != 2 || byAddr.Floor != nil || *byAddr.Lon != lon {
		t.Fatalf("by address: building %v entrance %d floor %v at %v", byAddr.BuildingID, byAddr.Entrance, byAddr.Floor, *byAddr.Lon)
	}

	// The building's cases, and the cases at any building.
	other := mustTicket(t, f.fixture, 116.805, 35.555, "路灯不亮")
	got, n, err := f.s.Tickets.FindTickets(ctx, gridline.TicketFilter{BuildingID: &b.ID})
	if err != nil || n != 3 || len(got) != 3 {
		t.Fatalf("building's cases: %d of %d, %v", len(got), n, err)
	}
	got, n, err = f.s.Tickets.FindTickets(ctx, gridline.TicketFilter{AtBuilding: true, Limit: 10})
	if err != nil || n != 3 || got[0].ID != byAddr.ID {
		t.Fatalf("cases at buildings: %d (first %d), %v", n, got[0].ID, err)
	}
	if all, n, _ := f.s.Tickets.FindTickets(ctx, gridline.TicketFilter{}); n != 4 || all[0].ID != other.ID || all[0].Building != nil {
		t.Fatalf("all cases: %d, first %+v", n, all[0].Building)
	}

	// A building with cases is not deleted.
	wantCode(t, f.s.Buildings.DeleteBuilding(ctx, b.ID), gridline.ECONFLICT)
}

func TestTicketAtBuildingRefused(t *testing.T) {
	f := newBuildingFixture(t)
	b := f.b
	far, farLat := b.Lon+0.01, b.Lat // about 900 m east
	near, nearLat := b.Lon, b.Lat
	missing := int64(99999)
	tests := []struct {
		name  string
		t     gridline.Ticket
		field string
	}{
		{"unknown building", gridline.Ticket{BuildingID: &missing}, "building_id"},
		{"unknown address", gridline.Ticket{AddressID: &missing}, "address_id"},
		{"unknown door plate", gridline.Ticket{QRToken: "no-such-plate"}, "qr_token"},
		{"entrance not in the building", gridline.Ticket{BuildingID: &b.ID, Entrance: 3}, "entrance"},
		{"floor above the building", gridline.Ticket{BuildingID: &b.ID, Floor: ptr(19)}, "floor"},
		{"floor above its entrance", gridline.Ticket{BuildingID: &b.ID, Entrance: 2, Floor: ptr(7)}, "floor"},
		{"basement", gridline.Ticket{BuildingID: &b.ID, Floor: ptr(-1)}, "floor"},
		{"floor without a building", gridline.Ticket{Lon: &near, Lat: &nearLat, Floor: ptr(2)}, "floor"},
		{"building far from the point", gridline.Ticket{BuildingID: &b.ID, Lon: &far, Lat: &farLat}, "building_id"},
		{"door plate far from the point", gridline.Ticket{QRToken: f.addr2.QRToken, Lon: &far, Lat: &farLat}, "qr_token"},
		{"address of another entrance", gridline.Ticket{AddressID: &f.addr2.ID, Entrance: 1}, "entrance"},
		{"address and plate disagree", gridline.Ticket{AddressID: &missing, QRToken: f.addr2.QRToken}, "address_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.intake(&tt.t)
			wantField(t, err, tt.field)
		})
	}
	if _, n, _ := f.s.Tickets.FindTickets(ctx, gridline.TicketFilter{}); n != 0 {
		t.Fatalf("%d cases taken in, want none", n)
	}
}

func TestImportTicketsAtBuilding(t *testing.T) {
	f := newBuildingFixture(t)
	at := time.Date(2026, 3, 10, 10, 0, 0, 0, gridline.ChinaTime)
	tk := newHistory(at, f.b.Lon, f.b.Lat, f.g1, "电梯故障，困在5号楼").step(gridline.ActionFile, "", nil, "").t
	tk.BuildingID, tk.Entrance, tk.Floor = &f.b.ID, 2, ptr(5)
	if err := f.s.Tickets.ImportTickets(ctx, []*gridline.Ticket{tk}); err != nil {
		t.Fatal(err)
	}
	got, err := f.s.Tickets.FindTicketByID(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Building == nil || got.Building.ID != f.b.ID || got.Entrance != 2 || got.Floor == nil || *got.Floor != 5 {
		t.Fatalf("imported: building %+v entrance %d floor %v", got.Building, got.Entrance, got.Floor)
	}
}

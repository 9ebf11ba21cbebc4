package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/gridline/gridline"
)

// placeInBuilding resolves the place t names by a door plate (QRToken), a
// standard address (AddressID) or a building (BuildingID) to its
// building, entrance and point, and checks the entrance and floor against
// the building (gridline.CheckBuildingPlace). Several given must agree. A
// point given too wins over the building's (it is where the case was
// reported from) but must lie within gridline.BuildingRadiusM of its
// footprint; without one the case takes the address's point, or the
// building's centre. It reads the committed foundation before the intake's
// transaction, as locating does; the foreign key catches a building
// deleted meanwhile. It returns the building, or nil when t names none.
func (s *TicketService) placeInBuilding(ctx context.Context, t *gridline.Ticket) (*gridline.Building, error) {
	t.Building = nil
	if !t.NamesBuilding() {
		return nil, nil
	}
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var addr *gridline.Address
	src := "building_id" // the field the building came from, named in errors
	if t.QRToken != "" {
		as, _, err := findAddresses(ctx, tx, gridline.PlaceFilter{}, t.QRToken)
		if err != nil {
			return nil, err
		} else if len(as) == 0 {
			return nil, gridline.FieldErrorf("qr_token", "no door plate has this QR code")
		}
		addr, src = as[0], "qr_token"
	}
	if t.AddressID != nil {
		a, err := findAddressByID(ctx, tx, *t.AddressID)
		if gridline.ErrorCode(err) == gridline.ENOTFOUND {
			return nil, gridline.FieldErrorf("address_id", "no standard address %d", *t.AddressID)
		} else if err != nil {
			return nil, err
		}
		if addr != nil && addr.ID != a.ID {
			return nil, gridline.FieldErrorf("address_id", "is %d, but the door plate (qr_token) is address %d", a.ID, addr.ID)
		}
		addr, src = a, "address_id"
	}
	if addr != nil {
		if addr.BuildingID != nil {
			if t.BuildingID != nil && *t.BuildingID != *addr.BuildingID {
				return nil, gridline.FieldErrorf("building_id", "is %d, but %s names address %d of building %d",
					*t.BuildingID, src, addr.ID, *addr.BuildingID)
			}
			if t.Entrance != 0 && t.Entrance != addr.EntranceNo {
				return nil, gridline.FieldErrorf("entrance", "is %d, but %s names address %d of entrance %d",
					t.Entrance, src, addr.ID, addr.EntranceNo)
			}
			id := *addr.BuildingID
			t.BuildingID, t.Entrance = &id, addr.EntranceNo
		}
		if t.Address == "" {
			t.Address = addr.FullName
		}
	}
	var b *gridline.Building
	if t.BuildingID != nil {
		if b, err = findBuildingByID(ctx, tx, *t.BuildingID); gridline.ErrorCode(err) == gridline.ENOTFOUND {
			return nil, gridline.FieldErrorf("building_id", "no building %d", *t.BuildingID)
		} else if err != nil {
			return nil, err
		}
		if err := gridline.CheckBuildingPlace(b, t.Entrance, t.Floor); err != nil {
			return nil, err
		}
	} else if t.Entrance != 0 || t.Floor != nil {
		// An address outside any building: nothing to count floors in.
		field := "floor"
		if t.Entrance != 0 {
			field = "entrance"
		}
		return nil, gridline.FieldErrorf(field, "needs a building; address %d has none", addr.ID)
	}
	switch {
	case t.Lon == nil && addr != nil:
		lon, lat := addr.Lon, addr.Lat
		t.Lon, t.Lat = &lon, &lat
	case t.Lon == nil:
		lon, lat := b.Lon, b.Lat
		t.Lon, t.Lat = &lon, &lat
	case b != nil:
		if d := gridline.BuildingDistanceM(b, *t.Lon, *t.Lat); d > gridline.BuildingRadiusM {
			return nil, gridline.FieldErrorf(src, "%s lies %.0f m from the case's point (%.6f, %.6f); a case's building must be within %d m of it",
				b.Name, d, *t.Lon, *t.Lat, gridline.BuildingRadiusM)
		}
	}
	t.AddressID, t.QRToken = nil, "" // resolved; not stored
	if b == nil {
		return nil, nil
	}
	t.Building = &gridline.TicketBuilding{ID: b.ID, Name: b.Name, Floors: b.Floors, HeightM: b.HeightM}
	if b.CompoundID != nil {
		err := tx.QueryRowContext(ctx, `SELECT name FROM compounds WHERE id = $1`, *b.CompoundID).Scan(&t.Building.CompoundName)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, translate(tx.db.dialect, err)
		}
	}
	return b, nil
}

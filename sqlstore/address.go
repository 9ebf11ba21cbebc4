package sqlstore

import (
	"context"
	"database/sql"

	"github.com/gridline/gridline"
)

// AddressService implements gridline.AddressService.
type AddressService struct{ db *DB }

// NewAddressService returns a AddressService over db.
func NewAddressService(db *DB) *AddressService { return &AddressService{db: db} }

var _ gridline.AddressService = (*AddressService)(nil)

// FindAddressByID implements gridline.AddressService.
func (s *AddressService) FindAddressByID(ctx context.Context, id int64) (*gridline.Address, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findAddressByID(ctx, tx, id)
}

const addressColumns = `a.id, a.code, a.full_name, a.building_id, a.entrance_no, a.lon, a.lat,
	a.county_code, a.town_code, a.community_code, COALESCE(a.grid_code, ''), a.qr_token, a.created_at`

// FindAddresses implements gridline.AddressService. Query searches the full
// name; CompoundID selects the addresses of the compound's buildings.
func (s *AddressService) FindAddresses(ctx context.Context, f gridline.PlaceFilter) ([]*gridline.Address, int, error) {
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	return findAddresses(ctx, tx, f, "")
}

func findAddresses(ctx context.Context, tx *Tx, f gridline.PlaceFilter, qrToken string) ([]*gridline.Address, int, error) {
	var w where
	placeWhere(&w, f, "a.", "full_name")
	if f.CompoundID != nil {
		w.add("a.building_id IN (SELECT id FROM buildings WHERE compound_id = ?)", *f.CompoundID)
	}
	if f.BuildingID != nil {
		w.add("a.building_id = ?", *f.BuildingID)
	}
	if qrToken != "" {
		w.add("a.qr_token = ?", qrToken)
	}
	return findPage(ctx, tx, addressColumns, `addresses a`, w, "a.id", f.Limit, f.Offset,
		func(rows *sql.Rows, total *int) (*gridline.Address, error) {
			var a gridline.Address
			err := rows.Scan(&a.ID, &a.Code, &a.FullName, &a.BuildingID, &a.EntranceNo, &a.Lon, &a.Lat,
				&a.CountyCode, &a.TownCode, &a.CommunityCode, &a.GridCode, &a.QRToken, &a.CreatedAt, total)
			a.ReportPath = gridline.QRReportPath(a.QRToken)
			return &a, err
		})
}

// FindAddressByQR implements gridline.AddressService: the address behind a
// scanned door plate. Returns ENOTFOUND for an unknown token.
func (s *AddressService) FindAddressByQR(ctx context.Context, token string) (*gridline.Address, error) {
	if token == "" {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "Address not found.")
	}
	tx, err := s.db.BeginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	as, _, err := findAddresses(ctx, tx, gridline.PlaceFilter{}, token)
	if err != nil {
		return nil, err
	} else if len(as) == 0 {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "Address not found.")
	}
	return as[0], nil
}

func findAddressByID(ctx context.Context, tx *Tx, id int64) (*gridline.Address, error) {
	as, _, err := findAddresses(ctx, tx, gridline.PlaceFilter{ID: &id}, "")
	if err != nil {
		return nil, err
	} else if len(as) == 0 {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "Address not found.")
	}
	return as[0], nil
}

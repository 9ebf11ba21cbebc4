package demo

import (
	"context"
	"fmt"

	"github.com/gridline/gridline"
)

// DefaultPassword is the password of the demo accounts unless
// `gridline demo --demo-password` says otherwise. Well known: never
// expose a demo to a network.
const DefaultPassword = "demo1234"

// Open311Key is the demo's Open311 api_key, an API token of the account
// "external" (the 12345 platform's role) whose secret is this word, so
// that anyone can try /open311/v2/ with a 311 client. Well known, like
// DefaultPassword: only `gridline demo` creates it.
const Open311Key = "demo"

// Account is a demo account: one per role, tied to real demo places and
// units (README, "Demo accounts").
type Account struct {
	Username string
	Name     string
	Grant    gridline.Grant
	// Where says in words where the role holds.
	Where string
}

// Accounts returns the demo accounts of d, given the stored units' IDs by
// name. They share one corner of the district so that their views
// overlap: the first compound's grid, its community and street, the
// property company serving it, and the first department.
func Accounts(d *District, unitIDs map[string]int64) ([]Account, error) {
	if len(d.Compounds) == 0 {
		return nil, fmt.Errorf("demo accounts: the district has no compounds")
	}
	c := d.Compounds[0]
	grid := d.Grids[c.Grid]
	village := d.Villages[grid.Village]
	town := d.Towns[village.Parent]
	property := d.Units[c.Unit]
	var department gridline.Unit
	for _, u := range d.Units {
		if u.Kind == gridline.UnitDepartment {
			department = u
			break
		}
	}
	unit := func(u gridline.Unit) (*int64, error) {
		id, ok := unitIDs[u.Name]
		if !ok {
			return nil, fmt.Errorf("demo accounts: unit %s is not stored", u.Name)
		}
		return &id, nil
	}
	propertyID, err := unit(property)
	if err != nil {
		return nil, err
	}
	departmentID, err := unit(department)
	if err != nil {
		return nil, err
	}
	g := func(role gridline.Role, region string) gridline.Grant {
		return gridline.Grant{Role: role, Region: region}
	}
	gridWhere := fmt.Sprintf("%s %s (%s)", grid.Code, grid.Name, village.Name)
	return []Account{
		{"admin", "系统管理员", g(gridline.RoleAdmin, ""), "the whole system"},
		{"command", "区指挥中心值班员", g(gridline.RoleCommand, CountyCode), CountyCode + " 兖州区"},
		{"street", town.Name + "工作人员", g(gridline.RoleStreet, town.Code), town.Code + " " + town.Name},
		{"community", village.Name + "工作人员", g(gridline.RoleCommunity, village.Code), village.Code + " " + village.Name},
		{"grid", "专职网格员", g(gridline.RoleGridWorker, grid.Code), gridWhere},
		{"grid_property", "物业兼职网格员", g(gridline.RoleGridWorkerProperty, grid.Code), gridWhere},
		{"grid_special", "专属网格员", g(gridline.RoleGridWorkerSpecial, grid.Code), gridWhere},
		{"department", department.Name + "承办人", gridline.Grant{Role: gridline.RoleDepartment, UnitID: departmentID},
			fmt.Sprintf("unit %d %s", *departmentID, department.Name)},
		{"property", property.ShortName + "客服", gridline.Grant{Role: gridline.RoleProperty, UnitID: propertyID},
			fmt.Sprintf("unit %d %s (serves %s)", *propertyID, property.Name, c.Name)},
		{"leader", "区领导", g(gridline.RoleLeader, CountyCode), CountyCode + " 兖州区 (read-only)"},
		{"resident", "居民", g(gridline.RoleResident, ""), "their own reports"},
		{"external", "12345热线平台", g(gridline.RoleExternal, ""), "the 12345 platform's interface"},
	}, nil
}

// LoadAccounts creates the demo accounts of d with password, after Load.
func LoadAccounts(ctx context.Context, d *District, s gridline.Services, password string) ([]Account, error) {
	byName := map[string]int64{}
	const page = 500
	for offset := 0; ; offset += page {
		units, total, err := s.Units.FindUnits(ctx, gridline.UnitFilter{Offset: offset, Limit: page})
		if err != nil {
			return nil, fmt.Errorf("demo: find units: %w", err)
		}
		for _, u := range units {
			byName[u.Name] = u.ID
		}
		if len(units) == 0 || offset+len(units) >= total {
			break
		}
	}
	accounts, err := Accounts(d, byName)
	if err != nil {
		return nil, err
	}
	for _, a := range accounts {
		u := &gridline.User{Username: a.Username, Name: a.Name, Grants: []gridline.Grant{a.Grant}}
		if err := s.Users.CreateUser(ctx, u, password); err != nil {
			return nil, fmt.Errorf("demo: account %s: %w", a.Username, err)
		}
	}
	return accounts, nil
}

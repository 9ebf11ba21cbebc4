package gridline

import "context"

// Overview gives the headline counts of a district, so anyone can check the
// demo against the seed's figures.
type Overview struct {
	RegionCode  string         `json:"region_code"`
	Towns       int            `json:"towns"`
	Streets     int            `json:"streets"`
	Villages    int            `json:"villages"` // villages and communities together
	Communities int            `json:"communities"`
	Grids       map[string]int `json:"grids"` // per layer
	GridsTotal  int            `json:"grids_total"`
	Points      int            `json:"points"`
	People      map[Team]int   `json:"people"` // per team
	PeopleTotal int            `json:"people_total"`
	Departments int            `json:"departments"`
	Property    int            `json:"property_companies"`
	Compounds   int            `json:"compounds"`
	Buildings   int            `json:"buildings"`
	Addresses   int            `json:"addresses"`
	PartyOrgs   map[int]int    `json:"party_orgs"` // per level
}

// TownWorkforce counts people per team in one town.
type TownWorkforce struct {
	Town   Named        `json:"town"`
	Street bool         `json:"street"`
	People map[Team]int `json:"people"`
	Total  int          `json:"total"`
}

// WorkforceStats is the "6+3+N" workforce: counts per team, per town, and
// the share of property staff among urban grid workers (seed: 34.43 %).
type WorkforceStats struct {
	RegionCode string          `json:"region_code"`
	ByTeam     map[Team]int    `json:"by_team"`
	Total      int             `json:"total"`
	ByTown     []TownWorkforce `json:"by_town"`
	// UrbanGridWorkers counts full-time grid workers and property staff
	// working in street (街道) communities.
	UrbanGridWorkers int `json:"urban_grid_workers"`
	// UrbanPropertyStaff counts property staff among them.
	UrbanPropertyStaff int `json:"urban_property_staff"`
	// PropertyShare is UrbanPropertyStaff ÷ UrbanGridWorkers, in percent
	// rounded to two decimals.
	PropertyShare float64 `json:"property_share_percent"`
}

// StatsService computes figures over a region (a code prefix).
type StatsService interface {
	Overview(ctx context.Context, region string) (*Overview, error)
	Workforce(ctx context.Context, region string) (*WorkforceStats, error)
}

package gridline_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gridline/gridline"
)

func TestProposeRoute(t *testing.T) {
	cat := gridline.DefaultCatalogue()
	const county, town = "370812", "370812001"
	units := []*gridline.Unit{
		{ID: 1, Kind: gridline.UnitDepartment, Name: "济宁市住房和城乡建设局", ShortName: "区住建局", RegionCode: "370800"},
		{ID: 2, Kind: gridline.UnitDepartment, Name: "兖州区住房和城乡建设局", ShortName: "区住建局", RegionCode: county},
		{ID: 3, Kind: gridline.UnitDepartment, Name: "兖州区人力资源和社会保障局", ShortName: "区人社局", RegionCode: county},
		{ID: 4, Kind: gridline.UnitProperty, Name: "兖州区安居物业有限公司", RegionCode: county},
		{ID: 6, Kind: gridline.UnitOther, Name: "兖州区鼓楼街道办事处", ShortName: "鼓楼街道办", RegionCode: town},
		{ID: 5, Kind: gridline.UnitDepartment, Name: "鼓楼街道综合执法中队", RegionCode: town},
		{ID: 7, Kind: gridline.UnitOther, Name: "鼓楼街道另一单位", RegionCode: town},
	}
	company := units[3]
	path := gridline.RegionPath{CountyCode: county, TownCode: town, CommunityCode: town + "001", GridCode: town + "001001"}
	id := func(n int64) *int64 { return &n }
	dept := func(short string) gridline.Lead {
		return gridline.Lead{Kind: gridline.LeadDepartment, Department: short}
	}
	street := gridline.Lead{Kind: gridline.LeadStreet}
	tests := []struct {
		name     string
		category string
		text     string
		level    gridline.RegionLevel
		place    gridline.RoutePlace
		path     gridline.RegionPath
		units    []*gridline.Unit
		want     gridline.RouteProposal
		err      string
	}{
		{name: "a department's class goes to the department serving the county", category: "0115", level: gridline.LevelCounty,
			want: gridline.RouteProposal{Category: "0115", Lead: dept("区住建局"), Basis: gridline.RouteCatalogue, UnitID: id(2), UnitName: "兖州区住房和城乡建设局"}},
		{name: "the department elsewhere when the county has none", category: "0115", level: gridline.LevelTown, units: units[:1],
			want: gridline.RouteProposal{Category: "0115", Lead: dept("区住建局"), Basis: gridline.RouteCatalogue, UnitID: id(1), UnitName: "济宁市住房和城乡建设局"}},
		{name: "a local class from the district goes to the street office", category: "20601", level: gridline.LevelCounty,
			want: gridline.RouteProposal{Category: "20601", Lead: street, Basis: gridline.RouteCatalogue, UnitID: id(6), UnitName: "兖州区鼓楼街道办事处"}},
		{name: "the town's department when the town has no office", category: "20601", level: gridline.LevelCounty, units: units[5:6],
			want: gridline.RouteProposal{Category: "20601", Lead: street, Basis: gridline.RouteCatalogue, UnitID: id(5), UnitName: "鼓楼街道综合执法中队"}},
		{name: "a local class from the street stays in the community", category: "20601", level: gridline.LevelTown,
			want: gridline.RouteProposal{Category: "20601", Lead: gridline.Lead{Kind: gridline.LeadCommunity}, Basis: gridline.RouteCommunity}},
		{name: "a property class in a compound goes to its company", category: "20101", level: gridline.LevelCounty,
			place: gridline.RoutePlace{InCompound: true, PropertyUnit: company},
			want:  gridline.RouteProposal{Category: "20101", Lead: gridline.Lead{Kind: gridline.LeadProperty}, Basis: gridline.RouteProperty, UnitID: id(4), UnitName: company.Name}},
		{name: "a compound without a company takes the class's lead", category: "20101", level: gridline.LevelCounty,
			place: gridline.RoutePlace{InCompound: true},
			want:  gridline.RouteProposal{Category: "20101", Lead: dept("区住建局"), Basis: gridline.RouteNoPropertyCompany, UnitID: id(2), UnitName: "兖州区住房和城乡建设局"}},
		{name: "a property class outside compounds takes the class's lead", category: "20101", level: gridline.LevelCounty,
			want: gridline.RouteProposal{Category: "20101", Lead: dept("区住建局"), Basis: gridline.RouteCatalogue, UnitID: id(2), UnitName: "兖州区住房和城乡建设局"}},
		{name: "a lead no unit answers to", category: "20401", level: gridline.LevelCounty, units: units[:2],
			want: gridline.RouteProposal{Category: "20401", Lead: dept("区人社局"), Basis: gridline.RouteNoUnit}},
		{name: "a case in no town has no street office", category: "20601", level: gridline.LevelCounty, path: gridline.RegionPath{CountyCode: county},
			want: gridline.RouteProposal{Category: "20601", Lead: street, Basis: gridline.RouteNoUnit}},
		{name: "no category: the text's suggestion", text: "小区门口路灯不亮了，晚上很黑", level: gridline.LevelCounty,
			want: gridline.RouteProposal{Category: "0115", CategorySuggested: true, Lead: dept("区住建局"), Basis: gridline.RouteCatalogue, UnitID: id(2), UnitName: "兖州区住房和城乡建设局"}},
		{name: "a main class is no category", category: "01", text: "", level: gridline.LevelCounty,
			want: gridline.RouteProposal{Basis: gridline.RouteNoCategory}},
		{name: "no category and a text that suggests none", text: "你好", level: gridline.LevelCounty,
			want: gridline.RouteProposal{Basis: gridline.RouteNoCategory}},
		{name: "an unknown level", category: "0115", level: gridline.LevelCity, err: "level"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			us := tt.units
			if us == nil {
				us = units
			}
			p := tt.path
			if p == (gridline.RegionPath{}) {
				p = path
			}
			tk := &gridline.Ticket{Category: tt.category, Text: tt.text, RegionPath: p}
			got, err := gridline.ProposeRoute(cat, tk, tt.level, tt.place, us)
			if tt.err != "" {
				if _, ok := gridline.ErrorFields(err)[tt.err]; !ok {
					t.Fatalf("error %v, want one naming %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Level = tt.level
			if c, ok := cat.Category(tt.want.Category); ok {
				tt.want.CategoryName = c.Name
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("proposal (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDispatchLevel(t *testing.T) {
	p := gridline.RegionPath{CountyCode: "370812", TownCode: "370812001", CommunityCode: "370812001001", GridCode: "370812001001001"}
	tests := []struct {
		name  string
		scope gridline.Scope
		want  gridline.RegionLevel
	}{
		{"district-wide", gridline.Scope{All: true}, gridline.LevelCounty},
		{"the county by region", gridline.Scope{Regions: []string{"370812"}}, gridline.LevelCounty},
		{"a street", gridline.Scope{Regions: []string{"370812001"}}, gridline.LevelTown},
		{"a community", gridline.Scope{Regions: []string{"370812001001"}}, gridline.LevelVillage},
		{"a grid counts as its community", gridline.Scope{Regions: []string{"370812001001001"}}, gridline.LevelVillage},
		{"the highest region holding the case", gridline.Scope{Regions: []string{"370812001001", "370812001"}}, gridline.LevelTown},
		{"another street's scope does not count", gridline.Scope{Regions: []string{"370812002", "370812001001"}}, gridline.LevelVillage},
		{"units only", gridline.Scope{Units: []int64{3}}, gridline.LevelCounty},
	}
	for _, tt := range tests {
		if got := gridline.DispatchLevel(tt.scope, p); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

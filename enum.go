package gridline

import "strconv"

// Label is the display name of one value of an enumeration, in Chinese
// (the UI's first language) and English. The web UI reads every label from
// GET /api/v1/enums instead of keeping its own copy.
type Label struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	NameEN string `json:"name_en"`
}

// Enums is every enumeration the API uses, with labels, in display order.
type Enums struct {
	Teams             []Label `json:"teams"`
	Roles             []Label `json:"roles"`
	PartyLevels       []Label `json:"party_levels"` // codes "1"–"6"
	UnitKinds         []Label `json:"unit_kinds"`
	AssignmentTargets []Label `json:"assignment_targets"`
	RegionLevels      []Label `json:"region_levels"`
}

// teamLabels, in the order of Teams.
var teamLabels = map[Team][2]string{
	TeamGridWorker:        {"专职网格员", "Full-time grid workers"},
	TeamCadre:             {"下沉干部", "Sunk-down cadres"},
	TeamStreetStaff:       {"街道配套人员", "Street support staff"},
	TeamPropertyStaff:     {"物业兼职网格员", "Property staff"},
	TeamVolunteer:         {"志愿者", "Volunteers"},
	TeamWelfarePost:       {"公益岗", "Public-welfare posts"},
	TeamSpecialGridWorker: {"特聘网格员", "Special grid workers"},
}

// Roles a person commonly has within a team or an assignment; roles are
// free text, these are the ones the UI names.
var roleLabels = []Label{
	{"grid_leader", "网格长", "Grid leader"},
	{"grid_worker", "网格员", "Grid worker"},
	{"leader", "负责人", "Leader"},
	{"secretary", "书记", "Secretary"},
	{"member", "成员", "Member"},
}

// partyLevelLabels are indexed by level − 1.
var partyLevelLabels = [6][2]string{
	{"街道党工委", "Street party working committee"},
	{"社区党委", "Community party committee"},
	{"网格党组织", "Grid party organisation"},
	{"小区党支部", "Compound party branch"},
	{"楼宇党小组", "Building party group"},
	{"红色楼栋(单元)长", "Red building (entrance) head"},
}

var unitKindLabels = []Label{
	{string(UnitDepartment), "职能部门", "Department"},
	{string(UnitProperty), "物业服务企业", "Property company"},
	{string(UnitOther), "其他单位", "Other organisation"},
}

var targetLabels = []Label{
	{string(TargetGrid), "网格", "Grid"},
	{string(TargetPoint), "包保点位", "Responsibility point"},
	{string(TargetCompound), "小区", "Compound"},
	{string(TargetUnit), "单位", "Organisation"},
	{string(TargetPartyOrg), "党组织", "Party organisation"},
}

var regionLevelLabels = []Label{
	{string(LevelProvince), "省", "Province"},
	{string(LevelCity), "市", "City"},
	{string(LevelCounty), "县/区", "County / district"},
	{string(LevelTown), "乡镇/街道", "Town / street"},
	{string(LevelVillage), "村/社区", "Village / community"},
}

// Name returns the Chinese name of a party organisation level, or "" for
// an unknown level.
func (l PartyOrgLevel) Name() string {
	if l < 1 || l > 6 {
		return ""
	}
	return partyLevelLabels[l-1][0]
}

// Name returns the Chinese name of a team, or "" for an unknown team.
func (t Team) Name() string { return teamLabels[t][0] }

// AllEnums returns every enumeration with its labels.
func AllEnums() Enums {
	e := Enums{
		Roles:             roleLabels,
		UnitKinds:         unitKindLabels,
		AssignmentTargets: targetLabels,
		RegionLevels:      regionLevelLabels,
	}
	for _, t := range Teams {
		e.Teams = append(e.Teams, Label{string(t), teamLabels[t][0], teamLabels[t][1]})
	}
	for i, l := range partyLevelLabels {
		e.PartyLevels = append(e.PartyLevels, Label{strconv.Itoa(i + 1), l[0], l[1]})
	}
	return e
}

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
	Channels          []Label `json:"channels"`
	TicketStatuses    []Label `json:"ticket_statuses"`
	TicketActions     []Label `json:"ticket_actions"`
	// TimelineEntries are the entries a timeline holds that are no
	// action a client posts: a master's news relayed to a merged case, a
	// coordination meeting, the steps of a whistle (吹哨报到).
	TimelineEntries []Label `json:"timeline_entries"`
	Satisfaction    []Label `json:"satisfaction"`
	// Warnings are the supervision lights; the scheduler's timeline
	// events carry them as their action.
	Warnings []Label `json:"warnings"`
	// UserRoles are the roles an account holds (issue 9), in the order
	// of Roles; not the free-text Roles of people above.
	UserRoles []Label `json:"user_roles"`
}

// userRoleLabels are the labels of the account roles.
var userRoleLabels = map[Role][2]string{
	RoleAdmin:              {"系统管理员", "System administrator"},
	RoleCommand:            {"指挥中心", "Command centre"},
	RoleStreet:             {"街道/镇", "Street / town"},
	RoleCommunity:          {"社区/村", "Community / village"},
	RoleGridWorker:         {"专职网格员", "Full-time grid worker"},
	RoleGridWorkerProperty: {"物业兼职网格员", "Property part-time grid worker"},
	RoleGridWorkerSpecial:  {"专属网格员", "Special grid worker"},
	RoleDepartment:         {"职能部门", "Department"},
	RoleProperty:           {"物业服务企业", "Property company"},
	RoleLeader:             {"领导", "Leader (read-only)"},
	RoleResident:           {"居民", "Resident"},
	RoleExternal:           {"外部系统", "External system"},
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

var channelLabels = map[Channel][2]string{
	ChannelHotline:      {"12345热线", "12345 hotline"},
	ChannelMailbox:      {"区长信箱", "Mayor's mailbox"},
	ChannelWebsite:      {"政府网站", "Government website"},
	ChannelApp:          {"政务客户端", "News app"},
	ChannelGridPatrol:   {"网格员巡查", "Grid patrol"},
	ChannelSnapReport:   {"随手拍", "Snap and report"},
	ChannelHazardReport: {"隐患直报", "Hazard report"},
	ChannelProperty:     {"物业上报", "Property company"},
	ChannelVideoPatrol:  {"视频巡查", "Video patrol"},
	ChannelSensor:       {"感知告警", "Sensor alert"},
	ChannelWalkIn:       {"来访", "Walk-in"},
}

var statusLabels = map[TicketStatus][2]string{
	StatusUnlocated:  {"待定位", "To be located"},
	StatusReceived:   {"待受理", "Received"},
	StatusFiled:      {"已立案", "Filed"},
	StatusRejected:   {"不予受理", "Rejected"},
	StatusDispatched: {"已派遣", "Dispatched"},
	StatusHandling:   {"处置中", "Being handled"},
	StatusVerifying:  {"待核查", "To be verified"},
	StatusCallback:   {"待回访", "Callback due"},
	StatusClosed:     {"已结案", "Closed"},
	StatusMerged:     {"已合并", "Merged"},
	StatusVoided:     {"已作废", "Voided"},
}

var actionLabels = map[TicketAction][2]string{
	ActionLocate:        {"人工定位", "Locate"},
	ActionFile:          {"立案", "File"},
	ActionReject:        {"不予受理", "Reject"},
	ActionSelfHandle:    {"自行处置", "Handle on the spot"},
	ActionMerge:         {"合并", "Merge"},
	ActionUnmerge:       {"取消合并", "Unmerge"},
	ActionVoid:          {"作废", "Void"},
	ActionDispatch:      {"派遣", "Dispatch"},
	ActionSign:          {"签收", "Sign"},
	ActionReturn:        {"退单", "Return"},
	ActionRedispatch:    {"改派", "Redispatch"},
	ActionExtendRequest: {"申请延期", "Request extension"},
	ActionExtendApprove: {"批准延期", "Approve extension"},
	ActionExtendDeny:    {"驳回延期", "Deny extension"},
	ActionDefer:         {"暂缓办理", "Defer"},
	ActionReply:         {"办结回复", "Reply"},
	ActionRate:          {"评价协办", "Rate co-unit"},
	ActionVerify:        {"核查", "Verify"},
	ActionCallback:      {"回访", "Call back"},
	ActionClose:         {"结案", "Close"},
	ActionReopen:        {"重办", "Reopen"},
	ActionUrge:          {"催办", "Urge"},
	ActionSupervise:     {"督办", "Supervise"},
	ActionCheckRequest:  {"发起现场核查", "Request on-site check"},
	ActionCheckReport:   {"反馈核查结果", "Report on-site check"},
}

// timelineEntryLabels are the labels of Enums.TimelineEntries, in order.
var timelineEntryLabels = []Label{
	{string(ActionMasterReply), "主工单办结回复", "Master case's reply"},
	{string(ActionMasterCallback), "主工单回访", "Master case's callback"},
	{string(ActionMasterClose), "主工单结案", "Master case closed"},
	// The coordination meeting's entry on a case's timeline.
	{string(ActionMeeting), "协调会", "Coordination meeting"},
	// Whistle-and-report (吹哨报到): the street's or grid's whistle, a
	// unit's report, the ratings, and the scheduler's overdue flag.
	{string(ActionWhistle), "吹哨", "Whistle"},
	{string(ActionWhistleReport), "部门报到", "Unit reported"},
	{string(ActionWhistleRate), "评价报到部门", "Units rated"},
	{string(ActionWhistleOverdue), "报到超时", "Report overdue"},
}

var satisfactionLabels = []Label{
	{string(OutcomeSatisfied), "满意", "Satisfied"},
	{string(OutcomeBasic), "基本满意", "Basically satisfied"},
	{string(OutcomeUnsatisfied), "不满意", "Unsatisfied"},
	{string(OutcomeUnreachable), "联系不上", "Unreachable"},
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
	for _, c := range Channels {
		e.Channels = append(e.Channels, Label{string(c), channelLabels[c][0], channelLabels[c][1]})
	}
	for _, st := range TicketStatuses {
		e.TicketStatuses = append(e.TicketStatuses, Label{string(st), statusLabels[st][0], statusLabels[st][1]})
	}
	for _, a := range TicketActions {
		e.TicketActions = append(e.TicketActions, Label{string(a), actionLabels[a][0], actionLabels[a][1]})
	}
	e.TimelineEntries = timelineEntryLabels
	e.Satisfaction = satisfactionLabels
	e.Warnings = []Label{{string(WarningYellow), "黄牌预警", "Yellow warning"}, {string(WarningRed), "红牌超期", "Red: overdue"}}
	for _, r := range Roles {
		e.UserRoles = append(e.UserRoles, Label{string(r), userRoleLabels[r][0], userRoleLabels[r][1]})
	}
	return e
}

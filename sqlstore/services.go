package sqlstore

import "github.com/gridline/gridline"

// NewServices returns every service over db; place writes locate with loc.
func NewServices(db *DB, loc gridline.LocateService) gridline.Services {
	tickets := NewTicketService(db, loc)
	return gridline.Services{
		Regions:     NewRegionService(db),
		Grids:       NewGridService(db),
		Layers:      NewGridLayerService(db),
		Points:      NewPointService(db, loc),
		Compounds:   NewCompoundService(db, loc),
		Buildings:   NewBuildingService(db, loc),
		Addresses:   NewAddressService(db),
		Units:       NewUnitService(db),
		People:      NewPersonService(db),
		Assignments: NewAssignmentService(db),
		PartyOrgs:   NewPartyOrgService(db),
		Stats:       NewStatsService(db),
		Audit:       NewAuditService(db),
		Events:      NewEventService(db),
		Locate:      loc,
		Tickets:     tickets,
		Aggregates:  NewTicketAggregateService(db),
		KPIs:        NewKPIService(db),
		Duplicates:  NewDuplicateService(db),
		Fusion:      NewFusionService(db),
		Whistles:    NewWhistleService(db),
		Meetings:    NewMeetingService(db, tickets),
		Open311:     NewOpen311Service(db, tickets),
		Residents:   NewResidentService(db, tickets),
		Hotline:     NewHotlineImportService(db, tickets),
		Webhooks:    NewWebhookService(db),
		Reference:   NewReferenceService(db),
		Users:       NewUserService(db),
		Auth:        NewAuthService(db),
		Idempotency: NewIdempotencyService(db),
		Views:       NewSavedViewService(db),
	}
}

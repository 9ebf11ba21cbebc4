// Package gridline is the domain of Gridline, a platform for grid-based
// community governance (网格化社会治理): regions, grids, points, compounds,
// buildings, party organisations and the workforce, with the service
// interfaces that the storage and HTTP packages implement and use.
//
// Dependencies point inward: sqlstore, http, web and demo import this
// package; it imports none of them.
package gridline

import (
	"context"
	"time"
)

// Version and Commit are set at build time with -ldflags.
var (
	Version = "dev"
	Commit  = ""
)

// Clock returns the current time; storage takes one so deadline tests can
// run at a fixed instant.
type Clock func() time.Time

// Actor names who performs a write, for the audit log: the username of
// the signed-in principal, or what the system is doing ("cli", "demo",
// "scheduler").
type Actor struct {
	Name string // e.g. "admin", "cli", "demo"
}

type actorKey struct{}

// WithActor returns a context that carries the acting user.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx: the signed-in user's name, else the
// actor set with WithActor, else "anonymous".
func ActorFrom(ctx context.Context) Actor {
	if p := PrincipalFrom(ctx); p != nil && p.User != nil && p.User.Username != "" {
		return Actor{Name: p.User.Username}
	}
	if a, ok := ctx.Value(actorKey{}).(Actor); ok && a.Name != "" {
		return a
	}
	return Actor{Name: "anonymous"}
}

// Client is where a request comes from: the address the audit log
// records when no principal carries one (a login), and what a new
// session remembers of its device.
type Client struct {
	Addr      string
	UserAgent string
}

type clientKey struct{}

// WithClient returns a context that carries c.
func WithClient(ctx context.Context, c Client) context.Context {
	return context.WithValue(ctx, clientKey{}, c)
}

// ClientFrom returns the client in ctx (zero if none).
func ClientFrom(ctx context.Context) Client {
	c, _ := ctx.Value(clientKey{}).(Client)
	return c
}

// Services is every domain service, as the binary wires them: one value
// to hand to the HTTP server, the demo loader and tests.
type Services struct {
	Regions     RegionService
	Grids       GridService
	Layers      GridLayerService
	Points      PointService
	Compounds   CompoundService
	Buildings   BuildingService
	Addresses   AddressService
	Units       UnitService
	People      PersonService
	Assignments AssignmentService
	PartyOrgs   PartyOrgService
	Stats       StatsService
	Audit       AuditService
	Events      EventService
	Locate      LocateService
	Tickets     TicketService
	Aggregates  TicketAggregateService
	KPIs        KPIService
	Duplicates  DuplicateService
	Fusion      FusionService
	Whistles    WhistleService
	Meetings    MeetingService
	Open311     Open311RequestService
	Residents   ResidentService
	Hotline     HotlineImportService
	Webhooks    WebhookService
	Reference   ReferenceService
	Routes      RouteService
	Gazetteers  GazetteerService
	Users       UserService
	Auth        AuthService
	Idempotency IdempotencyService
	Views       SavedViewService
}

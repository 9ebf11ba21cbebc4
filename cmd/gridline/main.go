// Command gridline runs the Gridline server and its maintenance tasks.
//
//	gridline serve    [--addr :8080] [--db sqlite:./data/gridline.db]
//	gridline demo     [--addr :8080] [--db …] [--seed 1] [--demo-password demo1234]   create the Yanzhou demo and its accounts if empty, then serve
//	gridline user     add|passwd|disable|enable|token|list …   manage accounts (gridline user -h)
//	gridline migrate  [--db …]
//	gridline import regions FILE.csv[.gz] [--db …]
//	gridline import grids FILE.geojson [--layer party] [--db …]
//	gridline locate FILE.csv [--layer party] [--db …]      add grid, community, town and county codes to lon,lat rows
//	gridline version
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/cache"
	"github.com/gridline/gridline/deadline"
	"github.com/gridline/gridline/demo"
	"github.com/gridline/gridline/dupindex"
	glhttp "github.com/gridline/gridline/http"
	"github.com/gridline/gridline/live"
	"github.com/gridline/gridline/locate"
	"github.com/gridline/gridline/sqlstore"
	"github.com/gridline/gridline/web"
	"github.com/gridline/gridline/webhook"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain()
	if err := m.Run(ctx, os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "gridline:", cliMessage(err))
		os.Exit(1)
	}
}

// cliMessage shows domain errors by their user message and others whole.
func cliMessage(err error) string {
	if code := gridline.ErrorCode(err); code != gridline.EINTERNAL {
		return gridline.ErrorMessage(err)
	}
	return err.Error()
}

// Main is the program: configuration, database and server.
type Main struct {
	// Stdin is where `gridline user add|passwd` read passwords.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Ready, when set, receives the server's base URL once it listens
	// (tests use it with --addr 127.0.0.1:0).
	Ready func(url string)

	DB     *sqlstore.DB
	Server *glhttp.Server
	logger *slog.Logger
}

// NewMain returns a Main writing to the process's stdout and stderr.
func NewMain() *Main { return &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr} }

// config holds the settings shared by subcommands; each flag has an
// environment variable, and secrets a _FILE variant.
type config struct {
	addr          string
	db            string
	logFormat     string
	noAutoMigrate bool
	seed          uint64
	layer         string
	demoPassword  string
	mapping       string
	atomic        bool
	user          userFlags
	policy        gridline.AuthPolicy
}

func (m *Main) flags(name string, c *config) *flag.FlagSet {
	fs := flag.NewFlagSet("gridline "+name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.StringVar(&c.addr, "addr", env("GRIDLINE_ADDR", ":8080"), "listen address (GRIDLINE_ADDR)")
	fs.StringVar(&c.db, "db", "", "database: sqlite:PATH or postgres://… (GRIDLINE_DATABASE or GRIDLINE_DATABASE_FILE; default sqlite:./data/gridline.db)")
	fs.StringVar(&c.logFormat, "log-format", env("GRIDLINE_LOG_FORMAT", "text"), "log format: text or json (GRIDLINE_LOG_FORMAT)")
	fs.BoolVar(&c.noAutoMigrate, "no-auto-migrate", os.Getenv("GRIDLINE_NO_AUTO_MIGRATE") != "", "do not migrate the schema on start (GRIDLINE_NO_AUTO_MIGRATE)")
	fs.Uint64Var(&c.seed, "seed", 1, "demo: seed of the generated district")
	fs.StringVar(&c.layer, "layer", "", "import grids: layer of every feature (default: each feature's layer property); locate: only look in this layer")
	if name == "demo" {
		fs.StringVar(&c.demoPassword, "demo-password", env("GRIDLINE_DEMO_PASSWORD", demo.DefaultPassword), "demo: password of the demo accounts (GRIDLINE_DEMO_PASSWORD)")
	}
	if strings.HasPrefix(name, "user") {
		c.user.add(fs)
	}
	if name == "import-12345" {
		fs.StringVar(&c.mapping, "mapping", "", "import-12345: the mapping file (JSON: columns, categories)")
		fs.BoolVar(&c.atomic, "atomic", false, "import-12345: import every row or none")
	}
	return fs
}

func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// secret reads KEY or the file named by KEY_FILE.
func secret(key string) (string, error) {
	if f := os.Getenv(key + "_FILE"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("%s_FILE: %w", key, err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	return os.Getenv(key), nil
}

const usage = `usage: gridline <command> [flags]

commands:
  serve                      run the server
  demo                       create the Yanzhou demo in an empty database, then serve
  migrate                    apply database migrations
  import regions FILE        import regions (CSV or CSV.GZ: code,name,level,parent_code)
  import grids FILE.geojson  import grids (GeoJSON FeatureCollection)
  import-12345 FILE          import a 12345 case export (CSV in UTF-8 or GBK, or XLSX)
                             [--mapping FILE.json] [--atomic]
  locate FILE.csv            write FILE's lon,lat rows with grid_code, community_code,
                             town_code and county_code appended
  user add|passwd|disable|enable|token|list
                             manage accounts and API tokens (gridline user -h)
  version                    print the version

Run "gridline <command> -h" for the flags; they may come before or after FILE.`

// Run executes one subcommand.
func (m *Main) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(m.Stderr, usage)
		return flag.ErrHelp
	}
	var c config
	cmd, rest := args[0], args[1:]
	if cmd == "import" {
		if len(rest) == 0 || (rest[0] != "regions" && rest[0] != "grids") {
			return fmt.Errorf("import what? want: gridline import regions FILE | gridline import grids FILE")
		}
		cmd, rest = "import "+rest[0], rest[1:]
	}
	if cmd == "user" {
		if len(rest) == 0 || strings.HasPrefix(rest[0], "-") {
			fmt.Fprintln(m.Stderr, userUsage)
			return flag.ErrHelp
		}
		cmd, rest = "user "+rest[0], rest[1:]
	}
	switch cmd {
	case "serve", "demo", "migrate", "import regions", "import grids", "import-12345", "locate",
		"user add", "user passwd", "user disable", "user enable", "user token", "user list":
	case "version":
		fmt.Fprintln(m.Stdout, "gridline", gridline.Version, gridline.Commit)
		return nil
	case "-h", "--help", "help":
		fmt.Fprintln(m.Stdout, usage)
		return nil
	default:
		fmt.Fprintln(m.Stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
	fs := m.flags(cmd, &c)
	args, err := parseArgs(fs, rest)
	if err != nil {
		return err
	}
	if c.db == "" {
		// A PostgreSQL URL may hold a password: it can come from a file.
		dsn, err := secret("GRIDLINE_DATABASE")
		if err != nil {
			return err
		}
		c.db = cmp.Or(dsn, "sqlite:./data/gridline.db")
	}
	m.logger = newLogger(m.Stderr, c.logFormat)
	slog.SetDefault(m.logger)

	if c.policy, err = policyFromEnv(); err != nil {
		return err
	}
	var file string
	if strings.HasPrefix(cmd, "user ") {
		// the USERNAME is the user command's business
	} else if strings.HasPrefix(cmd, "import") || cmd == "locate" {
		if len(args) != 1 {
			return fmt.Errorf("%s: want exactly one FILE, got %d arguments", cmd, len(args))
		}
		file = args[0]
	} else if len(args) > 0 {
		return fmt.Errorf("%s: unexpected argument %q", cmd, args[0])
	}

	m.DB = sqlstore.NewDB(c.db)
	m.DB.NoAutoMigrate = c.noAutoMigrate && cmd != "migrate"
	start := time.Now()
	if err := m.DB.Open(ctx); err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer m.DB.Close()
	m.logger.Info("database open", "dialect", m.DB.Dialect(), "took", time.Since(start).Round(time.Millisecond))
	ctx = gridline.WithActor(ctx, gridline.Actor{Name: "cli"})

	if sub, ok := strings.CutPrefix(cmd, "user "); ok {
		return m.runUser(ctx, sub, args, c.user)
	}
	switch cmd {
	case "migrate":
		pending, err := m.DB.PendingMigrations(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "schema up to date (%d pending)\n", len(pending))
		return nil
	case "import regions":
		return m.importRegions(ctx, file)
	case "import grids":
		return m.importGrids(ctx, file, c.layer)
	case "import-12345":
		return m.import12345(ctx, file, c)
	case "locate":
		return m.locateCSV(ctx, file, c.layer)
	case "demo":
		if err := m.loadDemo(ctx, c); err != nil {
			return err
		}
	}
	return m.serve(ctx, c, start)
}

// parseArgs parses the flags wherever they stand and returns the other
// arguments in order. The flag package stops at the first argument that
// is not a flag, yet the usage reads "import regions FILE --db …". After
// "--" everything is an argument, for file names that start with "-".
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(positional, rest...), nil
		}
		if len(rest) == 0 {
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	return positional, nil
}

func newLogger(w io.Writer, format string) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

func (m *Main) serve(ctx context.Context, c config, start time.Time) error {
	svcs := m.services(c.policy)
	loc := svcs.Locate.(*locate.Service)
	if v := os.Getenv("GRIDLINE_WATCH_INTERVAL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("GRIDLINE_WATCH_INTERVAL: %w", err)
		}
		loc.Interval = d
	}
	if err := loc.Open(ctx); err != nil {
		return err
	}
	defer loc.Close()
	dup := svcs.Duplicates.(*dupindex.Index)
	dup.Interval = loc.Interval
	if err := dup.Open(ctx); err != nil {
		return err
	}
	defer dup.Close()
	sched := &deadline.Scheduler{Tickets: svcs.Tickets, Whistles: svcs.Whistles, Logger: m.logger}
	if v := os.Getenv("GRIDLINE_SUPERVISE_INTERVAL"); v != "" {
		// How often the deadline scheduler runs (a minute by default).
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("GRIDLINE_SUPERVISE_INTERVAL: want a duration such as 1m, got %q", v)
		}
		sched.Interval = d
	}
	if v := os.Getenv("GRIDLINE_WHISTLE_REPORT_WITHIN"); v != "" {
		// How long the units a whistle calls have to report: the
		// district's rule, 30 minutes by default.
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > 24*time.Hour {
			return fmt.Errorf("GRIDLINE_WHISTLE_REPORT_WITHIN: want a duration up to 24h such as 30m, got %q", v)
		}
		if ws, ok := svcs.Whistles.(*sqlstore.WhistleService); ok {
			ws.ReportWithin = d
		}
	}
	sched.Open()
	defer sched.Close()
	// Status changes go back to the subscribers (the 12345 platform)
	// from the outbox in the database.
	hooks := &webhook.Worker{Webhooks: svcs.Webhooks, Logger: m.logger}
	hooks.Open()
	defer hooks.Close()
	// The command centre's live stream follows the feed's cases.
	hub := live.New(svcs)
	hub.Committed = func() int64 { return m.DB.CommittedSeqOf(live.Entities...) }
	hub.Logger = m.logger
	if err := hub.Open(ctx); err != nil {
		return err
	}
	defer hub.Close()
	limits, grace, err := limitsFromEnv()
	if err != nil {
		return err
	}
	if os.Getenv("GRIDLINE_API_TOKEN") != "" || os.Getenv("GRIDLINE_API_TOKEN_FILE") != "" {
		m.logger.Warn("GRIDLINE_API_TOKEN is no longer used: sign in with an account, and issue API tokens with `gridline user token` (docs/operations.md)")
	}
	if _, n, err := svcs.Users.FindUsers(ctx, gridline.UserFilter{Limit: 1}); err != nil {
		return err
	} else if n == 0 {
		m.logger.Warn("no accounts yet: the API is read-only until you create the first admin with `gridline user add admin --name 管理员 --role admin` (it asks for the password)")
	}
	var fusionClasses []string
	if v := os.Getenv("GRIDLINE_FUSION_CLASSES"); v != "" {
		// The main classes the daily hotline–grid comparison compares.
		fusionClasses = strings.Split(v, ",")
		if err := gridline.CheckFusionClasses(gridline.DefaultCatalogue(), fusionClasses); err != nil {
			return fmt.Errorf("GRIDLINE_FUSION_CLASSES: %v", gridline.ErrorFields(err)["classes"])
		}
	}
	if v := os.Getenv("GRIDLINE_RESIDENT_LIMITS"); v != "" {
		// How often residents may report: per phone a day, per place an
		// hour (the residents' page).
		lim, err := gridline.ParseResidentLimits(v)
		if err != nil {
			return fmt.Errorf("GRIDLINE_RESIDENT_LIMITS: %v", err)
		}
		if rs, ok := svcs.Residents.(*sqlstore.ResidentService); ok {
			rs.Limits = lim
		}
	}
	// The base map under the web app's maps: none by default (offline
	// intranets), else tiles or a style from the configured URL.
	baseMap, err := gridline.ParseBaseMap(os.Getenv("GRIDLINE_BASEMAP_URL"), os.Getenv("GRIDLINE_BASEMAP_TYPE"),
		os.Getenv("GRIDLINE_BASEMAP_ATTRIBUTION"), os.Getenv("GRIDLINE_BASEMAP_SUBDOMAINS"))
	if err != nil {
		for field, why := range gridline.ErrorFields(err) {
			return fmt.Errorf("GRIDLINE_BASEMAP_%s: %s", strings.ToUpper(field), why)
		}
		return err
	}
	m.Server = &glhttp.Server{
		Addr:          c.addr,
		Limits:        limits,
		FusionClasses: fusionClasses,
		Services:      svcs,
		Live:          hub,
		BaseMap:       baseMap,
		Ping:          m.DB.Ping,
		UI:            web.FS(),
		Logger:        m.logger,
	}
	if err := m.Server.Open(ctx); err != nil {
		return err
	}
	if err := servePprof(m.logger); err != nil {
		return err
	}
	m.logger.Info("serving", "url", m.Server.URL(), "grids_indexed", loc.Len(),
		"startup", time.Since(start).Round(time.Millisecond))
	if m.Ready != nil {
		m.Ready(m.Server.URL())
	}
	<-ctx.Done()
	m.logger.Info("shutting down")
	shut, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	// The server first, so no request is left when the database closes.
	return m.Server.Close(shut)
}

// limitsFromEnv reads the request bounds and the shutdown grace from the
// environment (docs/operations.md); unset values keep their defaults.
func limitsFromEnv() (glhttp.Limits, time.Duration, error) {
	var l glhttp.Limits
	grace := 15 * time.Second
	var err error
	num := func(key string, dst *int) {
		if v := os.Getenv(key); v != "" && err == nil {
			if *dst, err = strconv.Atoi(v); err != nil || *dst <= 0 {
				err = fmt.Errorf("%s: want a positive whole number, got %q", key, v)
			}
		}
	}
	dur := func(key string, dst *time.Duration) {
		if v := os.Getenv(key); v != "" && err == nil {
			if *dst, err = time.ParseDuration(v); err != nil || *dst <= 0 {
				err = fmt.Errorf("%s: want a duration such as 15s, got %q", key, v)
			}
		}
	}
	num("GRIDLINE_MAX_CONNS", &l.MaxConns)
	num("GRIDLINE_MAX_IN_FLIGHT", &l.MaxInFlight)
	num("GRIDLINE_MAX_EXPENSIVE", &l.MaxExpensive)
	num("GRIDLINE_LOGIN_ADDR_FAILURES", &l.LoginFailures)
	dur("GRIDLINE_BODY_TIMEOUT", &l.BodyTimeout)
	dur("GRIDLINE_SHUTDOWN_GRACE", &grace)
	if v := os.Getenv("GRIDLINE_MAX_BODY"); v != "" && err == nil {
		if l.Body, err = strconv.ParseInt(v, 10, 64); err != nil || l.Body <= 0 {
			err = fmt.Errorf("GRIDLINE_MAX_BODY: want a positive number of bytes, got %q", v)
		}
	}
	if v := os.Getenv("GRIDLINE_ANON_RATE"); v != "" && err == nil {
		if l.AnonRate, err = strconv.ParseFloat(v, 64); err != nil || l.AnonRate == 0 {
			err = fmt.Errorf("GRIDLINE_ANON_RATE: want requests per second (negative: no limit), got %q", v)
		}
	}
	if v := os.Getenv("GRIDLINE_TRUSTED_PROXIES"); v != "" && err == nil {
		for _, f := range strings.Split(v, ",") {
			f = strings.TrimSpace(f)
			p, perr := netip.ParsePrefix(f)
			if perr != nil {
				a, aerr := netip.ParseAddr(f)
				if aerr != nil {
					err = fmt.Errorf("GRIDLINE_TRUSTED_PROXIES: %q is neither an address nor a CIDR prefix", f)
					break
				}
				p = netip.PrefixFrom(a, a.BitLen())
			}
			l.TrustedProxies = append(l.TrustedProxies, p)
		}
	}
	return l, grace, err
}

// services wires every service over m.DB, with a locate service that
// follows the change feed (not yet opened) and credentials cached
// against it.
func (m *Main) services(policy gridline.AuthPolicy) gridline.Services {
	loc := locate.New(sqlstore.NewServices(m.DB, nil))
	loc.Committed = func() int64 { return m.DB.CommittedSeqOf(locate.Entities...) }
	loc.Logger = m.logger
	svcs := sqlstore.NewServices(m.DB, loc)
	svcs.Stats = &cache.Stats{Stats: svcs.Stats, Events: svcs.Events}
	svcs.Aggregates = &cache.Aggregates{Aggregates: svcs.Aggregates, Events: svcs.Events}
	// Duplicate lookups (every intake makes one) from the recent cases in
	// memory; until serve opens it, they go to the store.
	dup := dupindex.New(svcs.Duplicates.(gridline.DuplicateStore), svcs.Events)
	dup.Committed = func() int64 { return m.DB.CommittedSeqOf(dupindex.Entities...) }
	dup.Now = m.DB.Now
	dup.Logger = m.logger
	svcs.Duplicates = dup
	// Intake's compound lookups from memory, dropped when compounds change.
	svcs.Tickets.(*sqlstore.TicketService).Compounds = &cache.Compounds{Store: svcs.Compounds.(gridline.CompoundOutliner),
		Committed: func() int64 { return m.DB.CommittedSeqOf(cache.CompoundEntities...) }}
	// Route proposals (intake makes one) from the units and compounds in
	// memory, dropped when they change.
	svcs.Routes = cache.NewRouter(svcs, func() int64 { return m.DB.CommittedSeqOf(cache.RouteEntities...) })
	// The gazetteer (cases placed only in words) likewise.
	svcs.Gazetteers = &cache.Gazetteers{Services: svcs, Committed: func() int64 { return m.DB.CommittedSeqOf(cache.GazetteerEntities...) }}
	auth := sqlstore.NewAuthService(m.DB)
	auth.Policy = policy
	svcs.Auth = &cache.Auth{AuthService: auth, Now: func() time.Time { return m.DB.Now() },
		Committed: func() int64 { return m.DB.CommittedSeqOf(cache.AuthEntities...) }}
	return svcs
}

// policyFromEnv reads the session and lockout settings
// (docs/operations.md); unset values keep their defaults.
func policyFromEnv() (gridline.AuthPolicy, error) {
	p := gridline.DefaultAuthPolicy
	var err error
	dur := func(key string, dst *time.Duration) {
		if v := os.Getenv(key); v != "" && err == nil {
			if *dst, err = time.ParseDuration(v); err != nil || *dst <= 0 {
				err = fmt.Errorf("%s: want a duration such as 15m, got %q", key, v)
			}
		}
	}
	dur("GRIDLINE_SESSION_TTL", &p.SessionTTL)
	dur("GRIDLINE_SESSION_IDLE", &p.SessionIdle)
	dur("GRIDLINE_LOCKOUT", &p.LockoutBase)
	dur("GRIDLINE_LOCKOUT_MAX", &p.LockoutMax)
	if v := os.Getenv("GRIDLINE_LOGIN_MAX_FAILURES"); v != "" && err == nil {
		if p.MaxFailures, err = strconv.Atoi(v); err != nil || p.MaxFailures <= 0 {
			err = fmt.Errorf("GRIDLINE_LOGIN_MAX_FAILURES: want a positive whole number, got %q", v)
		}
	}
	return p, err
}

func (m *Main) importRegions(ctx context.Context, file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	start := time.Now()
	rows, err := gridline.ParseRegionsCSV(f)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	res, err := sqlstore.NewRegionService(m.DB).ImportRegions(ctx, rows)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	fmt.Fprintf(m.Stdout, "imported %d regions (%d new, %d updated) in %s\n", res.Rows, res.Inserted, res.Updated, time.Since(start).Round(time.Millisecond))
	return nil
}

func (m *Main) importGrids(ctx context.Context, file, layer string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	grids, err := gridline.ParseGridsGeoJSON(data, layer)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if err := sqlstore.NewGridService(m.DB).ImportGrids(ctx, grids); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	fmt.Fprintf(m.Stdout, "imported %d grids\n", len(grids))
	return nil
}

// import12345 imports a 12345 export and prints the report as JSON; a
// file with bad rows is imported but for them (or, with --atomic, not at
// all) and the command fails, so scripts notice.
func (m *Main) import12345(ctx context.Context, file string, c config) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var mapping *gridline.Hotline12345Mapping
	if c.mapping != "" {
		mb, err := os.ReadFile(c.mapping)
		if err != nil {
			return err
		}
		if mapping, err = gridline.ParseHotline12345Mapping(mb); err != nil {
			return fmt.Errorf("%s: %w", c.mapping, err)
		}
	}
	start := time.Now()
	rows, err := glhttp.ReadHotline12345File(b, mapping)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	svcs := m.services(c.policy)
	g, err := gridline.LoadGazetteer(ctx, svcs)
	if err != nil {
		return err
	}
	cat, err := svcs.Reference.Catalogue(ctx)
	if err != nil {
		return err
	}
	rep, err := gridline.ImportHotline12345(ctx, rows, cat, mapping, g, svcs.Hotline, c.atomic)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	enc := json.NewEncoder(m.Stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return err
	}
	m.logger.Info("import-12345", "rows", rep.Rows, "imported", rep.Imported, "existing", rep.Existing, "failed", rep.Failed,
		"took", time.Since(start).Round(time.Millisecond))
	if rep.Failed > 0 {
		if !rep.Applied {
			return fmt.Errorf("%s: %d bad rows; nothing imported (--atomic)", file, rep.Failed)
		}
		return fmt.Errorf("%s: %d bad rows left out (listed above)", file, rep.Failed)
	}
	return nil
}

// demoOpen311Key gives the demo's external account the well-known Open311
// api_key demo.Open311Key, for trying /open311/v2/ with any 311 client.
// Only the demo has it: serve never calls this.
func demoOpen311Key(ctx context.Context, db *sqlstore.DB) error {
	name := "external"
	us, _, err := sqlstore.NewUserService(db).FindUsers(ctx, gridline.UserFilter{Username: &name, Limit: 1})
	if err != nil {
		return err
	}
	if len(us) == 0 {
		return fmt.Errorf("demo: no account %s for the Open311 key", name)
	}
	t := &gridline.APIToken{UserID: us[0].ID, Name: "Open311 演示密钥 (demo api_key)", ExpiresAt: db.Now().Add(365 * 24 * time.Hour)}
	if err := sqlstore.NewAuthService(db).CreateDemoToken(ctx, t, demo.Open311Key); err != nil {
		return fmt.Errorf("demo: Open311 key: %w", err)
	}
	return nil
}

// loadDemo creates the Yanzhou demo and its accounts unless the database
// already has regions.
func (m *Main) loadDemo(ctx context.Context, c config) error {
	seed := c.seed
	regions := sqlstore.NewRegionService(m.DB)
	if _, n, err := regions.FindRegions(ctx, gridline.RegionFilter{Limit: 1}); err != nil {
		return err
	} else if n > 0 {
		m.logger.Info("demo: database is not empty; serving it as it is")
		return nil
	}
	start := time.Now()
	d, err := demo.Generate(seed)
	if err != nil {
		return fmt.Errorf("generate demo: %w", err)
	}
	m.logger.Info("demo: generated the Yanzhou district", "seed", seed, "took", time.Since(start).Round(time.Millisecond))
	// The year of cases is generated while the district loads.
	type generated struct {
		h   *demo.History
		err error
	}
	history := make(chan generated, 1)
	go func() {
		h, err := demo.GenerateHistory(d, demo.HistoryOptions{})
		history <- generated{h, err}
	}()
	ctx = gridline.WithActor(ctx, gridline.Actor{Name: "demo"})
	// Where the start's time goes, logged in one line at the end.
	var phases []any
	ctx = demo.WithPhases(ctx, func(phase string, took time.Duration) {
		phases = append(phases, phase, took.Round(time.Millisecond))
	})
	mark := time.Now()
	lap := func(phase string) {
		now := time.Now()
		phases = append(phases, phase, now.Sub(mark).Round(time.Millisecond))
		mark = now
	}
	// One transaction: a commit per row would make the load ten times
	// slower, and a failed load leaves the database empty. Nobody uses
	// the database before it serves: a load transaction (InLoadTx).
	err = m.DB.InLoadTx(ctx, func(ctx context.Context) error {
		if err := demo.Load(ctx, d, m.services(c.policy)); err != nil {
			return err
		}
		mark = time.Now()
		g := <-history
		if g.err != nil {
			return fmt.Errorf("generate the year's cases: %w", g.err)
		}
		lap("wait_history")
		m.logger.Info("demo: loaded the district; importing the year's cases", "cases", len(g.h.Cases),
			"took", time.Since(start).Round(time.Millisecond))
		if err := demo.LoadHistory(ctx, d, g.h, m.services(c.policy)); err != nil {
			return err
		}
		mark = time.Now()
		accounts, err := demo.LoadAccounts(ctx, d, m.services(c.policy), c.demoPassword)
		if err != nil {
			return err
		}
		if err := demoOpen311Key(ctx, m.DB); err != nil {
			return err
		}
		lap("accounts")
		names := make([]string, len(accounts))
		for i, a := range accounts {
			names[i] = a.Username
		}
		m.logger.Warn("demo: accounts created with a well-known password; never expose a demo to a network",
			"accounts", strings.Join(names, ","))
		return nil
	})
	if err != nil {
		return fmt.Errorf("load demo: %w", err)
	}
	lap("commit")
	m.logger.Info("demo: phases", phases...)
	m.logger.Info("demo: loaded", "took", time.Since(start).Round(time.Millisecond))
	return nil
}

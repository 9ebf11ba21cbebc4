package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/sqlstore"
)

// userFlags are the flags of `gridline user …`.
type userFlags struct {
	name          string
	phone         string
	roles         grantsFlag
	passwordStdin bool
	expires       string
}

// grantsFlag collects repeated --role ROLE[@REGION|#UNIT_ID] flags.
type grantsFlag []gridline.Grant

func (g *grantsFlag) String() string {
	s := make([]string, len(*g))
	for i, v := range *g {
		s[i] = v.String()
	}
	return strings.Join(s, ",")
}

func (g *grantsFlag) Set(v string) error {
	gr, err := gridline.ParseGrant("--role", v)
	if err != nil {
		return fmt.Errorf("%s", gridline.ErrorMessage(err))
	}
	*g = append(*g, gr)
	return nil
}

func (u *userFlags) add(fs *flag.FlagSet) {
	fs.StringVar(&u.name, "name", "", "user add: the person's name (e.g. 张伟); token: what the token is for")
	fs.StringVar(&u.phone, "phone", "", "user add: phone number")
	fs.Var(&u.roles, "role", "user add: a role, ROLE, ROLE@REGION_OR_GRID_CODE or ROLE#UNIT_ID (repeatable); token: narrow the token to these of the user's roles")
	fs.BoolVar(&u.passwordStdin, "password-stdin", false, "user add, passwd: read the password from the first line of standard input without prompting")
	fs.StringVar(&u.expires, "expires", "90d", "user token: lifetime, e.g. 30d, 12h (at most 366d)")
}

const userUsage = `usage:
  gridline user add USERNAME --name NAME --role ROLE[@REGION|#UNIT_ID] [--role …] [--phone P] [--password-stdin]
  gridline user passwd USERNAME [--password-stdin]
  gridline user disable USERNAME
  gridline user enable USERNAME
  gridline user token USERNAME --name NAME [--expires 90d] [--role …]
  gridline user list

Passwords are read from standard input (a prompt on a terminal), never
from a flag. Roles: ` + "admin, command, street, community, grid_worker, grid_worker_property, grid_worker_special, department, property, leader, resident, external"

// runUser runs `gridline user SUB USERNAME`.
func (m *Main) runUser(ctx context.Context, sub string, args []string, u userFlags) error {
	svcs := sqlstore.NewServices(m.DB, nil)
	if sub == "list" {
		if len(args) != 0 {
			return fmt.Errorf("user list takes no arguments")
		}
		return m.listUsers(ctx, svcs.Users)
	}
	if len(args) != 1 {
		return fmt.Errorf("user %s: want exactly one USERNAME, got %d arguments\n%s", sub, len(args), userUsage)
	}
	username := args[0]
	switch sub {
	case "add":
		pw, err := m.readPassword(username, u.passwordStdin)
		if err != nil {
			return err
		}
		nu := &gridline.User{Username: username, Name: u.name, Phone: u.phone, Grants: u.roles}
		if err := svcs.Users.CreateUser(ctx, nu, pw); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "created user %s (id %d) with %s\n", nu.Username, nu.ID, grantsText(nu.Grants))
		return nil
	}
	found, err := svcs.Users.FindUserByUsername(ctx, username)
	if err != nil {
		return fmt.Errorf("user %s: %s", username, gridline.ErrorMessage(err))
	}
	switch sub {
	case "passwd":
		pw, err := m.readPassword(found.Username, u.passwordStdin)
		if err != nil {
			return err
		}
		if err := svcs.Users.SetPassword(ctx, found.ID, pw); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "password of %s set; its sessions are ended\n", found.Username)
	case "disable", "enable":
		off := sub == "disable"
		if _, err := svcs.Users.UpdateUser(ctx, found.ID, gridline.UserUpdate{Disabled: &off}); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "user %s %sd\n", found.Username, sub)
	case "token":
		ttl, err := parseDays(u.expires)
		if err != nil {
			return err
		}
		t := &gridline.APIToken{UserID: found.ID, Name: u.name, Grants: u.roles, ExpiresAt: time.Now().Add(ttl)}
		tok, err := svcs.Auth.CreateToken(ctx, t)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stderr, "API token %d for %s, expires %s; shown only now:\n", t.ID, found.Username, t.ExpiresAt.Format(time.RFC3339))
		fmt.Fprintln(m.Stdout, tok)
	default:
		return fmt.Errorf("unknown user command %q\n%s", sub, userUsage)
	}
	return nil
}

func grantsText(gs []gridline.Grant) string {
	if len(gs) == 0 {
		return "no roles"
	}
	s := make([]string, len(gs))
	for i, g := range gs {
		s[i] = g.String()
	}
	return strings.Join(s, ", ")
}

func (m *Main) listUsers(ctx context.Context, users gridline.UserService) error {
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSERNAME\tNAME\tROLES\tDISABLED")
	for offset := 0; ; offset += 500 {
		us, total, err := users.FindUsers(ctx, gridline.UserFilter{Offset: offset, Limit: 500})
		if err != nil {
			return err
		}
		for _, u := range us {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%v\n", u.ID, u.Username, u.Name, grantsText(u.Grants), u.Disabled)
		}
		if len(us) == 0 || offset+len(us) >= total {
			break
		}
	}
	return tw.Flush()
}

// parseDays reads a duration that may also be in days ("90d").
func parseDays(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("--expires %q: want a number of days such as 90d, or a duration such as 12h", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("--expires %q: want a number of days such as 90d, or a duration such as 12h", s)
	}
	return d, nil
}

// readPassword reads a new password from the first line of standard
// input. On a terminal, unless noPrompt, it asks twice with echo off (by
// stty, where there is one).
func (m *Main) readPassword(username string, noPrompt bool) (string, error) {
	in := bufio.NewReader(m.Stdin)
	f, isFile := m.Stdin.(*os.File)
	terminal := false
	if isFile {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			terminal = true
		}
	}
	if !terminal || noPrompt {
		line, err := in.ReadString('\n')
		if err != nil && (err != io.EOF || line == "") {
			return "", fmt.Errorf("read the password from standard input: %w", err)
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	if err := stty(f, "-echo"); err == nil {
		defer stty(f, "echo")
	}
	ask := func(prompt string) (string, error) {
		fmt.Fprint(m.Stderr, prompt)
		line, err := in.ReadString('\n')
		fmt.Fprintln(m.Stderr)
		return strings.TrimRight(line, "\r\n"), err
	}
	pw, err := ask("New password for " + username + ": ")
	if err != nil {
		return "", err
	}
	again, err := ask("Again: ")
	if err != nil {
		return "", err
	}
	if pw != again {
		return "", fmt.Errorf("the passwords differ")
	}
	return pw, nil
}

func stty(tty *os.File, arg string) error {
	cmd := exec.Command("stty", arg)
	cmd.Stdin = tty
	return cmd.Run()
}

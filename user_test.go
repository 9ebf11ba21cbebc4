package gridline_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gridline/gridline"
)

func TestValidatePassword(t *testing.T) {
	for _, tt := range []struct {
		username, password, want string // want: "" or part of the error
	}{
		{"admin", "correct horse", ""},
		{"admin", "密码密码密码密码", ""},
		{"admin", "short", "at least 8"},
		{"admin", "七个字的密码啊", "at least 8"},
		{"admin", strings.Repeat("x", 120) + "abcdefghi", "at most 128"},
		{"admin", "admin123", "username"},
		{"wang", "WANG1234", "username"},
		{"zhangwei", "iewgnahz", "username"},
		{"wang", "wang is my name", ""},
		{"admin", "aaaaaaaaaa", "repeated"},
		{"admin", "啊啊啊啊啊啊啊啊", "repeated"},
		{"admin", "12345678", "common"},
		{"admin", "Password", "common"},
		{"admin", "bad\xffutf8!!", "UTF-8"},
	} {
		err := gridline.ValidatePassword("password", tt.username, tt.password)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%q for %s: %v", tt.password, tt.username, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || gridline.ErrorFields(err)["password"] == ""):
			t.Errorf("%q for %s: %v, want an error on password saying %q", tt.password, tt.username, err, tt.want)
		}
	}
}

func TestPasswordHash(t *testing.T) {
	h, err := gridline.HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q is not argon2id in PHC form with the chosen parameters", h)
	}
	h2, _ := gridline.HashPassword("correct horse")
	if h == h2 {
		t.Error("two hashes of one password are equal: no salt")
	}
	if !gridline.CheckPassword(h, "correct horse") || gridline.CheckPassword(h, "correct horsE") || gridline.CheckPassword(h, "") {
		t.Error("CheckPassword does not tell the password from others")
	}
	parts := strings.Split(h, "$")
	for name, bad := range map[string]string{
		"empty":          "",
		"bcrypt":         "$2a$10$abcdefghijklmnopqrstuv",
		"argon2i":        strings.Replace(h, "argon2id", "argon2i", 1),
		"version":        strings.Replace(h, "v=19", "v=16", 1),
		"huge memory":    strings.Replace(h, "m=19456", "m=4194304", 1),
		"zero time":      strings.Replace(h, "t=2", "t=0", 1),
		"bad salt":       strings.Join([]string{"", parts[1], parts[2], parts[3], "!!", parts[5]}, "$"),
		"truncated key":  strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], parts[5][:10]}, "$"),
		"missing fields": "$argon2id$v=19$m=19456,t=2,p=1$" + parts[4],
	} {
		if gridline.CheckPassword(bad, "correct horse") {
			t.Errorf("%s: a bad hash matched", name)
		}
	}
	if gridline.CheckNoPassword("correct horse") {
		t.Error("CheckNoPassword matched")
	}
}

func TestValidateUsername(t *testing.T) {
	for s, ok := range map[string]bool{"admin": true, "wang.fang": true, "grid_7": true, "a-b": true, "7up": true,
		"": false, "a": false, "Admin": false, "_x": false, "王芳": false, "a b": false, strings.Repeat("a", 65): false} {
		if err := gridline.ValidateUsername("username", s); (err == nil) != ok {
			t.Errorf("%q: %v, want ok %v", s, err, ok)
		}
	}
}

func TestParseGrant(t *testing.T) {
	for _, tt := range []struct {
		in, want, err string
	}{
		{"admin", "admin", ""},
		{"street@370812001", "street@370812001", ""},
		{"grid_worker@370812001002001", "grid_worker@370812001002001", ""},
		{"department#7", "department#7", ""},
		{"command", "command", ""},
		{"command@370812", "command@370812", ""},
		{"street", "", "region"},
		{"department", "", "unit_id"},
		{"department@370812", "", "unit_id"},
		{"street#3", "", "region"},
		{"admin@370812", "", "does not hold at a place"},
		{"resident#3", "", "does not hold at a unit"},
		{"street@37a", "", "not a region"},
		{"department#x", "", "unit id"},
		{"department#0", "", "unit id"},
		{"mayor", "", "not a role"},
	} {
		g, err := gridline.ParseGrant("role", tt.in)
		switch {
		case tt.err == "" && (err != nil || g.String() != tt.want):
			t.Errorf("%q: %v %v, want %s", tt.in, g, err, tt.want)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%q: %v, want an error saying %q", tt.in, err, tt.err)
		}
	}
	a, _ := gridline.ParseGrant("", "leader@370812")
	if err := gridline.ValidateGrants([]gridline.Grant{a, a}); err == nil || gridline.ErrorFields(err)["grants[1]"] == "" {
		t.Errorf("a grant twice: %v", err)
	}
}

func TestLockout(t *testing.T) {
	p := gridline.DefaultAuthPolicy
	for failures, want := range map[int]time.Duration{0: 0, 4: 0, 5: time.Minute, 6: 2 * time.Minute, 7: 4 * time.Minute,
		8: 8 * time.Minute, 9: 15 * time.Minute, 50: 15 * time.Minute} {
		if got := p.Lockout(failures); got != want {
			t.Errorf("%d failures: locked %s, want %s", failures, got, want)
		}
	}
}

func TestPrincipalHas(t *testing.T) {
	var nobody *gridline.Principal
	p := &gridline.Principal{User: &gridline.User{Username: "li"}, Grants: []gridline.Grant{{Role: gridline.RoleStreet, Region: "370812001"}}}
	sys := &gridline.Principal{System: true}
	if nobody.Has(gridline.RoleAdmin) || p.Has(gridline.RoleAdmin) || !p.Has(gridline.RoleStreet) || !sys.Has(gridline.RoleAdmin) {
		t.Error("Has")
	}
	if nobody.Name() != "anonymous" || p.Name() != "li" || sys.Name() != "system" {
		t.Error("Name")
	}
}

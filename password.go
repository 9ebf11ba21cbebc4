package gridline

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are the argon2id parameters new password hashes get. A
// stored hash carries its own parameters (PHC string form), so raising
// these later keeps old passwords working.
//
// 19 MiB, 2 passes, 1 lane is OWASP's first argon2id configuration: on
// the development machine a check takes 34–40 ms of CPU even with the
// cores shared, so one core verifies 25–29 passwords a second
// (BenchmarkPasswordVerify, docs/benchmarks.md), above the 20 issue 9
// asks for; the HTTP server runs one check per core at once.
var Argon2Params = struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	KeyLen  uint32
	SaltLen int
}{Memory: 19 * 1024, Time: 2, Threads: 1, KeyLen: 32, SaltLen: 16}

// Password length bounds, in characters. The upper bound keeps hashing
// cheap for hostile input; argon2 itself takes any length.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 128
)

// commonPasswords are refused whatever else is true of them: the most
// common passwords of Chinese and English leaked lists that pass the
// length rule. (demo1234, the demo's well-known password, is not here on
// purpose: the demo accounts use it.)
var commonPasswords = map[string]bool{
	"12345678": true, "123456789": true, "1234567890": true, "87654321": true, "11111111": true,
	"88888888": true, "66666666": true, "00000000": true, "password": true, "password1": true,
	"passw0rd": true, "iloveyou": true, "qwertyui": true, "qwerty123": true, "1qaz2wsx": true,
	"a1234567": true, "abc12345": true, "abcd1234": true, "admin123": true, "admin1234": true,
	"aa123456": true, "woaini1314": true, "5201314520": true, "147258369": true, "123123123": true,
	"gridline": true, "gridline1": true, "12341234": true, "1q2w3e4r": true, "zxcvbnm1": true,
}

// ValidatePassword checks a new password for the account username: 8 to
// 128 characters, not the username (in any case, reversed, or as most
// of the password), not one
// character repeated, and not one of the most common passwords. It
// follows NIST SP 800-63B: length and a blocklist, no composition rules.
// The error names the field.
func ValidatePassword(field, username, password string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case !utf8.ValidString(password):
		return FieldErrorf(field, "is not valid UTF-8")
	case n < MinPasswordLen:
		return FieldErrorf(field, "must be at least %d characters long", MinPasswordLen)
	case n > MaxPasswordLen:
		return FieldErrorf(field, "must be at most %d characters long", MaxPasswordLen)
	}
	lower := strings.ToLower(password)
	if u := strings.ToLower(username); u != "" && (strings.Contains(lower, u) && len(u)*2 >= len(lower) || lower == reverse(u)) {
		return FieldErrorf(field, "must not be the username")
	}
	if strings.Count(password, password[:utf8.RuneLen([]rune(password)[0])]) == n {
		return FieldErrorf(field, "must not be one character repeated")
	}
	if commonPasswords[lower] {
		return FieldErrorf(field, "is one of the most common passwords; choose another")
	}
	return nil
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

// HashPassword returns the argon2id hash of password in PHC string form:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>.
func HashPassword(password string) (string, error) {
	p := Argon2Params
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches the PHC hash. A hash it
// cannot read matches nothing. The comparison takes constant time.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	// "", "argon2id", "v=19", "m=…,t=…,p=…", salt, key
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	var memory, time uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &time, &threads); err != nil {
		return false
	}
	// A corrupt or hostile hash must not make one login cost gigabytes.
	if memory == 0 || memory > 1<<20 || time == 0 || time > 16 || threads == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 128 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, time, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when a login names no account, so that a
// wrong username takes as long as a wrong password and the answer's
// timing does not tell which usernames exist.
// It is made on first use, not at start: every process would pay for it.
var dummyHash = sync.OnceValue(func() string {
	h, err := HashPassword("not a password of any account")
	if err != nil {
		panic(err)
	}
	return h
})

// CheckNoPassword spends the time of one CheckPassword and reports false.
func CheckNoPassword(password string) bool {
	CheckPassword(dummyHash(), password)
	return false
}

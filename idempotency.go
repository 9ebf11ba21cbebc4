package gridline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// IdempotencyHeader is the request header that carries an idempotency
// key on POST /api/v1/tickets and POST /api/v1/tickets/{id}/actions/{action}.
const IdempotencyHeader = "Idempotency-Key"

// MaxIdempotencyKeyLen is the longest key accepted, in bytes.
const MaxIdempotencyKeyLen = 100

// IdempotencyRetention is how long a key is remembered. A phone may stay
// offline for days before its queue is sent; a retry after this is a new
// request.
const IdempotencyRetention = 7 * 24 * time.Hour

// Idempotent is a request's idempotency key with the fingerprint of what
// it asked. The same account sending the same key again gets the first
// answer and writes nothing; the same key with another fingerprint is
// refused ([KeyReused]).
type Idempotent struct {
	Key         string
	Fingerprint string
}

// CheckIdempotencyKey returns EINVALID naming the header unless k is 1 to
// MaxIdempotencyKeyLen visible ASCII characters (a UUID fits).
func CheckIdempotencyKey(k string) error {
	if k == "" || len(k) > MaxIdempotencyKeyLen {
		return FieldErrorf(IdempotencyHeader, "must be 1 to %d characters, got %d", MaxIdempotencyKeyLen, len(k))
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return FieldErrorf(IdempotencyHeader, "must be visible ASCII characters (a UUID), got a byte 0x%02x at %d", k[i], i)
		}
	}
	return nil
}

// IdempotentAnswer is what the store remembers of a request made with a
// key: its fingerprint, the case it wrote, the answer's status and body
// (nil until the answer was saved).
type IdempotentAnswer struct {
	Key         string
	Fingerprint string
	TicketID    int64
	Status      int
	Body        []byte
	CreatedAt   time.Time
}

// ErrIdempotentReplay is what a write returns when its key was used
// already by the same account: nothing was written, and the caller answers
// what [IdempotencyService.FindIdempotent] remembers.
var ErrIdempotentReplay = &Error{Code: ECONFLICT, Message: "This request was made already with this Idempotency-Key.",
	Fields: map[string]string{IdempotencyHeader: "already used"}}

// KeyReused is the answer to a key sent again with a different request:
// 409 naming the header.
func KeyReused(key string) error {
	return &Error{Code: ECONFLICT,
		Message: fmt.Sprintf("Idempotency-Key %q was used for a different request; use a new key for a new request.", key),
		Fields:  map[string]string{IdempotencyHeader: "used for a different request"}}
}

// TicketFingerprint is the digest of an intake: what was reported, where
// and by whom, and its photos' digests, so a retry of the same report
// (whatever its multipart boundary) matches and another report does not.
func TicketFingerprint(t *Ticket) string {
	photos := make([]string, len(t.Photos))
	for i, p := range t.Photos {
		photos[i] = p.SHA256
	}
	if t.NamesBuilding() || t.Entrance != 0 || t.Floor != nil {
		// The place inside a building counts too; an intake without one
		// keeps the digest it always had, so keys taken before it came
		// still replay.
		return requestDigest("intake", struct {
			Channel    Channel
			ExternalID string
			Text       string
			Category   string
			Lon, Lat   *float64
			Address    string
			Reporter   Reporter
			Photos     []string
			BuildingID *int64
			Entrance   int
			Floor      *int
			AddressID  *int64
			QRToken    string
		}{t.Channel, t.ExternalID, t.Text, t.Category, t.Lon, t.Lat, t.Address, t.Reporter, photos,
			t.BuildingID, t.Entrance, t.Floor, t.AddressID, t.QRToken})
	}
	return requestDigest("intake", struct {
		Channel    Channel
		ExternalID string
		Text       string
		Category   string
		Lon, Lat   *float64
		Address    string
		Reporter   Reporter
		Photos     []string
	}{t.Channel, t.ExternalID, t.Text, t.Category, t.Lon, t.Lat, t.Address, t.Reporter, photos})
}

// ActionFingerprint is the digest of an action on case id.
func ActionFingerprint(id int64, r *TicketActionRequest) string {
	photos := make([]string, len(r.Photos))
	for i, p := range r.Photos {
		photos[i] = p.SHA256
	}
	return requestDigest("action", struct {
		ID      int64
		Action  TicketAction
		Request *TicketActionRequest
		Photos  []string
	}{id, r.Action, r, photos})
}

func requestDigest(kind string, v any) string {
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(append([]byte(kind+"\n"), b...))
	return hex.EncodeToString(sum[:])
}

// IdempotencyService remembers the answers of keyed requests. The key
// itself is written by the store in the transaction of the write it
// guards (CreateTicket, ActOnTicket), so a key is taken exactly when its
// write commits.
type IdempotencyService interface {
	// FindIdempotent returns what the caller's account did with key
	// within IdempotencyRetention, or ENOTFOUND.
	FindIdempotent(ctx context.Context, key string) (*IdempotentAnswer, error)
	// SaveIdempotentAnswer keeps the answer given to the caller's first
	// request with key, for its retries. Saving twice keeps the first.
	SaveIdempotentAnswer(ctx context.Context, key string, status int, body []byte) error
}

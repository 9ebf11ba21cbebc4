package gridline

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"slices"
	"strings"
	"time"
)

// WebhookSignatureHeader carries a delivery's signature: "sha256=" and
// the hex HMAC-SHA256 of the body under the subscriber's secret.
// WebhookDeliveryHeader carries the delivery's id, the same on every
// retry: a receiver that saw it already ignores it.
const (
	WebhookSignatureHeader = "X-Gridline-Signature"
	WebhookDeliveryHeader  = "X-Gridline-Delivery"
)

// WebhookSignature returns the signature of body under secret, as
// WebhookSignatureHeader carries it.
func WebhookSignature(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// WebhookSubscriber is an external system told of the status changes of
// the cases it sent: those with an external number on one of Channels.
type WebhookSubscriber struct {
	ID       int64     `json:"id"`
	Name     string    `json:"name"`
	URL      string    `json:"url"`
	Secret   string    `json:"secret,omitempty"` // write only: never listed
	Channels []Channel `json:"channels"`
	Active   bool      `json:"active"`
	// Pending and Failed count its deliveries waiting and given up.
	Pending   int       `json:"pending"`
	Failed    int       `json:"failed"`
	CreatedAt time.Time `json:"created_at"`
}

// MinWebhookSecretLen is the shortest secret a subscriber may have.
const MinWebhookSecretLen = 16

// Validate checks a new subscriber: a name, an http(s) URL, a secret of
// at least MinWebhookSecretLen characters, known channels (default: the
// hotline).
func (w *WebhookSubscriber) Validate() error {
	w.Name, w.URL = strings.TrimSpace(w.Name), strings.TrimSpace(w.URL)
	if w.Name == "" {
		return FieldErrorf("name", "is required")
	}
	if err := checkTexts(textCheck{"name", w.Name, MaxNameLen}, textCheck{"url", w.URL, MaxOpen311URLLen},
		textCheck{"secret", w.Secret, 256}); err != nil {
		return err
	}
	if u, err := url.Parse(w.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return FieldErrorf("url", "must be an http or https URL")
	}
	if len(w.Secret) < MinWebhookSecretLen {
		return FieldErrorf("secret", "must be at least %d characters: the receiver checks the signature with it", MinWebhookSecretLen)
	}
	if len(w.Channels) == 0 {
		w.Channels = []Channel{ChannelHotline}
	}
	for i, c := range w.Channels {
		if !c.Valid() {
			return FieldErrorf("channels", "unknown channel %q at %d", c, i)
		}
	}
	slices.Sort(w.Channels)
	w.Channels = slices.Compact(w.Channels)
	return nil
}

// WebhookStatus is where a delivery stands.
type WebhookStatus string

// Delivery statuses.
const (
	WebhookPending   WebhookStatus = "pending"
	WebhookDelivered WebhookStatus = "delivered"
	WebhookFailed    WebhookStatus = "failed" // given up after WebhookMaxAttempts
)

// WebhookMaxAttempts is how often a delivery is tried before it is given
// up; with WebhookBackoff that is about two days.
const WebhookMaxAttempts = 60

// WebhookBackoff is the wait after the nth failed attempt (1-based):
// doubling from 5 s, at most an hour.
func WebhookBackoff(n int) time.Duration {
	d := 5 * time.Second
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// WebhookDelivery is one status change on its way to a subscriber.
type WebhookDelivery struct {
	ID           int64         `json:"id"`
	SubscriberID int64         `json:"subscriber_id"`
	TicketID     int64         `json:"ticket_id"`
	Body         string        `json:"body"`
	Status       WebhookStatus `json:"status"`
	Attempts     int           `json:"attempts"`
	NextAt       time.Time     `json:"next_at"`
	LastError    string        `json:"last_error,omitempty"`
	CreatedAt    time.Time     `json:"created_at"`
	DeliveredAt  *time.Time    `json:"delivered_at"`
	// URL and Secret are the subscriber's, for the sender (never in
	// answers).
	URL    string `json:"-"`
	Secret string `json:"-"`
}

// WebhookStatusBody is the JSON body of a status change: the case by its
// external number, where it stands and the public reply; never personal
// data or internal notes.
type WebhookStatusBody struct {
	Event      string       `json:"event"` // "ticket.status"
	ExternalID string       `json:"external_id"`
	Channel    Channel      `json:"channel"`
	Number     string       `json:"number"`
	Action     TicketAction `json:"action"`
	From       TicketStatus `json:"from"`
	Status     TicketStatus `json:"status"`
	Outcome    Outcome      `json:"outcome,omitempty"`
	Opinion    string       `json:"opinion,omitempty"`
	At         time.Time    `json:"at"`
	// Master and MasterStatus are, on a case merged into another, the
	// master's number and status after the action relayed (Action is
	// then master_reply, master_callback or master_close, and Status
	// stays merged): the platform's caller learns the result of the case
	// that was handled for theirs.
	Master       string       `json:"master,omitempty"`
	MasterStatus TicketStatus `json:"master_status,omitempty"`
}

// WebhookService keeps the subscribers and the outbox. Deliveries are
// written by TicketService in the transaction of each status change of a
// case with an external number.
type WebhookService interface {
	CreateWebhookSubscriber(ctx context.Context, w *WebhookSubscriber) error
	FindWebhookSubscribers(ctx context.Context) ([]*WebhookSubscriber, error)
	// DeleteWebhookSubscriber deactivates a subscriber: its pending
	// deliveries stay, unsent. ENOTFOUND for an unknown id.
	DeleteWebhookSubscriber(ctx context.Context, id int64) error
	// FindWebhookDeliveries returns a subscriber's deliveries, newest
	// first.
	FindWebhookDeliveries(ctx context.Context, subscriberID int64, limit int) ([]*WebhookDelivery, error)
	// ClaimWebhookDeliveries returns up to limit pending deliveries due
	// at the store's time, of active subscribers, the oldest pending one
	// of each case and subscriber only (a case's news keeps its order),
	// and holds each for
	// lease: another worker (or this one after a crash) sees it again
	// only when the lease is over.
	ClaimWebhookDeliveries(ctx context.Context, limit int, lease time.Duration) ([]*WebhookDelivery, error)
	// CompleteWebhookDelivery records an attempt: delivered when err is
	// "", else due again after WebhookBackoff, or failed after
	// WebhookMaxAttempts.
	CompleteWebhookDelivery(ctx context.Context, id int64, err string) error
}

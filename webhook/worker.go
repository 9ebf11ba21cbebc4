// Package webhook delivers the outbox of status changes to the external
// systems that subscribed (the 12345 platform) inside `gridline serve`.
// The outbox lives in the database, written with each change, so a
// subscriber that is down, slow or failing loses nothing: deliveries are
// retried with exponential backoff across restarts until it answers 2xx.
// Delivery is at least once: a crash between the subscriber's 2xx and
// its record sends that delivery again, with the same
// X-Gridline-Delivery id for the receiver to ignore.
package webhook

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gridline/gridline"
)

// Defaults of a Worker.
const (
	DefaultInterval = 2 * time.Second
	DefaultTimeout  = 10 * time.Second
	DefaultBatch    = 50
)

// Worker sends due deliveries until Close.
type Worker struct {
	Webhooks gridline.WebhookService
	// Client sends the requests; nil uses one with Timeout.
	Client   *http.Client
	Timeout  time.Duration // per request; 0 means DefaultTimeout
	Interval time.Duration // between passes; 0 means DefaultInterval
	Batch    int           // deliveries per pass; 0 means DefaultBatch
	Logger   *slog.Logger

	stop context.CancelFunc
	done chan struct{}
}

func (w *Worker) timeout() time.Duration {
	if w.Timeout > 0 {
		return w.Timeout
	}
	return DefaultTimeout
}

// Open starts sending in the background.
func (w *Worker) Open() {
	every := w.Interval
	if every <= 0 {
		every = DefaultInterval
	}
	ctx, cancel := context.WithCancel(gridline.WithActor(context.Background(), gridline.Actor{Name: "webhook"}))
	w.stop, w.done = cancel, make(chan struct{})
	go func() {
		defer close(w.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if _, err := w.RunOnce(ctx); err != nil && ctx.Err() == nil {
				w.logger().Warn("webhook deliveries", slog.Any("err", err))
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// Close stops the worker and waits for a running pass to end.
func (w *Worker) Close() {
	if w.stop != nil {
		w.stop()
		<-w.done
		w.stop = nil
	}
}

func (w *Worker) logger() *slog.Logger {
	if w.Logger != nil {
		return w.Logger
	}
	return slog.Default()
}

// RunOnce claims the due deliveries and sends them, a few at once, and
// returns how many were accepted.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	batch := w.Batch
	if batch <= 0 {
		batch = DefaultBatch
	}
	// The lease outlasts a send, so no other worker takes a delivery
	// while this one waits on it.
	ds, err := w.Webhooks.ClaimWebhookDeliveries(ctx, batch, 2*w.timeout()+30*time.Second)
	if err != nil {
		return 0, err
	}
	var mu sync.Mutex
	ok := 0
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for _, d := range ds {
		wg.Add(1)
		sem <- struct{}{}
		go func(d *gridline.WebhookDelivery) {
			defer wg.Done()
			defer func() { <-sem }()
			errText := w.send(ctx, d)
			if ctx.Err() != nil {
				return // shutting down: the lease runs out and it is sent again
			}
			if err := w.Webhooks.CompleteWebhookDelivery(ctx, d.ID, errText); err != nil {
				w.logger().Warn("webhook: record attempt", slog.Int64("delivery", d.ID), slog.Any("err", err))
				return
			}
			if errText == "" {
				mu.Lock()
				ok++
				mu.Unlock()
			} else {
				w.logger().Info("webhook: delivery failed; will retry", slog.Int64("delivery", d.ID),
					slog.Int("attempt", d.Attempts+1), slog.String("err", errText))
			}
		}(d)
	}
	wg.Wait()
	return ok, nil
}

// send posts d's body, signed, and returns "" on a 2xx answer, else what
// went wrong.
func (w *Worker) send(ctx context.Context, d *gridline.WebhookDelivery) string {
	ctx, cancel := context.WithTimeout(ctx, w.timeout())
	defer cancel()
	body := []byte(d.Body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(body))
	if err != nil {
		return err.Error()
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "Gridline-Webhook/"+gridline.Version)
	req.Header.Set(gridline.WebhookSignatureHeader, gridline.WebhookSignature(d.Secret, body))
	req.Header.Set(gridline.WebhookDeliveryHeader, strconv.FormatInt(d.ID, 10))
	client := w.Client
	if client == nil {
		client = &http.Client{Timeout: w.timeout()}
	}
	res, err := client.Do(req)
	if err != nil {
		return err.Error()
	}
	defer res.Body.Close()
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Sprintf("answered %s", res.Status)
	}
	return ""
}

package gridline

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// SavedViewPages are the pages whose filters a user can save as views.
// The list is closed so that the cap on views per page bounds the views
// per user.
var SavedViewPages = []string{"tickets"}

// Limits on saved views.
const (
	// MaxSavedViewName is the longest name of a view, in characters.
	MaxSavedViewName = 40
	// MaxSavedViewQuery is the largest query of a view, in bytes of its
	// JSON: the filters of a list page, not a document.
	MaxSavedViewQuery = 2048
	// MaxSavedViewKeys is the most parameters a view's query holds.
	MaxSavedViewKeys = 32
	// MaxSavedViews is the most views one user keeps on one page.
	MaxSavedViews = 50
)

// SavedView is a named set of a list page's filters that a user keeps on
// the server, so that it follows the user from device to device.
type SavedView struct {
	ID     int64  `json:"id"`
	UserID int64  `json:"-"`
	Page   string `json:"page"`
	Name   string `json:"name"`
	// Query is the page's URL query: parameter → value.
	Query     map[string]string `json:"query"`
	CreatedAt time.Time         `json:"created_at"`
}

// Validate checks v's page, name and query; the name is trimmed first.
func (v *SavedView) Validate() error {
	if err := CheckSavedViewPage(v.Page); err != nil {
		return err
	}
	v.Name = strings.TrimSpace(v.Name)
	if v.Name == "" {
		return FieldErrorf("name", "is required")
	}
	if err := CheckText("name", v.Name, MaxSavedViewName); err != nil {
		return err
	}
	if v.Query == nil {
		v.Query = map[string]string{}
	}
	if len(v.Query) > MaxSavedViewKeys {
		return FieldErrorf("query", "has %d parameters; at most %d are allowed", len(v.Query), MaxSavedViewKeys)
	}
	for k, val := range v.Query {
		if k == "" {
			return FieldErrorf("query", "parameter names must be non-empty text")
		}
		// The size of the whole is bounded below, as JSON.
		if err := checkTexts(textCheck{"query", k, MaxSavedViewQuery}, textCheck{"query", val, MaxSavedViewQuery}); err != nil {
			return err
		}
	}
	if b, _ := json.Marshal(v.Query); len(b) > MaxSavedViewQuery {
		return FieldErrorf("query", "is %d bytes as JSON; at most %d are allowed", len(b), MaxSavedViewQuery)
	}
	return nil
}

// CheckSavedViewPage returns EINVALID naming page unless page is one of
// SavedViewPages.
func CheckSavedViewPage(page string) error {
	if !slices.Contains(SavedViewPages, page) {
		return FieldErrorf("page", "must be one of %s, got %q", strings.Join(SavedViewPages, ", "), page)
	}
	return nil
}

// ErrSavedViewTaken is the error for a second view of the same name on
// the same page: a conflict that names the field.
func ErrSavedViewTaken(name string) error {
	msg := fmt.Sprintf("you already have a view named %q on this page", name)
	return &Error{Code: ECONFLICT, Message: "name: " + msg, Fields: map[string]string{"name": msg}}
}

// SavedViewService keeps users' saved views. Every method acts on one
// user's own views: another user's view is not found.
type SavedViewService interface {
	// FindSavedViews returns the user's views on page, by name. Returns
	// EINVALID for an unknown page.
	FindSavedViews(ctx context.Context, userID int64, page string) ([]*SavedView, error)
	// CreateSavedView stores v for v.UserID and sets its ID and
	// CreatedAt. Returns EINVALID for a bad page, name or query, or when
	// the user already has MaxSavedViews on the page; ECONFLICT when the
	// name is taken on the page.
	CreateSavedView(ctx context.Context, v *SavedView) error
	// DeleteSavedView removes the user's view id. Returns ENOTFOUND if
	// the user has no such view.
	DeleteSavedView(ctx context.Context, userID, id int64) error
}

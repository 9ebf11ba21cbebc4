package sqlstore_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gridline/gridline"
)

// TestSavedViews: views are stored per user and page, listed by name,
// refused with the field named when bad or taken, capped per page, not
// reachable by another user, and every write is audited.
func TestSavedViews(t *testing.T) {
	f := newFixture(t)
	mk := func(username string) *gridline.User {
		u := &gridline.User{Username: username, Name: username}
		if err := f.s.Users.CreateUser(ctx, u, "a fine password"); err != nil {
			t.Fatal(err)
		}
		return u
	}
	li, wang := mk("li"), mk("wang")
	views := f.s.Views
	v := &gridline.SavedView{UserID: li.ID, Page: "tickets", Name: "  鼓楼 红牌  ", Query: map[string]string{"town": "370812001", "warning": "red"}}
	if err := views.CreateSavedView(ctx, v); err != nil {
		t.Fatal(err)
	}
	if v.ID == 0 || v.Name != "鼓楼 红牌" || v.CreatedAt.IsZero() {
		t.Fatalf("created %+v", v)
	}
	if err := views.CreateSavedView(ctx, &gridline.SavedView{UserID: li.ID, Page: "tickets", Name: "A 全部"}); err != nil {
		t.Fatal(err)
	}
	got, err := views.FindSavedViews(ctx, li.ID, "tickets")
	if err != nil || len(got) != 2 || got[0].Name != "A 全部" || got[1].ID != v.ID || got[1].Query["warning"] != "red" ||
		got[1].Query["town"] != "370812001" || got[0].Query == nil || len(got[0].Query) != 0 {
		t.Fatalf("find: %v %v", got, err)
	}
	if got, err := views.FindSavedViews(ctx, wang.ID, "tickets"); err != nil || len(got) != 0 {
		t.Fatalf("another user's list: %v %v", got, err)
	}

	for name, tt := range map[string]struct {
		v     gridline.SavedView
		field string
	}{
		"no name":      {gridline.SavedView{Page: "tickets", Name: "   "}, "name"},
		"long name":    {gridline.SavedView{Page: "tickets", Name: strings.Repeat("视", 41)}, "name"},
		"unknown page": {gridline.SavedView{Page: "grids", Name: "x"}, "page"},
		"big query":    {gridline.SavedView{Page: "tickets", Name: "x", Query: map[string]string{"q": strings.Repeat("a", 3000)}}, "query"},
		"empty key":    {gridline.SavedView{Page: "tickets", Name: "x", Query: map[string]string{"": "a"}}, "query"},
	} {
		tt.v.UserID = li.ID
		if err := views.CreateSavedView(ctx, &tt.v); gridline.ErrorFields(err)[tt.field] == "" {
			t.Errorf("%s: want an error on %s, got %v", name, tt.field, err)
		}
	}
	err = views.CreateSavedView(ctx, &gridline.SavedView{UserID: li.ID, Page: "tickets", Name: "鼓楼 红牌"})
	if gridline.ErrorCode(err) != gridline.ECONFLICT || gridline.ErrorFields(err)["name"] == "" {
		t.Errorf("a taken name: %v", err)
	}
	// Another user may use the same name.
	if err := views.CreateSavedView(ctx, &gridline.SavedView{UserID: wang.ID, Page: "tickets", Name: "鼓楼 红牌"}); err != nil {
		t.Fatal(err)
	}

	wantCode(t, views.DeleteSavedView(ctx, wang.ID, v.ID), gridline.ENOTFOUND)
	if err := views.DeleteSavedView(ctx, li.ID, v.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, views.DeleteSavedView(ctx, li.ID, v.ID), gridline.ENOTFOUND)
	if got, _ := views.FindSavedViews(ctx, li.ID, "tickets"); len(got) != 1 {
		t.Fatalf("after delete: %v", got)
	}
	wantAudit(t, f.db, "saved_view", 4)

	// The cap: li has one view; fill up to MaxSavedViews, then one more.
	for i := 1; i < gridline.MaxSavedViews; i++ {
		if err := views.CreateSavedView(ctx, &gridline.SavedView{UserID: li.ID, Page: "tickets", Name: fmt.Sprint("v", i)}); err != nil {
			t.Fatal(err)
		}
	}
	err = views.CreateSavedView(ctx, &gridline.SavedView{UserID: li.ID, Page: "tickets", Name: "one too many"})
	if gridline.ErrorCode(err) != gridline.EINVALID || !strings.Contains(gridline.ErrorMessage(err), "delete one") {
		t.Errorf("over the cap: %v", err)
	}
}

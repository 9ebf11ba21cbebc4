// Saved views (保存的视图): /api/v1/me/views, the signed-in user's named
// filters of a list page, kept on the server so they follow the user.
import { del, get, post } from './client.js';

// findViews returns {items, total}: the user's views on page, by name;
// each {id, page, name, query, created_at}, query the page's URL query.
export function findViews(page, options) {
  return get('me/views', { page }, options);
}

// createView saves query under name; 409 (code conflict, field name)
// when the user already has a view of that name on page.
export function createView(page, name, query) {
  return post('me/views', { page, name, query });
}

// deleteView removes one of the user's views.
export function deleteView(id) {
  return del(`me/views/${encodeURIComponent(id)}`);
}

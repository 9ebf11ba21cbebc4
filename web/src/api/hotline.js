// The 12345 platform connection: importing its case export, and the
// subscribers of status webhooks with their deliveries.
import { del, get, post, request } from './client.js';

// importHotline sends a 12345 export (and an optional mapping file) as
// multipart/form-data; atomic imports all rows or none.
export function importHotline(file, mapping, atomic) {
  const form = new FormData();
  form.append('file', file, file.name);
  if (mapping) form.append('mapping', mapping, mapping.name);
  return request('POST', 'imports/12345', { params: { atomic: atomic ? 'true' : undefined }, form });
}

export const findWebhooks = () => get('webhooks');
export const createWebhook = (sub) => post('webhooks', sub);
export const deleteWebhook = (id) => del(`webhooks/${id}`);
export const findDeliveries = (id) => get(`webhooks/${id}/deliveries`, { limit: 100 });

// Enumeration labels: /api/v1/enums.
import { get } from './client.js';

// getEnums returns every enumeration with its Chinese and English labels,
// in display order.
export function getEnums() {
  return get('enums');
}

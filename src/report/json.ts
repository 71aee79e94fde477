// JSON view: the record itself, two-space indented, keys in the record's own order.
import type { ReportRecord } from './model.js';

export function formatJson(r: ReportRecord | object): string {
  return JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v), 2) + '\n';
}

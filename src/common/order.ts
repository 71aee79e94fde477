// Reports list names in one order on every machine: by UTF-16 code unit, as `sort` in the C
// locale does. localeCompare would follow the user's locale (LANG) and, the first time it is
// called, costs ~10 ms to set up ICU's collator.

/** Compare two strings by code unit: -1, 0 or 1. */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

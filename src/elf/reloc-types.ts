// Relocation type numbers <-> names, per machine, spelled as GNU readelf prints them (the
// tables are in reloc-tables.ts; aliases readelf never prints, such as the header's
// `#ifndef RELOC_MACROS_GEN_FUNC` entries, are accepted by the reverse lookup only).

import { AARCH64, LOONGARCH, PPC64, S390, X86_64 } from './reloc-tables.js';

export const EM = { X86_64: 62, AARCH64: 183, PPC64: 21, S390: 22, LOONGARCH: 258 } as const;
const TABLES: Record<number, Record<number, string>> = {
  [EM.X86_64]: X86_64,
  [EM.AARCH64]: AARCH64,
  [EM.PPC64]: PPC64,
  [EM.S390]: S390,
  [EM.LOONGARCH]: LOONGARCH,
};

/** Other spellings binutils defines for a number, accepted by the reverse lookup only. */
const ALIASES: Record<number, Record<string, number>> = {
  [EM.AARCH64]: { R_AARCH64_TLS_DTPMOD: 1028, R_AARCH64_TLS_DTPREL: 1029, R_AARCH64_TLS_TPREL: 1030 },
};

const MACHINE_NAMES: Record<number, string> = {
  [EM.X86_64]: 'x86_64',
  [EM.AARCH64]: 'aarch64',
  [EM.PPC64]: 'ppc64',
  [EM.S390]: 's390x',
  [EM.LOONGARCH]: 'loongarch64',
};

/**
 * Name of relocation type `type` for machine `machine`, as readelf prints it. An unknown
 * type gets readelf's own fallback, `unrecognized: %-7lx` (hex, space-padded to 7).
 */
export function relocationTypeName(machine: number, type: number): string {
  const name = TABLES[machine]?.[type];
  if (name !== undefined) return name;
  return `unrecognized: ${(type >>> 0).toString(16).padEnd(7)}`;
}

const reverse = new Map<number, Map<string, number>>();

/** Reverse lookup, undefined when unknown. */
export function relocationTypeNumber(machine: number, name: string): number | undefined {
  let byName = reverse.get(machine);
  if (!byName) {
    byName = new Map();
    for (const [num, n] of Object.entries(TABLES[machine] ?? {})) byName.set(n, Number(num));
    for (const [n, num] of Object.entries(ALIASES[machine] ?? {})) byName.set(n, num);
    reverse.set(machine, byName);
  }
  return byName.get(name);
}

export function machineName(machine: number): string {
  return MACHINE_NAMES[machine] ?? `machine ${machine}`;
}

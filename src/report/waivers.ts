// The CI gate's waivers: `--allow KIND` on the command line and a config file
// (`.create-diff-module.json` in the current directory, or `--config-file F`):
//   {"allow": [{"kind": "enum-value-added", "reason": "only ever stored by patched code"}]}
// A waived finding is still reported (marked waived, a SARIF suppression with the reason)
// but no longer fails the gate.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../common/errors.js';
import { ALL_KIND_IDS, isKnownKind } from './kinds.js';
import { type ReportFinding, type ReportRecord, type Verdict, type Waiver } from './model.js';
import { byCodeUnit } from '../common/order.js';

export const CONFIG_FILE_NAME = '.create-diff-module.json';

/** `--allow a --allow b,c` → kinds; an unknown kind is bad usage (exit 2). */
export function parseAllowOption(values: string[] | undefined): Waiver[] {
  const kinds = (values ?? []).flatMap((a) => a.split(',')).map((a) => a.trim()).filter(Boolean);
  for (const k of kinds) {
    if (!isKnownKind(k)) throw new InputError(`--allow ${k}: no such finding kind`, `kinds: ${ALL_KIND_IDS.join(', ')}`);
  }
  return [...new Set(kinds)].map((kind) => ({ kind, reason: null, from: '--allow' }));
}

/**
 * The waivers of the config file: `file` when given (it must exist), else
 * `.create-diff-module.json` in `cwd` when there is one. Every entry needs a kind the tool
 * knows and a non-empty reason.
 */
/** The config file as a checked JSON object (undefined: no file given and none in `cwd`). */
function readConfig(file: string | undefined, cwd: string): { doc: Record<string, unknown>; shown: string } | undefined {
  const where = file ?? path.join(cwd, CONFIG_FILE_NAME);
  if (file === undefined && !existsSync(where)) return undefined;
  const shown = file ?? CONFIG_FILE_NAME;
  let text: string;
  try {
    text = readFileSync(where, 'utf8');
  } catch (e) {
    throw new InputError(`${shown}: cannot read the config file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'pass an existing file to --config-file');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${shown}: not valid JSON (${(e as Error).message})`, CONFIG_HINT);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new InputError(`${shown}: expected a JSON object`, CONFIG_HINT);
  const unknownKeys = Object.keys(doc).filter((k) => !['allow', 'cc', '$schema'].includes(k));
  if (unknownKeys.length) throw new InputError(`${shown}: unknown key ${unknownKeys.map((k) => `"${k}"`).join(', ')}`, CONFIG_HINT);
  return { doc: doc as Record<string, unknown>, shown };
}

const CONFIG_HINT = 'the config file is {"allow": [{"kind": "...", "reason": "..."}], "cc": "distcc gcc-12"} (both optional)';

/** The compiler command of the config file ("cc": "ccache gcc-12"), for check and build without --cc. */
export function loadConfigCc(file: string | undefined, cwd: string = process.cwd()): string | undefined {
  const c = readConfig(file, cwd);
  const cc = c?.doc.cc;
  if (cc === undefined) return undefined;
  if (typeof cc !== 'string' || !cc.trim()) throw new InputError(`${c!.shown}: "cc" must be a compiler command such as "distcc gcc-12"`, CONFIG_HINT);
  return cc;
}

export function loadConfigWaivers(file: string | undefined, cwd: string = process.cwd()): Waiver[] {
  const c = readConfig(file, cwd);
  if (!c) return [];
  const { doc, shown } = c;
  const hint = CONFIG_HINT;
  const allow = (doc as { allow?: unknown }).allow ?? [];
  if (!Array.isArray(allow)) throw new InputError(`${shown}: "allow" must be an array`, hint);
  const out: Waiver[] = [];
  allow.forEach((entry: unknown, i) => {
    const at = `${shown}: allow[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new InputError(`${at}: expected an object with "kind" and "reason"`, hint);
    const { kind, reason } = entry as { kind?: unknown; reason?: unknown };
    if (typeof kind !== 'string' || !kind) throw new InputError(`${at}: "kind" is missing`, hint);
    if (!isKnownKind(kind)) throw new InputError(`${at}: no such finding kind "${kind}"`, `kinds: ${ALL_KIND_IDS.join(', ')}`);
    if (typeof reason !== 'string' || !reason.trim()) throw new InputError(`${at} (${kind}): a waiver needs a "reason"`, 'say why the finding is safe to waive, for the next reviewer');
    out.push({ kind, reason: reason.trim(), from: shown });
  });
  return out;
}

/** Command-line and config waivers together: one per kind, a reason kept when either gives one. */
export function mergeWaivers(...lists: Waiver[][]): Waiver[] {
  const by = new Map<string, Waiver>();
  for (const w of lists.flat()) {
    const had = by.get(w.kind);
    if (!had || (had.reason === null && w.reason !== null)) by.set(w.kind, w);
  }
  return [...by.values()].sort((a, b) => byCodeUnit(a.kind, b.kind));
}

/**
 * Marks waived findings and recomputes the verdict: not-patchable while a blocking finding
 * is not waived; a not-patchable verdict whose every blocking finding is waived becomes
 * patchable. `no-change` stays.
 */
export function applyWaivers<R extends ReportRecord>(record: R, waivers: Waiver[]): R {
  const kinds = new Set(waivers.map((w) => w.kind));
  const findings: ReportFinding[] = record.findings.map((f) => (kinds.has(f.kind) ? { ...f, waived: true } : f));
  const blocking = findings.some((f) => f.severity === 'block' && !f.waived);
  let verdict: Verdict = record.verdict;
  if (blocking) verdict = 'not-patchable';
  else if (verdict === 'not-patchable') verdict = 'patchable';
  return { ...record, verdict, findings, waivers: mergeWaivers(record.waivers ?? [], waivers) };
}

export function waiverFor(record: ReportRecord, kind: string): Waiver | undefined {
  return record.waivers?.find((w) => w.kind === kind);
}


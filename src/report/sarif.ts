// SARIF 2.1.0 view (accepted by GitHub code scanning): one rule per finding kind, one result
// per finding of severity block, care or review (info findings are not alerts), level from
// severity (block → error, care → warning, review → note), located on the patched file and
// line relative to %SRCROOT% (the kernel tree); a waived finding carries an external
// suppression with the waiver's reason. Validated against the 2.1.0 schema in the tests.
import { readFileSync } from 'node:fs';
import { ALL_KIND_IDS, ruleInfo } from './kinds.js';
import { waiverFor } from './waivers.js';
import type { ReportRecord, Severity } from './model.js';

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { block: 'error', care: 'warning', review: 'note', info: 'note' };

export interface SarifOptions {
  /** The tool's version (package.json). */
  version: string;
  uri?: string;
  /** The rule catalogue, in order (default: every kind the tool knows). */
  kinds?: readonly string[];
}

/** This package's version, for the SARIF driver. */
export function toolVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/** `struct-member-added` → `StructMemberAdded`. */
function ruleName(kind: string): string {
  return kind.replace(/(^|-)(\w)/g, (_m, _d, ch: string) => ch.toUpperCase());
}

export function toSarif(r: ReportRecord, opts: SarifOptions): object {
  const kinds = [...(opts.kinds ?? ALL_KIND_IDS)];
  // A kind outside the catalogue still gets a rule, so every ruleIndex resolves.
  for (const f of r.findings) if (!kinds.includes(f.kind)) kinds.push(f.kind);
  const rules = kinds.map((k) => {
    const info = ruleInfo(k);
    return {
      id: k,
      name: ruleName(k),
      shortDescription: { text: info.title },
      fullDescription: { text: info.help },
      help: { text: `${info.help}${info.remedy ? ` Remedy: ${info.remedy}` : ''}` },
      defaultConfiguration: { level: LEVEL[info.severity] },
      properties: { severity: info.severity, tags: ['livepatch'] },
    };
  });
  const results = r.findings
    .filter((f) => f.severity !== 'info')
    .map((f) => {
      const waiver = f.waived ? waiverFor(r, f.kind) : undefined;
      return {
        ruleId: f.kind,
        ruleIndex: kinds.indexOf(f.kind),
        level: LEVEL[f.severity],
        message: { text: f.remedy ? `${f.message}. Remedy: ${f.remedy}` : f.message },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: f.file, uriBaseId: '%SRCROOT%' },
              ...(f.line ? { region: { startLine: f.line } } : {}),
            },
            ...(f.symbol ? { logicalLocations: [{ name: f.symbol }] } : {}),
          },
        ],
        partialFingerprints: { 'cdmFinding/v1': `${f.kind}:${f.file}:${f.symbol ?? ''}` },
        ...(f.waived ? { suppressions: [{ kind: 'external', justification: waiver?.reason ? `${waiver.reason} (waived in ${waiver.from})` : `waived with --allow ${f.kind}` }] } : {}),
        properties: { severity: f.severity, ...(f.confidence ? { confidence: f.confidence } : {}), evidence: f.evidence, ...(f.section ? { section: f.section } : {}) },
      };
    });
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'create-diff-module',
            semanticVersion: opts.version,
            version: opts.version,
            ...(opts.uri ? { informationUri: opts.uri } : {}),
            rules,
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { description: { text: 'the kernel source tree (--src)' } } },
        results,
        properties: { verdict: r.verdict, changed: r.changed, new: r.new },
      },
    ],
  };
}

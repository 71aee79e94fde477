// The lint report: verdict and waivers, the text view, SARIF 2.1.0 shape, and docs/lint.md
// documenting every finding kind with its severity.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeChanges, buildReport, exitCodeFor, formatText, KINDS, toSarif } from '../../src/source/index.js';

const change = (before: string, after: string, file = 'kernel/x.c') => analyzeChanges([{ oldPath: file, newPath: file, before, after, patches: [] }]);

describe('lint report', () => {
  it('verdicts and exit codes', async () => {
    const blocking = await change('int level = 1;\n', 'int level = 2;\n');
    expect(buildReport(blocking).verdict).toBe('not-patchable');
    expect(exitCodeFor(buildReport(blocking))).toBe(1);
    const waived = buildReport(blocking, { allow: ['data-initializer-changed'] });
    expect(waived.verdict).toBe('patchable');
    expect(waived.findings[0]!.waived).toBe(true);
    expect(exitCodeFor(waived)).toBe(0);
    const none = await change('int f(void)\n{\n\treturn 0;\n}\n', 'int f(void)\n{\n\treturn 0; /* ok */\n}\n');
    expect(buildReport(none).verdict).toBe('no-change');
    expect(exitCodeFor(buildReport(none))).toBe(3);
  });

  it('text: verdict, file:line, severity, kind, remedy; info only with verbose', async () => {
    const a = await change('int f(void)\n{\n\treturn 0;\n}\nint level = 1;\n', 'int f(void)\n{\n\treturn 1;\n}\nint level = 2;\n');
    const text = formatText(buildReport(a));
    expect(text).toMatch(/^verdict: not-patchable\nchanged: f\n/);
    expect(text).toContain('kernel/x.c:5: block [data-initializer-changed] initial value of level changed (`1` → `2`)');
    expect(text).toContain('    remedy: change the value at patch time with a klp pre-patch callback');
    expect(text).not.toContain('[function-changed]');
    expect(text).toContain('1 info finding not shown');
    expect(formatText(buildReport(a), { verbose: true })).toContain('kernel/x.c:3: info [function-changed]');
  });

  it('SARIF 2.1.0: rules per kind, levels, locations, suppressions for waived findings', async () => {
    const a = await change('struct s {\n\tint a;\n};\nint f(struct s *p)\n{\n\treturn 0;\n}\n', 'struct s {\n\tint a;\n\tint b;\n};\nint f(struct s *p)\n{\n\tp->a = 2;\n\treturn 0;\n}\n');
    const sarif = toSarif(buildReport(a, { allow: ['struct-member-added'] }), { version: '1.2.3' }) as any;
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.$schema).toMatch(/sarif-2\.1\.0/);
    const driver = sarif.runs[0].tool.driver;
    expect(driver.name).toBe('create-diff-module');
    expect(driver.rules.map((r: any) => r.id)).toEqual(Object.keys(KINDS));
    for (const r of driver.rules) expect(['error', 'warning', 'note']).toContain(r.defaultConfiguration.level);
    const results = sarif.runs[0].results;
    expect(results.map((r: any) => [r.ruleId, r.level])).toEqual([
      ['struct-member-added', 'error'],
      ['fields-written', 'note'],
    ]);
    expect(results[0].locations[0].physicalLocation).toEqual({ artifactLocation: { uri: 'kernel/x.c', uriBaseId: '%SRCROOT%' }, region: { startLine: 3 } });
    expect(results[0].suppressions).toEqual([{ kind: 'external', justification: 'waived with --allow struct-member-added' }]);
    expect(driver.rules[results[1].ruleIndex].id).toBe('fields-written');
  });

  it('docs/lint.md documents every kind with its severity', () => {
    const doc = readFileSync(new URL('../../docs/lint.md', import.meta.url), 'utf8');
    for (const [kind, info] of Object.entries(KINDS)) expect(doc, kind).toMatch(new RegExp(`\\| \`${kind}\` \\| ${info.severity} \\|`));
  });
});

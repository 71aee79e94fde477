// Golden tests of the report views (text, JSON, SARIF 2.1.0, Markdown) built from report
// records: two records made here (lint's and check's, from small C changes and a check
// report as the tree pipeline gives it) and every record under testdata/report/records/
// (made from real kernel patches by tests/kernel/report-corpus.test.ts). Each view is
// compared byte for byte with testdata/report/golden/<record>.<view>; regenerate them with
// UPDATE_GOLDEN=1 npx vitest run --project unit tests/unit/report-views.test.ts, and read the diff.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRecord } from '../../src/cli/check.js';
import { formatJson, formatText, toMarkdown, toSarif, type ReportRecord, type Waiver } from '../../src/report/index.js';
import { analyzeChanges, buildReport } from '../../src/source/index.js';
import type { CheckReport } from '../../src/tree/index.js';

const DATA = new URL('../../testdata/report/', import.meta.url).pathname;
const VERSION = '0.0.0-golden';

function golden(rel: string, actual: string): void {
  const file = join(DATA, 'golden', rel);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  expect(existsSync(file), `${rel} is missing: run with UPDATE_GOLDEN=1`).toBe(true);
  expect(actual, `${rel} differs: if the change is intended, run with UPDATE_GOLDEN=1 and review the diff`).toBe(readFileSync(file, 'utf8'));
}

const BEFORE = `struct sched_state {
\tint nr_running;
};

enum wake_reason {
\tWAKE_TIMER,
\tWAKE_IRQ,
};

static DEFINE_SPINLOCK(state_lock);

void schedule(void)
{
\tcpu_relax();
}

int pick_next(struct sched_state *s)
{
\treturn s->nr_running;
}
`;

const AFTER = `struct sched_state {
\tint nr_running;
\tint nr_waking;
};

enum wake_reason {
\tWAKE_TIMER,
\tWAKE_IRQ,
\tWAKE_IPI,
};

static DEFINE_SPINLOCK(state_lock);

void schedule(void)
{
\tcpu_relax();
\tcpu_relax();
}

int pick_next(struct sched_state *s)
{
\ts->nr_running = s->nr_running | 0;
\treturn s->nr_running;
}

static int helper(void)
{
\treturn 1;
}
`;

const CONFIG_WAIVER: Waiver = { kind: 'enum-value-added', reason: 'WAKE_IPI is only ever stored by patched code | reviewed', from: '.create-diff-module.json' };

/** lint's record for a small scheduler change: block, care, review, info and a waived finding. */
async function lintSynthetic(): Promise<ReportRecord> {
  const a = await analyzeChanges([{ oldPath: 'kernel/sched/x.c', newPath: 'kernel/sched/x.c', before: BEFORE, after: AFTER, patches: [] }]);
  return buildReport(a, { waivers: [CONFIG_WAIVER] });
}

/** check's record from a tree-pipeline report: object problems, merged evidence, an inlined scheduler function, a TU not built. */
async function checkSynthetic(): Promise<ReportRecord> {
  const source = await analyzeChanges([
    { oldPath: 'kernel/fork.c', newPath: 'kernel/fork.c', before: 'unsigned long default_dump_filter = 1;\n', after: 'unsigned long default_dump_filter = 3;\n', patches: [] },
  ]);
  const fn = (name: string, extra: object = {}) => ({ name, status: 'changed', section: `.text.${name}`, bind: 'local', cause: 'edited', patchable: true, ...extra });
  const report = {
    verdict: 'not-patchable',
    changedFiles: ['kernel/fork.c', 'kernel/sched/core.c', 'arch/arm64/kernel/time.c'],
    unhandledFiles: ['Documentation/x.rst'],
    applyNotes: ['kernel/sched/core.c: hunk 1 applied with offset 3'],
    source,
    headers: [],
    units: [
      {
        path: 'kernel/fork.o', object: 'vmlinux', verdict: 'not-patchable', timings: {},
        diff: {
          verdict: 'not-patchable', machine: 'x86_64', changed: [], new: [], removed: [], inlined: [], data: [], specialRecords: [],
          functions: [],
          problems: [
            { kind: 'changed-data', severity: 'block', section: '.data.default_dump_filter', symbol: 'default_dump_filter', message: 'default_dump_filter: existing data changed (.data.default_dump_filter)' },
            { kind: 'new-export', severity: 'block', section: '___ksymtab+fork_helper', symbol: 'fork_helper', message: 'fork_helper is newly exported' },
          ],
        },
      },
      {
        path: 'kernel/sched/core.o', object: 'vmlinux', verdict: 'not-patchable', timings: {},
        diff: {
          verdict: 'not-patchable', machine: 'x86_64', changed: ['__schedule'], new: [], removed: [], inlined: [], data: [], specialRecords: [],
          functions: [
            fn('__schedule', { cause: 'inlined', callees: ['pick_next_task'] }),
            fn('pick_next_task.isra.0'),
            fn('sched_tick', { cause: 'line-numbers' }),
            fn('sched_helper_notrace', { patchable: false }),
          ],
          problems: [{ kind: 'not-traceable', severity: 'block', section: '.noinstr.text', symbol: 'sched_helper_notrace', message: 'sched_helper_notrace changed but has no fentry call' }],
        },
      },
      { path: 'arch/arm64/kernel/time.o', object: 'none', verdict: 'not-built', message: 'arch/arm64/kernel/time.c is not built by this configuration', timings: {} },
    ],
    timings: { mirrorMs: 0, totalMs: 0 },
  } as unknown as CheckReport;
  return checkRecord(report, { waivers: [{ kind: 'new-export', reason: 'the export is dropped from the live patch by hand', from: '.create-diff-module.json' }] }) as unknown as ReportRecord;
}

const stored = existsSync(join(DATA, 'records')) ? readdirSync(join(DATA, 'records')).filter((f) => f.endsWith('.json')).sort() : [];

async function records(): Promise<Array<[string, ReportRecord]>> {
  return [
    ['lint-synthetic', await lintSynthetic()],
    ['check-synthetic', await checkSynthetic()],
    ...stored.map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(join(DATA, 'records', f), 'utf8')) as ReportRecord] as [string, ReportRecord]),
  ];
}

describe('report views (golden)', async () => {
  const all = await records();

  it('has records from real kernel patches too', () => {
    expect(stored.length).toBeGreaterThanOrEqual(4);
  });

  it.each(all)('%s: text', (name, r) => {
    golden(`${name}.txt`, formatText(r));
    golden(`${name}.verbose.txt`, formatText(r, { verbose: true }));
  });

  it.each(all)('%s: JSON', (name, r) => {
    const json = formatJson(r);
    golden(`${name}.json`, json);
    expect(JSON.parse(json).schema).toBe('create-diff-module/report@0');
  });

  it.each(all)('%s: SARIF', (name, r) => {
    golden(`${name}.sarif`, formatJson(toSarif(r, { version: VERSION })));
  });

  it.each(all)('%s: Markdown', (name, r) => {
    golden(`${name}.md`, toMarkdown(r));
  });

  it('views of a stored record are the views of the same record read back (JSON round trip)', () => {
    for (const [, r] of all) expect(formatJson(JSON.parse(formatJson(r)))).toBe(formatJson(r));
  });
});

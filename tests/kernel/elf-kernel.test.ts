// The ELF model on real kernel objects: Debian's 6.1 sources compiled with Debian's config and
// kbuild's own flags plus -ffunction-sections -fdata-sections (src/target compiles them).
import { describe, expect, it, beforeAll } from 'vitest';
import { compileTargetObject, ensureTarget, TEST_ABI } from '../../src/target/index.js';
import { readElfFile } from '../../src/elf/index.js';
import { inspectReport } from '../../src/cli/inspect.js';
import { binutilsComplaints, comparableModel, roundTrip } from '../helpers/elf-roundtrip.js';
import { readelf } from '../helpers/readelf.js';
import { compareWithReadelf } from '../helpers/compare.js';
import { runCli } from '../helpers/cli.js';

const OBJECTS = ['fs/proc/cmdline.o', 'kernel/fork.o'];
const objects = new Map<string, string>();

beforeAll(async () => {
  const target = await ensureTarget({ abi: TEST_ABI, log: (l) => console.log(l) });
  for (const o of OBJECTS) objects.set(o, await compileTargetObject(target, o));
});

describe.each(OBJECTS)('real kernel object %s', (name) => {
  it('inspect --json lists the same sections, symbols and relocations as readelf -a --wide', async () => {
    const path = objects.get(name)!;
    const r = await runCli(['inspect', '--json', path]);
    expect(r.exitCode, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    const view = await readelf(path);
    expect(view.relocations!.size).toBeGreaterThan(5);
    expect(compareWithReadelf(report, view)).toEqual([]);
  });

  it('round-trips to the same model, accepted by readelf, objdump and ld -r', async () => {
    const rt = roundTrip(objects.get(name)!);
    expect(comparableModel(rt.rewritten)).toEqual(comparableModel(rt.original));
    expect(await binutilsComplaints(rt.rewrittenPath)).toEqual([]);
    expect(compareWithReadelf(inspectReport(rt.rewrittenPath, rt.rewritten), await readelf(rt.rewrittenPath))).toEqual([]);
  });

  it('has one .text.<function> section per function, as the differ needs', async () => {
    const obj = await readElfFile(objects.get(name)!);
    const fn = name === 'kernel/fork.o' ? 'copy_process' : 'cmdline_proc_show';
    const sym = obj.symbols.find((s) => s.name === fn && s.type === 2)!;
    expect(obj.sections[sym.shndx]!.name).toBe(`.text.${fn}`);
    // kbuild ran objtool: the ORC and return-site tables are there.
    const names = new Set(obj.sections.map((s) => s.name));
    expect(names.has('.orc_unwind_ip')).toBe(true);
    expect(names.has('__mcount_loc') || names.has('__patchable_function_entries')).toBe(true);
  });
});

// What the tree pipeline saves after the patched compile, checked against doing it all: the
// patched build's instruction ends taken from the original where a section's bytes did not
// change, and its DWARF read only for the changed functions. Every diff scenario (x86-64, the
// architecture whose instruction lengths vary), real gcc output.
import { beforeAll, describe, expect, it } from 'vitest';
import { diffObjects, prepareObject, type PreparedObject } from '../../src/diff/index.js';
import { STT } from '../../src/elf/index.js';
import { buildDiffCorpus, DIFF_ARCHS, listScenarios, type CompiledPair } from '../helpers/diff-corpus.js';

const x86 = DIFF_ARCHS.filter((a) => a.name === 'x86_64');
let pairs: CompiledPair[] = [];
beforeAll(async () => {
  pairs = [...(await buildDiffCorpus({ archs: x86, scenarios: listScenarios(), concurrency: 4 })).values()].filter((p) => !p.error);
}, 300_000);

/** Instruction ends by section name, for comparing two readings of one object. */
function endsByName(p: PreparedObject): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [i, ends] of p.side.ends) out[p.obj.sections[i]!.name] = ends.map(String);
  return out;
}

describe('preparing the patched build after the original', () => {
  it('takes the instruction ends of unchanged sections from the original, and they are the ones objdump gives', async () => {
    expect(pairs.length).toBeGreaterThan(20);
    let reused = 0;
    let disassembled = 0;
    for (const pair of pairs) {
      const orig = await prepareObject(pair.orig);
      const alone = await prepareObject(pair.patched);
      const like = await prepareObject(pair.patched, { like: orig });
      expect(endsByName(like), pair.scenario).toEqual(endsByName(alone));
      for (const [i] of like.side.ends) {
        const name = like.obj.sections[i]!.name;
        const j = orig.obj.sections.findIndex((s) => s.name === name);
        if (j >= 0 && orig.side.ends.get(j) === like.side.ends.get(i)) reused++;
        else disassembled++;
      }
    }
    // Both paths ran: sections taken over, and changed ones disassembled again.
    expect(reused).toBeGreaterThan(0);
    expect(disassembled).toBeGreaterThan(0);
  });

  it('gives the same verdict, functions and causes with the patched DWARF read on demand and the original resolved ahead', async () => {
    let inlined = 0;
    for (const pair of pairs) {
      const orig = await prepareObject(pair.orig);
      const patchedObj = (await prepareObject(pair.patched, { inlining: false })).obj;
      // Every function counts as edited, so inlined callees can explain changes.
      const edited = new Set(patchedObj.symbols.filter((s) => s.type === STT.FUNC).map((s) => s.name.replace(/\..*$/, '')));
      const eager = await diffObjects(orig, prepareObject(pair.patched), { editedFunctions: edited });
      const onDemand = await diffObjects(orig, prepareObject(pair.patched, { inlining: 'on-demand' }), { editedFunctions: edited });
      expect(onDemand, pair.scenario).toEqual(eager);
      // As the tree pipeline prepares them: the original's relocations resolved ahead.
      const ahead = await prepareObject(pair.orig, { resolveAhead: true });
      const asCheck = await diffObjects(ahead, prepareObject(pair.patched, { inlining: 'on-demand', like: ahead }), { editedFunctions: edited });
      expect(asCheck, pair.scenario).toEqual(eager);
      inlined += eager.inlined.length;
    }
    expect(inlined).toBeGreaterThan(0);
  });
});

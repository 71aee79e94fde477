// From changed files to the translation units this configuration builds that they affect.
// A changed .c file is its own TU; a changed header reaches the .c files that include it
// (found by an include scan: a directory-local header included with quotes reaches the .c
// files beside it, a header under include/ or arch/*/include those naming it in <...>).
// Whether the configuration builds a TU is kbuild's answer, given when it is compiled.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export interface AffectedUnits {
  /** Object paths relative to the tree: fs/proc/cmdline.o */
  units: string[];
  /** Changed files that are neither C sources nor headers (Makefile, Kconfig, .S, docs). */
  unhandled: string[];
  /** For each header: the units found to include it. */
  viaHeader: Map<string, string[]>;
}

export async function affectedUnits(tree: string, changedFiles: string[]): Promise<AffectedUnits> {
  const units = new Set<string>();
  const unhandled: string[] = [];
  const viaHeader = new Map<string, string[]>();
  for (const f of changedFiles) {
    if (f.endsWith('.c')) units.add(f.replace(/\.c$/, '.o'));
    else if (f.endsWith('.h')) {
      const users = await includers(tree, f);
      viaHeader.set(f, users);
      for (const u of users) units.add(u);
    } else unhandled.push(f);
  }
  return { units: [...units].sort(), unhandled, viaHeader };
}

/** The include spelling a header is reached by: linux/seq_file.h for include/linux/seq_file.h. */
function systemSpelling(header: string): string | undefined {
  const m = /^(?:include|arch\/[^/]+\/include)\/(.+)$/.exec(header);
  return m ? m[1] : undefined;
}

async function includers(tree: string, header: string): Promise<string[]> {
  const spelled = systemSpelling(header);
  const dir = path.posix.dirname(header);
  const base = path.posix.basename(header);
  const out: string[] = [];
  const scan = async (rel: string, recurse: boolean) => {
    let entries;
    try {
      entries = await readdir(path.join(tree, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory() && recurse && !['.git', 'Documentation', 'tools', 'scripts', 'samples'].includes(e.name)) await scan(r, true);
      else if (e.isFile() && e.name.endsWith('.c')) {
        const text = await readFile(path.join(tree, r), 'latin1');
        const quoted = rel === dir && text.includes(`#include "${base}"`);
        const system = spelled !== undefined && new RegExp(`#\\s*include\\s*<${spelled.replace(/[.+]/g, '\\$&')}>`).test(text);
        if (quoted || system) out.push(r.replace(/\.c$/, '.o'));
      }
    }
  };
  // A quoted, directory-local header reaches its own directory; a system header the whole tree.
  await scan(spelled ? '' : dir, spelled !== undefined);
  return out.sort();
}

// Which kernel object a TU ends up in: vmlinux, or the module named by KBUILD_MODNAME when
// kbuild compiled it with -DMODULE (obj-m). Read from kbuild's own record of the compile.
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export async function unitObject(mirror: string, unit: string): Promise<string> {
  const cmd = path.join(mirror, path.dirname(unit), `.${path.basename(unit)}.cmd`);
  try {
    const text = await readFile(cmd, 'utf8');
    if (!/\s-DMODULE\s/.test(text)) return 'vmlinux';
    const m = /-DKBUILD_MODNAME='"([^"]+)"'/.exec(text);
    return m ? m[1]! : 'vmlinux';
  } catch {
    return 'vmlinux';
  }
}

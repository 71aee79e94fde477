// Which kernel object a TU ends up in: vmlinux, or the module named by KBUILD_MODNAME when
// kbuild compiled it with -DMODULE (obj-m). Read from kbuild's own record of the compile (after
// it: make may rewrite the record), at once: check asks between the verdict and its report.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export function unitObject(mirror: string, unit: string): string {
  const cmd = path.join(mirror, path.dirname(unit), `.${path.basename(unit)}.cmd`);
  try {
    const text = readFileSync(cmd, 'utf8');
    if (!/\s-DMODULE\s/.test(text)) return 'vmlinux';
    const m = /-DKBUILD_MODNAME='"([^"]+)"'/.exec(text);
    return m ? m[1]! : 'vmlinux';
  } catch {
    return 'vmlinux';
  }
}

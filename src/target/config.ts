// Kconfig files as maps, and the check that `make olddefconfig` did not change the kernel we
// are building for. olddefconfig is not a no-op: it re-probes the compiler and tools (without
// pahole it drops module BTF), and a silently different option means objects that do not
// match the running kernel. So the prepared .config is compared with the image's config and
// any difference outside a short, reviewed list is refused, naming the option.
import { readFile } from 'node:fs/promises';
import { EnvironmentError } from '../common/errors.js';
import { byCodeUnit } from '../common/order.js';

/** `CONFIG_X` → value as written (`y`, `m`, `"text"`, `0x10`), or `n` for "is not set". */
export type Kconfig = Map<string, string>;

export function parseKconfig(text: string): Kconfig {
  const config: Kconfig = new Map();
  for (const line of text.split('\n')) {
    const set = /^(CONFIG_\w+)=(.*)$/.exec(line);
    if (set) {
      config.set(set[1]!, set[2]!);
      continue;
    }
    const unset = /^# (CONFIG_\w+) is not set$/.exec(line);
    if (unset) config.set(unset[1]!, 'n');
  }
  return config;
}

export async function readKconfig(file: string): Promise<Kconfig> {
  return parseKconfig(await readFile(file, 'utf8'));
}

export interface ConfigDifference {
  option: string;
  shipped: string | undefined;
  prepared: string | undefined;
}

export function diffKconfig(shipped: Kconfig, prepared: Kconfig): ConfigDifference[] {
  const out: ConfigDifference[] = [];
  for (const option of new Set([...shipped.keys(), ...prepared.keys()])) {
    const a = shipped.get(option);
    const b = prepared.get(option);
    // Absent and "is not set" mean the same to kbuild.
    if ((a ?? 'n') !== (b ?? 'n')) out.push({ option, shipped: a, prepared: b });
  }
  return out.sort((x, y) => byCodeUnit(x.option, y.option));
}

/**
 * Options Debian's shipped config leaves out and olddefconfig fills with defaults (measured on
 * 6.1.0-56 with pahole installed). None changes generated code: a build salt for the build id
 * note, and module-signing settings that only matter to `make modules_install`.
 */
export const KNOWN_FILL_INS: ReadonlySet<string> = new Set([
  'CONFIG_BUILD_SALT',
  'CONFIG_MODULE_SIG_ALL',
  'CONFIG_MODULE_SIG_KEY',
  'CONFIG_SYSTEM_TRUSTED_KEYS',
]);

/** Differences other than the known fill-ins (which are only allowed where the shipped config is silent). */
export function unexpectedDifferences(diffs: ConfigDifference[]): ConfigDifference[] {
  return diffs.filter((d) => !(KNOWN_FILL_INS.has(d.option) && d.shipped === undefined));
}

export function assertSameConfig(shippedFile: string, shipped: Kconfig, preparedFile: string, prepared: Kconfig): void {
  const bad = unexpectedDifferences(diffKconfig(shipped, prepared));
  if (bad.length === 0) return;
  const show = (v: string | undefined) => v ?? '(absent)';
  const lines = bad.slice(0, 20).map((d) => `  ${d.option}: shipped ${show(d.shipped)}, prepared ${show(d.prepared)}`);
  if (bad.length > 20) lines.push(`  ... and ${bad.length - 20} more`);
  throw new EnvironmentError(
    `${preparedFile} differs from the kernel's config ${shippedFile} after make olddefconfig:\n${lines.join('\n')}`,
    'the build tools differ from the ones the kernel was built with (gcc-12, pahole from dwarves, ...): install them (toolchain/install-deps.sh)');
}

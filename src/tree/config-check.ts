// Is the tree configured like the running kernel? Its .config (after any olddefconfig) is
// compared with the running kernel's config: an option that changes generated code is refused,
// naming it; options that only record what the build machine's tools could do (pahole's
// version, module BTF) or that olddefconfig fills in without changing code are reported.
import { EnvironmentError } from '../common/errors.js';
import { diffKconfig, KNOWN_FILL_INS, readKconfig, type ConfigDifference } from '../target/config.js';

/** Probed or packaging-only options: no effect on the code of a translation unit. */
const NO_CODE_EFFECT = new Set([
  ...KNOWN_FILL_INS,
  'CONFIG_PAHOLE_VERSION', 'CONFIG_DEBUG_INFO_BTF_MODULES', 'CONFIG_MODULE_ALLOW_BTF_MISMATCH',
  'CONFIG_LOCALVERSION', 'CONFIG_LOCALVERSION_AUTO', 'CONFIG_DEFAULT_HOSTNAME',
]);

export interface ConfigComparison {
  /** Differences that do not change generated code (reported, not refused). */
  harmless: ConfigDifference[];
}

export async function compareWithRunningConfig(treeConfig: string, runningConfig: string): Promise<ConfigComparison> {
  const diffs = diffKconfig(await readKconfig(runningConfig), await readKconfig(treeConfig));
  const harmful = diffs.filter((d) => !NO_CODE_EFFECT.has(d.option));
  if (harmful.length) {
    const show = (v: string | undefined) => v ?? '(absent)';
    const lines = harmful.slice(0, 10).map((d) => `  ${d.option}: running kernel ${show(d.shipped)}, tree ${show(d.prepared)}`);
    if (harmful.length > 10) lines.push(`  ... and ${harmful.length - 10} more`);
    throw new EnvironmentError(`${treeConfig} is not the running kernel's configuration (${runningConfig}):\n${lines.join('\n')}`,
      'configure the tree with the running kernel\'s config (cp it to .config; make olddefconfig prepare), or the objects will not match the kernel you patch');
  }
  return { harmless: diffs };
}

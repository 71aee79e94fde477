// Configure and prepare the unpacked source tree exactly like the shipped kernel:
// the image's config, `make olddefconfig`, `make prepare`, all with CC=gcc-12 so that
// CONFIG_CC_VERSION_TEXT matches the one recorded in the shipped config (with plain `gcc`
// kbuild would see another compiler and rewrite the config).
//
// This runs in the tree's final place (kbuild records some absolute paths, e.g. objtool's
// dependency files), after the unpack's rename and before the stage's stamp.
import { copyFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runTool } from '../build/exec.js';
import { assertSameConfig, readKconfig } from './config.js';

/** The compiler the Debian 12 kernel was built with. */
export const KERNEL_CC = 'gcc-12';

/**
 * make variables every make in a target tree gets. Only CC: host programs (fixdep, objtool)
 * stay with kbuild's default HOSTCC=gcc, which is what other tools running make in a copy of
 * this tree will use too (a different HOSTCC would make kbuild rebuild them).
 */
export const makeVars = (): string[] => [`CC=${KERNEL_CC}`];

export const jobs = (): number => Math.max(1, os.availableParallelism());

/** Files whose presence says the tree is configured and prepared (checked on every reuse). */
export const PREPARED_FILES = [
  'Makefile',
  '.config',
  'include/config/auto.conf',
  'include/generated/autoconf.h',
  'include/generated/utsrelease.h',
  'scripts/basic/fixdep',
  'scripts/extract-vmlinux',
  'tools/objtool/objtool',
];

export async function prepareTree(tree: string, shippedConfig: string): Promise<void> {
  const dotConfig = path.join(tree, '.config');
  await copyFile(shippedConfig, dotConfig);
  const opts = { cwd: tree, timeout: 60 * 60_000 };
  await runTool('make', [...makeVars(), 'olddefconfig'], opts);
  await assertSameConfig(shippedConfig, await readKconfig(shippedConfig), dotConfig, await readKconfig(dotConfig));
  await runTool('make', [...makeVars(), `-j${jobs()}`, 'prepare'], opts);
}

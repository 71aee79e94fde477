// common/heap.ts: a full collection where the process allows it (the bin sets --expose-gc).
// The child processes load the built module (npm test builds first), as the bin's bundle does.
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { collectGarbage } from '../../src/common/heap.js';

const HEAP = new URL('../../dist/common/heap.js', import.meta.url).href;
const probe = `import { collectGarbage } from ${JSON.stringify(HEAP)}; process.stdout.write(String(collectGarbage()) + ' ' + String(collectGarbage()));`;

describe('collectGarbage', () => {
  it('does nothing in a process without --expose-gc (this one)', () => {
    expect(collectGarbage()).toBe(false);
  });

  it('collects when --expose-gc was set at start-up, or by v8.setFlagsFromString before the call', async () => {
    expect((await execa('node', ['--expose-gc', '--input-type=module', '-e', probe])).stdout).toBe('true true');
    const late = `import v8 from 'node:v8'; v8.setFlagsFromString('--expose-gc'); ${probe}`;
    expect((await execa('node', ['--input-type=module', '-e', late])).stdout).toBe('true true');
    expect((await execa('node', ['--input-type=module', '-e', probe])).stdout).toBe('false false');
  });
});

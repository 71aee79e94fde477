// common/heap.ts: a full collection on request, without leaving --expose-gc set (V8's flag hash
// keys the bin's code cache and Node's own).
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { collectGarbage } from '../../src/common/heap.js';

describe('collectGarbage', () => {
  it('frees what nothing references any more', () => {
    let garbage: object | undefined = { payload: new Array(1000).fill(0) };
    const ref = new WeakRef(garbage);
    garbage = undefined;
    // A WeakRef's target stays alive until the current job ends: collect in a later one.
    return new Promise<void>((resolve) => setImmediate(() => {
      collectGarbage();
      expect(ref.deref()).toBeUndefined();
      resolve();
    }));
  });

  it('leaves --expose-gc as it found it (unset)', () => {
    collectGarbage();
    expect(vm.runInNewContext('typeof gc')).toBe('undefined');
  });
});

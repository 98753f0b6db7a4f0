/**
 * The preparation workers run with a fixed young generation (pool.ts): left to
 * V8 it doubles step by step over a long preparation, and peak RSS grew with
 * the corpus. Node reports the limits it gave each worker's heap.
 */
import { describe, expect, it } from 'vitest';
import { StorePool, WORKER_YOUNG_MB } from '../../src/store/pool.js';

describe('StorePool', () => {
  it('starts every worker with the fixed young generation', async () => {
    const pool = await StorePool.start(2);
    try {
      const limits = pool.resourceLimits;
      expect(limits).toHaveLength(2);
      for (const l of limits) expect(l.maxYoungGenerationSizeMb).toBe(WORKER_YOUNG_MB);
    } finally {
      await pool.close();
    }
  });
});

/**
 * The reduced-precision decoders (`--decoder bf16|int8`, SessionOptions.decoder)
 * as users reach them: only for one stream and a full softmax, and the CLI
 * draws what the library draws with the same session on one thread. Their
 * arithmetic is tested in test/kernels/bf16.test.ts and int8.test.ts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { InferenceSession } from '../../src/infer/session.js';
import { sampleOne, SAMPLE_DEFAULTS } from '../../src/infer/sample.js';
import { openSession } from '../../src/infer/pool.js';
import { saveModel } from '../../src/model/model-file.js';
import { recur } from '../helpers/cli.js';
import { randomModel } from '../helpers/torch.js';

describe.each(['bf16', 'int8'] as const)('--decoder %s', (decoder) => {
  it('needs one stream and a full softmax', async () => {
    const adaptive = randomModel('gru', 1, 22, { softmax: 'adaptive', cutoffs: [5], div_value: 2 });
    await expect(InferenceSession.create(adaptive, { decoder })).rejects.toThrow(
      new RegExp(`^decoder ${decoder} needs one stream and a full softmax \\(here: batch 1, softmax adaptive\\); use the default f32$`));
    await expect(InferenceSession.create(randomModel('gru', 1, 23), { decoder, batch: 4 })).rejects.toThrow(/batch 4/);
  });

  it('recur sample draws what the library draws with such a session, on one thread; with more threads it is a usage error', async () => {
    const m = randomModel('gru', 1, 24, { hidden: 12 });
    const dir = mkdtempSync(join(tmpdir(), `recur-${decoder}-`)), path = join(dir, 'm.safetensors');
    writeFileSync(path, saveModel(m));
    const run = await recur(['sample', path, '--decoder', decoder, '-n', '3', '--seed', '5', '--json', '--max-length', '30']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const session = await openSession(m, { decoder, threads: 2 });
    expect(session.threads).toBe(1);
    const rng = new Rng(5);
    const lib = Array.from({ length: 3 }, () => sampleOne(session, { ...SAMPLE_DEFAULTS, maxLength: 30 }, rng));
    const cli = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { tokens: string[]; logprob: number });
    expect(cli.map((s) => s.tokens)).toEqual(lib.map((s) => s.tokens));
    cli.forEach((s, i) => expect(s.logprob).toBeCloseTo(lib[i].logprob, 10));
    const bad = await recur(['sample', path, '--decoder', decoder, '--threads', '2']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(`recur: --decoder ${decoder} is read on one thread, so --threads must be 1; leave one of them out\n`);
  });
});

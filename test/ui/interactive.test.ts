/** sampleStream, nextTokens and recur sample --interactive driven through standard input. */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InferenceSession, Rng, SAMPLE_DEFAULTS, loadModel, sampleOne, scoreSentences } from '../../src/index.js';
import { nextTokens, sampleStream } from '../../src/infer/stream.js';
import { recurWith } from '../helpers/ui-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'recur-int-'));
const model = join(dir, 'm.safetensors');

beforeAll(async () => {
  const corpus = join(dir, 'c.txt');
  writeFileSync(corpus, 'anna\nbob\ncarla\ndave\nemma\nfred\n'.repeat(4));
  const r = await recurWith(['train', corpus, '--hidden', '16', '--embed', '8', '--batch', '2', '--seq-len', '8', '--steps', '30', '--kernels', 'reference', '-q', '-o', model]);
  expect(r.code).toBe(0);
});

describe('library: sampleStream and nextTokens', () => {
  it('sampleStream yields the same tokens as sampleOne for the same seed, and stops on abort', async () => {
    const m = loadModel(readFileSync(model));
    const session = await InferenceSession.create(m);
    for (const prime of ['', 'em']) {
      const o = { ...SAMPLE_DEFAULTS, prime, maxLength: 30 };
      const ref = sampleOne(session, o, new Rng(7));
      const got: string[] = [];
      let ended = false;
      for await (const t of sampleStream(session, o, new Rng(7), { yieldEveryMs: 0 })) {
        if (t.id === 0) ended = true;
        else got.push(t.token);
      }
      expect(got).toEqual(ref.tokens);
      expect(ended).toBe(ref.ended);
    }
    const ac = new AbortController();
    const it = sampleStream(session, { ...SAMPLE_DEFAULTS, maxLength: 50 }, new Rng(1), { signal: ac.signal });
    await it.next();
    ac.abort();
    await expect(it.next()).rejects.toMatchObject({ kind: 'aborted' });
  });
  it('nextTokens gives the probabilities the scorer gives', async () => {
    const m = loadModel(readFileSync(model));
    const session = await InferenceSession.create(m, { steps: 4 });
    const top = nextTokens(session, 'emm', 3);
    expect(top).toHaveLength(3);
    expect(top[0].prob).toBeGreaterThanOrEqual(top[1].prob);
    const all = nextTokens(session, 'emm', m.vocab.size);
    expect(all.reduce((a, c) => a + c.prob, 0)).toBeCloseTo(1, 5);
    const scorer = await InferenceSession.create(m, { batch: 1, steps: 8 });
    const s = scoreSentences(scorer, ['emma'])[0];
    expect(all.find((c) => c.token === 'a')!.prob).toBeCloseTo(s.tokens[3].prob, 5);
  });
});

describe('recur sample --interactive', () => {
  it('answers each line typed on stdin with next-token probabilities and continuations', async () => {
    const stdin = new PassThrough();
    const run = recurWith(['sample', model, '--interactive', '-n', '2', '--top', '3', '--seed', '5'], { stdin });
    // type slowly, as a person would
    stdin.write('em\n');
    await new Promise((r) => setTimeout(r, 30));
    stdin.write('\n');
    await new Promise((r) => setTimeout(r, 30));
    stdin.write(':q\n');
    const r = await run;
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    const at = lines.findIndex((l) => l.startsWith('› em'));
    expect(at).toBeGreaterThan(-1);
    expect(lines[at + 1]).toMatch(/^ {2}next: (\S+ \d+\.\d%\s*){3}$/);
    expect(lines[at + 2]).toMatch(/^ {2}em/);
    expect(lines[at + 3]).toMatch(/^ {2}em/);
    expect(lines[at + 4]).toBe('› ');
    expect(lines[at + 5]).toMatch(/^ {2}next: /);
    // the probabilities shown are the model's
    const m = loadModel(readFileSync(model));
    const top = nextTokens(await InferenceSession.create(m), 'em', 3);
    expect(lines[at + 1]).toContain(`${top[0].token} ${(top[0].prob * 100).toFixed(1)}%`);
  });
  it('ends at the end of input', async () => {
    const r = await recurWith(['sample', model, '-i'], { stdin: 'bo\n' });
    expect(r.code).toBe(0);
    expect(r.stdout.match(/^ {2}bo/gm)!.length).toBe(3);
  });
});

/**
 * The command line end to end (in process, through runCli): every command on a
 * tiny corpus, and the one-line errors and exit codes for bad input.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recur, type CliRun } from '../helpers/cli.js';
import { loadModel, saveModel } from '../../src/model/model-file.js';
import { LanguageModel } from '../../src/model/model.js';
import { Rng } from '../../src/core/rng.js';
import { InferenceSession } from '../../src/infer/session.js';
import { SAMPLE_DEFAULTS, sampleOne } from '../../src/infer/sample.js';
import { scoreSentences } from '../../src/infer/score.js';
import { writeSafetensors } from '../../src/io/safetensors.js';

const dir = mkdtempSync(join(tmpdir(), 'recur-cli-'));
const corpus = join(dir, 'names.txt');
const model = join(dir, 'names.safetensors');
const small = ['--hidden', '16', '--embed', '8', '--batch', '4', '--seq-len', '16', '--kernels', 'reference'];

/** Errors are one line on stderr, prefixed with "recur:". */
function oneLineError(r: CliRun, code: number, pattern: RegExp): void {
  expect(r.code).toBe(code);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines.length).toBe(1);
  expect(lines[0]).toMatch(/^recur: /);
  expect(lines[0]).toMatch(pattern);
}

beforeAll(async () => {
  writeFileSync(corpus, ['anna', 'bob', 'carla', 'dave', 'emma', 'fred', 'gina', 'hugo', 'ida', 'jon', 'kim', 'lena'].join('\n').repeat(3) + '\n');
  const r = await recur(['train', corpus, ...small, '--steps', '20', '--eval-every', '10', '-o', model]);
  expect(r.code).toBe(0);
});

describe('recur train', () => {
  it('writes a model, reports progress and prints samples', async () => {
    const r = await recur(['train', corpus, ...small, '--steps', '5', '--samples', '2', '-o', join(dir, 'm2.safetensors')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/training tokens/);
    expect(r.stderr).toMatch(/model written to/);
    expect(r.stdout.trimEnd().split('\n').length).toBe(2);
    expect(loadModel(readFileSync(join(dir, 'm2.safetensors'))).config.hidden).toBe(16);
  });
  it('--json prints one JSON object per event, ending with done', async () => {
    const r = await recur(['train', corpus, ...small, '--steps', '4', '--json', '-o', join(dir, 'm3.safetensors')]);
    expect(r.code).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(events[0].type).toBe('prepared');
    expect(events.filter((e) => e.type === 'step').length).toBe(4);
    expect(events.at(-1)).toMatchObject({ type: 'done', steps: 4 });
    expect(r.stderr).toBe('');
  });
  it('word level with --max-vocab and --lowercase', async () => {
    const words = join(dir, 'words.txt');
    writeFileSync(words, 'The cat sat on the mat .\nThe dog sat on the log !\nA cat and a dog .\n'.repeat(4));
    const out = join(dir, 'w.safetensors');
    const r = await recur(['train', words, '--level', 'word', '--lowercase', '--max-vocab', '5', ...small, '--steps', '3', '-o', out]);
    expect(r.code).toBe(0);
    const m = loadModel(readFileSync(out));
    expect(m.vocab.size).toBe(7);
    expect(m.config).toMatchObject({ level: 'word', lowercase: true });
  });
});

describe('recur sample / score / eval / info', () => {
  it('sample: -n lines; the same seed the same text; --json objects', async () => {
    const a = await recur(['sample', model, '-n', '4', '--seed', '3', '--kernels', 'reference']);
    const b = await recur(['sample', model, '-n', '4', '--seed', '3', '--kernels', 'reference']);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout.trimEnd().split('\n').length).toBe(4);
    const j = await recur(['sample', model, '-n', '2', '--json', '--max-length', '5', '--kernels', 'reference']);
    for (const line of j.stdout.trim().split('\n')) {
      const o = JSON.parse(line);
      expect(typeof o.text).toBe('string');
      expect(Array.isArray(o.tokens)).toBe(true);
      expect(o.tokens.length).toBeLessThanOrEqual(5);
      expect(o.logprob).toBeLessThan(0);
    }
  });
  it('sample from a running-text model: each sample goes on from the one before, as the library draws them', async () => {
    const m = loadModel(readFileSync(model));
    const running = new LanguageModel({ ...m.config, running_text: true }, m.vocab, m.params);
    const path = join(dir, 'running.safetensors');
    writeFileSync(path, saveModel(running));
    const r = await recur(['sample', path, '-n', '4', '--json', '--seed', '4', '--kernels', 'reference', '--threads', '1']);
    expect(r.code, r.stderr).toBe(0);
    const draw = async (start: 'fresh' | 'continue'): Promise<[string, number][]> => {
      const s = await InferenceSession.create(running, { kernels: 'reference' }), rng = new Rng(4);
      return [0, 1, 2, 3].map((i) => sampleOne(s, SAMPLE_DEFAULTS, rng, i > 0 ? start : 'fresh')).map((x) => [x.text, x.logprob]);
    };
    const [going, fresh] = [await draw('continue'), await draw('fresh')];
    expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l)).map((x) => [x.text, x.logprob])).toEqual(going);
    expect(going.slice(1)).not.toEqual(fresh.slice(1));
  });
  it('train --running-text prints the samples recur sample draws from its model with the same seed', async () => {
    const out = join(dir, 'running-trained.safetensors');
    const t = await recur(['train', corpus, ...small, '--running-text', '--steps', '30', '--samples', '3', '--seed', '6', '--threads', '1', '-o', out]);
    expect(t.code, t.stderr).toBe(0);
    const s = await recur(['sample', out, '-n', '3', '--seed', '6', '--max-length', '200', '--kernels', 'reference', '--threads', '1']);
    expect(s.code, s.stderr).toBe(0);
    expect(t.stdout).toBe(s.stdout);
  });
  it('score --in-order: a running-text model scores each sentence after the ones before it, as the library does; another model refuses', async () => {
    const m = loadModel(readFileSync(model));
    const running = new LanguageModel({ ...m.config, running_text: true }, m.vocab, m.params);
    const path = join(dir, 'running-score.safetensors'), file = join(dir, 'in-order.txt');
    writeFileSync(path, saveModel(running));
    writeFileSync(file, 'anna\nbob\n\ncarla\n');
    const want = scoreSentences(await InferenceSession.create(running, { kernels: 'reference' }), ['anna', 'bob', 'carla'], { inOrder: true }).map((x) => x.logprob);
    for (const args of [['anna', 'bob', 'carla'], ['--file', file]]) {
      const r = await recur(['score', path, ...args, '--in-order', '--json', '--kernels', 'reference']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l).logprob)).toEqual(want);
    }
    const alone = await recur(['score', path, 'anna', 'bob', 'carla', '--json', '--kernels', 'reference']);
    expect(alone.stdout.trim().split('\n').map((l) => JSON.parse(l).logprob)).not.toEqual(want);
    oneLineError(await recur(['score', model, 'anna', '--in-order']), 2, /was not trained on running text .*leave out --in-order/);
  });
  it('sample: an unseen prime character gives a warning, not a crash', async () => {
    const r = await recur(['sample', model, '-n', '1', '--prime', 'Zoë', '--kernels', 'reference']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/never seen.*<unk>/);
    expect(r.stdout.startsWith('Zoë')).toBe(true);
  });
  it('score --json: per-token detail with the final <eos>, totals and OOVs', async () => {
    const r = await recur(['score', model, 'anna', 'zz', '--json', '--kernels', 'reference']);
    expect(r.code).toBe(0);
    const [a, z] = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(a.tokens.map((t: { token: string }) => t.token)).toEqual(['a', 'n', 'n', 'a', '<eos>']);
    expect(a.logprob).toBeCloseTo(a.tokens.reduce((s: number, t: { logprob: number }) => s + t.logprob, 0), 6);
    expect(a.log10prob).toBeCloseTo(a.logprob / Math.LN10, 6);
    expect(a.perplexity).toBeCloseTo(Math.exp(-a.logprob / 5), 6);
    expect(a.oov).toBe(0);
    expect(z.oov).toBe(2);
    for (const k of ['text', 'tokens', 'logprob', 'log10prob', 'perplexity', 'oov']) expect(a).toHaveProperty(k);
  });
  it('score reads sentences from stdin and from --file', async () => {
    const s = await recur(['score', model, '--json', '--kernels', 'reference'], 'anna\nbob\n');
    expect(s.stdout.trim().split('\n').length).toBe(2);
    const f = join(dir, 'sents.txt');
    writeFileSync(f, 'anna\r\nbob\r\n\r\n');
    const r = await recur(['score', model, '--file', f, '--json', '--kernels', 'reference']);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    // CRLF read as LF; the blank line is no sentence (the model was trained on non-blank lines)
    expect(lines.map((l) => l.text)).toEqual(['anna', 'bob']);
  });
  it('eval --json gives tokens, loss, perplexity and bits per character', async () => {
    const r = await recur(['eval', model, corpus, '--json', '--kernels', 'reference']);
    expect(r.code).toBe(0);
    const e = JSON.parse(r.stdout);
    expect(e.tokens).toBe(readFileSync(corpus, 'utf8').length); // chars incl. newlines = tokens incl. <eos>
    expect(e.perplexity).toBeCloseTo(Math.exp(e.loss), 6);
    expect(e.bpc).toBeCloseTo(e.loss / Math.LN2, 6);
  });
  it('info prints the configuration and training summary', async () => {
    const r = await recur(['info', model]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1-layer GRU, hidden 16, embedding 8/);
    expect(r.stdout).toMatch(/steps=20/);
    const j = JSON.parse((await recur(['info', model, '--json'])).stdout);
    expect(j.config.cell).toBe('gru');
    expect(j.parameters).toBeGreaterThan(0);
  });
  it('info --kernels says which kernel sets run here and which is the default; with a file it is refused', async () => {
    const j = JSON.parse((await recur(['info', '--kernels', '--json'])).stdout);
    expect(j.available).toEqual(j.relaxedSimd ? ['reference', 'simd', 'fma'] : ['reference', 'simd']);
    expect(j.default).toBe(j.relaxedSimd ? 'fma' : 'simd');
    const r = await recur(['info', '--kernels']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(new RegExp(`^kernels +${j.default} \\(the default`));
    oneLineError(await recur(['info', '--kernels', model]), 2, /--kernels describes this machine, not a file/);
    oneLineError(await recur(['info']), 2, /give a model, a checkpoint or a token store/);
  });
});

describe('bad input: one-line errors and exit codes', () => {
  it('a missing corpus, a directory, an empty or blank corpus, a binary file, invalid UTF-8 (exit 1)', async () => {
    oneLineError(await recur(['train', join(dir, 'nope.txt'), '-o', join(dir, 'x.safetensors')]), 1, /does not exist/);
    const sub = join(dir, 'sub');
    mkdirSync(sub, { recursive: true });
    oneLineError(await recur(['train', sub]), 1, /is a folder; give a text file/);
    const empty = join(dir, 'empty.txt');
    writeFileSync(empty, '');
    oneLineError(await recur(['train', empty]), 1, /no text to train on/);
    writeFileSync(empty, '  \n\t\n\n');
    oneLineError(await recur(['train', empty]), 1, /no text to train on/);
    const bin = join(dir, 'bin.dat');
    writeFileSync(bin, Buffer.from([0x61, 0x00, 0x62]));
    oneLineError(await recur(['train', bin]), 1, /binary.*offset 1/);
    const latin = join(dir, 'latin1.txt');
    writeFileSync(latin, Buffer.from('caf\xe9 ok\n', 'latin1'));
    oneLineError(await recur(['train', latin]), 1, /not valid UTF-8.*offset 3.*--replace-invalid/);
    const ok = await recur(['train', latin, '--replace-invalid', ...small, '--steps', '1', '--samples', '0', '-q', '-o', join(dir, 'l.safetensors')]);
    expect(ok.code).toBe(0);
    expect(existsSync(join(dir, 'x.safetensors'))).toBe(false);
  });
  it('bad option values are usage errors (exit 2) that name the option and the range', async () => {
    const cases: [string[], RegExp][] = [
      [['train', corpus, '--batch', '0'], /--batch.*1 to 65536/],
      [['train', corpus, '--hidden', '-5'], /--hidden/],
      [['train', corpus, '--lr', '0'], /--lr.*> 0/],
      [['train', corpus, '--lr', '-1'], /--lr/],
      [['train', corpus, '--cell', 'transformer'], /--cell.*rnn, gru, lstm/],
      [['train', corpus, '--level', 'byte'], /--level.*char, word/],
      [['train', corpus, '--dropout', '1'], /--dropout.*< 1/],
      [['train', corpus, '--time', 'soon'], /--time.*duration/],
      [['sample', model, '--temperature', '0'], /--temperature.*> 0/],
      [['sample', model, '--top-p', '1.5'], /--top-p.*≤ 1/],
      [['sample', model, '--top-p', '0'], /--top-p/],
      [['sample', model, '-n', 'many'], /--number/],
      [['train', corpus, '--no-such-option'], /unknown option/],
      [['sample'], /missing required argument 'model'/],
    ];
    for (const [args, re] of cases) {
      const r = await recur(args);
      expect(r.stderr, args.join(" ")).toMatch(re);
      oneLineError(r, 2, re);
    }
  });
  it('model files: missing, not a model, not a recur model (exit 1)', async () => {
    oneLineError(await recur(['sample', join(dir, 'none.safetensors')]), 1, /does not exist/);
    oneLineError(await recur(['info', corpus]), 1, /not a safetensors file|truncated/);
    const foreign = join(dir, 'foreign.safetensors');
    writeFileSync(foreign, writeSafetensors([{ name: 'w', shape: [2], data: new Float32Array([1, 2]) }], {}));
    oneLineError(await recur(['score', foreign, 'x']), 1, /not a recur model/);
  });
  it('--help on every command lists defaults and ends with an example', async () => {
    for (const cmd of ['train', 'sample', 'score', 'eval', 'info']) {
      const r = await recur([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Examples?:/);
      expect(r.stdout).toMatch(/Exit codes: 0 success/);
    }
  });
});

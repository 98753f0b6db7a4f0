/**
 * Bad input to the PyTorch trainer: one clear line each (from one process under
 * torchrun), a non-zero exit, and nothing written. All of these are found before
 * torch is imported, so they fail at once.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.js';
import { Vocab } from '../../src/data/vocab.js';
import { modelConfig } from '../../src/model/config.js';
import { LanguageModel } from '../../src/model/model.js';
import { saveModel } from '../../src/model/model-file.js';
import { runPython, runTrainer, torchPythonOrSkip, torchrun, type PyRun } from '../helpers/python.js';
import { writeStore } from '../helpers/prepared-store.js';

const py = torchPythonOrSkip('the PyTorch trainer tests');
const dir = mkdtempSync(join(tmpdir(), 'recur-torch-bad-'));
const good = join(dir, 'good.recur');

/** A copy of the good store, changed by `edit`. */
function variant(name: string, edit: (store: string) => void): string {
  const path = join(dir, `${name}.recur`);
  cpSync(good, path, { recursive: true });
  edit(path);
  return path;
}

/** An empty folder for a run's outputs. */
function outDir(name: string): string {
  const d = join(dir, `out-${name}`);
  mkdirSync(d);
  return d;
}

/** The one line the trainer printed (torchrun prefixes its workers' lines with [defaultN]:). */
function ourLines(r: PyRun): string[] {
  return r.stderr.split('\n').map((l) => l.replace(/^\[default\d+\]:/, '')).filter((l) => l.startsWith('recur_torch:'));
}

describe.skipIf(!py)('the PyTorch trainer refuses bad input with one line and writes nothing', () => {
  beforeAll(async () => {
    const text = Array.from({ length: 60 }, (_, i) => 'abcdefgh'.slice(i % 5, 3 + (i % 6))).join('\n') + '\n';
    await writeStore(good, { texts: [text], options: { level: 'char', split: 'lines', tokenize: 'default', lowercase: false, maxVocab: 0, minCount: 1, valFrac: 0.1 }, shardTokens: 100 });
  });

  const cases: [string, () => string, string[], RegExp, number][] = [
    ['a store from a newer format', () => variant('newer', (s) => {
      const m = JSON.parse(readFileSync(join(s, 'manifest.json'), 'utf8'));
      writeFileSync(join(s, 'manifest.json'), JSON.stringify({ ...m, format: 'recur-tokens/2' }));
    }), [], /newer format \(recur-tokens\/2\) than this recur_torch reads \(recur-tokens\/1\); upgrade recur/, 1],
    ['a missing shard', () => variant('missing', (s) => rmSync(join(s, 'train-00001.bin'))), [], /train-00001\.bin is missing: the store is incomplete; prepare it again with recur prepare$/, 1],
    ['a shard changed after the store was written', () => variant('changed', (s) => {
      const p = join(s, 'train-00000.bin');
      const b = readFileSync(p);
      b[4] ^= 1;
      writeFileSync(p, b);
    }), [], /train-00000\.bin changed after the store was written \(its SHA-256 no longer matches the manifest\)/, 1],
    ['a data option the store was not prepared with', () => good, ['--level', 'word'], /^recur_torch: --level word disagrees with the store .*good\.recur, prepared with --level char/, 2],
    ['an option out of range', () => good, ['--hidden', '0'], /^recur_torch: --hidden must be an integer from 1 to 65536 \(got 0\)$/, 2],
    ['locked dropout without dropout', () => good, ['--locked-dropout'], /^recur_torch: --locked-dropout needs dropout above 0, whose masks it locks over time$/, 2],
    ['a model for --init with another vocabulary', () => {
      const m = LanguageModel.create(modelConfig({ level: 'char', cell: 'gru', embed: 4, hidden: 4, layers: 1 }), new Vocab(['<eos>', '<unk>', 'x', 'y']), new Rng(1));
      writeFileSync(join(dir, 'other.safetensors'), saveModel(m));
      return good;
    }, ['--init', join(dir, 'other.safetensors')], /other\.safetensors has another vocabulary than the store .*; prepare the corpus with recur prepare … --vocab-from/, 1],
  ];
  cases.forEach(([what, store, args, message, code], i) => {
    it(what, async () => {
      const out = outDir(String(i));
      const r = await runTrainer(py!, [store(), '-o', join(out, 'model.safetensors'), '--steps', '1', ...args]);
      expect(r.code).toBe(code);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(message);
      expect(r.stdout).toBe('');
      expect(readdirSync(out)).toEqual([]);
    });
  });

  it('a world size that does not divide the batch (torchrun, 2 processes)', async () => {
    const out = outDir('world');
    const r = await torchrun(py!, 2, ['-m', 'recur_torch.train', good, '-o', join(out, 'model.safetensors'), '--batch', '3', '--steps', '1'], { cwd: dir });
    expect(r.code).not.toBe(0);
    expect(ourLines(r)).toEqual(['recur_torch: --batch 3 streams cannot be shared equally among 2 processes; give a --batch that is a multiple of 2']);
    expect(readdirSync(out)).toEqual([]);
  });

  // torchrun stops every process when the first one fails: were rank 1 first, rank 0 would not get to say why
  it('under torchrun, only rank 0 says why; the others wait for it to exit first', async () => {
    const probe = (rank: number) => runPython(py!, ['-c', [
      'import json, time, recur_torch.train as t',
      'waits = []',
      'time.sleep = waits.append',
      `code = t.main([${JSON.stringify(good)}, "--hidden", "0"], {"RANK": "${rank}", "WORLD_SIZE": "2"})`,
      'print(json.dumps([code, waits]))',
    ].join('\n')], { cwd: dir });
    const [r0, r1] = await Promise.all([probe(0), probe(1)]);
    expect(JSON.parse(r0.stdout)).toEqual([2, []]);
    expect(r0.stderr).toMatch(/^recur_torch: --hidden must be an integer from 1 to 65536 \(got 0\)\n$/);
    expect(JSON.parse(r1.stdout)).toEqual([2, [10]]);
    expect(r1.stderr).toBe('');
  });
});

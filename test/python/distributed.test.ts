/**
 * Distributed equals single: `torchrun --nproc_per_node=2 -m recur_torch.train`
 * (gloo, CPU: each process takes half of the batch's streams, DistributedDataParallel
 * averages the gradients, rank 0 validates and writes) and one process with the
 * same global batch give the same weights to 1e-5 after several SGD steps, and
 * the same loss curve (and validation losses) with Adam.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.js';
import { loadModel } from '../../src/model/model-file.js';
import type { LanguageModel } from '../../src/model/model.js';
import { TRAIN_MANY, events, runPython, torchPythonOrSkip, torchrun, type PyRun } from '../helpers/python.js';
import { writeStore } from '../helpers/prepared-store.js';

const py = torchPythonOrSkip('the distributed PyTorch trainer tests');
const dir = mkdtempSync(join(tmpdir(), 'recur-torch-ddp-'));
const store = join(dir, 'corpus.recur');
const SYLLABLES = ['ka', 'lo', 'mer', 'ti', 'sun', 'e', 'ra', 'vo'];

function randomLines(seed: number, n: number): string {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: 1 + rng.int(5) }, () => SYLLABLES[rng.int(SYLLABLES.length)]).join('')).join('\n') + '\n';
}

const COMMON = ['--batch', '4', '--seq-len', '8', '--hidden', '16', '--embed', '8', '--eval-every', '5', '--json', '--checkpoint-interval', '0'];
const SGD = [...COMMON, '--optimizer', 'sgd', '--lr', '0.5', '--steps', '6'];
const ADAM = [...COMMON, '--cell', 'lstm', '--optimizer', 'adam', '--steps', '20'];

interface Outcome {
  model: LanguageModel;
  losses: number[];
  evals: number[];
}

function outcome(r: { code: number | null; stdout: string; stderr: string }, out: string): Outcome {
  if (r.code !== 0) throw new Error(`the run failed (${r.code}): ${r.stderr}`);
  const ev = events(r.stdout);
  return {
    model: loadModel(readFileSync(out)),
    losses: ev.filter((e) => e.type === 'step').map((e) => e.loss as number),
    evals: ev.filter((e) => e.type === 'eval').map((e) => e.valLoss as number),
  };
}

describe.skipIf(!py)('the PyTorch trainer under torchrun (2 processes, gloo)', () => {
  const runs: Record<string, Outcome> = {};
  let ddpSgd: PyRun;

  beforeAll(async () => {
    await writeStore(store, { texts: [randomLines(7, 300)], options: { level: 'char', split: 'lines', tokenize: 'default', lowercase: false, maxVocab: 0, minCount: 1, valFrac: 0.1 } });
    const out = (name: string): string => join(dir, `${name}.safetensors`);
    const single = join(dir, 'single.json');
    writeFileSync(single, JSON.stringify([[store, ...SGD, '-o', out('sgd-1')], [store, ...ADAM, '-o', out('adam-1')]]));
    const [sgd2, adam2, one] = await Promise.all([
      torchrun(py!, 2, ['-m', 'recur_torch.train', store, ...SGD, '-o', out('sgd-2')], { cwd: dir }),
      torchrun(py!, 2, ['-m', 'recur_torch.train', store, ...ADAM, '-o', out('adam-2')], { cwd: dir }),
      runPython(py!, [TRAIN_MANY, single], { cwd: dir }),
    ]);
    ddpSgd = sgd2;
    const [sgd1, adam1] = JSON.parse(one.stdout) as PyRun[];
    runs['sgd-2'] = outcome(sgd2, out('sgd-2'));
    runs['adam-2'] = outcome(adam2, out('adam-2'));
    runs['sgd-1'] = outcome(sgd1, out('sgd-1'));
    runs['adam-1'] = outcome(adam1, out('adam-1'));
  }, 240_000);

  it('2 processes and 1 give the same weights to 1e-5 after 6 SGD steps', () => {
    const a = runs['sgd-2'], b = runs['sgd-1'];
    expect(a.model.info.trainer).toMatchObject({ processes: 2, device: 'cpu' });
    expect(b.model.info.trainer).toMatchObject({ processes: 1 });
    expect(a.losses.length).toBe(6);
    let worst = 0;
    for (let i = 0; i < a.model.params.length; i++) worst = Math.max(worst, Math.abs(a.model.params[i] - b.model.params[i]));
    expect(worst).toBeLessThan(1e-5);
    for (let i = 0; i < 6; i++) expect(Math.abs(a.losses[i] - b.losses[i])).toBeLessThan(1e-5);
  });

  it('2 processes and 1 give the same loss curve and validation losses over 20 Adam steps', () => {
    const a = runs['adam-2'], b = runs['adam-1'];
    expect(a.losses.length).toBe(20);
    expect(a.evals.length).toBe(4);
    for (let i = 0; i < 20; i++) expect(Math.abs(a.losses[i] - b.losses[i])).toBeLessThan(1e-5);
    for (let i = 0; i < 4; i++) expect(Math.abs(a.evals[i] - b.evals[i])).toBeLessThan(1e-5);
  });

  it('only rank 0 prints', () => {
    expect(events(ddpSgd.stdout).filter((e) => e.type === 'done').length).toBe(1);
  });
});

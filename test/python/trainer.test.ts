/**
 * The PyTorch trainer (python/recur_torch) trains the model `recur train` trains.
 *
 * Same algorithm: from the same store, the same initial weights (--init) and the
 * same options (no dropout), one step of each optimizer with clipping active gives
 * the same weights to 1e-4, and 50 Adam steps (validating every 25) give the same
 * loss curve to 1e-3 and the same validation losses, for a GRU, a 2-layer tied
 * LSTM and a GRU with the adaptive softmax (and the GRU with --anneal cosine:
 * the same rate at every step); and with split none (no shuffle, no
 * resets: the fused nn.GRU path; validation chunks warmed up on 2T tokens).
 * Files: its model loads in recur and `recur eval` on the validation text gives
 * the trainer's own validation loss; --init continues from exactly the model's
 * weights; a run stopped and resumed from its checkpoint (with dropout, weight
 * drop and embedding dropout) ends with the weights of the run that never
 * stopped, and weight drop and embedding dropout each change the run from its
 * first step.
 *
 * All Python runs happen in one process (test/fixtures/torch_train_many.py calls
 * the trainer's main() once per run), so torch is imported once.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.js';
import type { CorpusOptions } from '../../src/data/prepare.js';
import { modelConfig, type ModelConfig } from '../../src/model/config.js';
import { LanguageModel } from '../../src/model/model.js';
import { loadModel, saveModel } from '../../src/model/model-file.js';
import { InferenceSession } from '../../src/infer/session.js';
import { sampleOne } from '../../src/infer/sample.js';
import type { TrainEvent } from '../../src/train/trainer.js';
import { recur } from '../helpers/cli.js';
import { TRAIN_MANY, events, runPython, torchPythonOrSkip } from '../helpers/python.js';
import { writeStore } from '../helpers/prepared-store.js';
import { options, train } from '../helpers/train.js';

const py = torchPythonOrSkip('the PyTorch trainer tests');
const dir = mkdtempSync(join(tmpdir(), 'recur-torch-trainer-'));
/** syllables over 16 letters: lines with structure to learn, so the loss curves move */
const SYLLABLES = ['ab', 'cde', 'fg', 'hij', 'klm', 'nop', 'ba', 'ed', 'p', 'oic'];

function randomLines(seed: number, n: number): string {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: 1 + rng.int(6) }, () => SYLLABLES[rng.int(SYLLABLES.length)]).join('')).join('\n') + '\n';
}

const DATA: CorpusOptions = { level: 'char', split: 'lines', tokenize: 'default', lowercase: false, maxVocab: 0, minCount: 1, valFrac: 0.1 };
const text = randomLines(1, 400), valText = randomLines(2, 50);
const valFile = join(dir, 'val.txt');
const store = join(dir, 'corpus.recur');
/** the same text as one sequence per file */
const storeNone = join(dir, 'none.recur');
/** the same text as a running text, its end held out for validation (recur prepare --running-text) */
const storeTail = join(dir, 'tail.recur');
const TAIL_DATA: CorpusOptions = { ...DATA, valTail: true };

const MODELS: Record<string, Partial<ModelConfig> & Pick<ModelConfig, 'cell' | 'embed' | 'hidden' | 'layers'>> = {
  gru: { cell: 'gru', embed: 8, hidden: 16, layers: 1 },
  'lstm, 2 layers, tied': { cell: 'lstm', embed: 12, hidden: 12, layers: 2, tie: true },
  'gru, adaptive softmax': { cell: 'gru', embed: 8, hidden: 16, layers: 1, softmax: 'adaptive', cutoffs: [6, 11] },
};
const OPTIMIZERS = ['sgd', 'adam', 'adagrad', 'rmsprop'] as const;
/** below the first step's gradient norm of every model here, so clipping acts */
const CLIP = 0.1;
const WINDOW = { batch: 4, seqLen: 8 };

interface Case {
  name: string;
  model: string;
  /** recur train's options, flat */
  flat: Record<string, unknown>;
  /** the same as the Python trainer's arguments */
  args: string[];
  init: string;
  out: string;
  /** the store, when not `store` */
  store?: string;
  data?: CorpusOptions;
  /** validation is the end of the text, not valText */
  tail?: boolean;
}

const flagOf = (k: string): string => '--' + k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
const argsOf = (flat: Record<string, unknown>): string[] => Object.entries(flat).flatMap(([k, v]) => [flagOf(k), String(v)]);

const cases: Case[] = [];
const inits: Record<string, LanguageModel> = {};
let pyResults: { code: number; stdout: string; stderr: string }[] = [];
const pyByName = (name: string): { code: number; stdout: string; stderr: string } => pyResults[cases.findIndex((c) => c.name === name)];

describe.skipIf(!py)('the PyTorch trainer trains what recur train trains', () => {
  beforeAll(async () => {
    writeFileSync(valFile, valText);
    const prepared = await writeStore(store, { texts: [text], valTexts: [valText], options: DATA, shardTokens: 1500 });
    Object.entries(MODELS).forEach(([name, arch], i) => {
      const init = LanguageModel.create(modelConfig({ level: 'char', ...arch }), prepared.vocab, new Rng(100 + i));
      inits[name] = init;
      const path = join(dir, `init-${i}.safetensors`);
      writeFileSync(path, saveModel(init));
      for (const opt of OPTIMIZERS) {
        const flat = { ...WINDOW, optimizer: opt, clip: CLIP, steps: 1 };
        cases.push({ name: `${name} ${opt} 1`, model: name, flat, args: argsOf(flat), init: path, out: join(dir, `${i}-${opt}-1.safetensors`) });
      }
      const flat = { ...WINDOW, optimizer: 'adam', steps: 50, evalEvery: 25 };
      cases.push({ name: `${name} adam 50`, model: name, flat, args: argsOf(flat), init: path, out: join(dir, `${i}-adam-50.safetensors`) });
    });
    // the rate annealed to zero by a half cosine over the 50 steps
    const annealed = { ...WINDOW, optimizer: 'adam', steps: 50, evalEvery: 25, anneal: 'cosine' };
    cases.push({ name: 'gru adam 50 cosine', model: 'gru', flat: annealed, args: argsOf(annealed), init: join(dir, 'init-0.safetensors'), out: join(dir, 'cosine-50.safetensors') });
    // split none: one long sequence, never reset inside a window
    const none = await writeStore(storeNone, { texts: [text], valTexts: [valText], options: { ...DATA, split: 'none' } });
    const noneInit = LanguageModel.create(modelConfig({ level: 'char', split: 'none', ...MODELS.gru }), none.vocab, new Rng(7));
    inits['gru, split none'] = noneInit;
    writeFileSync(join(dir, 'init-none.safetensors'), saveModel(noneInit));
    const noneFlat = { ...WINDOW, optimizer: 'adam', steps: 50, evalEvery: 25 };
    cases.push({ name: 'gru, split none adam 50', model: 'gru, split none', flat: noneFlat, args: argsOf(noneFlat), init: join(dir, 'init-none.safetensors'), out: join(dir, 'none-adam-50.safetensors'), store: storeNone, data: { ...DATA, split: 'none' } });
    // running text: the lines in order, the state carried across <eos>; validation capped, so cut anywhere and warmed up
    const running = LanguageModel.create(modelConfig({ level: 'char', ...MODELS.gru, running_text: true }), prepared.vocab, new Rng(8));
    inits['gru, running text'] = running;
    writeFileSync(join(dir, 'init-running.safetensors'), saveModel(running));
    const runningFlat = { ...WINDOW, optimizer: 'adam', steps: 50, evalEvery: 25, valTokens: 200 };
    cases.push({ name: 'gru, running text adam 50', model: 'gru, running text', flat: runningFlat, args: argsOf(runningFlat), init: join(dir, 'init-running.safetensors'), out: join(dir, 'running-adam-50.safetensors') });
    // the same with the end of the text held out for validation instead of a text of its own
    const tail = await writeStore(storeTail, { texts: [text], options: TAIL_DATA });
    const tailInit = LanguageModel.create(modelConfig({ level: 'char', ...MODELS.gru, running_text: true }), tail.vocab, new Rng(9));
    inits['gru, running text, tail'] = tailInit;
    writeFileSync(join(dir, 'init-tail.safetensors'), saveModel(tailInit));
    cases.push({ name: 'gru, running text, tail adam 50', model: 'gru, running text, tail', flat: runningFlat, args: argsOf(runningFlat), init: join(dir, 'init-tail.safetensors'), out: join(dir, 'tail-adam-50.safetensors'), store: storeTail, tail: true });
    // validation capped to evenly spread pieces (valTokens), in both split modes
    for (const [label, st, data, init] of [['lines', store, DATA, join(dir, 'init-0.safetensors')], ['none', storeNone, { ...DATA, split: 'none' }, join(dir, 'init-none.safetensors')]] as const) {
      const capped = { ...WINDOW, optimizer: 'adam', steps: 10, evalEvery: 5, valTokens: 120 };
      cases.push({ name: `val cap ${label}`, model: label === 'none' ? 'gru, split none' : 'gru', flat: capped, args: argsOf(capped), init, out: join(dir, `cap-${label}.safetensors`), store: st, data });
    }
    // --init with a step too small to move a float32 weight
    const gru = join(dir, 'init-0.safetensors');
    cases.push({ name: 'init exactness', model: 'gru', flat: {}, args: argsOf({ ...WINDOW, optimizer: 'sgd', lr: 1e-30, steps: 1 }), init: gru, out: join(dir, 'init-exact.safetensors') });
    // 30 steps with every kind of dropout at once, and 15 then resumed to 30; and 30 without weight drop, without embedding dropout
    const drop = { ...WINDOW, layers: 2, dropout: 0.3, weightDrop: 0.3, embedDrop: 0.2, cell: 'lstm', hidden: 16, embed: 8, evalEvery: 10, seed: 5 };
    const straight = join(dir, 'straight.safetensors'), halfway = join(dir, 'halfway.safetensors');
    cases.push({ name: 'straight', model: '', flat: {}, args: [...argsOf({ ...drop, steps: 30 })], init: '', out: straight });
    cases.push({ name: 'no weight drop', model: '', flat: {}, args: [...argsOf({ ...drop, weightDrop: 0, steps: 30 })], init: '', out: join(dir, 'no-wd.safetensors') });
    cases.push({ name: 'no embedding dropout', model: '', flat: {}, args: [...argsOf({ ...drop, embedDrop: 0, steps: 30 })], init: '', out: join(dir, 'no-ed.safetensors') });
    cases.push({ name: 'locked dropout', model: '', flat: {}, args: [...argsOf({ ...drop, steps: 30 }), '--locked-dropout'], init: '', out: join(dir, 'locked.safetensors') });
    cases.push({ name: 'halfway', model: '', flat: {}, args: [...argsOf({ ...drop, steps: 15 })], init: '', out: halfway });
    cases.push({ name: 'resumed', model: '', flat: {}, args: ['--resume', halfway + '.ckpt', '--steps', '30', '-o', join(dir, 'resumed.safetensors'), '--json'], init: '', out: '' });

    const runs = cases.map((c) => (c.out ? [c.store ?? store, ...(c.init ? ['--init', c.init] : []), ...c.args, '-o', c.out, '--json', '--checkpoint-interval', '0'] : c.args));
    const runsFile = join(dir, 'runs.json');
    writeFileSync(runsFile, JSON.stringify(runs));
    const r = await runPython(py!, [TRAIN_MANY, runsFile], { cwd: dir });
    if (r.code !== 0) throw new Error(`torch_train_many.py failed: ${r.stderr}`);
    pyResults = JSON.parse(r.stdout);
  }, 240_000);

  /** recur train's run of a case (the library, as recur train calls it), with its step losses and validation losses */
  async function recurRun(c: Case, init = inits[c.model]): Promise<{ model: LanguageModel; steps: Extract<TrainEvent, { type: 'step' }>[]; evals: number[]; prepared?: Extract<TrainEvent, { type: 'prepared' }> }> {
    const steps: Extract<TrainEvent, { type: 'step' }>[] = [], evals: number[] = [];
    let prepared: Extract<TrainEvent, { type: 'prepared' }> | undefined;
    const result = await train({
      ...options({ texts: [text], valTexts: c.tail ? undefined : [valText], ...(c.data ?? DATA), ...c.flat, init }),
      cell: undefined, embed: undefined, hidden: undefined, layers: undefined, level: undefined, split: undefined, tokenize: undefined,
      lowercase: undefined, maxVocab: undefined, minCount: undefined, valFrac: undefined,
      onEvent: (e: TrainEvent) => {
        if (e.type === 'step') steps.push(e);
        if (e.type === 'eval') evals.push(e.valLoss);
        if (e.type === 'prepared') prepared = e;
      },
    });
    return { model: loadModel(saveModel(result.model)), steps, evals, prepared };
  }

  function pyRun(c: Case): { model: LanguageModel; steps: Record<string, number>[]; evals: number[]; done: Record<string, unknown>; prepared: Record<string, unknown> } {
    const r = pyByName(c.name);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const ev = events(r.stdout);
    return {
      model: loadModel(readFileSync(c.out)),
      steps: ev.filter((e) => e.type === 'step') as Record<string, number>[],
      evals: ev.filter((e) => e.type === 'eval').map((e) => e.valLoss as number),
      done: ev.find((e) => e.type === 'done')!,
      prepared: ev.find((e) => e.type === 'prepared')!,
    };
  }

  const maxDiff = (a: Float32Array, b: Float32Array): number => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

  for (const name of [...Object.keys(MODELS), 'gru, split none', 'gru, running text', 'gru, running text, tail']) {
    for (const opt of name in MODELS ? OPTIMIZERS : []) {
      it(`${name}: one ${opt} step with clipping gives recur's weights to 1e-4`, async () => {
        const c = cases.find((x) => x.name === `${name} ${opt} 1`)!;
        const ours = await recurRun(c), theirs = pyRun(c);
        expect(ours.steps[0].gradNorm).toBeGreaterThan(CLIP);
        expect(Math.abs(theirs.steps[0].gradNorm - ours.steps[0].gradNorm)).toBeLessThan(1e-4);
        expect(Math.abs(theirs.steps[0].loss - ours.steps[0].loss)).toBeLessThan(1e-5);
        expect(maxDiff(ours.model.params, inits[name].params)).toBeGreaterThan(1e-3); // the step moved the weights
        expect(maxDiff(theirs.model.params, ours.model.params)).toBeLessThan(1e-4);
      });
    }
    it(`${name}: 50 Adam steps give recur's loss curve to 1e-3 and its validation losses`, async () => {
      const c = cases.find((x) => x.name === `${name} adam 50`)!;
      const ours = await recurRun(c), theirs = pyRun(c);
      expect(theirs.steps.length).toBe(50);
      expect(ours.steps.length).toBe(50);
      expect(ours.evals[1]).toBeLessThan(ours.evals[0] - 0.05); // it learned something
      for (let i = 0; i < 50; i++) expect(Math.abs(theirs.steps[i].loss - ours.steps[i].loss)).toBeLessThan(1e-3);
      expect(theirs.evals.length).toBe(2);
      for (let i = 0; i < 2; i++) expect(Math.abs(theirs.evals[i] - ours.evals[i])).toBeLessThan(1e-4);
    });
  }

  it('running text: the state carried across <eos> changes the run (against the same weights reset at every <eos>)', async () => {
    const c = cases.find((x) => x.name === 'gru, running text adam 50')!;
    const reset = LanguageModel.create(modelConfig({ level: 'char', ...MODELS.gru }), inits[c.model].vocab, new Rng(8));
    expect(Array.from(reset.params)).toEqual(Array.from(inits[c.model].params));
    const ours = await recurRun(c), theirs = pyRun(c), plain = await recurRun({ ...c, model: 'gru, reset' }, reset);
    expect(ours.model.config.running_text).toBe(true);
    expect(theirs.model.config.running_text).toBe(true);
    expect(ours.prepared!.valScored).toBeLessThan(ours.prepared!.valTokens);
    expect(Math.abs(plain.steps[0].loss - ours.steps[0].loss)).toBeGreaterThan(1e-4);
    expect(Math.abs(plain.evals[1] - ours.evals[1])).toBeGreaterThan(1e-3);
  });

  it('running text with its end held out: both trainers validate on the lines after the first LF at 90% of the text', async () => {
    const c = cases.find((x) => x.name === 'gru, running text, tail adam 50')!;
    const ours = await recurRun(c), theirs = pyRun(c);
    const end = text.slice(text.indexOf('\n', Math.floor(text.length * 0.9)) + 1);
    const tokens = end.length; // one character per token, and one <eos> for each line's LF
    expect(ours.prepared!.valTokens).toBe(tokens);
    expect(theirs.prepared.valTokens).toBe(tokens);
    expect(ours.prepared!.trainTokens).toBe(text.length - tokens);
  });

  it('--anneal cosine: the same rates step by step and the same loss curve over 50 Adam steps', async () => {
    const c = cases.find((x) => x.name === 'gru adam 50 cosine')!;
    const ours = await recurRun(c), theirs = pyRun(c);
    expect(theirs.steps.length).toBe(50);
    expect(ours.steps.length).toBe(50);
    expect(ours.steps[49].lr).toBeLessThan(ours.steps[0].lr * 0.01); // annealed
    for (let i = 0; i < 50; i++) {
      expect(Math.abs(theirs.steps[i].lr - ours.steps[i].lr)).toBeLessThan(1e-12);
      expect(Math.abs(theirs.steps[i].loss - ours.steps[i].loss)).toBeLessThan(1e-3);
    }
    for (let i = 0; i < 2; i++) expect(Math.abs(theirs.evals[i] - ours.evals[i])).toBeLessThan(1e-4);
  });

  for (const label of ['lines', 'none']) {
    it(`split ${label}: validation capped by valTokens scores the same pieces as recur train, to 1e-4`, async () => {
      const c = cases.find((x) => x.name === `val cap ${label}`)!;
      const ours = await recurRun(c), theirs = pyRun(c);
      expect(ours.prepared!.valScored).toBeLessThanOrEqual(120);
      expect(ours.prepared!.valScored).toBeLessThan(ours.prepared!.valTokens); // the cap cut something
      expect(theirs.prepared.valScored).toBe(ours.prepared!.valScored);
      expect(theirs.prepared.evalEvery).toBe(5);
      expect(theirs.evals.length).toBe(2);
      expect(ours.evals.length).toBe(2);
      for (let i = 0; i < 2; i++) expect(Math.abs(theirs.evals[i] - ours.evals[i])).toBeLessThan(1e-4);
    });
  }

  it('writes models that recur loads, samples from, and scores as the trainer validated them (recur eval, to 1e-4)', async () => {
    // split lines: recur eval's chunks are cut at <eos> as validation's are, so the two losses are one computation
    for (const name of Object.keys(MODELS)) {
      const c = cases.find((x) => x.name === `${name} adam 50`)!;
      const { model, done } = pyRun(c);
      expect(model.info.trainer).toMatchObject({ name: 'recur_torch', processes: 1 });
      expect(model.info.steps).toBe(50);
      expect((model.info.history as { train: unknown[] }).train.length).toBe(5);
      const run = await recur(['eval', c.out, valFile, '--json']);
      expect(run.code).toBe(0);
      const e = JSON.parse(run.stdout) as { loss: number; tokens: number };
      expect(e.tokens).toBe(model.info.val_tokens);
      expect(Math.abs(e.loss - (done.val_loss as number))).toBeLessThan(1e-4);
      const session = await InferenceSession.create(model);
      expect(typeof sampleOne(session, { maxLength: 20 }, new Rng(1)).text).toBe('string');
    }
  });

  it('--init continues from exactly the weights of the model given', () => {
    const c = cases.find((x) => x.name === 'init exactness')!;
    const { model } = pyRun(c);
    expect(model.info.init).toBe(true);
    expect(Array.from(model.params)).toEqual(Array.from(inits.gru.params));
  });

  it('a run stopped and resumed from its checkpoint ends as the run that never stopped (with every kind of dropout)', () => {
    const straight = pyRun(cases.find((x) => x.name === 'straight')!);
    // weight drop and embedding dropout act from the first window: the same run without either, or with the dropout locked, has another first loss
    for (const name of ['no weight drop', 'no embedding dropout', 'locked dropout']) expect(pyRun(cases.find((x) => x.name === name)!).steps[0].loss, name).not.toBe(straight.steps[0].loss);
    const r = pyByName('resumed');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const resumed = loadModel(readFileSync(join(dir, 'resumed.safetensors')));
    expect(resumed.info.resumed_at).toBe(15);
    const tail = events(r.stdout).filter((e) => e.type === 'step').map((e) => e.loss);
    expect(tail).toEqual(straight.steps.slice(15).map((e) => e.loss));
    expect(Array.from(resumed.params)).toEqual(Array.from(straight.model.params));
  });

  it('locked dropout draws one multiplier per stream and unit and keeps it at every step of the window, as recur does', async () => {
    const script = `
import json, torch
from recur_torch.model import RecurLM
cfg = {"embed": 4, "hidden": 8, "layers": 1, "cell": "gru", "softmax": "full", "tie": False}
out = []
for locked in (True, False):
    g = torch.Generator(); g.manual_seed(3)
    out.append(RecurLM(cfg, 5, dropout=0.4, locked=locked)._drop_steps(torch.ones(6, 16, 32), g).tolist())
print(json.dumps(out))`;
    const run = await runPython(py!, ['-c', script]);
    expect(run.stderr).toBe('');
    const [locked, free] = JSON.parse(run.stdout) as number[][][][];
    const values = locked[0].flat();
    for (let t = 1; t < 6; t++) expect(locked[t], `step ${t}`).toEqual(locked[0]);
    expect(free[1]).not.toEqual(free[0]);
    const zeros = values.filter((v) => v === 0).length / values.length;
    expect(zeros).toBeGreaterThan(0.3);
    expect(zeros).toBeLessThan(0.5);
    expect(values.every((v) => v === 0 || Math.abs(v - 1 / 0.6) < 1e-6)).toBe(true);
    expect(locked[0][0]).not.toEqual(locked[0][1]);
  });
});

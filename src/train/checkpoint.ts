/**
 * Checkpoint files: a TrainState (state.ts) and the options of the run, as a
 * safetensors file of its own format, so that it can never be mistaken for a
 * model (model files stay pure PyTorch state dicts). Browser-safe: bytes in,
 * bytes out; the CLI writes them atomically.
 *
 *   __metadata__:
 *     "format": "recur-ckpt/1"
 *     "config": the model config (JSON), as in a model file
 *     "vocab":  the vocabulary (JSON array of strings, index = id), as in a model file
 *     "run":    the options of the run (JSON object, written and read by the caller)
 *     "state":  the scalar part of the TrainState (JSON; non-finite numbers as the
 *               strings "NaN", "Infinity", "-Infinity"):
 *               { B, T, step, epoch, window, epochRng, rng, optimizer: { name, t },
 *                 best: { valLoss, step } | null, firstLoss, lastLoss, intervalLoss,
 *                 intervalSteps, history: { train: [...], val: [...] }, elapsedMs }
 *   tensors (F32):
 *     "params" [n]                           the parameters, in state_dict order
 *     "optimizer.m" [n], "optimizer.v" [n]   the moments (adam: both; adagrad, rmsprop: m; sgd: none)
 *     "best" [n]                             the parameters with the best validation loss (if any)
 *     "carry.h.<l>" [B, H], "carry.c.<l>"    the carried hidden state per layer (c for LSTM only)
 *
 * Reading goes through the hardened safetensors reader and checks every value
 * and every shape against the config before the state is built; a bad file is
 * a one-line 'format' error.
 */
import { formatError } from '../core/errors.js';
import type { RngState } from '../core/rng.js';
import { EOS_TOKEN, UNK_TOKEN } from '../data/vocab.js';
import { parseConfig } from '../model/model-file.js';
import { describeValue, quote, readSafetensors, writeSafetensors, type SafetensorsFile } from '../io/safetensors.js';
import { paramLayout } from '../nn/params.js';
import { OPTIMIZERS, type OptimizerName } from './optimizer.js';
import type { HistoryPoint } from '../model/history.js';
import type { TrainState } from './state.js';
import type { ScheduleState } from './schedule.js';

export const CHECKPOINT_FORMAT = 'recur-ckpt/1';

export interface Checkpoint {
  state: TrainState;
  /** the options of the run, as the caller stored them */
  run: Record<string, unknown>;
}

/** Non-finite numbers survive JSON as strings. */
function encodeNumber(x: number): number | string {
  return Number.isFinite(x) ? x : String(x);
}

export function saveCheckpoint(c: Checkpoint): Uint8Array {
  const s = c.state;
  const tensors: { name: string; shape: number[]; data: Float32Array }[] = [{ name: 'params', shape: [s.params.length], data: s.params }];
  const momentNames = ['optimizer.m', 'optimizer.v'];
  s.optimizer.moments.forEach((m, i) => tensors.push({ name: momentNames[i], shape: [m.length], data: m }));
  if (s.best) tensors.push({ name: 'best', shape: [s.best.params.length], data: s.best.params });
  const H = s.config.hidden;
  s.carry.forEach((l, i) => {
    tensors.push({ name: `carry.h.${i}`, shape: [s.B, H], data: l.h });
    if (l.c) tensors.push({ name: `carry.c.${i}`, shape: [s.B, H], data: l.c });
  });
  const point = (p: HistoryPoint) => ({ step: p.step, epoch: p.epoch, elapsedMs: p.elapsedMs, loss: encodeNumber(p.loss) });
  const scalars = {
    B: s.B,
    T: s.T,
    windowsPerEpoch: s.windowsPerEpoch,
    step: s.step,
    epoch: s.epoch,
    window: s.window,
    epochRng: s.epochRng,
    rng: s.rng,
    ...(s.sliceRngs && s.sliceRngs.length > 0 ? { sliceRngs: s.sliceRngs } : {}),
    ...(s.schedule ? { schedule: { ...s.schedule, best: s.schedule.best === null ? null : encodeNumber(s.schedule.best) } } : {}),
    optimizer: { name: s.optimizer.name, t: s.optimizer.t },
    best: s.best ? { valLoss: encodeNumber(s.best.valLoss), step: s.best.step } : null,
    firstLoss: encodeNumber(s.firstLoss),
    lastLoss: encodeNumber(s.lastLoss),
    intervalLoss: encodeNumber(s.intervalLoss),
    intervalSteps: s.intervalSteps,
    history: { train: s.history.train.map(point), val: s.history.val.map(point) },
    elapsedMs: s.elapsedMs,
  };
  return writeSafetensors(tensors, {
    format: CHECKPOINT_FORMAT,
    config: JSON.stringify(s.config),
    vocab: JSON.stringify(s.vocab),
    run: JSON.stringify(c.run),
    state: JSON.stringify(scalars),
  });
}

/** True when the bytes are a safetensors file whose metadata says it is a checkpoint. */
export function isCheckpoint(file: SafetensorsFile): boolean {
  return file.metadata.format === CHECKPOINT_FORMAT;
}

type Obj = Record<string, unknown>;

/** Parse and check a checkpoint. `what` names it in messages (usually the path). */
export function loadCheckpoint(bytes: Uint8Array, what = 'checkpoint'): Checkpoint {
  return checkpointFromFile(readSafetensors(bytes, what), what);
}

export function checkpointFromFile(file: SafetensorsFile, what: string): Checkpoint {
  const meta = file.metadata;
  const fail = (msg: string): never => {
    throw formatError(`${what}: ${msg}; the checkpoint is damaged`);
  };
  if (meta.format === undefined) throw formatError(`${what} is not a recur checkpoint (no "format": "${CHECKPOINT_FORMAT}" in its metadata)`);
  if (meta.format !== CHECKPOINT_FORMAT) {
    if (meta.format.startsWith('recur-lm/')) throw formatError(`${what} is a model file, not a checkpoint; use --init to train on from a model`);
    throw formatError(`${what} has format ${quote(meta.format)}, which this recur does not read as a checkpoint (it reads ${CHECKPOINT_FORMAT}); upgrade recur`);
  }
  const json = (key: string): unknown => {
    const text = meta[key];
    if (text === undefined) return fail(`metadata lacks "${key}"`);
    try {
      return JSON.parse(text);
    } catch {
      return fail(`metadata "${key}" is not valid JSON`);
    }
  };
  const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

  const config = parseConfig(json('config'), what);
  const vocab = json('vocab');
  if (!Array.isArray(vocab) || !vocab.every((t) => typeof t === 'string')) return fail('vocab must be a JSON array of strings');
  if (vocab.length < 2 || vocab[0] !== EOS_TOKEN || vocab[1] !== UNK_TOKEN) return fail(`vocab must start with "${EOS_TOKEN}", "${UNK_TOKEN}"`);
  const run = json('run');
  if (!isObj(run)) return fail('metadata "run" must be a JSON object');
  const st = json('state');
  if (!isObj(st)) return fail('metadata "state" must be a JSON object');

  const int = (o: Obj, key: string, min = 0, max = Number.MAX_SAFE_INTEGER): number => {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) return fail(`state.${key} is ${describeValue(v)}; it must be an integer from ${min} to ${max}`);
    return v;
  };
  const real = (o: Obj, key: string, finite = false): number => {
    const v = o[key];
    const x = typeof v === 'number' ? v : v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : undefined;
    if (x === undefined || (finite && !Number.isFinite(x))) return fail(`state.${key} is ${describeValue(v)}; it must be a ${finite ? 'finite ' : ''}number`);
    return x;
  };
  const rngState = (key: string, r: unknown = st[key]): RngState => {
    if (!isObj(r) || !isObj(r.prng)) return fail(`state.${key} is not a random generator state`);
    const p = r.prng;
    for (const k of ['c', 's0', 's1', 's2']) real(p, k, true);
    const spare = r.spare === null ? null : real(r, 'spare', true);
    return { prng: { c: p.c as number, s0: p.s0 as number, s1: p.s1 as number, s2: p.s2 as number }, spare };
  };
  const points = (list: unknown, key: string): HistoryPoint[] => {
    if (!Array.isArray(list)) return fail(`state.history.${key} must be an array`);
    return list.map((p: unknown) => {
      if (!isObj(p)) return fail(`state.history.${key} holds ${describeValue(p)}`);
      return { step: int(p, 'step'), epoch: real(p, 'epoch', true), elapsedMs: real(p, 'elapsedMs', true), loss: real(p, 'loss') };
    });
  };

  const B = int(st, 'B', 1, 65536), T = int(st, 'T', 1, 65536);
  const windowsPerEpoch = int(st, 'windowsPerEpoch', 1);
  const step = int(st, 'step'), epoch = int(st, 'epoch'), window = int(st, 'window', 0, windowsPerEpoch);
  const opt = st.optimizer;
  if (!isObj(opt) || typeof opt.name !== 'string' || !OPTIMIZERS.includes(opt.name as OptimizerName)) {
    return fail(`state.optimizer must name one of ${OPTIMIZERS.join(', ')}`);
  }
  const optName = opt.name as OptimizerName;
  const t = int(opt, 't');
  let bestMeta: { valLoss: number; step: number } | null = null;
  if (st.best !== null) {
    if (!isObj(st.best)) return fail('state.best must be an object or null');
    bestMeta = { valLoss: real(st.best, 'valLoss', true), step: int(st.best, 'step') };
  }
  const hist = st.history;
  if (!isObj(hist)) return fail('state.history must be an object');
  const intervalSteps = int(st, 'intervalSteps');

  // tensors: exactly the expected names and shapes, all finite
  const n = paramLayout(config, vocab.length).size, H = config.hidden;
  const expected = new Map<string, number[]>([['params', [n]]]);
  const momentCount = optName === 'sgd' ? 0 : optName === 'adam' ? 2 : 1;
  const momentNames = ['optimizer.m', 'optimizer.v'].slice(0, momentCount);
  for (const m of momentNames) expected.set(m, [n]);
  if (bestMeta) expected.set('best', [n]);
  for (let l = 0; l < config.layers; l++) {
    expected.set(`carry.h.${l}`, [B, H]);
    if (config.cell === 'lstm') expected.set(`carry.c.${l}`, [B, H]);
  }
  for (const name of file.tensors.keys()) if (!expected.has(name)) fail(`unexpected tensor ${quote(name)}`);
  const tensor = (name: string): Float32Array => {
    const tt = file.tensors.get(name);
    const shape = expected.get(name)!;
    if (!tt) return fail(`tensor "${name}" is missing`);
    if (tt.shape.length !== shape.length || tt.shape.some((d, i) => d !== shape[i])) {
      return fail(`tensor "${name}" has shape [${tt.shape.join(', ')}], expected [${shape.join(', ')}]`);
    }
    for (let i = 0; i < tt.data.length; i++) if (!Number.isFinite(tt.data[i])) fail(`tensor "${name}" holds a non-finite value`);
    return tt.data;
  };

  const parseSliceRngs = (): RngState[] | undefined => {
    const list = st.sliceRngs;
    if (list === undefined) return undefined;
    if (!Array.isArray(list) || list.length > 256) return fail('state.sliceRngs must be a list of random generator states');
    return list.map((r: unknown) => rngState('sliceRngs', r));
  };
  const parseSchedule = (): ScheduleState | undefined => {
    const sc = st.schedule;
    if (sc === undefined) return undefined;
    if (!isObj(sc)) return fail('state.schedule must be an object');
    const lr = real(sc, 'lr', true);
    if (!(lr > 0)) return fail('state.schedule.lr must be > 0');
    return { lr, sinceBest: int(sc, 'sinceBest'), sinceChange: int(sc, 'sinceChange'), best: sc.best === null ? null : real(sc, 'best') };
  };

  const state: TrainState = {
    config,
    vocab: vocab as string[],
    B,
    T,
    windowsPerEpoch,
    step,
    epoch,
    window,
    epochRng: rngState('epochRng'),
    rng: rngState('rng'),
    sliceRngs: parseSliceRngs(),
    schedule: parseSchedule(),
    params: tensor('params'),
    optimizer: { name: optName, t, moments: momentNames.map(tensor) },
    carry: Array.from({ length: config.layers }, (_, l) => ({
      h: tensor(`carry.h.${l}`),
      c: config.cell === 'lstm' ? tensor(`carry.c.${l}`) : null,
    })),
    best: bestMeta ? { params: tensor('best'), ...bestMeta } : null,
    firstLoss: real(st, 'firstLoss'),
    lastLoss: real(st, 'lastLoss'),
    intervalLoss: real(st, 'intervalLoss'),
    intervalSteps,
    history: { train: points(hist.train, 'train'), val: points(hist.val, 'val') },
    elapsedMs: real(st, 'elapsedMs', true),
  };
  return { state, run };
}

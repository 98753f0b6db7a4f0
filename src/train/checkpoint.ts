/**
 * Checkpoint files: a TrainState (state.ts), the run's resolved options and
 * the caller's record of the run, as a safetensors file of its own format, so
 * that it can never be mistaken for a model (model files stay pure PyTorch
 * state dicts). Browser-safe: bytes in, bytes out; the CLI writes them atomically.
 *
 *   __metadata__:
 *     "format":  "recur-ckpt/2" (recur-ckpt/1, written before options had a schema, is read too)
 *     "config":  the model config (JSON), as in a model file
 *     "vocab":   the vocabulary (JSON array of strings, index = id), as in a model file
 *     "options": the run's resolved options (JSON, train/options.ts); /1 had them as command-line flags in "run"
 *     "run":     what the caller records about the run (JSON object; recur train: its corpus files and own options)
 *     "state":   the JSON part of every field of FIELDS below (non-finite numbers as the strings
 *                "NaN", "Infinity", "-Infinity")
 *   tensors (F32), from the same fields:
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
import { describeValue, quote, readSafetensors, safetensorsParts, writeSafetensors, type SafetensorsFile } from '../io/safetensors.js';
import type { HistoryPoint } from '../model/history.js';
import { parseConfig } from '../model/model-file.js';
import { paramLayout } from '../nn/params.js';
import { legacyOptions, parseOptions } from './legacy.js';
import { OPTIMIZERS, momentCount, type OptimizerName } from './optimizer.js';
import type { TrainOptions } from './options.js';
import { COUNTERS, type TrainState } from './state.js';
import { firstNonFinite } from '../core/finite.js';

export const CHECKPOINT_FORMAT = 'recur-ckpt/2';
const LEGACY_FORMAT = 'recur-ckpt/1';

export interface Checkpoint {
  state: TrainState;
  /** the run's resolved options */
  options: TrainOptions;
  /** what the caller records about the run (recur train: its corpus files with their digests, and its own options) */
  run: Record<string, unknown>;
}

type Json = Record<string, unknown>;
interface Tensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** What a field's reader may use: the checked JSON part, the tensors, and the sizes they must have. */
interface Reader {
  st: Json;
  /** parameters n, streams B, hidden H, layers, whether c is carried (LSTM) */
  n: number;
  B: number;
  H: number;
  layers: number;
  lstm: boolean;
  options: TrainOptions;
  int(o: Json, key: string, min?: number, max?: number): number;
  real(o: Json, key: string, finite?: boolean): number;
  rng(v: unknown, key: string): RngState;
  /** a tensor of exactly this shape, all finite (marked as read) */
  tensor(name: string, shape: number[]): Float32Array;
  fail(msg: string): never;
}

interface Codec<V> {
  write(v: V, s: TrainState): { json?: Json; tensors?: Tensor[] };
  read(r: Reader): V;
}

const enc = (x: number): number | string => (Number.isFinite(x) ? x : String(x));
const isObj = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);

const int = (key: string, min = 0, max = Number.MAX_SAFE_INTEGER): Codec<number> => ({
  write: (v) => ({ json: { [key]: v } }),
  read: (r) => r.int(r.st, key, min, max),
});

const counterCodecs = Object.fromEntries(
  Object.entries(COUNTERS).map(([key, c]): [string, Codec<number>] => [
    key,
    {
      write: (v) => ({ json: { [key]: c.kind === 'int' ? v : enc(v) } }),
      read: (r) => {
        if (r.st[key] === undefined && 'older' in c) return c.older({ step: r.int(r.st, 'step'), B: r.B, T: r.int(r.st, 'T', 1, 65536) });
        return c.kind === 'int' ? r.int(r.st, key) : r.real(r.st, key, c.kind === 'finite');
      },
    },
  ]),
) as { [K in keyof typeof COUNTERS]: Codec<number> };

/** How every field of a TrainState is written and read (the compiler checks that none is missing). */
const FIELDS: { [K in Exclude<keyof TrainState, 'config' | 'vocab'>]: Codec<TrainState[K]> } = {
  ...counterCodecs,
  B: int('B', 1, 65536),
  T: int('T', 1, 65536),
  windowsPerEpoch: int('windowsPerEpoch', 1),
  epoch: int('epoch'),
  window: { write: (v) => ({ json: { window: v } }), read: (r) => r.int(r.st, 'window', 0, r.int(r.st, 'windowsPerEpoch', 1)) },
  epochRng: { write: (v) => ({ json: { epochRng: v } }), read: (r) => r.rng(r.st.epochRng, 'epochRng') },
  rng: { write: (v) => ({ json: { rng: v } }), read: (r) => r.rng(r.st.rng, 'rng') },
  slices: {
    write: (v, s) => ({
      json: v.rngs.length > 0 ? { sliceRngs: v.rngs } : {},
      tensors: v.carry.flatMap((l, i) => [
        { name: `carry.h.${i}`, shape: [s.B, s.config.hidden], data: l.h },
        ...(l.c ? [{ name: `carry.c.${i}`, shape: [s.B, s.config.hidden], data: l.c }] : []),
      ]),
    }),
    read: (r) => {
      const list = r.st.sliceRngs ?? [];
      if (!Array.isArray(list) || list.length > 256) r.fail('state.sliceRngs must be a list of random generator states');
      return {
        rngs: (list as unknown[]).map((x) => r.rng(x, 'sliceRngs')),
        carry: Array.from({ length: r.layers }, (_, l) => ({
          h: r.tensor(`carry.h.${l}`, [r.B, r.H]),
          c: r.lstm ? r.tensor(`carry.c.${l}`, [r.B, r.H]) : null,
        })),
      };
    },
  },
  schedule: {
    write: (v) => ({ json: { schedule: { ...v, best: v.best === null ? null : enc(v.best) } } }),
    read: (r) => {
      const sc = r.st.schedule;
      // recur-ckpt/1 files from before the schedule existed: the rate the run was started with
      if (sc === undefined) return { lr: r.options.optimizer.lr, sinceBest: 0, sinceChange: 0, best: null };
      if (!isObj(sc)) return r.fail('state.schedule must be an object');
      const lr = r.real(sc, 'lr', true);
      if (!(lr > 0)) r.fail('state.schedule.lr must be > 0');
      return { lr, sinceBest: r.int(sc, 'sinceBest'), sinceChange: r.int(sc, 'sinceChange'), best: sc.best === null ? null : r.real(sc, 'best') };
    },
  },
  params: { write: (v) => ({ tensors: [{ name: 'params', shape: [v.length], data: v }] }), read: (r) => r.tensor('params', [r.n]) },
  optimizer: {
    write: (v) => ({
      json: { optimizer: { name: v.name, t: v.t } },
      tensors: v.moments.map((m, i) => ({ name: MOMENTS[i], shape: [m.length], data: m })),
    }),
    read: (r) => {
      const o = r.st.optimizer;
      if (!isObj(o) || typeof o.name !== 'string' || !OPTIMIZERS.includes(o.name as OptimizerName)) r.fail(`state.optimizer must name one of ${OPTIMIZERS.join(', ')}`);
      const name = (o as Json).name as OptimizerName;
      return { name, t: r.int(o as Json, 't'), moments: MOMENTS.slice(0, momentCount(name)).map((m) => r.tensor(m, [r.n])) };
    },
  },
  best: {
    write: (v) => (v ? { json: { best: { valLoss: enc(v.valLoss), step: v.step } }, tensors: [{ name: 'best', shape: [v.params.length], data: v.params }] } : { json: { best: null } }),
    read: (r) => {
      const b = r.st.best;
      if (b === null) return null;
      if (!isObj(b)) return r.fail('state.best must be an object or null');
      return { valLoss: r.real(b, 'valLoss', true), step: r.int(b, 'step'), params: r.tensor('best', [r.n]) };
    },
  },
  history: {
    write: (v) => {
      const point = (p: HistoryPoint) => ({ step: p.step, epoch: p.epoch, elapsedMs: p.elapsedMs, loss: enc(p.loss) });
      return { json: { history: { train: v.train.map(point), val: v.val.map(point) } } };
    },
    read: (r) => {
      const h = r.st.history;
      if (!isObj(h)) return r.fail('state.history must be an object');
      const points = (list: unknown, key: string): HistoryPoint[] => {
        if (!Array.isArray(list)) return r.fail(`state.history.${key} must be an array`);
        return list.map((p: unknown) => {
          if (!isObj(p)) return r.fail(`state.history.${key} holds ${describeValue(p)}`);
          return { step: r.int(p, 'step'), epoch: r.real(p, 'epoch', true), elapsedMs: r.real(p, 'elapsedMs', true), loss: r.real(p, 'loss') };
        });
      };
      return { train: points(h.train, 'train'), val: points(h.val, 'val') };
    },
  },
};

const MOMENTS = ['optimizer.m', 'optimizer.v'];

export function saveCheckpoint(c: Checkpoint): Uint8Array {
  return writeSafetensors(...checkpointContent(c));
}

/** A checkpoint as pieces to write one after another (views of the state's arrays, not copies). */
export function checkpointParts(c: Checkpoint): Uint8Array[] {
  return safetensorsParts(...checkpointContent(c));
}

function checkpointContent(c: Checkpoint): [Tensor[], Record<string, string>] {
  const s = c.state;
  const json: Json = {};
  const tensors: Tensor[] = [];
  for (const [key, codec] of Object.entries(FIELDS) as [keyof typeof FIELDS, Codec<unknown>][]) {
    const out = codec.write(s[key], s);
    Object.assign(json, out.json);
    tensors.push(...(out.tensors ?? []));
  }
  return [tensors, {
    format: CHECKPOINT_FORMAT,
    config: JSON.stringify(s.config),
    vocab: JSON.stringify(s.vocab),
    options: JSON.stringify(c.options),
    run: JSON.stringify(c.run),
    state: JSON.stringify(json),
  }];
}

/** True when the bytes are a safetensors file whose metadata says it is a checkpoint. */
export function isCheckpoint(file: SafetensorsFile): boolean {
  return file.metadata.format === CHECKPOINT_FORMAT || file.metadata.format === LEGACY_FORMAT;
}

/** Parse and check a checkpoint. `what` names it in messages (usually the path). */
export function loadCheckpoint(bytes: Uint8Array, what = 'checkpoint'): Checkpoint {
  return checkpointFromFile(readSafetensors(bytes, what), what);
}

export function checkpointFromFile(file: SafetensorsFile, what: string): Checkpoint {
  const meta = file.metadata;
  const fail = (msg: string): never => {
    throw formatError(`${what}: ${msg}; the checkpoint is damaged`);
  };
  checkFormat(meta.format, what);
  const json = (key: string): unknown => {
    const text = meta[key];
    if (text === undefined) return fail(`metadata lacks "${key}"`);
    try {
      return JSON.parse(text);
    } catch {
      return fail(`metadata "${key}" is not valid JSON`);
    }
  };
  const config = parseConfig(json('config'), what);
  const vocab = json('vocab');
  if (!Array.isArray(vocab) || !vocab.every((t) => typeof t === 'string')) return fail('vocab must be a JSON array of strings');
  if (vocab.length < 2 || vocab[0] !== EOS_TOKEN || vocab[1] !== UNK_TOKEN) return fail(`vocab must start with "${EOS_TOKEN}", "${UNK_TOKEN}"`);
  const run = json('run');
  if (!isObj(run)) return fail('metadata "run" must be a JSON object');
  const options = meta.format === LEGACY_FORMAT ? legacyOptions(run, what) : parseOptions(json('options'), what);
  const st = json('state');
  if (!isObj(st)) return fail('metadata "state" must be a JSON object');

  const r = reader(file, st, fail);
  Object.assign(r, { n: paramLayout(config, vocab.length).size, H: config.hidden, layers: config.layers, lstm: config.cell === 'lstm', options });
  r.B = r.int(st, 'B', 1, 65536);
  const state = { config, vocab: vocab as string[] } as Record<string, unknown>;
  for (const [key, codec] of Object.entries(FIELDS) as [string, Codec<unknown>][]) state[key] = codec.read(r);
  for (const name of file.tensors.keys()) if (!r.used.has(name)) fail(`unexpected tensor ${quote(name)}`);
  return { state: state as unknown as TrainState, options, run };
}

/**
 * What a checkpoint's metadata says about its run without reading its tensors:
 * the run record (recur train's "run" metadata) and the step. Enough to decide
 * whether a file may be replaced; a damaged file fails with the same kind of
 * message as loadCheckpoint.
 */
export function checkpointSummary(meta: Record<string, string>, what: string): { run: Record<string, unknown>; step: number } {
  checkFormat(meta.format, what);
  const parse = (key: string): unknown => {
    try {
      return JSON.parse(meta[key] ?? 'null');
    } catch {
      return null;
    }
  };
  const run = parse('run'), st = parse('state');
  if (!isObj(run) || !isObj(st) || !Number.isSafeInteger(st.step)) throw formatError(`${what}: metadata "run" and "state" must be JSON objects with the run's step; the checkpoint is damaged`);
  return { run, step: st.step as number };
}

function checkFormat(format: string | undefined, what: string): void {
  if (format === undefined) throw formatError(`${what} is not a recur checkpoint (no "format": "${CHECKPOINT_FORMAT}" in its metadata)`);
  if (format === CHECKPOINT_FORMAT || format === LEGACY_FORMAT) return;
  if (format.startsWith('recur-lm/')) throw formatError(`${what} is a model file, not a checkpoint; use --init to train on from a model`);
  throw formatError(`${what} has format ${quote(format)}, which this recur does not read as a checkpoint (it reads ${CHECKPOINT_FORMAT}); upgrade recur`);
}

function reader(file: SafetensorsFile, st: Json, fail: (msg: string) => never): Reader & { used: Set<string> } {
  const used = new Set<string>();
  const r = {
    st, used, fail, n: 0, B: 0, H: 0, layers: 0, lstm: false, options: undefined as unknown as TrainOptions,
    int(o: Json, key: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
      const v = o[key];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) return fail(`state.${key} is ${describeValue(v)}; it must be an integer from ${min} to ${max}`);
      return v;
    },
    real(o: Json, key: string, finite = false): number {
      const v = o[key];
      const x = typeof v === 'number' ? v : v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : undefined;
      if (x === undefined || (finite && !Number.isFinite(x))) return fail(`state.${key} is ${describeValue(v)}; it must be a ${finite ? 'finite ' : ''}number`);
      return x;
    },
    rng(v: unknown, key: string): RngState {
      if (!isObj(v) || !isObj(v.prng)) return fail(`state.${key} is not a random generator state`);
      const p = v.prng;
      for (const k of ['c', 's0', 's1', 's2']) r.real(p, k, true);
      const spare = v.spare === null ? null : r.real(v, 'spare', true);
      return { prng: { c: p.c as number, s0: p.s0 as number, s1: p.s1 as number, s2: p.s2 as number }, spare };
    },
    tensor(name: string, shape: number[]): Float32Array {
      const t = file.tensors.get(name);
      if (!t) return fail(`tensor "${name}" is missing`);
      if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
        return fail(`tensor "${name}" has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
      }
      if (firstNonFinite(t.data) >= 0) fail(`tensor "${name}" holds a non-finite value`);
      used.add(name);
      return t.data;
    },
  };
  return r;
}

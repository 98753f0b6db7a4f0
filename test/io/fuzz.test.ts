/**
 * Loader fuzzing. Small valid model files (every cell, char and word level,
 * 1 and 2 layers) are damaged many thousands of times with a seeded generator:
 * bit flips, byte overwrites, truncations, extensions, header-length edits, and
 * structural edits of the header JSON (dtypes, shapes, offsets, tensors deleted,
 * duplicated or renamed, metadata dropped, wrong vocabularies, absurd configs,
 * consistent lies such as hidden = 60000 with every shape rewritten to match,
 * non-finite data). Every load must either give a usable model or throw a
 * RecurError of kind 'format', quickly, without allocating more than a small
 * multiple of the file's size.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { RecurError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { loadModel } from '../../src/model/model-file.js';
import { paramLayout } from '../../src/nn/params.js';
import type { CellType } from '../../src/nn/config.js';
import type { Level } from '../../src/data/text.js';
import { forwardLogProbs, joinFile, saveModel, splitFile, tinyModel } from '../helpers/model-files.js';

const CASES_PER_BASE = 5_000; // × 12 bases = 60,000 cases
const TIME_BUDGET_MS = 30_000;

interface Base {
  name: string;
  bytes: Uint8Array;
  header: Record<string, any>;
  data: Uint8Array;
  V: number;
}

const bases: Base[] = [];
for (const cell of ['rnn', 'gru', 'lstm'] as CellType[]) {
  for (const level of ['char', 'word'] as Level[]) {
    for (const layers of [1, 2]) {
      const m = tinyModel(cell, level, layers, bases.length + 1);
      const bytes = saveModel(m);
      const { header, data } = splitFile(bytes);
      bases.push({ name: `${cell}/${level}/${layers}`, bytes, header, data, V: m.vocab.size });
    }
  }
}

// ---------------------------------------------------------------------------
// the generator

const deep = (d: number): unknown => JSON.parse('['.repeat(d) + ']'.repeat(d));
const JUNK: unknown[] = [
  null, true, false, 0, -1, 1.5, 1e9, 2 ** 53, 2 ** 60, -0.0, 'x', '', '4', 'F32', 'lstm', [], [1], {}, { a: 1 },
  { toString: 1 }, { valueOf: 1, toString: 1 }, { __proto__: 1 }, ['<eos>', '<unk>'],
];
const DTYPES: unknown[] = ['F16', 'F64', 'BF16', 'I32', 'I64', 'U8', 'BOOL', 'f32', 'F32 ', '', null, 32, {}, [], { toString: 1 }];
const pick = <T>(rng: Rng, a: readonly T[]): T => a[rng.int(a.length)];
const tensorNames = (h: Record<string, any>): string[] => Object.keys(h).filter((k) => k !== '__metadata__');

function u64(bytes: Uint8Array, v: bigint): void {
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setBigUint64(0, BigInt.asUintN(64, v), true);
}

/** Structural edits of the header (and possibly the data); return a label. */
function jsonMutation(rng: Rng, h: Record<string, any>, d: { data: Uint8Array }, base: Base): string {
  const names = tensorNames(h);
  const t = pick(rng, names);
  const meta = h.__metadata__ as Record<string, any>;
  const config = JSON.parse(base.header.__metadata__.config);
  switch (rng.int(14)) {
    case 0:
      h[t].dtype = pick(rng, DTYPES);
      return 'dtype';
    case 1: {
      const shape = h[t].shape as unknown[];
      switch (rng.int(6)) {
        case 0: shape[rng.int(shape.length)] = pick(rng, [0, -1, 1e9, 2 ** 53, 2 ** 60, 1.5, '3', null, 60000, { toString: 1 }]); break;
        case 1: shape[rng.int(shape.length)] = (shape[0] as number) + pick(rng, [1, -1]); break;
        case 2: shape.push(1); break;
        case 3: shape.pop(); break;
        case 4: shape.reverse(); break;
        default: h[t].shape = pick(rng, [null, 5, 'x', {}, Array(9).fill(1), [[2]]]);
      }
      return 'shape';
    }
    case 2: {
      const off = h[t].data_offsets as number[];
      const other = h[pick(rng, names)].data_offsets as number[];
      const len = off[1] - off[0], dataLen = d.data.length;
      switch (rng.int(8)) {
        case 0: h[t].data_offsets = [other[0], other[0] + len]; break; // overlap or same
        case 1: h[t].data_offsets = [off[0] - 4, off[1] - 4]; break;
        case 2: h[t].data_offsets = [off[0] + dataLen, off[1] + dataLen]; break;
        case 3: h[t].data_offsets = [off[0], off[1] + 4]; break;
        case 4: h[t].data_offsets = [off[1], off[0]]; break;
        case 5: h[t].data_offsets = [off[0] + 0.5, off[1]]; break;
        case 6: h[t].data_offsets = [2 ** 53, 2 ** 53 + len]; break;
        default: h[t].data_offsets = pick(rng, [null, [0], [0, 4, 8], ['0', '4'], {}, 'x', [-4, 0]]);
      }
      return 'offsets';
    }
    case 3:
      delete h[t];
      return 'delete tensor';
    case 4: {
      const newName = pick(rng, [`rnn.weight_ih_l${config.layers}`, 'decoder.weight2', 'rnn.weight_ih_l0 ', '__proto__', 'embedding', t.toUpperCase()]);
      h[newName] = structuredClone(h[t]);
      if (rng.next() < 0.5) delete h[t]; // rename rather than duplicate
      return 'duplicate/rename tensor';
    }
    case 5: {
      const u = pick(rng, names);
      [h[t], h[u]] = [h[u], h[t]];
      return 'swap tensors';
    }
    case 6:
      switch (rng.int(4)) {
        case 0: delete meta[pick(rng, ['format', 'config', 'vocab', 'training'])]; break;
        case 1: meta.format = pick(rng, ['recur-lm/2', 'recur-lm/0', '', 'RECUR-LM/1', 'recur-lm/1 ']); break;
        case 2: meta[pick(rng, ['format', 'config', 'vocab', 'training'])] = pick(rng, JUNK); break;
        default: h.__metadata__ = pick(rng, [null, [], 'x', 1, { toString: 1 }]);
      }
      return 'metadata';
    case 7: {
      let vocab: unknown = JSON.parse(meta.vocab);
      const v = vocab as unknown[];
      switch (rng.int(8)) {
        case 0: v.pop(); break;
        case 1: v.push('extra'); break;
        case 2: vocab = Array.from({ length: 5000 }, (_, i) => (i === 0 ? '<eos>' : i === 1 ? '<unk>' : `w${i}`)); break;
        case 3: [v[0], v[1]] = [v[1], v[0]]; break;
        case 4: v[rng.int(v.length)] = pick(rng, JUNK); break;
        case 5: vocab = pick(rng, JUNK); break;
        case 6: v[2] = v[3]; break; // duplicate token: harmless
        default: meta.vocab = pick(rng, ['[', '', 'null', '["<eos>"', '{"0":"<eos>"}']); return 'vocab';
      }
      meta.vocab = JSON.stringify(vocab);
      return 'vocab';
    }
    case 8: {
      const c = JSON.parse(meta.config);
      const key = pick(rng, ['level', 'cell', 'embed', 'hidden', 'layers', 'split', 'tokenize', 'lowercase']);
      switch (rng.int(4)) {
        case 0: c[key] = pick(rng, [...JUNK, 60000, 65536, 65537, 1e9, 1e300, 'word', 'char', 'rnn', 'gru', 'paragraphs', 'whitespace', deep(3000)]); break;
        case 1: delete c[key]; break;
        case 2: c[key] = typeof c[key] === 'number' ? c[key] + pick(rng, [1, -1]) : c[key]; break;
        default: meta.config = pick(rng, ['[]', 'null', '{', '1', '"x"', '{"level":"char"}']); return 'config';
      }
      meta.config = JSON.stringify(c);
      return 'config';
    }
    case 9: {
      // a consistent lie: a bigger or different network, every shape (and maybe every offset) rewritten to match
      const c = JSON.parse(meta.config);
      switch (rng.int(4)) {
        case 0: c.hidden = pick(rng, [60000, 65536, 4096, c.hidden + 1]); break;
        case 1: c.embed = pick(rng, [60000, 65536, c.embed + 1]); break;
        case 2: c.layers = pick(rng, [c.layers + 1, 64]); break;
        default: c.cell = pick(rng, ['rnn', 'gru', 'lstm'].filter((x) => x !== c.cell));
      }
      meta.config = JSON.stringify(c);
      const layout = paramLayout(c, base.V);
      for (const k of tensorNames(h)) delete h[k];
      let offset = 0;
      const fixOffsets = rng.next() < 0.5;
      for (const [i, v] of layout.views.entries()) {
        const old = base.header[v.name];
        const begin = fixOffsets ? offset : old ? old.data_offsets[0] : 4 * i;
        const end = fixOffsets ? offset + v.size * 4 : old ? old.data_offsets[1] : 4 * i + 4;
        h[v.name] = { dtype: 'F32', shape: v.shape, data_offsets: [begin, end] };
        offset += v.size * 4;
      }
      return 'consistent lie';
    }
    case 10: {
      // non-finite (or merely odd) values in the data
      const f = new DataView(d.data.buffer, d.data.byteOffset, d.data.byteLength);
      const at = 4 * rng.int(d.data.length / 4);
      f.setUint32(at, pick(rng, [0x7fc00000, 0x7f800000, 0xff800000, 0x7f800001, 0xffffffff, 0x00000001, 0x80000000]), true);
      return 'non-finite data';
    }
    case 11:
      // a benign change that must still load: the level does not change any shape
      meta.config = JSON.stringify({ ...config, level: config.level === 'char' ? 'word' : 'char', extra: { x: [1, 2] } });
      return 'benign config';
    case 12:
      h[pick(rng, ['__proto__', 'constructor', 'toString', t])] = pick(rng, JUNK);
      return 'odd entry';
    default:
      d.data = rng.next() < 0.5 ? d.data.slice(0, rng.int(d.data.length)) : new Uint8Array([...d.data, ...new Uint8Array(4 * rng.int(8))]);
      return 'data resized';
  }
}

/** Byte-level damage of a whole file. */
function byteMutation(rng: Rng, src: Uint8Array, headerEnd: number): { bytes: Uint8Array; label: string } {
  let b = src.slice();
  const anywhere = (): number => rng.int(b.length);
  const inHeader = (): number => 8 + rng.int(Math.max(1, Math.min(headerEnd, b.length) - 8));
  switch (rng.int(8)) {
    case 0: {
      const k = 1 + rng.int(8);
      for (let i = 0; i < k && b.length; i++) {
        const at = rng.next() < 0.5 ? anywhere() : inHeader();
        if (at < b.length) b[at] ^= 1 << rng.int(8);
      }
      return { bytes: b, label: 'bit flips' };
    }
    case 1: {
      const at = rng.next() < 0.5 ? anywhere() : inHeader(), k = 1 + rng.int(16);
      for (let i = at; i < Math.min(b.length, at + k); i++) b[i] = rng.int(256);
      return { bytes: b, label: 'byte overwrite' };
    }
    case 2:
      return { bytes: b.slice(0, rng.int(b.length)), label: 'truncation' };
    case 3: {
      const extra = new Uint8Array(rng.next() < 0.8 ? 1 + rng.int(64) : 1 + rng.int(4096));
      for (let i = 0; i < extra.length; i++) extra[i] = rng.next() < 0.5 ? 0 : rng.int(256);
      const out = new Uint8Array(b.length + extra.length);
      out.set(b);
      out.set(extra, b.length);
      return { bytes: out, label: 'extension' };
    }
    case 4: {
      const n = BigInt(headerEnd - 8), len = BigInt(b.length);
      u64(b, pick(rng, [0n, 1n, 2n, n - 1n, n + 1n, n - 8n, n + 8n, len - 8n, len - 7n, len, 2n ** 32n, 2n ** 53n + 1n, 2n ** 63n,
        2n ** 64n - 1n, 64n * 1024n * 1024n + 1n, BigInt(rng.int(2 ** 31)) * BigInt(rng.int(2 ** 31))]));
      return { bytes: b, label: 'header length' };
    }
    case 5: {
      // insert or delete a few bytes in the middle: everything after shifts
      const at = anywhere(), k = 1 + rng.int(8);
      if (rng.next() < 0.5) b = new Uint8Array([...b.subarray(0, at), ...new Uint8Array(k).fill(0x20), ...b.subarray(at)]);
      else b = new Uint8Array([...b.subarray(0, at), ...b.subarray(at + k)]);
      return { bytes: b, label: 'shift' };
    }
    case 6: {
      const dataBytes = b.length - headerEnd;
      if (dataBytes >= 4) new DataView(b.buffer).setUint32(headerEnd + 4 * rng.int(dataBytes / 4), 0x7fc00000, true);
      return { bytes: b, label: 'NaN bytes' };
    }
    default: {
      // damage the header text itself: a stray character, a trailing comma, invalid UTF-8
      const at = inHeader();
      b[at] = pick(rng, [0x2c, 0x7d, 0x22, 0x5c, 0x00, 0xff, 0xc3, 0x80]);
      return { bytes: b, label: 'header text' };
    }
  }
}

function makeCase(rng: Rng, base: Base): { bytes: Uint8Array; label: string } {
  const r = rng.next();
  const headerEnd = base.bytes.length - base.data.length;
  if (r < 0.4) return byteMutation(rng, base.bytes, headerEnd);
  const h = structuredClone(base.header);
  const d = { data: base.data.slice() };
  const labels = [jsonMutation(rng, h, d, base)];
  if (rng.next() < 0.25) {
    // a second edit may find the first one made its target unusable (metadata gone, …): then it is skipped
    try {
      labels.push(jsonMutation(rng, h, d, base));
    } catch {
      labels.push('(second edit skipped)');
    }
  }
  const bytes = joinFile(h, d.data);
  if (r < 0.9) return { bytes, label: labels.join(' + ') };
  const m = byteMutation(rng, bytes, bytes.length - d.data.length);
  return { bytes: m.bytes, label: `${labels.join(' + ')} + ${m.label}` };
}

// ---------------------------------------------------------------------------
// allocation tracking: the largest single typed array / ArrayBuffer allocation
// made while a case is being loaded

let largestAlloc = 0;
const originals = { Float32Array, Uint8Array, ArrayBuffer, Int32Array, Float64Array };
function track<T extends object>(ctor: T, bytesPer: number): T {
  return new Proxy(ctor, {
    construct(target, args, newTarget) {
      const a0 = args[0];
      const n = typeof a0 === 'number' ? a0 : a0 && typeof a0 === 'object' && !(a0 instanceof originals.ArrayBuffer) && typeof (a0 as { length?: unknown }).length === 'number' ? (a0 as { length: number }).length : 0;
      largestAlloc = Math.max(largestAlloc, n * bytesPer);
      return Reflect.construct(target as never, args, newTarget);
    },
  });
}
function installTracking(): void {
  const g = globalThis as Record<string, unknown>;
  g.Float32Array = track(originals.Float32Array, 4);
  g.Uint8Array = track(originals.Uint8Array, 1);
  g.ArrayBuffer = track(originals.ArrayBuffer, 1);
  g.Int32Array = track(originals.Int32Array, 4);
  g.Float64Array = track(originals.Float64Array, 8);
}
function removeTracking(): void {
  Object.assign(globalThis, originals);
}
afterAll(removeTracking);

// ---------------------------------------------------------------------------

const totals = { cases: 0, loaded: 0, rejected: 0, forward: 0, maxCaseMs: 0, maxAllocRatio: 0, rssGrowthMB: 0 };
const failures: string[] = [];
const rss0 = process.memoryUsage().rss;
let elapsed = 0;

function check(bytes: Uint8Array, label: string): void {
  largestAlloc = 0;
  const t0 = performance.now();
  let outcome: 'loaded' | 'rejected';
  try {
    installTracking();
    let model;
    try {
      model = loadModel(bytes, 'fuzz.safetensors');
    } finally {
      removeTracking();
    }
    outcome = 'loaded';
    if (model.params.length !== model.layout.size) failures.push(`${label}: params ${model.params.length} ≠ layout ${model.layout.size}`);
    for (const v of model.layout.views) if (v.size !== v.shape.reduce((a, b) => a * b, 1)) failures.push(`${label}: view ${v.name} size/shape disagree`);
    if (!model.params.every(Number.isFinite)) failures.push(`${label}: loaded a non-finite parameter`);
    if (model.vocab.size !== model.layout.views[0].shape[0]) failures.push(`${label}: vocab/embedding disagree`);
    if (totals.forward < 2000) {
      totals.forward++;
      const lp = forwardLogProbs(model);
      // finite but absurd weights (a flipped exponent bit gives ~1e38) may overflow the
      // forward pass; that is the network's business, not the loader's: only demand
      // sane output from sane weights
      const sane = model.params.every((x) => Math.abs(x) <= 1e4);
      if (sane && !lp.every((x) => Number.isFinite(x) && x <= 1e-5)) failures.push(`${label}: forward pass gave ${lp.join(', ')}`);
    }
  } catch (e) {
    outcome = 'rejected';
    if (!(e instanceof RecurError) || e.kind !== 'format') {
      failures.push(`${label}: threw ${(e as Error)?.constructor?.name}: ${String((e as Error)?.message).slice(0, 200)}`);
    } else if (e.message.includes('\n') || e.message.length > 400) {
      failures.push(`${label}: message is not one short line: ${e.message.slice(0, 200)}`);
    }
  }
  const ms = performance.now() - t0;
  elapsed += ms;
  totals.cases++;
  totals[outcome]++;
  totals.maxCaseMs = Math.max(totals.maxCaseMs, ms);
  const ratio = largestAlloc / Math.max(1, bytes.length);
  totals.maxAllocRatio = Math.max(totals.maxAllocRatio, ratio);
  // a load may copy the data (tensor arrays, then the parameter block) but never allocate beyond the file's size
  if (largestAlloc > 2 * bytes.length + 1024) failures.push(`${label}: allocated ${largestAlloc} bytes for a ${bytes.length}-byte file`);
  if (ms > 1000) failures.push(`${label}: took ${ms.toFixed(0)} ms`);
}

describe('loader fuzzing', () => {
  it('the base files load', () => {
    for (const b of bases) check(b.bytes, `${b.name} unmodified`);
    expect(failures).toEqual([]);
    expect(totals.loaded).toBe(bases.length);
  });

  for (const [i, base] of bases.entries()) {
    it(`damaged ${base.name} files load as usable models or fail with a format error`, () => {
      const rng = new Rng(`fuzz-${i}`);
      const t0 = Date.now();
      for (let k = 0; k < CASES_PER_BASE; k++) {
        const { bytes, label } = makeCase(rng, base);
        check(bytes, `${base.name} case ${k} (${label})`);
      }
      totals.rssGrowthMB = Math.max(totals.rssGrowthMB, (process.memoryUsage().rss - rss0) / 2 ** 20);
      expect(failures.slice(0, 20)).toEqual([]);
      expect(Date.now() - t0).toBeLessThan(TIME_BUDGET_MS);
      expect(totals.rssGrowthMB).toBeLessThan(500);
    });
  }

  it('a tiny file claiming hidden = 60000 fails before the parameters are allocated', () => {
    const base = bases[4]; // gru/char/1
    for (const fixOffsets of [false, true]) {
      const h = structuredClone(base.header);
      const c = { ...JSON.parse(h.__metadata__.config), hidden: 60000 };
      h.__metadata__.config = JSON.stringify(c);
      let offset = 0;
      for (const v of paramLayout(c, base.V).views) {
        const old = h[v.name].data_offsets;
        h[v.name] = { dtype: 'F32', shape: v.shape, data_offsets: fixOffsets ? [offset, offset + 4 * v.size] : old };
        offset += 4 * v.size;
      }
      const bytes = joinFile(h, base.data);
      const before = failures.length;
      check(bytes, `hidden 60000, offsets ${fixOffsets ? 'claimed' : 'original'}`);
      expect(failures.slice(before)).toEqual([]);
      expect(largestAlloc).toBeLessThan(bytes.length); // the parameters alone would be 60000·3·60000·4 bytes
      expect(() => loadModel(bytes)).toThrow(/outside the data|has shape/);
    }
  });

  it('ran enough cases within the time budget', () => {
    console.log(`loader fuzz: ${totals.cases} cases, ${totals.loaded} loaded (${totals.forward} run forward), ${totals.rejected} rejected; ` +
      `slowest case ${totals.maxCaseMs.toFixed(1)} ms, ${(elapsed / 1000).toFixed(1)} s loading; largest allocation ${totals.maxAllocRatio.toFixed(2)}× the file; rss growth ${totals.rssGrowthMB.toFixed(0)} MB`);
    expect(totals.cases).toBeGreaterThanOrEqual(20_000);
    expect(totals.loaded).toBeGreaterThan(100);
    expect(totals.rejected).toBeGreaterThan(10_000);
  });
});

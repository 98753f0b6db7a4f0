/**
 * Instantiates the WebAssembly kernels (compiled from ./assembly by
 * scripts/build-wasm.mjs into ./generated.ts) on a WebAssembly.Memory that is
 * the heap: kernel arguments are word offsets into memory.buffer, exactly as
 * for the reference kernels, so nothing is copied between JS and wasm.
 *
 * Two builds of the same source: `simd` (128-bit SIMD, every engine with wasm
 * SIMD) and `fma` (plus relaxed SIMD's f32x4.relaxed_madd, a fused
 * multiply-add). An engine without relaxed SIMD rejects the whole `fma`
 * module, so `relaxedSimdSupported()` validates a tiny module first.
 *
 * Memory layout (words):
 *   [0, HEAP_RESERVED_WORDS)           the module's static data (none today) — HeapPlan starts after it
 *   [HEAP_RESERVED_WORDS, words)       regions handed out by the HeapPlan
 *   ... top of memory                  one scratch region of SCRATCH_WORDS per instance slot
 *                                      (slot s ends (s)·SCRATCH_WORDS below the top)
 * The memory is sized once (initial = maximum) and never grows, so views of
 * memory.buffer stay valid.
 *
 * No Node built-ins: this also runs in a browser (and in workers, where a
 * second instance is created on the same shared memory with another slot).
 */
import { HEAP_RESERVED_WORDS, heapFromBuffer } from '../../core/heap.js';
import { int8QxLevels, type Kernels } from '../kernels.js';
import { packBf16 } from '../ref/bf16.js';
import { packInt8 } from '../ref/int8.js';
import { WASM_FMA, WASM_FMA_SHARED, WASM_SIMD, WASM_SIMD_SHARED } from './generated.js';

/** The two WebAssembly builds of the kernels. */
export type WasmBuild = 'simd' | 'fma';

/** Scratch words per instance (bias row + a tile + packed B block + packed A block); must match assembly/common.ts. */
export const SCRATCH_WORDS = 512 + 64 + 256 * 512 + 64 * 256;
const PAGE_WORDS = 65536 / 4;

interface Exports {
  init(scratchWord: number): void;
  fusedMultiplyAdd(): number;
  heapBase(): number;
  scratchWords(): number;
  matmulNT(c: number, a: number, b: number, bias: number, M: number, N: number, K: number, acc: number): void;
  matmulNN(c: number, a: number, b: number, M: number, N: number, K: number, acc: number): void;
  matmulTN(c: number, a: number, b: number, M: number, N: number, K: number, acc: number): void;
  packWeights(p: number, w: number, N: number, K: number, nk: number): void;
  matmulPacked(c: number, a: number, p: number, bias: number, M: number, N: number, K: number, acc: number): void;
  colSumAcc(out: number, a: number, M: number, N: number): void;
  gatherRows(out: number, table: number, ids: number, M: number, E: number): void;
  scatterAddRows(dtable: number, dout: number, ids: number, M: number, E: number): void;
  rnnForward(hNext: number, gi: number, gh: number, B: number, H: number): void;
  rnnBackward(dG: number, dh: number, hNext: number, B: number, H: number): void;
  gruForward(hNext: number, gates: number, gi: number, gh: number, hPrev: number, B: number, H: number): void;
  gruBackward(dGi: number, dGh: number, dhPrev: number, dh: number, gates: number, gh: number, hPrev: number, B: number, H: number): void;
  lstmForward(hNext: number, cNext: number, gates: number, gi: number, gh: number, cPrev: number, B: number, H: number): void;
  lstmBackward(dG: number, dcPrev: number, dh: number, dc: number, gates: number, cNext: number, cPrev: number, B: number, H: number): void;
  softmaxXent(dlogits: number, logits: number, targets: number, M: number, V: number, scale: number): number;
  logProbRows(out: number, logits: number, targets: number, M: number, V: number): void;
  rowMax(x: number, n: number): number;
  expBlocks(out: number, x: number, n: number, shift: number, scale: number, blocks: number): number;
  adamStep(p: number, g: number, m: number, v: number, n: number, beta1: number, beta2: number, eps: number, stepSize: number, sqrtC2: number, wd: number): void;
  adaptStep(p: number, g: number, p0: number, n: number, lr: number, decay: number): void;
  matvecBf16(c: number, x: number, p: number, bias: number, N: number, K: number): void;
  matvecInt8(c: number, x: number, p: number, bias: number, N: number, K: number, Qx: number): void;
}

/** base64 → bytes with atob (Node ≥ 16 and browsers) */
function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * The smallest module that uses relaxed SIMD: (func (result v128)
 * (f32x4.relaxed_madd (v128.const 0) (v128.const 0) (v128.const 0))).
 */
const RELAXED_PROBE = (() => {
  const zero = [0xfd, 0x0c, ...new Array<number>(16).fill(0)]; // v128.const 0
  const body = [0, ...zero, ...zero, ...zero, 0xfd, 0x85, 0x02, 0x0b]; // no locals, 3 consts, f32x4.relaxed_madd (0x105), end
  const code = [1, body.length, ...body];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, // magic, version
    1, 5, 1, 0x60, 0, 1, 0x7b, // type section: () → v128
    3, 2, 1, 0, // function section
    10, code.length, ...code, // code section
  ]);
})();

let relaxedSeen = false;

/**
 * Whether this engine compiles relaxed SIMD (so the `fma` build). In Node 20
 * that needs V8's --experimental-wasm-relaxed-simd, set at run time by
 * src/node/wasm-features.ts (the kernel index does that before asking).
 */
export function relaxedSimdSupported(): boolean {
  // a yes is final; a no is asked again (the flag may have been set since)
  if (!relaxedSeen && typeof WebAssembly === 'object') relaxedSeen = WebAssembly.validate(RELAXED_PROBE);
  return relaxedSeen;
}

const SOURCES: Record<WasmBuild, { plain: string; shared: string }> = {
  simd: { plain: WASM_SIMD, shared: WASM_SIMD_SHARED },
  fma: { plain: WASM_FMA, shared: WASM_FMA_SHARED },
};
const compiled = new Map<string, Promise<WebAssembly.Module>>();

/** The compiled kernel module of a build (cached); a WebAssembly.Module can be posted to a worker. */
export function kernelModule(shared: boolean, build: WasmBuild = 'simd'): Promise<WebAssembly.Module> {
  const key = `${build}/${shared ? 'shared' : 'plain'}`;
  let m = compiled.get(key);
  if (!m) {
    if (build === 'fma' && !relaxedSimdSupported()) {
      return Promise.reject(new Error('wasm kernels: this engine has no WebAssembly relaxed SIMD, which the fma build needs'));
    }
    const src = SOURCES[build];
    m = WebAssembly.compile(decodeBase64(shared ? src.shared : src.plain));
    compiled.set(key, m);
  }
  return m;
}

export interface WasmMemoryOptions {
  /** which build (default simd) */
  build?: WasmBuild;
  /** a shared memory (SharedArrayBuffer), for worker threads */
  shared?: boolean;
  /** how many kernel instances (each needs its own scratch slot) will run on this memory; default 1 */
  instances?: number;
}

/** Total words of a memory holding a `words`-word heap and `instances` scratch slots. */
export function wasmMemoryWords(words: number, instances = 1): number {
  const need = Math.max(words, HEAP_RESERVED_WORDS) + instances * SCRATCH_WORDS;
  return Math.ceil(need / PAGE_WORDS) * PAGE_WORDS;
}

/** A memory for a heap of `words` words (fixed size, never grows). */
export function createWasmMemory(words: number, opts: WasmMemoryOptions = {}): WebAssembly.Memory {
  const instances = opts.instances ?? 1;
  if (!Number.isInteger(instances) || instances < 1) throw new RangeError(`bad instance count ${instances}`);
  const pages = wasmMemoryWords(words, instances) / PAGE_WORDS;
  if (pages > 65536) throw new RangeError(`heap of ${words} words exceeds the 4 GiB of wasm32 memory`);
  return new WebAssembly.Memory({ initial: pages, maximum: pages, shared: opts.shared ?? false });
}

export interface WasmKernels extends Kernels {
  readonly name: WasmBuild;
  readonly memory: WebAssembly.Memory;
  /** scratch slot of this instance */
  readonly slot: number;
}

function isShared(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}

/**
 * Kernels on an existing memory whose heap spans `words` words. Each instance
 * on the same memory (e.g. one per worker) must use its own `slot`
 * (0 ≤ slot < the `instances` the memory was created for).
 */
export async function wasmKernelsOn(memory: WebAssembly.Memory, words: number, slot = 0, build: WasmBuild = 'simd'): Promise<WasmKernels> {
  const totalWords = memory.buffer.byteLength / 4;
  const scratch = totalWords - (slot + 1) * SCRATCH_WORDS;
  if (!Number.isInteger(slot) || slot < 0 || scratch < Math.max(words, HEAP_RESERVED_WORDS)) {
    throw new RangeError(`wasm kernels: no scratch slot ${slot} above a heap of ${words} words in ${totalWords} words of memory`);
  }
  const module = await kernelModule(isShared(memory), build);
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const x = instance.exports as unknown as Exports;
  if (x.scratchWords() !== SCRATCH_WORDS) throw new Error('wasm kernels: scratch size mismatch with generated module; rebuild');
  if (x.heapBase() > HEAP_RESERVED_WORDS * 4) {
    throw new Error(`wasm kernels: static data (${x.heapBase()} bytes) exceeds the reserved heap prefix`);
  }
  if (x.fusedMultiplyAdd() !== (build === 'fma' ? 1 : 0)) throw new Error(`wasm kernels: the ${build} module is not the ${build} build; rebuild`);
  x.init(scratch);
  const heap = heapFromBuffer(memory.buffer);
  return {
    name: build,
    heap,
    memory,
    slot,
    matmulNT: (c, a, b, bias, M, N, K, acc) => x.matmulNT(c, a, b, bias, M, N, K, acc ? 1 : 0),
    matmulNN: (c, a, b, M, N, K, acc) => x.matmulNN(c, a, b, M, N, K, acc ? 1 : 0),
    matmulTN: (c, a, b, M, N, K, acc) => x.matmulTN(c, a, b, M, N, K, acc ? 1 : 0),
    packWeights: (p, w, N, K, nk) => x.packWeights(p, w, N, K, nk ? 1 : 0),
    matmulPacked: (c, a, p, bias, M, N, K, acc) => x.matmulPacked(c, a, p, bias, M, N, K, acc ? 1 : 0),
    colSumAcc: (out, a, M, N) => x.colSumAcc(out, a, M, N),
    gatherRows: (out, table, ids, M, E) => x.gatherRows(out, table, ids, M, E),
    scatterAddRows: (dt, dout, ids, M, E) => x.scatterAddRows(dt, dout, ids, M, E),
    rnnForward: (hNext, gi, gh, B, H) => x.rnnForward(hNext, gi, gh, B, H),
    rnnBackward: (dG, dh, hNext, B, H) => x.rnnBackward(dG, dh, hNext, B, H),
    gruForward: (hNext, gates, gi, gh, hPrev, B, H) => x.gruForward(hNext, gates, gi, gh, hPrev, B, H),
    gruBackward: (dGi, dGh, dhPrev, dh, gates, gh, hPrev, B, H) => x.gruBackward(dGi, dGh, dhPrev, dh, gates, gh, hPrev, B, H),
    lstmForward: (hNext, cNext, gates, gi, gh, cPrev, B, H) => x.lstmForward(hNext, cNext, gates, gi, gh, cPrev, B, H),
    lstmBackward: (dG, dcPrev, dh, dc, gates, cNext, cPrev, B, H) => x.lstmBackward(dG, dcPrev, dh, dc, gates, cNext, cPrev, B, H),
    softmaxXent: (dl, l, t, M, V, scale) => x.softmaxXent(dl, l, t, M, V, scale),
    logProbRows: (out, l, t, M, V) => x.logProbRows(out, l, t, M, V),
    rowMax: (v, n) => x.rowMax(v, n),
    expBlocks: (out, v, n, shift, scale, blocks) => x.expBlocks(out, v, n, shift, scale, blocks),
    adamStep: (p, g, m, v, n, b1, b2, eps, s, c2, wd) => x.adamStep(p, g, m, v, n, b1, b2, eps, s, c2, wd),
    adaptStep: (p, g, p0, n, lr, decay) => x.adaptStep(p, g, p0, n, lr, decay),
    // rounding is done once per session, not per token: the reference's code is the one definition
    packBf16: (p, w, N, K) => packBf16(heap, p, w, N, K),
    matvecBf16: (c, v, p, bias, N, K) => x.matvecBf16(c, v, p, bias, N, K),
    packInt8: (p, w, N, K) => packInt8(heap, p, w, N, K),
    matvecInt8: (c, v, p, bias, N, K) => x.matvecInt8(c, v, p, bias, N, K, int8QxLevels(K)),
  };
}

/** Kernels over a new memory for a heap of `words` words (instance slot 0). */
export async function createWasmKernels(words: number, opts: WasmMemoryOptions = {}): Promise<WasmKernels> {
  return wasmKernelsOn(createWasmMemory(words, opts), words, 0, opts.build ?? 'simd');
}

/**
 * Data-parallel gradients over worker threads. The batch of B streams is cut
 * into slices, one per thread; slice 0 is computed on the calling thread and
 * the others by workers, all on one shared heap: the parameters are read by
 * everyone, each slice has its own activations, carried state and gradient
 * region. After a step the slice gradients are summed, in a fixed order and
 * weighted by slice size, into slice 0's gradient region, so the result is the
 * gradient of the mean loss over the whole batch, and deterministic for a given
 * seed and thread count. That sum, the gradient's norm and the update (clipping,
 * the optimizer) are shared out too: each thread takes one contiguous range of
 * the parameter block, whose elements come out as they would on one thread
 * (the norm adds the ranges' sums of squares in order).
 *
 * With one thread there are no workers and no copies: slice 0 is the batch.
 */
import { HeapPlan, plannedWords } from '../core/heap.js';
import { Rng, type RngState } from '../core/rng.js';
import { shareableMemory, type Kernels, type KernelSetName } from '../kernels/index.js';
import type { ArchConfig } from '../nn/config.js';
import { Network } from '../nn/network.js';
import { paramLayout } from '../nn/params.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { reduceRange, sumSquares, updateRange, type UpdateStep } from '../kernels/ref/update.js';
import { nextMessage } from '../node/worker-reply.js';

type NodeWorker = import('node:worker_threads').Worker;

export interface SliceShape {
  B: number;
  T: number;
  dropout: number;
  lockedDropout: boolean;
  weightDrop: number;
  embedDrop: number;
  threads: number;
}

/** The sizes of the slices: as even as possible, larger ones first. */
export function sliceSizes(B: number, threads: number): number[] {
  const n = Math.max(1, Math.min(threads, B));
  return Array.from({ length: n }, (_, w) => Math.floor(B / n) + (w < B % n ? 1 : 0));
}

/** Each thread's contiguous range [lo, hi) of a parameter block of n words, for the sum of the gradients and the update: as even as possible, boundaries on multiples of 16. */
export function paramRanges(n: number, threads: number): [number, number][] {
  const at = (i: number): number => (i === threads ? n : Math.min(n, 16 * Math.round((n * i) / threads / 16)));
  return Array.from({ length: threads }, (_, i) => [at(i), at(i + 1)]);
}

/** What the slices carry across windows (and so across a restart): per layer the (B, H) state, and the dropout generators of slices 1 … */
export interface SliceSnapshot {
  carry: { h: Float32Array; c: Float32Array | null }[];
  rngs: RngState[];
}

interface CarryAccess {
  /** copies of the carried state, per layer, (B, H) each */
  read(): { h: Float32Array; c: Float32Array | null }[];
  /** the same into existing arrays */
  readInto(out: { h: Float32Array; c: Float32Array | null }[]): void;
  /** set layer l's carried state from (B, H) arrays */
  write(l: number, h: Float32Array, c: Float32Array | null): void;
}

export class SlicedNetwork {
  readonly nets: Network[];
  readonly sizes: number[];
  readonly B: number;
  /** mask generators (every kind of dropout) of the slices beyond 0 (slice 0 uses the trainer's Rng) */
  private rngs: Rng[];
  private readonly starts: number[];
  private workers: NodeWorker[] = [];
  private kernels!: Kernels;

  /**
   * Where the slices' scratch begins: from here to the end of the plan as it stood
   * after this constructor, every region holds values for one window only (the
   * parameters and the carried state lie before it). Between steps another
   * network may compute there (the trainer's validation network does).
   */
  readonly scratchStart: number;

  /**
   * Plan every slice's network on `plan`: first the parameters and every slice's
   * carried state, then each slice's scratch (slice 0's gradient region receives
   * the summed gradients).
   */
  constructor(plan: HeapPlan, cfg: ArchConfig, V: number, s: SliceShape, seed: string | number) {
    this.B = s.B;
    this.sizes = sliceSizes(s.B, s.threads);
    this.nets = [];
    this.starts = [];
    this.carryStarts = [];
    const size = paramLayout(cfg, V).size, params = plan.alloc(size);
    this.ranges = paramRanges(size, this.sizes.length);
    const perLayer = cfg.cell === 'lstm' ? 2 : 1;
    const carrySizes = this.sizes.flatMap((b) => new Array<number>(cfg.layers * perLayer).fill(b * cfg.hidden));
    const carryStart = plan.alloc(plannedWords(carrySizes));
    const carry = HeapPlan.at(carryStart, plan.words);
    this.scratchStart = plan.words;
    for (const size of this.sizes) {
      this.starts.push(plan.words);
      this.carryStarts.push(carry.words);
      this.nets.push(new Network(plan, cfg, V, { B: size, T: s.T, train: true, dropout: s.dropout, lockedDropout: s.lockedDropout, weightDrop: s.weightDrop, embedDrop: s.embedDrop, sharedParams: params, carry }));
    }
    this.rngs = this.sizes.slice(1).map((_, w) => new Rng(`${seed}/slice${w + 1}`));
  }

  /** where each slice's carried state was planned */
  private readonly carryStarts: number[];

  /** each thread's range of the parameter block (paramRanges) */
  private readonly ranges: [number, number][];

  get main(): Network {
    return this.nets[0];
  }

  get threads(): number {
    return this.sizes.length;
  }

  /** the worker threads being started (boot), or started */
  private booting: Promise<void> | null = null;

  /**
   * Begin starting the worker threads: each loads its code while this thread
   * prepares the rest of the run (start() then hands them the heap). Without
   * it, start() starts them.
   */
  boot(): void {
    if (this.threads === 1 || this.booting) return;
    this.booting = import('node:worker_threads').then(({ Worker }) => {
      const here = import.meta.url;
      // from dist/ the worker sits beside this file; from the TypeScript sources (tests) use the build
      const url = here.endsWith('.ts') ? new URL('../../dist/parallel/worker.js', here) : new URL('./worker.js', here);
      for (let i = 1; i < this.threads; i++) this.workers.push(new Worker(url));
    });
    this.booting.catch(() => undefined); // reported by start()
  }

  /** Attach the kernels (created with shared memory when threads > 1) and start the workers. */
  async start(k: Kernels, set: KernelSetName, words: number): Promise<void> {
    this.kernels = k;
    for (const n of this.nets) n.attach(k);
    if (this.threads === 1) return;
    try {
      this.boot();
      await this.booting;
      // the workers run the very set this thread resolved (`wasm` → simd or fma), never their own pick
      await this.init(shareableMemory(k), k.name, words, this.main.cfg);
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  private init(memory: WebAssembly.Memory | SharedArrayBuffer, set: KernelSetName, words: number, cfg: ArchConfig): Promise<unknown> {
    return Promise.all(
      this.nets.slice(1).map((n, i) => {
        const w = this.workers[i];
        const init: ToWorker = {
          type: 'init', kernels: set, memory, words, slot: i + 1, config: cfg, V: n.V,
          planStart: this.starts[i + 1], carryStart: this.carryStarts[i + 1], B: n.B, T: n.T, dropout: n.dropout, lockedDropout: n.lockedDropout, weightDrop: n.weightDrop, embedDrop: n.embedDrop, params: this.main.params,
        };
        w.postMessage(init);
        return this.reply(w).then((r) => {
          // the same build everywhere, or the threads' gradients would round differently
          if (r.type === 'ready' && r.kernels !== set) throw new Error(`gradient worker runs the ${r.kernels} kernels, not ${set}`);
        });
      }),
    );
  }

  private reply(w: NodeWorker): Promise<FromWorker> {
    return nextMessage<FromWorker>(w, 'gradient worker');
  }

  /** Write the ids of this window for every slice (the caller's fill function writes B_w streams from b0). */
  fill(write: (net: Network, b0: number) => void): void {
    let b0 = 0;
    this.nets.forEach((n, w) => {
      write(n, b0);
      b0 += this.sizes[w];
    });
  }

  /**
   * Forward, loss and backward over the whole batch; returns the mean loss and
   * leaves the gradient of the mean loss in the main network's gradient region
   * (the caller zeroes nothing: every slice zeroes its own gradients first).
   */
  async step(T: number, rng: Rng | null): Promise<number> {
    const pending = this.onWorkers((i) => ({ type: 'step', T, rng: rng ? this.rngs[i].state() : null }));
    const main = this.main;
    main.zeroGrads();
    main.forward(T, main.B, rng);
    let loss = main.lossAndGrad() * (this.sizes[0] / this.B);
    main.backward();
    const done = await pending;
    const f = this.kernels.heap.f32, ranges = this.ranges;
    if (this.threads === 1) {
      this.squares = [sumSquares(f, main.grads, 0, main.layout.size)];
      return loss;
    }
    done.forEach((d, i) => {
      if (d.type !== 'done') return;
      if (d.rng) this.rngs[i] = Rng.restore(d.rng as RngState);
      loss += d.loss * (this.sizes[i + 1] / this.B);
    });
    // the sum of the slices' gradients (and its squares), each thread over its range
    const grads = this.nets.map((n) => n.grads), weights = this.sizes.map((s) => s / this.B);
    const reduced = this.onWorkers((i) => ({ type: 'reduce', lo: ranges[i + 1][0], hi: ranges[i + 1][1], grads, weights }));
    const mine = reduceRange(f, grads, weights, ranges[0][0], ranges[0][1]);
    this.squares = [mine, ...(await reduced).map((r) => (r.type === 'reduced' ? r.sumSquares : NaN))];
    return loss;
  }

  /** Σ g² of each thread's range of the last step's summed gradient, in order */
  private squares: number[] = [];

  /** The global L2 norm of the last step's gradient (what clipping by norm compares with its limit). */
  gradNorm(): number {
    return Math.sqrt(this.squares.reduce((a, b) => a + b, 0));
  }

  /**
   * Clip the last step's gradient (scale ≠ 1: by norm; clipValue > 0: by value)
   * and apply the optimizer step to the parameters, each thread over its range.
   */
  async update(step: UpdateStep, scale: number, clipValue: number): Promise<void> {
    const main = this.main, ranges = this.ranges;
    const done = this.onWorkers((i) => ({ type: 'update', lo: ranges[i + 1][0], hi: ranges[i + 1][1], step, params: main.params, grads: main.grads, scale, clipValue }));
    updateRange(this.kernels.heap.f32, this.kernels, step, main.params, main.grads, scale, clipValue, ranges[0][0], ranges[0][1]);
    await done;
  }

  /** Send each worker its message (built from its index) and wait for every reply; a worker's error is thrown. */
  private onWorkers(message: (i: number) => ToWorker): Promise<FromWorker[]> {
    return Promise.all(this.workers.map((w, i) => {
      w.postMessage(message(i));
      return this.reply(w);
    }));
  }

  resetState(): void {
    for (const n of this.nets) n.resetState();
  }

  private carryAccess: CarryAccess | null = null;

  /**
   * The state carried into the next window, for all B streams: per layer, the
   * slices' (B_w, H) blocks end to end make one (B, H) array (c for LSTM only).
   */
  private carry(f: Float32Array): CarryAccess {
    return (this.carryAccess ??= this.makeCarry(f));
  }

  private makeCarry(f: Float32Array): CarryAccess {
    const H = this.main.cfg.hidden, B = this.B, L = this.main.cfg.layers, lstm = this.main.cfg.cell === 'lstm';
    const regions = this.nets.map((n) => n.stateRegions());
    const copy = (l: number, key: 'h' | 'c', dst: Float32Array | null, src: Float32Array | null): void => {
      let row = 0;
      this.nets.forEach((n, w) => {
        const off = regions[w][l][key], len = n.B * H;
        if (dst) dst.set(f.subarray(off, off + len), row);
        else f.set(src!.subarray(row, row + len), off);
        row += len;
      });
    };
    return {
      read: () => Array.from({ length: L }, (_, l) => {
        const h = new Float32Array(B * H), c = lstm ? new Float32Array(B * H) : null;
        copy(l, 'h', h, null);
        if (c) copy(l, 'c', c, null);
        return { h, c };
      }),
      readInto: (out) => out.forEach((o, l) => {
        copy(l, 'h', o.h, null);
        if (o.c) copy(l, 'c', o.c, null);
      }),
      write: (l, h, c) => {
        copy(l, 'h', null, h);
        if (c && lstm) copy(l, 'c', null, c);
      },
    };
  }

  /** A copy of what the slices carry (into `into`'s arrays when given, so a per-step copy allocates nothing). */
  snapshot(f: Float32Array, into?: SliceSnapshot): SliceSnapshot {
    const carry = this.carry(f);
    if (!into) return { carry: carry.read(), rngs: this.rngs.map((r) => r.state()) };
    carry.readInto(into.carry);
    into.rngs = this.rngs.map((r) => r.state());
    return into;
  }

  /** Continue from a snapshot of slices of the same shapes (the caller checks). */
  restore(f: Float32Array, s: SliceSnapshot): void {
    const carry = this.carry(f);
    s.carry.forEach((c, l) => carry.write(l, c.h, c.c));
    s.rngs.forEach((r, i) => {
      if (i < this.rngs.length) this.rngs[i] = Rng.restore(r);
    });
  }

  async close(): Promise<void> {
    await this.booting?.catch(() => undefined);
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers = [];
  }
}

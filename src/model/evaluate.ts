/**
 * Log-probabilities of every token of a stream under a model, computed in
 * parallel chunks. Chunks start at <eos> inputs, where the state is reset
 * anyway, so the result is exactly what one long pass would give. A stream
 * with a single long sequence (split none) can instead be cut anywhere: each
 * chunk is then warmed up on the `burnIn` tokens before it, whose scores are
 * discarded (an approximation, used only for validation during training).
 */
import type { Network } from '../nn/network.js';
import { EOS } from '../core/ids.js';
import type { TokenIds } from '../data/corpus.js';

export interface Chunk {
  /** first input position fed to the network */
  start: number;
  /** first input position whose target is scored */
  from: number;
  /** one past the last scored input position */
  end: number;
}

export function planChunks(stream: TokenIds, count: number, burnIn = -1): Chunk[] {
  const positions = stream.length - 1;
  const chunks: Chunk[] = [];
  let begin = 0;
  for (let c = 1; c <= count && begin < positions; c++) {
    let cut = c === count ? positions : Math.round((c * positions) / count);
    if (cut <= begin) continue;
    if (burnIn < 0) {
      while (cut < positions && stream[cut] !== EOS) cut++;
    }
    chunks.push({ start: burnIn < 0 ? begin : Math.max(0, begin - burnIn), from: begin, end: cut });
    begin = cut;
  }
  return chunks;
}

/**
 * Score `stream` with `net`: returns log p(stream[p+1] | stream[..p]) for
 * every input position p (0 where no chunk scores it). More chunks than the
 * network has streams are scored in groups of net.B, one after another.
 */
export function streamLogProbs(net: Network, stream: TokenIds, chunks: readonly Chunk[], out = new Float32Array(stream.length - 1)): Float32Array {
  for (let g = 0; g < chunks.length; g += net.B) scoreGroup(net, stream, chunks.slice(g, g + net.B), out);
  return out;
}

/** One group of at most net.B chunks, side by side, from a zero state. */
function scoreGroup(net: Network, stream: TokenIds, chunks: readonly Chunk[], out: Float32Array): void {
  const Bc = chunks.length, T = net.T;
  const k = net.kernels, ids = k.heap.i32, f = k.heap.f32;
  net.resetState();
  let longest = 0;
  for (const c of chunks) longest = Math.max(longest, c.end - c.start);
  for (let w = 0; w * T < longest; w++) {
    const Tc = Math.min(T, longest - w * T);
    for (let t = 0; t < Tc; t++) {
      for (let b = 0; b < Bc; b++) {
        const p = chunks[b].start + w * T + t;
        const live = p < chunks[b].end;
        ids[net.inputs + t * Bc + b] = live ? stream[p] : EOS;
        ids[net.targets + t * Bc + b] = live ? stream[p + 1] : EOS;
      }
    }
    net.forward(Tc, Bc);
    net.logProbs();
    for (let t = 0; t < Tc; t++) {
      for (let b = 0; b < Bc; b++) {
        const p = chunks[b].start + w * T + t;
        if (p >= chunks[b].from && p < chunks[b].end) out[p] = f[net.logp + t * Bc + b];
      }
    }
  }
}

/**
 * Set `net` to read a running-text model's text: from the zero state, carried
 * across <eos>. Returns what restores its reset at <eos> (a session's next
 * caller may score sentences, each alone).
 */
export function readRunningText(net: Network): () => void {
  const carried = net.carryEos;
  net.resetState();
  net.carryEos = true;
  return () => {
    net.carryEos = carried;
  };
}

/** The scores of a whole stream (continueLogProbs) on the state `net` carries, which it goes on carrying. */
export function carriedLogProbs(net: Network, ids: TokenIds): Float32Array {
  const out = new Float32Array(ids.length - 1);
  continueLogProbs(net, ids, ids.length, out);
  return out;
}

/**
 * Continue one sequence on stream 0 of `net` from the state it carries:
 * log p(ids[i+1] | …) for i in [0, n−1) into out[0, n−1). A sequence too long to
 * hold is scored piece by piece this way (each piece starting with the last
 * token of the one before); the state resets where an input is <eos> (unless net.carryEos).
 */
export function continueLogProbs(net: Network, ids: TokenIds, n: number, out: Float32Array): void {
  const T = net.T, k = net.kernels, heap = k.heap.i32, f = k.heap.f32;
  for (let p = 0; p < n - 1; p += T) {
    const Tc = Math.min(T, n - 1 - p);
    for (let t = 0; t < Tc; t++) {
      heap[net.inputs + t] = ids[p + t];
      heap[net.targets + t] = ids[p + t + 1];
    }
    net.forward(Tc, 1);
    net.logProbs();
    for (let t = 0; t < Tc; t++) out[p + t] = f[net.logp + t];
  }
}

/** Mean negative log-likelihood (nats per token) of the scored positions. */
export function meanLoss(logp: Float32Array, chunks: Chunk[]): number {
  let sum = 0, n = 0;
  for (const c of chunks) {
    for (let p = c.from; p < c.end; p++) sum -= logp[p];
    n += c.end - c.from;
  }
  return n > 0 ? sum / n : NaN;
}

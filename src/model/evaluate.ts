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
 * Score `stream` with `net` (planned for at least chunks.length streams);
 * returns log p(stream[p+1] | stream[..p]) for every input position p.
 */
export function streamLogProbs(net: Network, stream: TokenIds, chunks: Chunk[]): Float32Array {
  const out = new Float32Array(stream.length - 1);
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
  return out;
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

/**
 * Sampling as an async iterator, and the model's next-token distribution
 * after a beginning. Browser-safe: the iterator hands control back to the
 * event loop every few milliseconds, so a page stays responsive and a UI can
 * draw each token as it arrives; an AbortSignal stops it between tokens.
 */
import { RecurError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { feedContext, primeTokens, sampleTokens, type SampleOptionsGiven, type SampleStart, type SampledToken } from './sample.js';
import type { InferenceSession } from './session.js';

export interface StreamOptions {
  /** stop between tokens when this fires (the iterator throws a RecurError of kind "aborted") */
  signal?: AbortSignal;
  /** hand control back to the event loop at least this often, in milliseconds (default 15) */
  yieldEveryMs?: number;
}

const macrotask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * The tokens of one sample, as they are drawn: the same tokens, with the same
 * Rng, as `sampleTokens` and `sampleOne` (from the same start). Ends after <eos>
 * (which is yielded) or `maxLength` tokens.
 */
export async function* sampleStream(session: InferenceSession, o: SampleOptionsGiven, rng: Rng, s: StreamOptions = {}, start: SampleStart = 'fresh'): AsyncGenerator<SampledToken, void> {
  const every = s.yieldEveryMs ?? 15;
  let last = performance.now();
  for (const t of sampleTokens(session, o, rng, start)) {
    if (s.signal?.aborted) throw new RecurError('aborted', 'sampling was aborted');
    yield t;
    if (performance.now() - last >= every) {
      await macrotask();
      last = performance.now();
    }
  }
}

export interface Candidate {
  id: number;
  token: string;
  prob: number;
}

/**
 * The `k` most likely next tokens after `prefix` (the model's probabilities,
 * temperature 1), most likely first. Out-of-vocabulary pieces of the prefix are
 * read as <unk>.
 */
export function nextTokens(session: InferenceSession, prefix: string, k = 5): Candidate[] {
  const net = session.net, m = session.model, V = m.vocab.size;
  const f = net.kernels.heap.f32;
  const row = feedContext(session, primeTokens(session, prefix).ids);
  let max = -Infinity;
  for (let j = 0; j < V; j++) max = Math.max(max, f[row + j]);
  let sum = 0;
  const probs = new Float64Array(V);
  for (let j = 0; j < V; j++) sum += probs[j] = Math.exp(f[row + j] - max);
  const order = Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a] || a - b);
  return order.slice(0, Math.max(0, k)).map((id) => ({ id, token: m.vocab.token(id), prob: probs[id] / sum }));
}

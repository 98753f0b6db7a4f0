/**
 * Drawing text from a model, token by token: feed <eos> (and the prime, if
 * any), then repeatedly turn the logits into a distribution (temperature,
 * top-k, top-p, or greedy), draw the next token with the caller's Rng, and feed
 * it back, until <eos> or the length cap. A running-text model can go on from
 * where its last sample ended (SampleStart). <unk> is never drawn unless allowed
 * (its probability is set to zero and the rest renormalised, which is the same
 * as drawing again until something else comes out).
 */
import type { Rng } from '../core/rng.js';
import { separator, tokenize, type TokenizerOptions } from '../data/tokenize.js';
import { EOS, UNK } from '../core/ids.js';
import { DRAW_BLOCK, type Kernels } from '../kernels/kernels.js';
import type { InferenceSession } from './session.js';
import { resolveSampleOptions, type SampleOptions, type SampleOptionsGiven } from './options.js';

export type { SampleOptions, SampleOptionsGiven } from './options.js';

/** The defaults of every sampling option (see options.ts). */
export const SAMPLE_DEFAULTS: SampleOptions = resolveSampleOptions({});

export interface SampledToken {
  id: number;
  token: string;
  /** log-probability of this token under the model (temperature 1, no truncation) */
  logprob: number;
}

export interface Sample {
  /** prime + continuation, as text */
  text: string;
  /** the generated tokens (not the prime) */
  tokens: string[];
  /** Σ log p of the generated tokens under the model, including the final <eos> if one was drawn */
  logprob: number;
  /** true if the sample ended with <eos>, false if it hit maxLength */
  ended: boolean;
}

/** The prime's tokens, with the ones the model has never seen. */
export function primeTokens(session: InferenceSession, prime: string): { ids: number[]; unknown: string[] } {
  const m = session.model;
  const toks = prime.length > 0 ? tokenize(prime, m.tokenizer) : [];
  const ids = toks.map((t) => m.vocab.id(t));
  const unknown = toks.filter((_, i) => ids[i] === UNK && toks[i] !== '<unk>');
  return { ids, unknown: [...new Set(unknown)] };
}

/**
 * Pick the next token from the V scores at `row` of the kernels' heap, using the
 * heap region `draw` (V + ⌈V / DRAW_BLOCK⌉ words: Network.draw) as scratch. The
 * exponentials and their block sums come from the kernels (expBlocks), so a
 * draw reads ⌈V / 64⌉ block sums and at most 64 probabilities after them.
 * Returns the chosen id. Pure apart from the one draw from `rng`; with `norm`,
 * sets norm.logZ to the log-normaliser of the scores at temperature 1 (NaN when
 * it did not come for free).
 */
export function chooseToken(k: Kernels, row: number, V: number, draw: number, o: SampleOptions, rng: Rng, norm?: { logZ: number }): number {
  const f = k.heap.f32;
  const banned = o.allowUnk ? -1 : UNK;
  if (norm) norm.logZ = NaN;
  if (o.greedy) {
    let best = -1;
    for (let j = 0; j < V; j++) if (j !== banned && (best < 0 || f[row + j] > f[row + best])) best = j;
    return best;
  }
  const probs = draw, blocks = draw + V;
  // the banned score is set aside while the distribution is formed (exp(−∞) ≈ 0), then restored
  const lb = banned >= 0 ? f[row + banned] : -Infinity;
  if (banned >= 0) f[row + banned] = -Infinity;
  const max = k.rowMax(row, V);
  let sum = k.expBlocks(probs, row, V, max, 1 / o.temperature, blocks);
  if (banned >= 0) {
    f[row + banned] = lb;
    sum -= f[probs + banned];
    f[blocks + Math.floor(banned / DRAW_BLOCK)] -= f[probs + banned];
    f[probs + banned] = 0;
  }
  if (norm && o.temperature === 1) {
    // the model's log-normaliser comes for free at temperature 1: add back the banned token's mass
    norm.logZ = lb > max ? lb + Math.log(1 + sum * Math.exp(max - lb)) : max + Math.log(sum + Math.exp(lb - max));
  }
  if ((o.topK > 0 && o.topK < V) || o.topP < 1) {
    const p = f.subarray(probs, probs + V);
    return drawFrom(p, truncate(p, sum, o), rng);
  }
  return drawByBlocks(f, probs, blocks, V, sum, rng);
}

/** Keep the top-k and then the top-p nucleus of the probabilities p (others set to 0); returns their sum. */
function truncate(p: Float32Array, sum: number, o: SampleOptions): number {
  const V = p.length;
  if (o.topK > 0 && o.topK < V) {
    // the k-th largest probability is the cut
    const cut = Float32Array.from(p).sort()[V - o.topK];
    sum = 0;
    let kept = 0;
    for (let j = 0; j < V; j++) {
      if (p[j] < cut || kept >= o.topK) p[j] = 0;
      else kept++;
      sum += p[j];
    }
  }
  if (o.topP < 1) {
    const order = Array.from(p.keys()).sort((a, b) => p[b] - p[a]);
    let acc = 0, n = 0;
    while (n < V && acc < o.topP * sum) acc += p[order[n++]];
    for (let i = n; i < V; i++) p[order[i]] = 0;
    sum = acc;
  }
  return sum;
}

/** The token where u = U(0, sum) falls in the running sum of p (the last one with mass if rounding leaves u over). */
function drawFrom(p: Float32Array, sum: number, rng: Rng): number {
  let u = rng.next() * sum;
  let last = -1;
  for (let j = 0; j < p.length; j++) {
    if (p[j] <= 0) continue;
    last = j;
    u -= p[j];
    if (u < 0) return j;
  }
  return last;
}

/** drawFrom through the block sums: skip whole blocks, then walk one. */
function drawByBlocks(f: Float32Array, probs: number, blocks: number, V: number, sum: number, rng: Rng): number {
  let u = rng.next() * sum;
  const nb = Math.ceil(V / DRAW_BLOCK);
  let b = 0;
  while (b < nb - 1 && u >= f[blocks + b]) u -= f[blocks + b++];
  for (; b >= 0; b--) {
    // rounding can leave u past the block's mass, or the block with none: the last token with mass up to here
    let last = -1;
    for (let j = b * DRAW_BLOCK, end = Math.min(V, j + DRAW_BLOCK); j < end; j++) {
      if (f[probs + j] <= 0) continue;
      last = j;
      u -= f[probs + j];
      if (u < 0) return j;
    }
    if (last >= 0) return last;
    u = Infinity;
  }
  return -1;
}

/**
 * Where a sample starts: from the zero state (`fresh`), or (`continue`, for a
 * running-text model) from the state the session's last sample left, after
 * its <eos>, so that samples drawn one after another read as one text. A model
 * of independent sequences starts every sample fresh.
 */
export type SampleStart = 'fresh' | 'continue';

/**
 * Start a sequence: reset the state (or, with `carry`, keep it and carry it
 * across the <eos>), feed <eos> and then `ids` in windows of up to T steps;
 * returns the offset of the scores (V) that predict the next token.
 */
export function feedContext(session: InferenceSession, ids: readonly number[], carry = false): number {
  const net = session.net, heap = net.kernels.heap.i32;
  const context = [EOS, ...ids];
  const carried = net.carryEos;
  if (!carry) net.resetState();
  net.carryEos = carry;
  for (let p = 0; p < context.length; p += net.T) {
    const Tc = Math.min(net.T, context.length - p);
    for (let t = 0; t < Tc; t++) heap[net.inputs + t] = context[p + t];
    net.forward(Tc, 1);
  }
  net.carryEos = carried;
  return net.scores((context.length - 1) % net.T);
}

/** log softmax(logits)[id] in float64. */
function logProbOf(logits: Float32Array, off: number, V: number, id: number): number {
  let max = -Infinity;
  for (let j = 0; j < V; j++) if (logits[off + j] > max) max = logits[off + j];
  let sum = 0;
  for (let j = 0; j < V; j++) sum += Math.exp(logits[off + j] - max);
  return logits[off + id] - max - Math.log(sum);
}

/**
 * Generate one sample, yielding each token as it is drawn (the caller can
 * stream text out). The session must have been planned with T ≥ 1, B ≥ 1.
 */
export function sampleTokens(session: InferenceSession, given: SampleOptionsGiven, rng: Rng, start: SampleStart = 'fresh'): Generator<SampledToken, void> {
  return drawTokens(session, resolveSampleOptions(given), rng, start);
}

function* drawTokens(session: InferenceSession, o: SampleOptions, rng: Rng, start: SampleStart): Generator<SampledToken, void> {
  const net = session.net, m = session.model, V = m.vocab.size;
  const k = net.kernels, ids = k.heap.i32, f = k.heap.f32;
  const norm = { logZ: NaN };
  let lastRow = feedContext(session, primeTokens(session, o.prime).ids, start === 'continue' && m.config.running_text);
  for (let n = 0; n < o.maxLength; n++) {
    const id = chooseToken(k, lastRow, V, net.draw, o, rng, norm);
    const logprob = Number.isNaN(norm.logZ) ? logProbOf(f, lastRow, V, id) : f[lastRow + id] - norm.logZ;
    yield { id, token: m.vocab.token(id), logprob };
    if (id === EOS) return;
    ids[net.inputs] = id;
    net.forward(1, 1);
    lastRow = net.scores(0);
  }
}

/** Draw one complete sample. */
export function sampleOne(session: InferenceSession, given: SampleOptionsGiven, rng: Rng, start: SampleStart = 'fresh'): Sample {
  const o = resolveSampleOptions(given);
  const tokens: string[] = [];
  let logprob = 0, ended = false;
  for (const t of drawTokens(session, o, rng, start)) {
    logprob += t.logprob;
    if (t.id === EOS) ended = true;
    else tokens.push(t.token);
  }
  return { text: joinSample(session, o.prime, tokens), tokens, logprob, ended };
}

/**
 * A sample's text as it streams: returns, for each generated token, the text
 * to write next (separator and token), continuing after the prime as typed.
 */
export function sampleWriter(tok: TokenizerOptions, prime: string): (token: string) => string {
  const primed = prime.length > 0 ? tokenize(prime, { ...tok, lowercase: false }) : [];
  let prev: string | null = primed.length > 0 ? primed[primed.length - 1] : null;
  return (token) => {
    const piece = separator(prev, token, tok) + token;
    prev = token;
    return piece;
  };
}

/** The text of a sample: the prime followed by the generated tokens. */
export function joinSample(session: InferenceSession, prime: string, tokens: string[]): string {
  return prime + tokens.map(sampleWriter(session.model.tokenizer, prime)).join('');
}

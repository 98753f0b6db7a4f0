// The benchmark configurations of issue 3 (C1–C4), measured through the public
// library in dist/ (run `npm run build` first; `npm ci` does).
import { train, LanguageModel, Vocab, InferenceSession, sampleTokens, SAMPLE_DEFAULTS, Rng, nest, TRAIN_OPTIONS } from '../../dist/index.js';
import { planChunks, streamLogProbs } from '../../dist/model/evaluate.js';
import { availableParallelism } from 'node:os';

const WINDOWS = 7;
const WINDOW_MS = 1000;
const WARMUP_MS = 1000;

// 63 symbols + <eos> + <unk> = V 65 (the tiny-shakespeare size)
const CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.'.split('');

/** n random characters, built as bytes and decoded once (concatenating a million one-character strings would leave tens of MB of garbage in the measured process) */
function charText(n, seed) {
  const rng = new Rng(seed);
  const codes = new Uint8Array(n);
  for (let i = 0; i < n; i++) codes[i] = CHARS[rng.int(CHARS.length)].charCodeAt(0);
  return new TextDecoder().decode(codes);
}

function wordText(nTokens, vocab, seed) {
  const rng = new Rng(seed);
  const lines = [];
  for (let i = 0; i < nTokens; i += 20) {
    const w = [];
    for (let j = 0; j < 20; j++) w.push(`w${rng.int(vocab)}`);
    lines.push(w.join(' '));
  }
  return lines.join('\n');
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Train until WINDOWS timed windows of ≥ WINDOW_MS have passed after the warm-up. */
async function trainingRate(opts) {
  const ac = new AbortController();
  const rates = [];
  let warm = null, winStart = null, winSteps = 0;
  const tokensPerStep = opts.batch * opts.seqLen;
  const { texts, ...flat } = opts;
  const r = await train({
    texts,
    // the options flat as in recur train's flags, sorted into the library's parts
    ...nest(TRAIN_OPTIONS, {
      level: 'char', split: 'none', tokenize: 'default', lowercase: false, maxVocab: 0, minCount: 1, valFrac: 0,
      layers: 1, optimizer: 'adam', clip: 5, clipValue: 0, dropout: 0, weightDecay: 0, evalEvery: 0, seed: 1, steps: 1e9, ...flat,
    }),
    signal: ac.signal,
    onEvent: (e) => {
      if (e.type !== 'step') return;
      if (warm === null) { if (e.elapsedMs >= WARMUP_MS || e.step >= 5) { warm = e.elapsedMs; winStart = e.elapsedMs; } return; }
      winSteps++;
      if (e.elapsedMs - winStart >= WINDOW_MS) {
        rates.push((winSteps * tokensPerStep) / ((e.elapsedMs - winStart) / 1000));
        winStart = e.elapsedMs;
        winSteps = 0;
        if (rates.length >= WINDOWS) ac.abort();
      }
    },
  });
  return { rates, threads: r.threads ?? 1, vocab: r.corpus.vocabSize };
}

function model(cfg, vocabTokens, seed = 1) {
  return LanguageModel.create(cfg, new Vocab(['<eos>', '<unk>', ...vocabTokens]), new Rng(seed));
}
const charModel = (cell = 'gru') => model({ level: 'char', cell, embed: 65, hidden: 256, layers: 1, split: 'none', tokenize: 'default', lowercase: false, softmax: 'full', cutoffs: [], div_value: 4, head_bias: true, tie: false }, CHARS);
const wordModel = () => model({ level: 'word', cell: 'gru', embed: 128, hidden: 256, layers: 1, split: 'lines', tokenize: 'default', lowercase: false, softmax: 'full', cutoffs: [], div_value: 4, head_bias: true, tie: false },
  Array.from({ length: 9998 }, (_, i) => `w${i}`));

async function samplingRate(m, kernels) {
  const s = await InferenceSession.create(m, { kernels });
  const rng = new Rng(1);
  const o = { ...SAMPLE_DEFAULTS, maxLength: 2000 };
  const run = () => {
    let n = 0;
    const t0 = performance.now();
    while (n < 2000) for (const _ of sampleTokens(s, { ...o, maxLength: 2000 - n }, rng)) n++;
    return n / ((performance.now() - t0) / 1000);
  };
  run(); // warm-up
  return Array.from({ length: WINDOWS }, run);
}

async function scoringRate(m, chunks, kernels) {
  const rng = new Rng(2);
  const stream = new Int32Array(100_001);
  for (let i = 1; i < stream.length; i++) stream[i] = 2 + rng.int(CHARS.length);
  const plan = chunks === 1 ? planChunks(stream, 1) : planChunks(stream, chunks, 0);
  const s = await InferenceSession.create(m, { kernels, batch: plan.length, steps: 256 });
  const run = () => {
    const t0 = performance.now();
    streamLogProbs(s.net, stream, plan);
    return 100_000 / ((performance.now() - t0) / 1000);
  };
  run();
  return Array.from({ length: 5 }, run);
}

const char = (cell) => ({ texts: [charText(1_000_000, 1)], cell, embed: 65, hidden: 256, batch: 32, seqLen: 64 });

export const CONFIGS = {
  'C1-gru': { kind: 'train', opts: () => char('gru') },
  'C1-gru-1thread': { kind: 'train', opts: () => ({ ...char('gru'), threads: 1 }) },
  'C1-lstm': { kind: 'train', opts: () => char('lstm') },
  'C1-rnn': { kind: 'train', opts: () => char('rnn') },
  'C2-gru': { kind: 'train', opts: () => ({ level: 'word', split: 'lines', maxVocab: 10000, texts: [wordText(400_000, 9998, 3)], cell: 'gru', embed: 128, hidden: 256, batch: 32, seqLen: 32 }) },
  'C2-adaptive': { kind: 'train', opts: () => ({ level: 'word', split: 'lines', maxVocab: 10000, texts: [wordText(400_000, 9998, 3)], cell: 'gru', embed: 128, hidden: 256, batch: 32, seqLen: 32, softmax: 'adaptive', cutoffs: [2000] }) },
  'C3-char': { kind: 'sample', model: () => charModel() },
  'C3-word': { kind: 'sample', model: () => wordModel() },
  'C4-one': { kind: 'score', chunks: 1 },
  'C4-chunks32': { kind: 'score', chunks: 32 },
};

export async function runConfig(name, { threads, kernels } = {}) {
  const c = CONFIGS[name];
  if (!c) throw new Error(`unknown configuration ${name}; one of ${Object.keys(CONFIGS).join(', ')}`);
  const { KERNEL_SETS } = await import('../../dist/index.js');
  const k = kernels ?? KERNEL_SETS[KERNEL_SETS.length - 1];
  let rates, threadsUsed = 1;
  if (c.kind === 'train') {
    // training uses every core unless the configuration or --threads says otherwise
    const r = await trainingRate({ threads: availableParallelism(), ...c.opts(), kernels: k, ...(threads ? { threads } : {}) });
    rates = r.rates;
    threadsUsed = r.threads;
  } else if (c.kind === 'sample') rates = await samplingRate(c.model(), k);
  else rates = await scoringRate(charModel(), c.chunks, k);
  return {
    config: name,
    tokens_per_s: Math.round(median(rates)),
    min: Math.round(Math.min(...rates)),
    max: Math.round(Math.max(...rates)),
    windows: rates.length,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    threads: threadsUsed,
    kernels: k,
    node: process.version,
  };
}

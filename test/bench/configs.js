// The benchmark configurations of issue 3 (C1–C4), measured through the public
// library in dist/ (run `npm run build` first; `npm ci` does). Their shapes and
// output layers are in configs.json, the one table that torch_bench.py reads too;
// every configuration names its softmax there, and a run whose model came out
// with another output layer or vocabulary size is an error (expectBuilt), not a
// silent difference from its PyTorch twin.
import { train, LanguageModel, Vocab, openSession, scoreStream, sampleTokens, SAMPLE_DEFAULTS, Rng, nest, TRAIN_OPTIONS } from '../../dist/index.js';
import { planChunks } from '../../dist/model/evaluate.js';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** name → { kind: train | sample | score | score-file, level, cell, vocab, embed, hidden, softmax, cutoffs?, batch?, seqLen?, threads?, chunks?, decoder? (sampling: f32 | bf16 | int8) } */
export const TABLE = JSON.parse(readFileSync(new URL('./configs.json', import.meta.url), 'utf8'));

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

/** What every training configuration shares (its own options come on top), flat as in recur train's flags. */
export const TRAIN_BASE = {
  level: 'char', split: 'none', tokenize: 'default', lowercase: false, maxVocab: 0, minCount: 1, valFrac: 0,
  layers: 1, optimizer: 'adam', clip: 5, clipValue: 0, dropout: 0, weightDecay: 0, evalEvery: 0, seed: 1,
};

/** train()'s input from a configuration's flat options: the texts, and the rest sorted into the library's parts. */
export function trainInput(opts) {
  const { texts, ...flat } = opts;
  return { texts, ...nest(TRAIN_OPTIONS, { ...TRAIN_BASE, ...flat }) };
}

/** Train until WINDOWS timed windows of ≥ WINDOW_MS have passed after the warm-up. */
async function trainingRate(opts) {
  const ac = new AbortController();
  const rates = [];
  let warm = null, winStart = null, winSteps = 0;
  const tokensPerStep = opts.batch * opts.seqLen;
  const r = await train({
    ...trainInput({ steps: 1e9, ...opts }),
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
  return { rates, threads: r.threads ?? 1, model: r.model };
}

function model(cfg, vocabTokens, seed = 1) {
  return LanguageModel.create(cfg, new Vocab(['<eos>', '<unk>', ...vocabTokens]), new Rng(seed));
}

/** The vocabulary of a configuration's model (without <eos> and <unk>). */
const tokensOf = (c) => (c.level === 'char' ? CHARS : Array.from({ length: c.vocab - 2 }, (_, i) => `w${i}`));

/** The model a sampling or scoring configuration runs, with random weights. */
function benchModel(c) {
  return model({
    level: c.level, cell: c.cell, embed: c.embed, hidden: c.hidden, layers: 1, split: c.level === 'char' ? 'none' : 'lines',
    tokenize: 'default', lowercase: false, softmax: c.softmax, cutoffs: c.cutoffs ?? [], div_value: 4, head_bias: true, tie: false,
  }, tokensOf(c));
}

/** The training options of a training configuration: random text whose vocabulary has exactly `vocab` entries. */
function trainOptions(c) {
  const o = {
    cell: c.cell, embed: c.embed, hidden: c.hidden, batch: c.batch, seqLen: c.seqLen,
    softmax: c.softmax, ...(c.cutoffs ? { cutoffs: c.cutoffs } : {}), ...(c.threads ? { threads: c.threads } : {}),
  };
  if (c.level === 'char') return { ...o, texts: [charText(1_000_000, 1)] };
  return { ...o, level: 'word', split: 'lines', maxVocab: c.vocab, texts: [wordText(400_000, c.vocab - 2, 3)] };
}

/** Throws unless the model is the configuration's: its output layer and vocabulary size. */
export function expectBuilt(name, m) {
  const c = TABLE[name];
  if (m.config.softmax !== c.softmax) throw new Error(`${name}: the model has a ${m.config.softmax} softmax, configs.json says ${c.softmax}`);
  if (JSON.stringify(m.config.cutoffs) !== JSON.stringify(c.cutoffs ?? [])) throw new Error(`${name}: the model has cutoffs [${m.config.cutoffs}], configs.json says [${c.cutoffs ?? []}]`);
  if (m.vocab.size !== c.vocab) throw new Error(`${name}: the model has ${m.vocab.size} tokens, configs.json says ${c.vocab}`);
}

/** Batch-1 sampling on `threads` threads (2: every large lone-row product split with a worker, infer/split-product.ts). */
async function samplingRate(m, kernels, decoder, threads) {
  const s = await openSession(m, { kernels, decoder, threads });
  const rng = new Rng(1);
  const o = { ...SAMPLE_DEFAULTS, maxLength: 2000 };
  const run = () => {
    let n = 0;
    const t0 = performance.now();
    while (n < 2000) for (const _ of sampleTokens(s, { ...o, maxLength: 2000 - n }, rng)) n++;
    return n / ((performance.now() - t0) / 1000);
  };
  run(); // warm-up
  const rates = Array.from({ length: WINDOWS }, run);
  const used = s.threads;
  await s.close();
  return { rates, threads: used };
}

/** Chunked scoring of one stream of 100,000 tokens, the chunks spread over `threads` threads. */
async function scoringRate(m, chunks, kernels, threads) {
  const rng = new Rng(2);
  const stream = new Int32Array(100_001);
  for (let i = 1; i < stream.length; i++) stream[i] = 2 + rng.int(CHARS.length);
  const plan = chunks === 1 ? planChunks(stream, 1) : planChunks(stream, chunks, 0);
  const s = await openSession(m, { kernels, batch: plan.length, steps: 256, threads });
  const run = async () => {
    const t0 = performance.now();
    await s.logProbs(stream, plan);
    return 100_000 / ((performance.now() - t0) / 1000);
  };
  await run();
  const rates = [];
  for (let i = 0; i < 5; i++) rates.push(await run());
  const used = s.threads; // before close, which ends the workers
  await s.close();
  return { rates, threads: used };
}

/**
 * The sentences of a score-file configuration, the same in torch_bench.py: n lines of
 * 5–30 words w0 … w(V−3), from a 32-bit linear congruential generator seeded with 1.
 */
export function fileSentences(n, vocab) {
  let x = 1;
  const next = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) >>> 8;
  const lines = [];
  for (let i = 0; i < n; i++) {
    const len = 5 + (next() % 26), w = [];
    for (let j = 0; j < len; j++) w.push(`w${next() % (vocab - 2)}`);
    lines.push(w.join(' '));
  }
  return lines;
}

/** `recur score --file`'s path: a file's text cut into sentences and scored in batches on every thread (tokens: words + <eos>). */
async function fileScoringRate(m, c, kernels, threads) {
  const lines = fileSentences(c.sentences, c.vocab), text = lines.join('\n') + '\n';
  const tokens = lines.reduce((n, l) => n + l.split(' ').length + 1, 0);
  const s = await openSession(m, { kernels, batch: c.chunks, steps: 64, threads });
  const run = async () => {
    const t0 = performance.now();
    let n = 0;
    for await (const x of scoreStream(s, [text])) n += x.tokens.length;
    if (n !== tokens) throw new Error(`scored ${n} tokens, expected ${tokens}`);
    return tokens / ((performance.now() - t0) / 1000);
  };
  await run();
  const rates = [];
  for (let i = 0; i < 3; i++) rates.push(await run());
  const used = s.threads; // before close, which ends the workers
  await s.close();
  return { rates, threads: used };
}

const SOFTMAXES = ['full', 'adaptive'];

export const CONFIGS = Object.fromEntries(Object.entries(TABLE).map(([name, c]) => {
  if (!SOFTMAXES.includes(c.softmax)) throw new Error(`${name}: configs.json must name its softmax (full or adaptive), not ${c.softmax}`);
  if (c.level === 'char' && c.vocab !== CHARS.length + 2) throw new Error(`${name}: the character configurations have ${CHARS.length + 2} tokens`);
  return [name, c.kind === 'train' ? { ...c, opts: () => trainOptions(c) } : { ...c, model: () => benchModel(c) }];
}));

export async function runConfig(name, { threads, kernels } = {}) {
  const c = CONFIGS[name];
  if (!c) throw new Error(`unknown configuration ${name}; one of ${Object.keys(CONFIGS).join(', ')}`);
  const { KERNEL_SETS } = await import('../../dist/index.js');
  const k = kernels ?? KERNEL_SETS[KERNEL_SETS.length - 1];
  let rates, threadsUsed = 1;
  if (c.kind === 'train') {
    // training uses every core unless the configuration or --threads says otherwise
    const r = await trainingRate({ threads: availableParallelism(), ...c.opts(), kernels: k, ...(threads ? { threads } : {}) });
    expectBuilt(name, r.model);
    rates = r.rates;
    threadsUsed = r.threads;
  } else {
    const m = c.model();
    expectBuilt(name, m);
    // scoring uses every core unless --threads says otherwise
    const t = threads ?? availableParallelism();
    // sampling: one thread, as recur sample by default, unless the configuration says otherwise
    const r = c.kind === 'sample' ? await samplingRate(m, k, c.decoder ?? 'f32', c.threads ?? 1)
      : c.kind === 'score' ? await scoringRate(m, c.chunks, k, t) : await fileScoringRate(m, c, k, t);
    rates = r.rates;
    threadsUsed = r.threads;
  }
  return {
    config: name,
    softmax: c.softmax,
    ...(c.decoder ? { decoder: c.decoder } : {}),
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

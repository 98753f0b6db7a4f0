#!/usr/bin/env node
/**
 * The PyTorch trainer (python/recur_torch) beside `recur train`, on the same
 * store, at C1 sizes (char GRU: E 64, H 256, batch 32×64, Adam): tokens/s of
 * recur (its worker threads), of the PyTorch trainer with 1 process and with 2
 * (torchrun, gloo, one thread each), for each Python given (Debian's torch 1.13;
 * the MKL build), in split lines (a reset inside almost every window: the
 * step-by-step path) and split none (no resets: the fused nn.GRU path).
 *
 * The machine is shared and its speed moves by 30% or more: the configurations
 * run in alternating order for several rounds, each a median of per-step rates
 * after a warm-up, and the ratios to recur are taken within a round.
 *
 *   npm run build && node test/bench/torch-trainer.mjs [--rounds 2] [--seconds 20] \
 *       [--python /usr/bin/python3 --python /work/torchvenv/bin/python] [--corpus FILE]
 *
 * The stores are prepared by `recur prepare`'s library function. A Python whose torch cannot import torch._dynamo (the MKL venv here
 * lacks sympy ≥ 1.13.3) gets test/bench/torch_shim on its path: no-ops for the
 * dynamo bookkeeping that eager training touches.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { train, nest, prepareStore, TRAIN_OPTIONS } from '../../dist/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const args = process.argv.slice(2);
const values = (flag) => args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));
const value = (flag, d) => values(flag)[0] ?? d;
const ROUNDS = Number(value('--rounds', 2));
const SECONDS = Number(value('--seconds', 20));
const PYTHONS = values('--python').length > 0 ? values('--python') : ['/usr/bin/python3', '/work/torchvenv/bin/python'];
const CORPUS = value('--corpus', '/work/shared/corpora/tinyshakespeare.txt');
const C1 = { cell: 'gru', embed: 64, hidden: 256, layers: 1, batch: 32, seqLen: 64, optimizer: 'adam' };
const WARMUP_STEPS = 2;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const dir = mkdtempSync(join(tmpdir(), 'recur-torch-bench-'));

async function writeStores(text) {
  const file = join(dir, 'corpus.txt');
  writeFileSync(file, text);
  const stores = {};
  for (const split of ['lines', 'none']) {
    stores[split] = join(dir, `${split}.recur`);
    const m = await prepareStore([file], { level: 'char', split, tokenize: 'default', lowercase: false, maxVocab: 0, minCount: 1, valFrac: 0 }, { output: stores[split], threads: 2 });
    console.error(`${split}: ${m.parts.train.tokens} tokens, vocabulary ${m.vocab.length}`);
  }
  return stores;
}

async function recurRate(text, split) {
  const ac = new AbortController();
  const rates = [];
  const t0 = performance.now();
  await train({
    texts: [text],
    ...nest(TRAIN_OPTIONS, { level: 'char', split, valFrac: 0, ...C1, steps: 1e9, checkpointInterval: 0 }),
    signal: ac.signal,
    onEvent: (e) => {
      if (e.type !== 'step') return;
      if (e.step > WARMUP_STEPS) rates.push(e.tokensPerSec);
      if (performance.now() - t0 > SECONDS * 1000 && rates.length >= 3) ac.abort();
    },
  });
  return median(rates);
}

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function run(cmd, argv, env) {
  return new Promise((resolve) => {
    const c = spawn(cmd, argv, { env, cwd: dir });
    let stdout = '', stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    c.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const needsShim = (py) => spawnSync(py, ['-c', 'import torch._dynamo'], { stdio: 'ignore' }).status !== 0;
const torchVersion = (py) => spawnSync(py, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' }).stdout.trim();

async function torchRate(py, procs, store) {
  const env = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONPATH: [...(needsShim(py) ? [join(root, 'test/bench/torch_shim')] : []), join(root, 'python')].join(':') };
  const train = ['-m', 'recur_torch.train', store, '-o', join(dir, 'model.safetensors'), '--json', '--checkpoint-interval', '0', '--time', `${SECONDS}s`,
    ...Object.entries(C1).flatMap(([k, v]) => ['--' + k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase()), String(v)])];
  const argv = procs === 1
    ? ['-B', ...train]
    : ['-B', '-m', 'torch.distributed.run', '--nnodes=1', '--rdzv_backend=c10d', `--rdzv_endpoint=127.0.0.1:${await freePort()}`, `--nproc_per_node=${procs}`, '--redirects=2', '--tee=2', ...train];
  const r = await run(py, argv, env);
  if (r.code !== 0) throw new Error(`${py} ${procs} process(es) failed: ${r.stderr.slice(-2000)}`);
  const rates = r.stdout.split('\n').filter((l) => l.startsWith('{"type":"step"')).map((l) => JSON.parse(l)).filter((e) => e.step > WARMUP_STEPS).map((e) => e.tokensPerSec);
  if (rates.length === 0) throw new Error(`${py} ${procs} process(es): no step after the warm-up in ${SECONDS}s; give more --seconds`);
  return median(rates);
}

const text = readFileSync(CORPUS, 'utf8');
const stores = await writeStores(text);
const configs = [];
for (const split of ['lines', 'none']) {
  configs.push({ name: `recur train (${split})`, split, go: () => recurRate(text, split) });
  for (const py of PYTHONS) {
    const v = torchVersion(py);
    for (const procs of [1, 2]) configs.push({ name: `torch ${v}, ${procs} process${procs > 1 ? 'es' : ''} (${split})`, split, go: () => torchRate(py, procs, stores[split]) });
  }
}
const results = Object.fromEntries(configs.map((c) => [c.name, []]));
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? configs : [...configs].reverse();
  const got = {};
  for (const c of order) {
    got[c.name] = await c.go();
    console.error(`round ${round + 1}: ${c.name}: ${Math.round(got[c.name])} tokens/s`);
  }
  for (const c of configs) results[c.name].push({ rate: got[c.name], ratio: got[c.name] / got[`recur train (${c.split})`] });
}
console.log(`| configuration (C1: char GRU, E 64, H 256, batch 32×64, Adam) | tokens/s, median of rounds | ÷ recur train, same round |`);
console.log('|---|---|---|');
for (const c of configs) {
  const r = results[c.name];
  console.log(`| ${c.name} | ${Math.round(median(r.map((x) => x.rate)))} | ${r.map((x) => x.ratio.toFixed(3)).join(', ')} |`);
}

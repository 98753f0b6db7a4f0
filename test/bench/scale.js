#!/usr/bin/env node
// Corpus preparation and training at scale:
//   `npm run bench -- --scale [--mb 2000,700] [--reps 3] [--threads 1,2] [--levels char,word] [--train-steps 50] [--ab-reps 5]`
//
// Makes a corpus of about --mb megabytes (each size in the list in turn) by repeating Tiny
// Shakespeare (under the system's temporary folder, never in the repository; --source FILE for
// another text, --corpus FILE to use a file as it is), then measures, each in a child process of its
// own so that its peak RSS is its own:
//
//   wc -w FILE                      the machine's floor for reading the file once
//   recur prepare FILE --level L --threads T -o OUT.recur     for every level and thread count
//                                   (word level with --max-vocab 50000)
//   recur train OUT.recur --steps 50 (C1 sizes: GRU 256, embed 65, batch 32×64)
//                                   for every level: peak RSS, and the time from launch to the first step
//
// and, once (--ab-reps alternations, 0 to skip), training tokens/s on C1 from a store against the same
// text encoded in memory (Tiny Shakespeare), the two runs alternated in one run of this script.
//
// The runs alternate (one of each per repetition, in a rotating order) so that a change in the
// machine's speed falls on all of them alike; the table gives medians, min–max, and each
// preparation's speed as a ratio of wc -w's from the same run. Peak RSS comes from
// process.resourceUsage() (test/fixtures/maxrss.mjs).
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const value = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MBS = value('--mb', '200').split(',').map(Number);
const TRAIN_STEPS = Number(value('--train-steps', '50'));
const AB_REPS = Number(value('--ab-reps', '5'));
const REPS = Number(value('--reps', '3'));
const THREADS = value('--threads', '1,2').split(',').map(Number);
const LEVELS = value('--levels', 'char,word').split(',');
const SOURCE = value('--source', '/work/shared/corpora/tinyshakespeare.txt');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'recur-scale-'));

function makeCorpus(MB) {
  const given = value('--corpus');
  if (given) return given;
  const file = path.join(work, `corpus-${MB}mb.txt`);
  const text = fs.readFileSync(SOURCE);
  const fd = fs.openSync(file, 'w');
  for (let n = 0; n < MB * 1e6; n += text.length) fs.writeSync(fd, text);
  fs.closeSync(fd);
  return file;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Run a command; wall seconds and (for node) peak RSS in MB. */
function timed(cmd, argv) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 1 << 26 });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' ')}`);
  const rss = /MAXRSS_KB (\d+)/.exec(r.stderr);
  return { s, rssMB: rss ? Number(rss[1]) / 1024 : null, stdout: r.stdout };
}

const recurJs = path.join(root, 'bin/recur.js'), maxrss = path.join(root, 'test/fixtures/maxrss.mjs');
// C1 (test/bench/configs.json) at both levels; at word level the 50,000 tokens take the adaptive softmax (the default above 5,000)
const C1 = ['--cell', 'gru', '--embed', '65', '--hidden', '256', '--batch', '32', '--seq-len', '64', '--samples', '0', '--threads', '2'];

/** Launch `recur train … --json`: wall seconds, seconds from launch to the first step, peak RSS, tokens/s. */
function timedTrain(argv) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, ['--import', maxrss, recurJs, 'train', ...argv, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '', first = null;
    child.stdout.on('data', (b) => {
      out += b;
      if (first === null && out.includes('"type":"step"')) first = Number(process.hrtime.bigint() - t0) / 1e9;
    });
    child.stderr.on('data', (b) => (err += b));
    child.on('close', (code) => {
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      if (code !== 0) return reject(new Error(`recur train ${argv.join(' ')} failed: ${err.trim().split('\n').slice(-2).join(' ')}`));
      const done = JSON.parse(out.trim().split('\n').at(-1));
      const rss = /MAXRSS_KB (\d+)/.exec(err);
      resolve({ s, first, rssMB: rss ? Number(rss[1]) / 1024 : null, tokensPerSec: done.tokens_per_s });
    });
  });
}

const table = ['', `| corpus | run | MB/s median (min–max) | × wc -w | peak RSS MB median (max) | first step s median |`, '|---|---|---|---|---|---|'];
for (const MB of MBS) await scale(MB);
if (AB_REPS > 0) await storeVsMemory();
process.stdout.write(table.join('\n') + '\n');
fs.rmSync(work, { recursive: true, force: true });

async function scale(MB) {
  const corpus = makeCorpus(MB);
  const bytes = fs.statSync(corpus).size;
  const runs = [{ name: 'wc -w', cmd: 'wc', argv: ['-w', corpus] }];
  for (const level of LEVELS) {
    for (const threads of THREADS) {
      runs.push({
        name: `prepare ${level} ${threads}t`,
        cmd: process.execPath,
        argv: ['--import', maxrss, recurJs, 'prepare', corpus, '-o', path.join(work, `${level}.recur`), '--force', '--quiet', '--level', level,
          '--threads', String(threads), ...(level === 'word' ? ['--max-vocab', '50000'] : [])],
      });
    }
    runs.push({ name: `train ${level} (store, --steps ${TRAIN_STEPS})`, train: [path.join(work, `${level}.recur`), ...C1, '--steps', String(TRAIN_STEPS), '-o', path.join(work, 'm.safetensors'), '--force'] });
  }
  process.stderr.write(`corpus ${corpus}: ${(bytes / 1e6).toFixed(1)} MB; ${REPS} repetitions of ${runs.length} runs, ${os.availableParallelism()} cores\n`);
  const results = new Map(runs.map((r) => [r.name, []]));
  for (let rep = 0; rep < REPS; rep++) {
    // preparations rotate among themselves; each level's training follows its preparation (it needs the store)
    const order = runs.filter((r) => !r.train);
    const rotated = order.map((_, k) => order[(k + rep) % order.length]);
    const seq = [];
    for (const r of rotated) {
      seq.push(r);
      if (r.name.startsWith('prepare ') && r.name.endsWith(` ${THREADS.at(-1)}t`)) seq.push(runs.find((t) => t.train && t.name.startsWith(`train ${r.name.split(' ')[1]} `)));
    }
    for (const r of seq) {
      const m = r.train ? await timedTrain(r.train) : timed(r.cmd, r.argv);
      const row = { mb: MB, rep, run: r.name, seconds: Number(m.s.toFixed(3)), mb_per_s: r.train ? null : Number((bytes / 1e6 / m.s).toFixed(1)),
        peak_rss_mb: m.rssMB && Math.round(m.rssMB), first_step_s: m.first ?? null };
      results.get(r.name).push(row);
      process.stdout.write(JSON.stringify(row) + '\n');
    }
  }
  const floor = median(results.get('wc -w').map((x) => x.mb_per_s));
  for (const [name, rows] of results) {
    const rates = rows.map((x) => x.mb_per_s).filter((x) => x !== null), rss = rows.map((x) => x.peak_rss_mb).filter((x) => x !== null);
    const firsts = rows.map((x) => x.first_step_s).filter((x) => x !== null);
    table.push(`| ${(bytes / 1e6).toFixed(0)} MB | ${name} | ${rates.length ? `${median(rates).toFixed(1)} (${Math.min(...rates).toFixed(1)}–${Math.max(...rates).toFixed(1)})` : '–'} | ` +
      `${rates.length ? (median(rates) / floor).toFixed(3) : '–'} | ${rss.length ? `${median(rss)} (${Math.max(...rss)})` : '–'} | ${firsts.length ? median(firsts).toFixed(2) : '–'} |`);
  }
  for (const level of LEVELS) fs.rmSync(path.join(work, `${level}.recur`), { recursive: true, force: true });
  if (!value('--corpus')) fs.rmSync(corpus, { force: true });
}

/** Training tokens/s on C1 from a store and from the same text in memory, alternated. */
async function storeVsMemory() {
  const store = path.join(work, 'ab.recur');
  // no validation part: the rates are of training steps only
  timed(process.execPath, [recurJs, 'prepare', SOURCE, '-o', store, '--force', '--quiet', '--val-frac', '0']);
  const argv = [...C1, '--steps', '60', '--val-frac', '0', '-o', path.join(work, 'ab.safetensors'), '--force'];
  const rates = { memory: [], store: [] };
  for (let rep = 0; rep < AB_REPS; rep++) {
    for (const which of rep % 2 ? ['store', 'memory'] : ['memory', 'store']) {
      const m = await timedTrain([which === 'store' ? store : SOURCE, ...argv]);
      rates[which].push(m.tokensPerSec);
      process.stdout.write(JSON.stringify({ ab: which, rep, tokens_per_s: Math.round(m.tokensPerSec) }) + '\n');
    }
  }
  const ratios = rates.store.map((s, i) => s / rates.memory[i]);
  table.push('', `C1 training from a store / in memory (${AB_REPS} alternations): tokens/s median ${Math.round(median(rates.store))} / ${Math.round(median(rates.memory))}, ` +
    `ratio of the pairs median ${median(ratios).toFixed(3)} (${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)})`);
}

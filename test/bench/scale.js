#!/usr/bin/env node
// Corpus preparation at scale: `npm run bench -- --scale [--mb 200] [--reps 3] [--threads 1,2] [--levels char,word]`
//
// Makes a corpus of about --mb megabytes by repeating Tiny Shakespeare (under the system's temporary
// folder, never in the repository; --source FILE for another text, --corpus FILE to use a file as
// it is), then measures, each in a child process of its own so that its peak RSS is its own:
//
//   wc -w FILE                      the machine's floor for reading the file once
//   recur prepare FILE --level L --threads T -o OUT.recur     for every level and thread count
//
// The runs alternate (one of each per repetition, in a rotating order) so that a change in the
// machine's speed falls on all of them alike; the table gives medians, min–max, and each
// preparation's speed as a ratio of wc -w's from the same run. Peak RSS comes from
// process.resourceUsage() (test/fixtures/maxrss.mjs).
import { spawnSync } from 'node:child_process';
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
const MB = Number(value('--mb', '200'));
const REPS = Number(value('--reps', '3'));
const THREADS = value('--threads', '1,2').split(',').map(Number);
const LEVELS = value('--levels', 'char,word').split(',');
const SOURCE = value('--source', '/work/shared/corpora/tinyshakespeare.txt');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'recur-scale-'));

function makeCorpus() {
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

const corpus = makeCorpus();
const bytes = fs.statSync(corpus).size;
const out = path.join(work, 'out.recur');
const runs = [{ name: 'wc -w', cmd: 'wc', argv: ['-w', corpus] }];
for (const level of LEVELS) {
  for (const threads of THREADS) {
    runs.push({
      name: `prepare ${level} ${threads}t`,
      cmd: process.execPath,
      argv: ['--import', path.join(root, 'test/fixtures/maxrss.mjs'), path.join(root, 'bin/recur.js'), 'prepare', corpus,
        '-o', out, '--force', '--quiet', '--level', level, '--threads', String(threads)],
    });
  }
}
process.stderr.write(`corpus ${corpus}: ${(bytes / 1e6).toFixed(1)} MB; ${REPS} repetitions of ${runs.length} runs, ${os.availableParallelism()} cores\n`);

const results = new Map(runs.map((r) => [r.name, []]));
for (let rep = 0; rep < REPS; rep++) {
  for (let k = 0; k < runs.length; k++) {
    const r = runs[(k + rep) % runs.length];
    const m = timed(r.cmd, r.argv);
    const row = { rep, run: r.name, seconds: Number(m.s.toFixed(3)), mb_per_s: Number((bytes / 1e6 / m.s).toFixed(1)), peak_rss_mb: m.rssMB && Math.round(m.rssMB) };
    results.get(r.name).push(row);
    process.stdout.write(JSON.stringify(row) + '\n');
  }
}

const floor = median(results.get('wc -w').map((x) => x.mb_per_s));
const lines = ['', `| run | MB/s median (min–max) | × wc -w | peak RSS MB median (max) |`, '|---|---|---|---|'];
for (const [name, rows] of results) {
  const rates = rows.map((x) => x.mb_per_s), rss = rows.map((x) => x.peak_rss_mb).filter((x) => x !== null);
  lines.push(`| ${name} | ${median(rates).toFixed(1)} (${Math.min(...rates).toFixed(1)}–${Math.max(...rates).toFixed(1)}) | ${(median(rates) / floor).toFixed(3)} | ` +
    `${rss.length ? `${median(rss)} (${Math.max(...rss)})` : '–'} |`);
}
process.stdout.write(lines.join('\n') + '\n');
fs.rmSync(work, { recursive: true, force: true });

#!/usr/bin/env node
// recur's speed benchmark: `npm run bench [-- --vs-torch] [--only C1-gru,…] [--threads N] [--kernels K]`
// (`npm run bench -- --scale …`: corpus preparation at scale, test/bench/scale.js)
//
// Each configuration runs in its own child process (so its peak RSS is its own)
// and prints one JSON line: tokens/s median and min–max over timed windows after
// a warm-up, peak RSS, threads, kernel set. With --vs-torch the same configuration
// is run in PyTorch (torch_bench.py beside this file) right after ours, and the
// ratio is printed.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runConfig, CONFIGS } from './configs.js';
import { benchHeader } from './header.js';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};

if (flag('--scale')) {
  // corpus preparation at scale: a separate benchmark (test/bench/scale.js)
  await import('./scale.js');
  process.exit(0);
}

if (flag('--child')) {
  const r = await runConfig(value('--config'), { threads: Number(value('--threads', '0')) || undefined, kernels: value('--kernels') });
  process.stdout.write(JSON.stringify(r) + '\n');
  process.exit(0);
}

const self = fileURLToPath(import.meta.url);
const torchScript = fileURLToPath(new URL('./torch_bench.py', import.meta.url));
const only = value('--only', '')?.split(',').filter(Boolean);
const names = Object.keys(CONFIGS).filter((n) => !only?.length || only.includes(n));
const vsTorch = flag('--vs-torch');
// a Python that has torch: --python, $RECUR_PYTHON, python3, or Debian's /usr/bin/python3
const python = value('--python') ?? [process.env.RECUR_PYTHON, 'python3', '/usr/bin/python3']
  .filter(Boolean)
  .find((py) => spawnSync(py, ['-c', 'import torch']).status === 0) ?? 'python3';

function child(cmd, argv) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) return { error: (r.stderr || r.stdout || `exit ${r.status}`).trim().split('\n').slice(-3).join(' ') };
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

// which kernels (the default set, unless --kernels), Node, V8 and CPU this run measured
process.stdout.write(JSON.stringify({ ...(await benchHeader()), ...(value('--kernels') ? { kernels_asked: value('--kernels') } : {}) }) + '\n');
for (const name of names) {
  const extra = [];
  if (value('--threads')) extra.push('--threads', value('--threads'));
  if (value('--kernels')) extra.push('--kernels', value('--kernels'));
  const ours = child(process.execPath, [self, '--child', '--config', name, ...extra]);
  process.stdout.write(JSON.stringify({ impl: 'recur', ...ours }) + '\n');
  if (vsTorch) {
    const torch = child(python, [torchScript, name, '--threads', value('--torch-threads', '2')]);
    process.stdout.write(JSON.stringify({ impl: 'pytorch', ...torch }) + '\n');
    if (ours.tokens_per_s && torch.tokens_per_s) {
      process.stdout.write(JSON.stringify({ config: name, ratio_recur_over_pytorch: Number((ours.tokens_per_s / torch.tokens_per_s).toFixed(3)) }) + '\n');
    }
  }
}

#!/usr/bin/env node
// Turn `npm run bench -- --vs-torch` output (JSON lines on stdin) into the Markdown table of RESULTS.md.
import { readFileSync } from 'node:fs';

const lines = readFileSync(0, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
const header = lines.find((r) => r.bench_header);
if (header) console.log(`Kernels ${header.kernels}${header.kernels_asked ? ` (asked: ${header.kernels_asked})` : ''}, Node ${header.node} (V8 ${header.v8}), ${header.cpu}, ${header.cores} cores\n`);
const rows = lines.filter((r) => !r.bench_header);
const by = new Map();
for (const r of rows) {
  const key = r.config;
  if (!by.has(key)) by.set(key, {});
  const e = by.get(key);
  if (r.impl === 'recur') e.recur = r;
  else if (r.impl === 'pytorch') e.torch = r;
}
const fmt = (r) => (r && r.tokens_per_s ? `${r.tokens_per_s.toLocaleString('en-US')} (${r.min.toLocaleString('en-US')}–${r.max.toLocaleString('en-US')})` : r?.error ? 'error' : '–');
console.log('| config | recur tokens/s median (min–max) | threads | peak RSS MB | PyTorch tokens/s median (min–max) | PyTorch RSS MB | ratio |');
console.log('|---|---|---|---|---|---|---|');
for (const [name, e] of by) {
  const ratio = e.recur?.tokens_per_s && e.torch?.tokens_per_s ? (e.recur.tokens_per_s / e.torch.tokens_per_s).toFixed(2) + '×' : '–';
  console.log(`| ${name} | ${fmt(e.recur)} | ${e.recur?.threads ?? '–'} | ${e.recur?.peak_rss_mb ?? '–'} | ${fmt(e.torch)} | ${e.torch?.peak_rss_mb ?? '–'} | ${ratio} |`);
}

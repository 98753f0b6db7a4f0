/** recur info NAME.recur: what a token store holds (its manifest), after checking its shards. */
import type { CliIO } from '../io.js';
import { compact } from '../common.js';
import { checkStore, readManifest, type PartInfo, type StoreManifest } from '../../index.js';

export function storeInfo(io: CliIO, path: string, f: { json: boolean; verify: boolean }): void {
  const { manifest: m, id } = readManifest(path);
  checkStore(path, m, f.verify ? 'all' : 'changed');
  if (f.json) {
    const { vocab, ...rest } = m;
    io.stdout.write(JSON.stringify({ store: true, id, vocab_size: vocab.length, ...rest }) + '\n');
    return;
  }
  io.stdout.write(describeStore(path, m, f.verify).join('\n') + '\n');
}

function part(p: PartInfo | null, dtype: string): string {
  if (!p) return 'none';
  const oov = p.tokens > 0 ? ` (${((100 * p.oov) / p.tokens).toFixed(2)}% <unk>)` : '';
  return `${compact(p.tokens)} tokens${oov} in ${compact(p.sequences)} sequences, ${p.shards.length} shard${p.shards.length === 1 ? '' : 's'} of ${dtype}`;
}

export function describeStore(path: string, m: StoreManifest, verified: boolean): string[] {
  const t = m.text, v = m.vocabulary;
  const bytes = m.sources.reduce((n, s) => n + s.bytes, 0);
  const names = m.sources.slice(0, 3).map((s) => s.path.replace(/^.*[\\/]/, '')).join(', ') + (m.sources.length > 3 ? ', …' : '');
  const sample = m.vocab.slice(2, 22).map((x) => JSON.stringify(x)).join(' ');
  const b = m.parts.train.blocks;
  const lines = [
    `${path} (token store, ${m.format}, created ${m.created})`,
    `  tokens      ${t.level} level${t.level === 'word' ? `, ${t.tokenize} tokenizer` : ''}${t.lowercase ? ', lowercased' : ''}; sequences split by ${t.split}`,
    `  vocabulary  ${m.vocab.length} (<eos>, <unk>, ${sample}${m.vocab.length > 22 ? ' …' : ''}); ` +
      (v.from ? `from ${v.from}` : `counted from the training text (max ${v.maxVocab || 'all'}, min count ${v.minCount})`),
    `  sources     ${m.sources.length} file${m.sources.length === 1 ? '' : 's'}, ${compact(bytes)} bytes (${names})` +
      (m.skipped.length > 0 ? `; ${m.skipped.length} skipped (${m.skipped[0].path.replace(/^.*[\\/]/, '')}: ${m.skipped[0].reason}${m.skipped.length > 1 ? ', …' : ''})` : ''),
    `  train       ${part(m.parts.train, m.dtype)}` + (b ? `; shuffled in ${compact(b.count)} blocks of ${b.sequencesPerBlock} sequence${b.sequencesPerBlock === 1 ? '' : 's'}` : ''),
    `  validation  ${part(m.parts.val, m.dtype)}${m.parts.val ? (m.valTail ? '; the end of each file (running text)' : '') : m.valFrac > 0 ? ` (--val-frac ${m.valFrac} held out nothing)` : ''}`,
    `  checked     sizes${verified ? ' and every checksum' : ', and checksums of shards changed since'}: all good`,
  ];
  return lines;
}

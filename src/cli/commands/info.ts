/** recur info MODEL|CHECKPOINT|STORE */
import { statSync } from 'node:fs';
import { cpus } from 'node:os';
import { Command } from 'commander';
import type { CliIO } from '../io.js';
import { compact } from '../common.js';
import { formatDuration } from '../common.js';
import { storeInfo } from './store-info.js';
import { loadModel, readSafetensors, type ModelConfig, paramLayout, readModelBytes, checkpointFromFile, isCheckpoint, type Checkpoint, epochsOf, flatOptions, kernelReport, usageError } from '../../index.js';

export function infoCommand(io: CliIO): Command {
  return new Command('info')
    .description('the configuration, vocabulary, size and training summary of a model, the progress and options of a checkpoint, or what a token store holds')
    .argument('[file]', 'a model file, a checkpoint, or a token store (recur prepare)')
    .option('--json', 'print as one JSON object', false)
    .option('--verify', 'token store: check every shard against its checksum', false)
    .option('--kernels', 'which kernel sets run on this machine and which one is the default', false)
    .addHelpText('after', '\nExamples:\n  recur info model.safetensors     (or a checkpoint: recur info model.safetensors.ckpt)\n  recur info --kernels')
    .action(async (path: string | undefined, f: { json: boolean; verify: boolean; kernels: boolean }) => {
      if (f.kernels) {
        if (path !== undefined) throw usageError('--kernels describes this machine, not a file: give one or the other');
        return kernelsInfo(io, f.json);
      }
      if (path === undefined) throw usageError('give a model, a checkpoint or a token store to describe (or --kernels)');
      if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) return storeInfo(io, path, f);
      const bytes = readModelBytes(path);
      const file = readSafetensors(bytes, path, true); // described and dropped: views of bytes will do
      if (isCheckpoint(file)) {
        checkpointInfo(io, path, checkpointFromFile(file, path), f.json);
        return;
      }
      const m = loadModel(bytes, path);
      const c = m.config;
      if (f.json) {
        io.stdout.write(JSON.stringify({ config: c, vocab_size: m.vocab.size, parameters: m.parameterCount, training: m.info }) + '\n');
        return;
      }
      const lines = [`${path}`, ...describeModel(c, m.vocab.tokens, m.parameterCount)];
      const t = m.info;
      if (Object.keys(t).length > 0) {
        lines.push(`  training    ${Object.entries(t).filter(([k]) => k !== 'history' && k !== 'samples').map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', ')}`);
      }
      if (t.history) lines.push(`  history     stored (recur report ${path} draws the loss curves)`);
      io.stdout.write(lines.join('\n') + '\n');
    });
}

function describeModel(c: ModelConfig, tokens: readonly string[], parameters: number): string[] {
  const sample = tokens.slice(2, 22).map((t) => JSON.stringify(t)).join(' ');
  return [
    `  model       ${c.layers}-layer ${c.cell.toUpperCase()}, hidden ${c.hidden}, embedding ${c.embed}` +
      `${c.softmax === 'adaptive' ? `, adaptive softmax (cutoffs ${c.cutoffs.join(',')}, div_value ${c.div_value})` : ''}${c.tie ? ', tied decoder' : ''}` +
      `; ${compact(parameters)} parameters (${parameters})`,
    `  tokens      ${c.level} level${c.level === 'word' ? `, ${c.tokenize} tokenizer` : ''}${c.lowercase ? ', lowercased' : ''}; sequences split by ${c.split}${c.running_text ? ', read in order as one running text' : ''}`,
    `  vocabulary  ${tokens.length} (<eos>, <unk>, ${sample}${tokens.length > 22 ? ' …' : ''})`,
  ];
}

function checkpointInfo(io: CliIO, path: string, ck: Checkpoint, json: boolean): void {
  const s = ck.state;
  const parameters = paramLayout(s.config, s.vocab.length).size;
  const epochs = epochsOf(s);
  const lastVal = s.history.val.at(-1);
  if (json) {
    io.stdout.write(JSON.stringify({
      checkpoint: true,
      config: s.config,
      vocab_size: s.vocab.length,
      parameters,
      step: s.step,
      epoch: epochs,
      elapsed_s: s.elapsedMs / 1000,
      train_loss: Number.isFinite(s.lastLoss) ? s.lastLoss : null,
      val_loss: lastVal?.loss ?? null,
      best: s.best ? { val_loss: s.best.valLoss, step: s.best.step } : null,
      history: { train: s.history.train.slice(-5), val: s.history.val.slice(-5) },
      options: ck.options,
      run: ck.run,
    }) + '\n');
    return;
  }
  const run = ck.run as { corpus?: { path: string }[] };
  const flags = Object.entries(flatOptions(ck.options)).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ');
  const recent = s.history.train.slice(-3).map((p) => `${p.step}: ${p.loss.toFixed(4)}`).join(', ');
  const lines = [
    `${path} (checkpoint)`,
    ...describeModel(s.config, s.vocab, parameters),
    `  progress    step ${s.step}, epoch ${epochs.toFixed(2)} (window ${s.window} of ${s.windowsPerEpoch}), ${formatDuration(s.elapsedMs)} of training`,
    `  losses      train ${Number.isFinite(s.lastLoss) ? s.lastLoss.toFixed(4) : '–'} (recent: ${recent || '–'})` +
      `${lastVal ? `; validation ${lastVal.loss.toFixed(4)} at step ${lastVal.step}` : ''}` +
      `${s.best ? `; best ${s.best.valLoss.toFixed(4)} at step ${s.best.step}` : ''}`,
    `  corpus      ${(run.corpus ?? []).map((c) => c.path).join(', ') || '–'}`,
    `  options     ${flags || '–'}`,
    `  continue    recur train --resume ${path}`,
  ];
  io.stdout.write(lines.join('\n') + '\n');
}

const KERNEL_SET_TEXT: Record<string, string> = {
  reference: 'scalar JavaScript, the specification',
  simd: 'WebAssembly 128-bit SIMD',
  fma: 'WebAssembly relaxed SIMD with fused multiply-add',
};

/** recur info --kernels: the kernel sets this engine runs and the default, with the machine they run on. */
async function kernelsInfo(io: CliIO, json: boolean): Promise<void> {
  const r = await kernelReport(), cpu = cpus()[0]?.model ?? 'unknown CPU', engine = `Node ${process.versions.node}, V8 ${process.versions.v8}`;
  if (json) {
    io.stdout.write(JSON.stringify({ ...r, cpu, cores: cpus().length, node: process.versions.node, v8: process.versions.v8 }) + '\n');
    return;
  }
  io.stdout.write([
    `kernels     ${r.default} (the default, --kernels wasm): ${KERNEL_SET_TEXT[r.default]}`,
    `available   ${r.available.map((k) => `${k} (${KERNEL_SET_TEXT[k]})`).join(', ')}`,
    `engine      ${engine}; relaxed SIMD ${r.relaxedSimd ? 'compiles' : 'is not available, so no fma'}`,
    `machine     ${cpu.trim()}, ${cpus().length} cores`,
  ].join('\n') + '\n');
}

/** recur info MODEL */
import { Command } from 'commander';
import type { CliIO } from '../io.js';
import { compact, readModel } from '../common.js';

export function infoCommand(io: CliIO): Command {
  return new Command('info')
    .description('the configuration, vocabulary, size and training summary of a model')
    .argument('<model>', 'a model file')
    .option('--json', 'print as one JSON object', false)
    .addHelpText('after', '\nExample:\n  recur info model.safetensors')
    .action((path: string, f: { json: boolean }) => {
      const m = readModel(path);
      const c = m.config;
      if (f.json) {
        io.stdout.write(JSON.stringify({ config: c, vocab_size: m.vocab.size, parameters: m.parameterCount, training: m.info }) + '\n');
        return;
      }
      const sample = m.vocab.tokens.slice(2, 22).map((t) => JSON.stringify(t)).join(' ');
      const lines = [
        `${path}`,
        `  model       ${c.layers}-layer ${c.cell.toUpperCase()}, hidden ${c.hidden}, embedding ${c.embed}` +
          `${c.softmax === 'adaptive' ? `, adaptive softmax (cutoffs ${c.cutoffs.join(',')}, div_value ${c.div_value})` : ''}${c.tie ? ', tied decoder' : ''}` +
          `; ${compact(m.parameterCount)} parameters (${m.parameterCount})`,
        `  tokens      ${c.level} level${c.level === 'word' ? `, ${c.tokenize} tokenizer` : ''}${c.lowercase ? ', lowercased' : ''}; sequences split by ${c.split}`,
        `  vocabulary  ${m.vocab.size} (<eos>, <unk>, ${sample}${m.vocab.size > 22 ? ' …' : ''})`,
      ];
      const t = m.info;
      if (Object.keys(t).length > 0) {
        lines.push(`  training    ${Object.entries(t).filter(([k]) => k !== 'history' && k !== 'samples').map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', ')}`);
      }
      if (t.history) lines.push(`  history     stored (recur report ${path} draws the loss curves)`);
      io.stdout.write(lines.join('\n') + '\n');
    });
}

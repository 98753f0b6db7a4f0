/** The few lines printed after training: what was reached, how long it took, where the model is. */
import chalk from 'chalk';
import { formatDuration } from '../common.js';
import { compact, fmt } from '../common.js';
import { sparkline } from './sparkline.js';
import { type TrainResult } from '../../index.js';

export function formatSummary(result: TrainResult, output: string, extra: { report?: string; interrupted?: boolean } = {}): string {
  const val = result.bestValLoss !== null
    ? `best validation loss ${chalk.bold(fmt(result.bestValLoss))} (perplexity ${chalk.bold(fmt(Math.exp(result.bestValLoss), 2))}, step ${result.bestStep})`
    : 'no validation data';
  const lines = [
    `${extra.interrupted ? `${chalk.yellow('⚠')} interrupted after` : chalk.green('✔')} ${result.steps} steps, ${fmt(result.epochs, 2)} epochs in ${formatDuration(result.elapsedMs)} ` +
      `(${compact(result.tokensPerSec)} tokens/s); train loss ${fmt(result.lastTrainLoss)}, ${val}`,
  ];
  const train = result.history.train.map((p) => p.loss);
  if (train.length >= 2) {
    lines.push(`  train loss ${chalk.cyan(sparkline(train, 40))} ${fmt(train[0], 2)} → ${fmt(train[train.length - 1], 2)}`);
  }
  const vals = result.history.val.map((p) => p.loss);
  if (vals.length >= 2) {
    lines.push(`  val loss   ${chalk.magenta(sparkline(vals, 40))} ${fmt(vals[0], 2)} → ${fmt(vals[vals.length - 1], 2)}`);
  }
  lines.push(`  model written to ${chalk.bold(output)}`);
  if (extra.report) lines.push(`  report written to ${chalk.bold(extra.report)}`);
  return lines.join('\n') + '\n';
}

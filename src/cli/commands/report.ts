/** recur report MODEL -o report.html: the training report of a finished run, from the model file's metadata. */
import { Command } from 'commander';
import chalk from 'chalk';
import { isCheckpointFile, readCheckpoint } from '../resume.js';
import type { CliIO } from '../io.js';
import { readModel, writeFileAtomic } from '../common.js';
import { flatOptions } from '../../index.js';
import { renderReport, parseRunRecord, recordFromModel, recordFromState, type RunRecord, inputError, readText } from '../../index.js';

/** Where run records come from: a model file, a checkpoint, or a run record as JSON. */
export type RunRecordSource = (path: string) => RunRecord;

export const modelRecordSource: RunRecordSource = (path) => recordFromModel(readModel(path), path);

/** A run record saved as JSON (the RunRecord shape), e.g. by another tool or a checkpointing job. */
export const jsonRecordSource: RunRecordSource = (path) => {
  const text = readText(path, { role: 'run record' });
  try {
    return parseRunRecord(JSON.parse(text), path);
  } catch (e) {
    // JSON.parse's message quotes the text, newlines and all: keep it to its first line
    throw inputError(`${path} is not a usable run record: ${(e as Error).message.split('\n')[0]}`);
  }
};

/** A checkpoint: the run as far as it has got (finished, interrupted or still running). */
export const checkpointRecordSource: RunRecordSource = (path) => {
  const ck = readCheckpoint(path);
  const options = { corpus: ck.record.corpus.map((c) => c.path).join(', '), ...flatOptions(ck.options) };
  return recordFromState(ck.state, path, options);
};

/** .json files are run records; a checkpoint or a model file otherwise (by its metadata). */
export const defaultRecordSource: RunRecordSource = (path) => {
  if (/\.json$/i.test(path)) return jsonRecordSource(path);
  return isCheckpointFile(path) ? checkpointRecordSource(path) : modelRecordSource(path);
};

/** Write the report page for a record; returns the bytes written. */
export async function writeReport(record: RunRecord, output: string): Promise<number> {
  const bytes = new TextEncoder().encode(renderReport(record));
  await writeFileAtomic(output, bytes);
  return bytes.length;
}

export function reportCommand(io: CliIO, source: RunRecordSource = defaultRecordSource): Command {
  return new Command('report')
    .description('write the HTML training report (loss curves, samples along the way, configuration) of a model or a checkpoint')
    .argument('<run>', 'a model file or a checkpoint written by recur train (also of a run still going), or a run record (.json)')
    .option('-o, --output <file>', 'where to write the page', 'report.html')
    .addHelpText('after', '\nExample:\n  recur report dinos.safetensors -o dinos.html && xdg-open dinos.html')
    .action(async (path: string, f: { output: string }) => {
      const record = source(path);
      await writeReport(record, f.output);
      const note = record.train.length === 0 ? ' (the model holds no loss history, so there are no curves)' : '';
      io.stderr.write(`${chalk.green('✔')} report written to ${chalk.bold(f.output)}${note}\n`);
    });
}

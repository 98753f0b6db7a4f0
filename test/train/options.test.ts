/**
 * The option schema: one table per command family from which the library's
 * validation, its defaults, the command line's flags and help, and the JSON the
 * PyTorch trainer reads all come. Each claim is checked on the real tables.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RecurError } from '../../src/core/errors.js';
import { defaultText, fieldsOf } from '../../src/core/options.js';
import { Rng } from '../../src/core/rng.js';
import { InferenceSession } from '../../src/infer/session.js';
import { resolveSampleOptions } from '../../src/infer/options.js';
import { sampleOne } from '../../src/infer/sample.js';
import { TRAIN_COMMAND_OPTIONS, TRAIN_OPTIONS, resolveTrainOptions } from '../../src/train/options.js';
import { cliMessage } from '../../src/cli/options.js';
import { tinyModel } from '../helpers/model-files.js';
import { recur } from '../helpers/cli.js';

const usage = (f: () => unknown): RecurError => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(RecurError);
    expect((e as RecurError).kind).toBe('usage');
    return e as RecurError;
  }
  throw new Error('expected a usage error');
};

describe('the training options', () => {
  it('resolve to recur train\'s defaults, by level and by optimizer where they depend on them', () => {
    const o = resolveTrainOptions({});
    expect(o.data).toEqual({ level: 'char', split: 'lines', tokenize: 'default', lowercase: false, maxVocab: 0, minCount: 1, valFrac: 0.1 });
    expect(o.model).toMatchObject({ cell: 'gru', embed: 64, hidden: 256, layers: 1, softmax: undefined, tie: false, dropout: 0 });
    expect(o.optimizer).toMatchObject({ optimizer: 'adam', lr: 0.002, batch: 32, seqLen: 64, clip: 5 });
    expect(o.limits).toEqual({ epochs: 50, steps: undefined, time: undefined });
    const w = resolveTrainOptions({ data: { level: 'word' }, optimizer: { optimizer: 'sgd' }, limits: { steps: 10 } });
    expect([w.data.maxVocab, w.model.embed, w.optimizer.seqLen, w.optimizer.lr, w.limits.epochs]).toEqual([10000, 128, 32, 0.5, undefined]);
  });

  it('are checked once, in the library, naming the field; the command line names the flag', () => {
    const cases: [() => unknown, RegExp, string][] = [
      [() => resolveTrainOptions({ optimizer: { lr: 0 } }), /^lr must be a number > 0 \(got 0\)$/, '--lr must be a number > 0 (got 0)'],
      [() => resolveTrainOptions({ optimizer: { seqLen: 0 } }), /^seqLen must be an integer from 1 to 65536/, '--seq-len must be an integer from 1 to 65536 (got 0)'],
      [() => resolveTrainOptions({ model: { dropout: 1 } }), /^dropout must be a number ≥ 0 and < 1/, '--dropout must be a number ≥ 0 and < 1 (got 1)'],
      [() => resolveTrainOptions({ model: { cell: 'transformer' as never } }), /^cell must be one of rnn, gru, lstm/, '--cell must be one of rnn, gru, lstm (got "transformer")'],
      [() => resolveTrainOptions({ model: { hiden: 3 } as never }), /^unknown option model\.hiden/, 'unknown option model.hiden'],
      [() => resolveTrainOptions({ model: { lockedDropout: true } }), /^lockedDropout needs dropout above 0/, '--locked-dropout needs dropout above 0, whose masks it locks over time'],
      [
        () => resolveTrainOptions({ model: { runningText: true }, data: { split: 'none' } }), /^runningText reads lines or paragraphs as one running text/,
        '--running-text reads lines or paragraphs as one running text; with --split none the text is one sequence already',
      ],
    ];
    for (const [f, lib, cli] of cases) {
      const e = usage(f);
      expect(e.message).toMatch(lib);
      expect(cliMessage(e)).toBe(cli);
    }
  });

  it('take choices in any case', () => {
    expect(resolveTrainOptions({ model: { cell: 'LSTM' as never }, data: { level: 'Word' as never } })).toMatchObject({ model: { cell: 'lstm' }, data: { level: 'word' } });
  });

  it('refuse what an initial model decides, and say why', () => {
    const init = tinyModel('gru', 'char', 1, 3);
    expect(resolveTrainOptions({ optimizer: { lr: 0.01 }, model: { dropout: 0.2 } }, { init })).toMatchObject({ model: { hidden: init.config.hidden, dropout: 0.2 } });
    const e = usage(() => resolveTrainOptions({ model: { hidden: 128 } }, { init }));
    expect(e.message).toBe(`hidden cannot be set when training from an initial model: its architecture is kept (hidden ${init.config.hidden})`);
    expect(usage(() => resolveTrainOptions({ data: { level: 'word' } }, { init })).message).toMatch(/^level cannot be set .*vocabulary and text configuration are kept \(level char\)/);
  });

  it('on resume, keep the run\'s own options; the free ones may change, limits replace limits', () => {
    const had = resolveTrainOptions({ model: { hidden: 16 }, limits: { steps: 10 } });
    const o = resolveTrainOptions({ limits: { time: 60 }, runtime: { threads: 2 }, model: { hidden: 16 } }, { resumed: had });
    expect(o.model.hidden).toBe(16);
    expect(o.limits).toEqual({ epochs: undefined, steps: undefined, time: 60 });
    expect(o.runtime.threads).toBe(2);
    expect(usage(() => resolveTrainOptions({ model: { hidden: 32 } }, { resumed: had })).message).toMatch(/^hidden 32 disagrees with the checkpoint being resumed \(it had 16\)/);
  });

  it('are written for the PyTorch trainer exactly as the table says (python/recur_torch/train_options.json)', async () => {
    const { trainOptionsJSON } = await import('../../scripts/export-options.mjs');
    const committed = readFileSync(join(__dirname, '../../python/recur_torch/train_options.json'), 'utf8');
    expect(committed).toBe(trainOptionsJSON());
    const fields = JSON.parse(committed).fields as { name: string; part: string }[];
    expect(fields.map((f) => f.name)).toEqual([...fieldsOf(TRAIN_COMMAND_OPTIONS).keys()]);
    expect(new Set(fields.filter((f) => f.part in TRAIN_OPTIONS).map((f) => f.part))).toEqual(new Set(Object.keys(TRAIN_OPTIONS)));
  });
});

describe('recur train --help', () => {
  it('shows every default, with its unit', async () => {
    const help = (await recur(['train', '--help'])).stdout.replace(/\s+/g, ' ');
    for (const [name, [, spec]] of fieldsOf(TRAIN_COMMAND_OPTIONS)) {
      const d = defaultText(spec);
      if (d === null) continue;
      const flag = '--' + name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
      const at = help.search(new RegExp(`${flag}( <|\\s)`));
      expect(at, flag).toBeGreaterThan(0);
      const next = help.slice(at + flag.length).search(/ (?:-[a-z], )?--[a-z][a-z-]* /);
      const line = help.slice(at, next < 0 ? undefined : at + flag.length + next);
      expect(line, flag).toMatch(/\(default: [^)]+\)/);
    }
    expect(help).toMatch(/--checkpoint-interval <duration> .*\(default: 5m00s\)/);
    expect(help).toMatch(/--warmup <steps> .*\(default: 0 steps\)/);
    expect(help).toMatch(/--embed <n> .*\(default: char 64, word 128\)/);
    expect(help).toMatch(/--lr <rate> .*\(default: adam 0\.002, sgd 0\.5, adagrad 0\.05, rmsprop 0\.002\)/);
    expect(help).not.toMatch(/300000/);
  });
});

describe('sampling options', () => {
  it('the library refuses each bad one with a usage error', async () => {
    const session = await InferenceSession.create(tinyModel('gru', 'char', 1, 5), { kernels: 'reference' });
    const rng = new Rng(1);
    for (const [o, re] of [
      [{ temperature: -1 }, /^temperature must be a number > 0/],
      [{ temperature: 0 }, /^temperature must be > 0 \(got 0\); to always take the most likely token, use greedy$/],
      [{ topP: 2 }, /^topP must be a number > 0 and ≤ 1/],
      [{ topK: -3 }, /^topK must be an integer ≥ 0/],
      [{ maxLength: 0 }, /^maxLength must be an integer ≥ 1/],
      [{ greedy: true, temperature: 5 }, /^greedy always takes the most likely token, so temperature does not apply/],
    ] as const) {
      expect(usage(() => sampleOne(session, o, rng)).message).toMatch(re);
    }
    expect(cliMessage(usage(() => resolveSampleOptions({ temperature: 0 })))).toBe('--temperature must be > 0 (got 0); to always take the most likely token, use --greedy');
  });
});

/** Run records and the report page without a browser: compact history, thinning, pages for models without history. */
import { describe, expect, it } from 'vitest';
import { recordFromModel } from '../../src/report/record.js';
import { compactHistory, expandHistory, thin } from '../../src/model/history.js';
import { renderReport } from '../../src/report/html.js';
import { niceTicks } from '../../src/report/svg.js';
import { LanguageModel, Rng, Vocab } from '../../src/index.js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recurWith } from '../helpers/ui-cli.js';
import { modelConfig } from '../../src/model/config.js';

describe('run records', () => {
  it('thins long histories to at most 200 points, keeping the first and the last', () => {
    const pts = Array.from({ length: 1000 }, (_, i) => ({ step: (i + 1) * 10, epoch: i / 10, elapsedMs: i * 123.4, loss: 3 - i / 1000 }));
    const c = compactHistory({ train: pts, val: pts.slice(0, 5) });
    expect(c.train).toHaveLength(200);
    expect(c.train[0]).toEqual([10, 0, 3]);
    expect(c.train.at(-1)![0]).toBe(10000);
    expect(c.val).toHaveLength(5);
    expect(JSON.stringify(c).length).toBeLessThan(6000);
    const back = expandHistory(JSON.parse(JSON.stringify(c)));
    expect(back.train[199]).toMatchObject({ step: 10000, loss: 2.001 });
    expect(Math.abs(back.train[199].elapsedMs - 999 * 123.4)).toBeLessThanOrEqual(5); // kept to 10 ms
    expect(thin([1, 2, 3], 2)).toEqual([1, 3]);
    expect(expandHistory({ train: [[1, 'x', 2], 'junk'] })).toEqual({ train: [], val: [] });
  });
  it('a model without history still gives a page, saying there are no curves', () => {
    const m = LanguageModel.create(modelConfig({ level: 'char', cell: 'gru', embed: 2, hidden: 3, layers: 1 }), new Vocab(['<eos>', '<unk>', 'a']), new Rng(1));
    const r = recordFromModel(m, 'old.safetensors');
    expect(r.status).toBe('unknown');
    const html = renderReport(r);
    expect(html).toContain('holds no loss history');
    expect(html).toContain('no data');
    expect(html).not.toMatch(/<script/);
  });
  it('round tick values', () => {
    expect(niceTicks(0, 100, 5)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(1.93, 2.61, 5)).toEqual([2, 2.2, 2.4, 2.6]);
  });
});

describe('recur report from a run record (.json)', () => {
  it('draws the curves of any RunRecord; a bad one is a one-line error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recur-rec-'));
    const rec = {
      title: 'a running job',
      status: 'running',
      config: { cell: 'lstm', hidden: 512 },
      train: [1, 2, 3, 4].map((i) => ({ step: i * 100, elapsedMs: i * 60_000, loss: 3 / i })),
      val: [{ step: 200, elapsedMs: 125_000, loss: 1.8 }, { step: 400, elapsedMs: 245_000, loss: 1.2 }],
      samples: [{ step: 400, texts: ['hello'] }],
      final: { steps: 400, bestValLoss: 1.2 },
    };
    writeFileSync(join(dir, 'run.json'), JSON.stringify(rec));
    const r = await recurWith(['report', join(dir, 'run.json'), '-o', join(dir, 'run.html')]);
    expect(r.code).toBe(0);
    const html = readFileSync(join(dir, 'run.html'), 'utf8');
    expect(html.match(/class="curve"/g)).toHaveLength(4); // train + val, by step and by time; no throughput without tokensPerStep
    expect(html).toContain('running');
    expect(html).toContain('hello');
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ train: [{ step: 'x' }] }));
    const b = await recurWith(['report', join(dir, 'bad.json'), '-o', join(dir, 'bad.html')]);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/^recur: .*bad\.json is not a usable run record: .*train\[0\]/);
    expect(b.stderr.trim().split('\n')).toHaveLength(1);
  });
});

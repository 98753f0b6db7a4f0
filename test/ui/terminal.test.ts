/** The terminal side of the UI: colour decisions, the status line, the sparkline, the summary. */
import { describe, expect, it } from 'vitest';
import chalk from 'chalk';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { colorLevel } from '../../src/cli/ui/color.js';
import { sparkline } from '../../src/cli/ui/sparkline.js';
import { StatusLine, bar, etaMs, fitWidth, formatStatus, progressFraction } from '../../src/cli/ui/status.js';
import { recurWith, ESC } from '../helpers/ui-cli.js';

describe('colour', () => {
  it('NO_COLOR, FORCE_COLOR, --no-color and the terminal decide the level', () => {
    expect(colorLevel({}, true, false)).toBe(1);
    expect(colorLevel({}, false, false)).toBe(0);
    expect(colorLevel({ NO_COLOR: '1' }, true, false)).toBe(0);
    expect(colorLevel({ NO_COLOR: '' }, true, false)).toBe(1); // empty NO_COLOR is ignored (no-color.org)
    expect(colorLevel({ FORCE_COLOR: '1' }, false, false)).toBe(1);
    expect(colorLevel({ FORCE_COLOR: '3' }, false, false)).toBe(3);
    expect(colorLevel({ FORCE_COLOR: '0' }, true, false)).toBe(0);
    expect(colorLevel({ FORCE_COLOR: '1' }, true, true)).toBe(0); // the flag wins
    expect(colorLevel({ TERM: 'xterm-256color' }, true, false)).toBe(2);
    expect(colorLevel({ COLORTERM: 'truecolor' }, true, false)).toBe(3);
    expect(colorLevel({ TERM: 'dumb' }, true, false)).toBe(0);
  });
});

describe('status line', () => {
  it('progress is the limit closest to being reached; ETA from the pace so far', () => {
    expect(progressFraction({}, 10, 1, 1000, 7)).toBeNull();
    expect(progressFraction({ steps: 100 }, 25, 1, 1000, 7)).toBeCloseTo(0.25);
    expect(progressFraction({ epochs: 2 }, 7, 1, 1000, 7)).toBeCloseTo(0.5);
    expect(progressFraction({ steps: 100, timeMs: 2000 }, 25, 1, 1000, 7)).toBeCloseTo(0.5);
    expect(etaMs(1000, 0.25)).toBeCloseTo(3000);
    expect(etaMs(1000, null)).toBeNull();
    expect(bar(0.5, 10)).toBe('█████     ');
    expect(bar(1, 4)).toBe('████');
  });
  it('formats step, epoch, loss, val, tokens/s, elapsed and ETA', () => {
    chalk.level = 0;
    const line = formatStatus({ step: 50, epoch: 1.5, loss: 1.23456, val: 1.5, tokensPerSec: 12345, elapsedMs: 5000, fraction: 0.5 }, { steps: 100 });
    expect(line).toMatch(/^step 50\/100  epoch 1\.50  loss 1\.2346  val 1\.5000  12\.3K tok\/s  5\.0s  █+ +50% ETA 5\.0s$/);
    expect(fitWidth('abcdef', 4)).toBe('abc…');
  });
  it('redraws one line on a terminal and prints plain lines otherwise', () => {
    chalk.level = 0;
    let tty = '';
    const s = new StatusLine({ write: (x: string) => (tty += x), isTTY: true, columns: 60 }, 'tty', { steps: 10 }, { ttyEveryMs: 0 });
    s.event({ type: 'prepared', vocabSize: 5, trainTokens: 100, valTokens: 10, parameters: 1000, batch: 2, seqLen: 4, windowsPerEpoch: 5 });
    for (let i = 1; i <= 3; i++) s.event({ type: 'step', step: i, epoch: i / 5, loss: 2, gradNorm: 1, lr: 0.1, tokensPerSec: 100, elapsedMs: i * 10 });
    s.clear();
    expect(tty.split('\r\x1b[2K').length).toBeGreaterThan(3);
    for (const seg of tty.split('\r\x1b[2K')) expect(seg.length).toBeLessThanOrEqual(60);
    expect(tty).toMatch(/step 3\/10/);
    let plain = '';
    const p = new StatusLine({ write: (x: string) => (plain += x) }, 'plain', {}, { plainEveryMs: 20 });
    for (let i = 1; i <= 5; i++) p.event({ type: 'step', step: i, epoch: i / 5, loss: 2, gradNorm: 1, lr: 0.1, tokensPerSec: 100, elapsedMs: i * 10 });
    p.event({ type: 'eval', step: 5, epoch: 1, valLoss: 1.9, best: true, elapsedMs: 50 });
    expect(plain).not.toMatch(/\r|\x1b/);
    expect(plain.trim().split('\n').length).toBe(4); // steps 1, 3, 5 and the validation
  });
  it('sparkline: ▁ for the lowest, █ for the highest, at most `width` cells', () => {
    expect(sparkline([3, 2, 1])).toBe('█▅▁');
    expect(sparkline(Array.from({ length: 100 }, (_, i) => 100 - i), 10)).toHaveLength(10);
    expect(sparkline([])).toBe('');
  });
});

describe('recur train summary and colour in the CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'recur-ui-'));
  const corpus = join(dir, 'names.txt');
  writeFileSync(corpus, ['anna', 'bob', 'carla', 'dave', 'emma', 'fred', 'gina', 'hugo', 'ida', 'jon'].join('\n').repeat(3) + '\n');
  const small = ['--hidden', '12', '--embed', '6', '--batch', '4', '--seq-len', '8', '--kernels', 'reference', '--steps', '30', '--eval-every', '10'];

  it('prints the summary with a sparkline and three samples; no colour codes with NO_COLOR or --no-color', async () => {
    const r = await recurWith(['train', corpus, ...small, '-o', join(dir, 'a.safetensors')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/best validation loss \d\.\d{4} \(perplexity [\d.]+, step \d+\)/);
    expect(r.stderr).toMatch(/train loss [▁▂▃▄▅▆▇█]+ [\d.]+ → [\d.]+/);
    expect(r.stderr).toMatch(/model written to .*a\.safetensors/);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(3);
    expect(r.stderr + r.stdout).not.toContain(ESC);
    const f = await recurWith(['train', corpus, ...small, '--no-color', '-o', join(dir, 'b.safetensors')], { env: { FORCE_COLOR: '1' } });
    expect(f.stderr).not.toContain(ESC);
  });
  it('FORCE_COLOR colours; a terminal gets a redrawn status line; --quiet prints nothing', async () => {
    const r = await recurWith(['train', corpus, ...small, '-o', join(dir, 'c.safetensors')], { env: { FORCE_COLOR: '1' }, stderrTTY: true, stdoutTTY: true });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(ESC);
    expect(r.stderr).toMatch(/\r\x1b\[2Kstep \d+\/30/);
    const q = await recurWith(['train', corpus, ...small, '-q', '-o', join(dir, 'd.safetensors')], { stderrTTY: true });
    expect(q.code).toBe(0);
    expect(q.stdout + q.stderr).toBe('');
  });
});

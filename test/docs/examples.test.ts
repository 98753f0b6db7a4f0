/**
 * Every example of the README's "The library" section runs as a plain .mjs
 * file under Node, in order, the way another project would use recur: in a
 * scratch directory whose node_modules/recur is this package (what
 * `npm install /path/to/recur` makes), holding a copy of corpora/dinos.txt.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const from = readme.indexOf('\n## The library');
const doc = readme.slice(from, readme.indexOf('\n## ', from + 1));
// the browser example runs in a page (test/browser/inference.test.ts runs the same calls in Chromium)
const blocks = [...doc.matchAll(/^### (.+)\n[\s\S]*?^```js\n([\s\S]*?)^```$/gm)]
  .map((m) => ({ title: m[1], code: m[2] }))
  .filter((b) => b.title !== 'In the browser');

describe('README library examples', () => {
  const scratchRoot = join(root, 'test/docs/.run');
  mkdirSync(scratchRoot, { recursive: true });
  const dir = mkdtempSync(join(scratchRoot, 'ex-'));
  beforeAll(() => {
    mkdirSync(join(dir, 'corpora'));
    copyFileSync(join(root, 'corpora/dinos.txt'), join(dir, 'corpora/dinos.txt'));
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(root, join(dir, 'node_modules/recur'), 'dir');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has an example for each part of the API', () => {
    expect(blocks.map((b) => b.title)).toEqual([
      'Training, with progress and an AbortSignal',
      'Loading and saving',
      'Sampling',
      'Scoring sentences',
      'Evaluation on held-out text',
      'A training report',
    ]);
  });

  blocks.forEach((b, i) => {
    it(`runs as plain JavaScript: ${b.title}`, () => {
      const file = join(dir, `example-${i}.mjs`);
      writeFileSync(file, b.code);
      const out = execFileSync(process.execPath, [file], { cwd: dir, encoding: 'utf8' }).trim().split('\n');
      expect(out.length).toBeGreaterThan(0);
      if (i === 0) {
        expect(existsSync(join(dir, 'dinos.safetensors'))).toBe(true);
        expect(out.some((l) => /^40 steps, best validation loss \d\.\d{3}, steps$/.test(l))).toBe(true);
      }
      if (i === 5) {
        expect(readFileSync(join(dir, 'report.html'), 'utf8')).toMatch(/<path [^>]*class="curve" data-series="train loss"/);
        expect(out).toEqual(['report.html: 4 training and 2 validation points']);
      }
    });
  });
});

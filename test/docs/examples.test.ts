/**
 * Every ```ts example of the README's "The library" section runs, in order, with
 * `from 'recur'` pointing at the sources, in a scratch directory holding a copy
 * of corpora/dinos.txt.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const from = readme.indexOf('\n## The library');
const doc = readme.slice(from, readme.indexOf('\n## ', from + 1));
const blocks = [...doc.matchAll(/^### (.+)\n[\s\S]*?^```ts\n([\s\S]*?)^```$/gm)].map((m) => ({ title: m[1], code: m[2] }));

describe('README API examples', () => {
  // inside the repository (under a git-ignored folder), so vitest transforms them like the tests
  const scratchRoot = join(root, 'test/docs/.run');
  mkdirSync(scratchRoot, { recursive: true });
  const dir = mkdtempSync(join(scratchRoot, 'ex-'));
  const cwd = process.cwd();
  const log = console.log;
  const out: string[] = [];
  beforeAll(() => {
    mkdirSync(join(dir, 'corpora'));
    copyFileSync(join(root, 'corpora/dinos.txt'), join(dir, 'corpora/dinos.txt'));
    process.chdir(dir);
    console.log = (...a: unknown[]) => void out.push(a.map(String).join(' '));
  });
  afterAll(() => {
    console.log = log;
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  });

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
    it(`runs: ${b.title}`, async () => {
      const src = b.code.replace(/from 'recur'/g, `from ${JSON.stringify(pathToFileURL(join(root, 'src/index.ts')).href)}`);
      const file = join(dir, `example-${i}.ts`);
      writeFileSync(file, src);
      out.length = 0;
      await import(pathToFileURL(file).href);
      expect(out.length).toBeGreaterThan(0);
      if (i === 0) {
        expect(existsSync('dinos.safetensors')).toBe(true);
        expect(out.some((l) => /^40 steps, best validation loss \d\.\d{3}, steps$/.test(l))).toBe(true);
      }
      if (i === 5) {
        expect(readFileSync('report.html', 'utf8')).toMatch(/<path [^>]*class="curve" data-series="train loss"/);
        expect(out).toEqual(['report.html: 4 training and 2 validation points']);
      }
    });
  });
});

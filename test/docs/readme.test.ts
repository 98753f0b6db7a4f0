/**
 * The README stays true: its option tables are the option tables of the code
 * (scripts/readme-options.mjs writes them), every command it shows is written
 * the way it runs after `npm ci` (npx recur), and the commands of its tour run.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
/** The code blocks of the README (fenced), with their language. */
const blocks = [...readme.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1], body: m[2] }));

describe('README', () => {
  it('its option tables are the code\'s (node scripts/readme-options.mjs rewrites them)', async () => {
    const { withTables } = await import('../../scripts/readme-options.mjs');
    expect(readme.match(/<!-- options: \w+ -->/g)).toEqual(['<!-- options: train -->', '<!-- options: sample -->']);
    expect(withTables(readme)).toBe(readme);
  });

  it('writes every command as it runs after npm ci: npx recur', () => {
    const bare: string[] = [];
    for (const b of blocks.filter((x) => ['sh', 'console', ''].includes(x.lang))) {
      for (const line of b.body.split('\n')) {
        const cmd = line.replace(/^\$ /, '');
        if (/(^|[;&|]\s*)recur\s/.test(cmd)) bare.push(line);
      }
    }
    expect(bare).toEqual([]);
  });

  it('the tour\'s commands run, in order, from a fresh directory', () => {
    const tour = readme.slice(readme.indexOf('## A tour'), readme.indexOf('\n## ', readme.indexOf('## A tour') + 5));
    const commands = [...tour.matchAll(/^\$ npx recur (.+)$/gm)].map((m) => m[1]);
    expect(commands.length).toBeGreaterThanOrEqual(5);
    const dir = mkdtempSync(join(root, 'test/docs/.run/tour-'));
    try {
      mkdirSync(join(dir, 'corpora'));
      copyFileSync(join(root, 'corpora/dinos.txt'), join(dir, 'corpora/dinos.txt'));
      for (const c of commands) {
        // the README's own quoting, split as a shell would for these simple commands
        const args = [...c.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
        const out = execFileSync(process.execPath, [join(root, 'bin/recur.js'), ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
        expect(out.length, c).toBeGreaterThan(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});

/**
 * A terminal that reports 0 columns (a pseudo-terminal without a size, as
 * script(1), `docker run -t` and some CI runners give): training must train,
 * and its progress output must stay small. Before the fix, ora's spinner
 * divided by the width and redrew forever at 100% CPU (hundreds of MB of
 * escape codes). Runs the built CLI (npm test builds first) under script(1).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../..');
const haveScript = spawnSync('script', ['--version']).status === 0;

describe.runIf(haveScript || process.env.CI)('under a 0-column pseudo-terminal', () => {
  it('the pseudo-terminal really reports no size', () => {
    const r = spawnSync('script', ['-qec', 'stty size', '/dev/null'], { encoding: 'utf8' });
    expect(r.stdout.trim()).toBe('0 0');
  });

  it('recur train trains, in bounded time and output', () => {
    const dir = mkdtempSync(join(tmpdir(), 'recur-pty-'));
    const corpus = join(dir, 'c.txt');
    writeFileSync(corpus, 'anna\nbob\ncarla\ndave\nemma\nfred\n'.repeat(20));
    const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(join(root, 'bin/recur.js'))} train ${JSON.stringify(corpus)} --steps 3 --hidden 16 -o ${JSON.stringify(join(dir, 'm.safetensors'))}`;
    const t0 = Date.now();
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
    const ms = Date.now() - t0;
    expect(r.signal).toBeNull(); // not killed by the timeout
    expect(r.status).toBe(0);
    expect(ms).toBeLessThan(30_000);
    expect(r.stdout.length).toBeLessThan(20_000);
    expect(r.stdout).toMatch(/3 steps, .*model written to/s);
  });
});

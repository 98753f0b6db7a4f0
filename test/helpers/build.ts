/**
 * A fresh build of src/ for tests that run recur as a real child process (a
 * stale dist/ would test old code). Compiled with the project's tsc into a
 * directory under node_modules/.cache (inside the project, so the compiled
 * modules resolve their dependencies), with a launcher like bin/recur.js.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Build into a new directory; returns it and the launcher script (`node <launcher> train …`). */
export function buildRecur(tag: string): { dir: string; launcher: string; cleanup: () => void } {
  const dir = path.join(root, 'node_modules/.cache', `recur-${tag}-${process.pid}`);
  fs.rmSync(dir, { recursive: true, force: true });
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json'),
    '--outDir', dir, '--declaration', 'false', '--sourceMap', 'false'], { stdio: 'pipe' });
  const launcher = path.join(dir, 'recur.mjs');
  fs.writeFileSync(launcher, "import { main } from './cli/bin.js';\nmain();\n");
  return { dir, launcher, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

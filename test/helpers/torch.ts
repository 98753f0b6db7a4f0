import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const TORCH_SCRIPT = fileURLToPath(new URL('../fixtures/torch_ref.py', import.meta.url));

/** A Python interpreter that can import torch, or null. */
export function findTorchPython(): string | null {
  for (const py of [process.env.RECUR_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean) as string[]) {
    const r = spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return null;
}

export function runTorch(py: string, args: string[]): string {
  const r = spawnSync(py, [TORCH_SCRIPT, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`torch_ref.py ${args[0]} failed: ${r.stderr}`);
  return r.stdout;
}

/**
 * Running the PyTorch trainer (python/recur_torch) from tests: a Python with
 * torch (findTorchPython), python/ on PYTHONPATH, no bytecode written into the
 * repository (-B, PYTHONDONTWRITEBYTECODE), everything else in temp folders.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { findTorchPython } from './torch.js';

export const PYTHON_DIR = fileURLToPath(new URL('../../python', import.meta.url));
/** Runs several trainings in one Python process (torch is imported once): test/fixtures/torch_train_many.py */
export const TRAIN_MANY = fileURLToPath(new URL('../fixtures/torch_train_many.py', import.meta.url));

export interface PyRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function pythonEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  // the tests are about the CPU path with gloo (CI has no GPU; a developer's GPU would switch to NCCL)
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONPATH: PYTHON_DIR, PYTHONDONTWRITEBYTECODE: '1', CUDA_VISIBLE_DEVICES: '', ...extra };
  // a run under the test runner is not one process of a torchrun job
  for (const k of ['RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'MASTER_ADDR', 'MASTER_PORT']) if (!(k in extra)) delete env[k];
  return env;
}

/** Run `py -B args…` to the end (asynchronously, so other work can overlap it). */
export function runPython(py: string, args: string[], opts: { cwd?: string; env?: Record<string, string>; input?: string } = {}): Promise<PyRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(py, ['-B', ...args], { cwd: opts.cwd, env: pythonEnv(opts.env) });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** `python -m recur_torch.train args…` */
export function runTrainer(py: string, args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<PyRun> {
  return runPython(py, ['-m', 'recur_torch.train', ...args], opts);
}

/** A TCP port free right now on this machine. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * `torchrun --nproc_per_node=n args…` on this machine (as `python -m torch.distributed.run`,
 * which is torchrun), with the c10d rendezvous on a free port: `--standalone` always takes
 * port 29400, so two jobs at once (tests run in parallel) would share one rendezvous store.
 * Debian's torch 1.13 under Python 3.11 cannot parse torchrun's default --redirects/--tee (its
 * Std enum iterates differently there), so they are given explicitly: the workers' standard
 * error is copied to ours with a rank prefix.
 */
export async function torchrun(py: string, nproc: number, args: string[], opts: { cwd?: string } = {}): Promise<PyRun> {
  const rendezvous = ['--nnodes=1', '--rdzv_backend=c10d', `--rdzv_endpoint=127.0.0.1:${await freePort()}`];
  return runPython(py, ['-m', 'torch.distributed.run', ...rendezvous, `--nproc_per_node=${nproc}`, '--monitor_interval=0.5', '--redirects=2', '--tee=2', ...args], opts);
}

/** JSON events a `--json` run printed on stdout. */
export function events(stdout: string): Record<string, unknown>[] {
  return stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The Python with torch that these tests need; under CI it must exist. */
export function torchPythonOrSkip(what: string): string | null {
  const py = findTorchPython();
  if (!py && process.env.CI) throw new Error(`CI needs Python with torch for ${what} (apt-get install -y python3-torch)`);
  return py;
}

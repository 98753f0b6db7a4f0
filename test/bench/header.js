// The header line of every benchmark: which kernels run, on which Node and CPU.
// (A figure means little without them: the fma build, the engine and the CPU all move it.)
import { cpus } from 'node:os';
import { readFileSync } from 'node:fs';

function cpuModel() {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1].trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? 'unknown CPU';
}

/** { kernels, relaxed_simd, node, v8, cpu, cores } for the default kernel set of this process. */
export async function benchHeader() {
  const { kernelReport } = await import('../../dist/kernels/index.js');
  const r = await kernelReport();
  return { bench_header: true, kernels: r.default, available: r.available, relaxed_simd: r.relaxedSimd, node: process.version, v8: process.versions.v8, cpu: cpuModel(), cores: cpus().length };
}

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../src/core/rng.js';
import { Vocab } from '../../src/data/vocab.js';
import { modelConfig, type ModelConfig } from '../../src/model/config.js';
import { LanguageModel } from '../../src/model/model.js';
import type { CellType } from '../../src/nn/config.js';
import { syncTiedDecoder } from '../../src/nn/params.js';

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

/** The letters of the parity tests' vocabulary (after <eos> and <unk>). */
export const LETTERS = 'abcdefghijk'.split('');

/**
 * A character model over LETTERS with random, non-symmetric weights:
 * PyTorch's initialisation widened so every gate works away from zero (a tied
 * decoder's stored copy kept equal to the embedding).
 */
export function randomModel(cell: CellType, layers: number, seed: number, over: Partial<ModelConfig> = {}): LanguageModel {
  const cfg: ModelConfig = modelConfig({ level: 'char', cell, embed: 5, hidden: 6, layers, ...over });
  const rng = new Rng(seed);
  const m = LanguageModel.create(cfg, new Vocab(['<eos>', '<unk>', ...LETTERS]), rng);
  for (let i = 0; i < m.params.length; i++) m.params[i] += 0.3 * rng.normal();
  syncTiedDecoder(m.params, m.layout);
  return m;
}

/** n random letters of LETTERS. */
export function randomLetters(seed: number, n: number): string {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => LETTERS[rng.int(LETTERS.length)]).join('');
}

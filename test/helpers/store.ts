/** Helpers for token-store tests: folders of text files, whole streams read back, stores compared byte for byte. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TokenSource } from '../../src/data/source.js';
import type { PrepareOptions } from '../../src/store/prepare.js';

export function tempDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `recur-${tag}-`));
}

/** Write files (name → text or bytes) under dir; returns their paths in the given order. */
export function writeFiles(dir: string, files: Record<string, string | Uint8Array>): string[] {
  return Object.entries(files).map(([name, body]) => {
    const p = path.join(dir, name);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, body);
    return p;
  });
}

export function readAll(src: TokenSource): number[] {
  const out = new Int32Array(src.length);
  src.read(0, src.length, out, 0);
  return Array.from(out);
}

/** Every file of a store folder; the manifest without its creation time. */
export function storeFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(dir).sort()) {
    const b = fs.readFileSync(path.join(dir, f));
    if (f === 'manifest.json') {
      const m = JSON.parse(b.toString('utf8'));
      delete m.created;
      out[f] = JSON.stringify(m);
    } else out[f] = b.toString('hex');
  }
  return out;
}

export const OPTS: PrepareOptions = {
  level: 'char', split: 'lines', tokenize: 'default', lowercase: false, maxVocab: 0, minCount: 1, valFrac: 0,
};

/** The names of the entries of a folder (hidden ones too). */
export function entries(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}

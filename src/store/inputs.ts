/**
 * The files a preparation reads: inputs and folders (recursively, in sorted
 * order of the path relative to the folder, hidden entries left out, stores
 * inside a folder skipped), and reading their bytes with a one-line error when
 * a file changes while it is being read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inputError, type RecurError } from '../core/errors.js';
import { MANIFEST, type SkippedInfo } from './manifest.js';

export interface InputFile {
  path: string;
  bytes: number;
  mtimeMs: number;
  role: 'train' | 'val';
}

function roleName(role: 'train' | 'val'): string {
  return role === 'val' ? 'validation file' : 'corpus';
}

/** A folder that holds a token store (a manifest.json that says so). */
export function isStoreFolder(dir: string): boolean {
  try {
    const fd = fs.openSync(path.join(dir, MANIFEST), 'r');
    try {
      const head = Buffer.alloc(256);
      const n = fs.readSync(fd, head, 0, head.length, 0);
      return /"format"\s*:\s*"recur-tokens\//.test(head.toString('utf8', 0, n));
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
}

function statInput(p: string, role: 'train' | 'val'): fs.Stats {
  try {
    return fs.statSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw inputError(`${roleName(role)} ${p} does not exist; check the path`);
    if (code === 'EACCES' || code === 'EPERM') throw inputError(`${roleName(role)} ${p} cannot be read (permission denied); check its permissions`);
    throw inputError(`${roleName(role)} ${p} cannot be read: ${(e as Error).message}`);
  }
}

/** Every file under `dir` (hidden entries and stores left out), sorted by path relative to it. */
function walk(dir: string, role: 'train' | 'val', skipped: SkippedInfo[]): string[] {
  const found: string[] = [];
  const seen = new Set<string>();
  const visit = (d: string): void => {
    const real = fs.realpathSync(d);
    if (seen.has(real)) return; // a link back up the tree
    seen.add(real);
    let names: string[];
    try {
      names = fs.readdirSync(d);
    } catch (e) {
      throw inputError(`folder ${d} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}; check its permissions`);
    }
    for (const name of names) {
      if (name.startsWith('.')) continue;
      const p = path.join(d, name);
      const st = statInput(p, role);
      if (st.isDirectory()) {
        if (isStoreFolder(p)) skipped.push({ path: p, reason: 'a token store, not text' });
        else visit(p);
      } else if (st.isFile()) found.push(p);
    }
  };
  visit(dir);
  const rel = (p: string): string => path.relative(dir, p);
  return found.sort((a, b) => (rel(a) < rel(b) ? -1 : rel(a) > rel(b) ? 1 : 0));
}

/** The files of the inputs, in the order they are read. */
export function listInputs(inputs: readonly string[], valInputs: readonly string[]): { files: InputFile[]; skipped: SkippedInfo[] } {
  const files: InputFile[] = [], skipped: SkippedInfo[] = [];
  const add = (p: string, role: 'train' | 'val'): void => {
    const st = statInput(p, role);
    files.push({ path: p, bytes: st.size, mtimeMs: st.mtimeMs, role });
  };
  for (const [list, role] of [[inputs, 'train'], [valInputs, 'val']] as const) {
    for (const given of list) {
      const p = path.resolve(given);
      const st = statInput(p, role);
      if (st.isDirectory()) {
        if (isStoreFolder(p)) throw inputError(`${given} is a token store (a prepared corpus), not text; give the text files it was prepared from`);
        for (const f of walk(p, role, skipped)) add(f, role);
      } else add(p, role);
    }
  }
  return { files, skipped };
}

export function changedError(f: InputFile, detail: string): RecurError {
  return inputError(`${roleName(f.role)} ${f.path} changed while it was being prepared (${detail}); prepare again once nothing is writing to it`);
}

/** Still as it was listed (size and modification time), or a one-line error. */
export function checkUnchanged(f: InputFile): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(f.path);
  } catch {
    throw changedError(f, 'it is gone');
  }
  if (st.size !== f.bytes) throw changedError(f, `${f.bytes} bytes when it was listed, ${st.size} now`);
  if (st.mtimeMs !== f.mtimeMs) throw changedError(f, 'it was modified');
}

/** Reads the inputs' bytes at offsets (files opened as needed); a short read means the file changed. */
export class InputReader {
  private fds = new Map<number, number>();
  constructor(readonly files: readonly InputFile[]) {}

  read(source: number, offset: number, buf: Uint8Array): number {
    const f = this.files[source];
    let fd = this.fds.get(source);
    if (fd === undefined) {
      if (this.fds.size >= 32) this.close();
      try {
        fd = fs.openSync(f.path, 'r');
      } catch (e) {
        throw changedError(f, `it cannot be opened: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      this.fds.set(source, fd);
    }
    const want = Math.min(buf.length, f.bytes - offset);
    let n = 0;
    while (n < want) {
      const k = fs.readSync(fd, buf, n, want - n, offset + n);
      if (k === 0) throw changedError(f, `it ended at byte ${offset + n}, ${f.bytes} when it was listed`);
      n += k;
    }
    return n;
  }

  /** Offset of the first NUL byte in the whole file (it looks binary), or −1. */
  firstNul(source: number, buf: Uint8Array): number {
    const size = this.files[source].bytes;
    for (let at = 0; at < size; ) {
      const n = this.read(source, at, buf);
      const i = buf.subarray(0, n).indexOf(0);
      if (i >= 0) return at + i;
      at += n;
    }
    return -1;
  }

  close(): void {
    for (const fd of this.fds.values()) fs.closeSync(fd);
    this.fds.clear();
  }
}

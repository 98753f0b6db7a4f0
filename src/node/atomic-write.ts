/**
 * Atomic file replacement (Node only; keep this out of the browser-safe
 * modules under src/core, src/io, src/nn, …).
 *
 * The bytes go to a temporary file in the target's directory (same file system,
 * so the rename cannot turn into a copy), the file is fsynced, renamed over the
 * target and the directory is fsynced so that the rename itself is durable.
 * A reader therefore sees either the old file or the new one, never a torn
 * mixture, even if the process is killed or the machine loses power half way.
 * If anything fails the temporary file is removed and a one-line RecurError of
 * kind 'input' says which path could not be written and what to do.
 *
 * A process killed with SIGKILL cannot clean up: it may leave a stray
 * `.<name>.tmp-<pid>-<random>` file next to the target, never a damaged target.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { inputError, isRecurError, type RecurError } from '../core/errors.js';

/** The temporary name used for `target`: hidden, unique per process and call. */
export function tempPathFor(target: string): string {
  const dir = path.dirname(target), base = path.basename(target);
  return path.join(dir, `.${base}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
}

/** Errors from fsyncing a directory that only mean "this platform/file system cannot do that". */
function dirSyncUnsupported(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return code === 'EINVAL' || code === 'EPERM' || code === 'EISDIR' || code === 'ENOTSUP' || code === 'EACCES';
}

/** Turn a file system error into a one-line message naming the path and the remedy. */
export function writeError(target: string, e: unknown): RecurError {
  if (isRecurError(e)) return e;
  const err = e as NodeJS.ErrnoException | null;
  const code = err?.code;
  const dir = path.dirname(target);
  let why: string;
  switch (code) {
    case 'ENOENT':
      why = isDir(dir)
        ? `the folder ${dir} exists but a file cannot be created in it (it is not writable); choose another location`
        : `the folder ${dir} does not exist; create it first or choose another path`;
      break;
    case 'ENOTDIR':
      why = `a part of the path is not a directory; choose another path`;
      break;
    case 'EACCES':
    case 'EPERM':
      why = `permission denied; choose a writable location or change the permissions of ${dir}`;
      break;
    case 'EROFS':
      why = `the file system is read-only; choose a writable location`;
      break;
    case 'ENOSPC':
    case 'EDQUOT':
      why = `the disk is full (or the quota exceeded); free some space and try again`;
      break;
    case 'EISDIR':
      why = `it is a directory; give a file name`;
      break;
    case 'EMFILE':
    case 'ENFILE':
      why = `too many open files; close other programs or raise the open-file limit and try again`;
      break;
    case 'ENAMETOOLONG':
      why = `the file name is too long; choose a shorter path`;
      break;
    default: {
      const msg = String(err?.message ?? e).split(/\r?\n/)[0];
      why = `${code ? code + ': ' : ''}${msg}`;
    }
  }
  return inputError(`cannot write ${target}: ${why}`);
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Check, before long work starts, that `target` can be written: not a folder,
 * in a folder that exists and takes new files (tried by creating and removing
 * a temporary file there, the only test that also holds for root and for
 * special file systems). `role` names it in the message ("model (-o)").
 */
export function checkWritable(target: string, role: string): void {
  if (isDir(target)) throw inputError(`${role} ${target} is a folder; give a file path (e.g. ${path.join(target, 'model.safetensors')})`);
  const probe = tempPathFor(target);
  try {
    fs.closeSync(fs.openSync(probe, 'wx', 0o666));
    fs.unlinkSync(probe);
  } catch (e) {
    throw inputError(`${role}: ${writeError(target, e).message}`);
  }
}

/** Replace `target` with `bytes` (or pieces written one after another) atomically (see the module comment). */
export async function writeFileAtomic(target: string, bytes: Uint8Array | readonly Uint8Array[]): Promise<void> {
  const tmp = tempPathFor(target);
  let fh: fsp.FileHandle | undefined;
  let created = false;
  try {
    // 'wx': fail rather than follow or clobber anything already at the temp name
    fh = await fsp.open(tmp, 'wx', 0o666);
    created = true;
    for (const part of bytes instanceof Uint8Array ? [bytes] : bytes) {
      let off = 0;
      while (off < part.length) {
        const { bytesWritten } = await fh.write(part, off, part.length - off);
        off += bytesWritten;
      }
    }
    await fh.sync();
    await fh.close();
    fh = undefined;
    await fsp.rename(tmp, target);
    created = false;
  } catch (e) {
    if (fh) await fh.close().catch(() => undefined);
    if (created) await fsp.unlink(tmp).catch(() => undefined);
    throw writeError(target, e);
  }
  await syncDir(path.dirname(target));
}

async function syncDir(dir: string): Promise<void> {
  let dh: fsp.FileHandle | undefined;
  try {
    dh = await fsp.open(dir, 'r');
    await dh.sync();
  } catch (e) {
    if (!dirSyncUnsupported(e)) throw writeError(dir, e);
  } finally {
    if (dh) await dh.close().catch(() => undefined);
  }
}

/**
 * The synchronous twin of writeFileAtomic, for places that cannot await (a
 * signal handler saving a last checkpoint before the process exits).
 */
export function writeFileAtomicSync(target: string, bytes: Uint8Array): void {
  const tmp = tempPathFor(target);
  let fd: number | undefined;
  let created = false;
  try {
    fd = fs.openSync(tmp, 'wx', 0o666);
    created = true;
    let off = 0;
    while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, target);
    created = false;
  } catch (e) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        /* already failing */
      }
    }
    if (created) {
      try {
        fs.unlinkSync(tmp);
      } catch {
        /* nothing left to clean */
      }
    }
    throw writeError(target, e);
  }
  let dfd: number | undefined;
  try {
    dfd = fs.openSync(path.dirname(target), 'r');
    fs.fsyncSync(dfd);
  } catch (e) {
    if (!dirSyncUnsupported(e)) throw writeError(path.dirname(target), e);
  } finally {
    if (dfd !== undefined) fs.closeSync(dfd);
  }
}

// Minimal reader for the gzipped tarballs npm publishes (ustar, as written by
// npm pack / node-tar). Only regular files are returned; pax/GNU metadata
// entries for long names are understood, everything else is skipped.

import { gunzipSync } from 'node:zlib';

const BLOCK = 512;

/**
 * @param {Buffer} buf
 * @param {number} start
 * @param {number} length
 */
function cString(buf, start, length) {
  const end = buf.indexOf(0, start);
  const stop = end === -1 || end > start + length ? start + length : end;
  return buf.toString('utf8', start, stop);
}

/**
 * @param {Buffer} buf
 * @param {number} start
 * @param {number} length
 */
function octal(buf, start, length) {
  const text = cString(buf, start, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new Error(`tar: bad octal field ${JSON.stringify(text)}`);
  return parseInt(text, 8);
}

/**
 * Pull `path=` out of a pax extended header body, if present.
 * @param {Buffer} body
 * @returns {string | undefined}
 */
function paxPath(body) {
  let pos = 0;
  let found;
  while (pos < body.length) {
    const space = body.indexOf(0x20, pos);
    if (space === -1) break;
    const len = parseInt(body.toString('ascii', pos, space), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const record = body.toString('utf8', space + 1, pos + len - 1); // drop trailing '\n'
    const eq = record.indexOf('=');
    if (eq !== -1 && record.slice(0, eq) === 'path') found = record.slice(eq + 1);
    pos += len;
  }
  return found;
}

/**
 * Read the regular files of an uncompressed tar archive.
 * @param {Buffer} tar
 * @returns {Map<string, Buffer>} path inside the archive -> contents
 */
export function readTar(tar) {
  /** @type {Map<string, Buffer>} */
  const files = new Map();
  /** @type {string | undefined} */
  let nextName;
  let pos = 0;
  while (pos + BLOCK <= tar.length) {
    const header = tar.subarray(pos, pos + BLOCK);
    if (header.every((b) => b === 0)) break; // end-of-archive marker
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156] || 0x30); // NUL means '0'
    const magic = header.toString('ascii', 257, 262);
    let name = cString(header, 0, 100);
    if (magic === 'ustar') {
      const prefix = cString(header, 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    const bodyStart = pos + BLOCK;
    const body = tar.subarray(bodyStart, bodyStart + size);
    if (body.length !== size) throw new Error(`tar: truncated entry ${name}`);
    pos = bodyStart + Math.ceil(size / BLOCK) * BLOCK;

    if (type === 'x') {
      nextName = paxPath(body);
    } else if (type === 'L') {
      nextName = cString(body, 0, body.length);
    } else if (type === 'g') {
      // global pax header: nothing we need
    } else {
      if (type === '0' || type === '7') files.set(nextName ?? name, Buffer.from(body));
      nextName = undefined;
    }
  }
  return files;
}

/**
 * Read the regular files of a gzipped tar archive (.tgz).
 * @param {Buffer} tgz
 * @returns {Map<string, Buffer>}
 */
export function readTarGz(tgz) {
  return readTar(gunzipSync(tgz));
}

/**
 * recur prepare and recur info on a store, as a user runs them: the exit code
 * and the one-line message for every bad input and fault, and that a failed
 * or interrupted preparation leaves nothing behind. Faults are real where the
 * machine allows: a full disk is a tiny tmpfs mounted in a user namespace of
 * its own (unshare), a permission error a read-only folder written by an
 * unprivileged user (setpriv when the tests run as root); Ctrl-C is a SIGINT to
 * a real process.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readText } from '../../src/node/files.js';
import { saveModel } from '../../src/model/model-file.js';
import { prepareStore } from '../../src/store/prepare.js';
import { buildRecur } from '../helpers/build.js';
import { recur } from '../helpers/cli.js';
import { tinyModel } from '../helpers/model-files.js';
import { OPTS, entries, tempDir, writeFiles } from '../helpers/store.js';

const dir = tempDir('cli-prepare');
let build: ReturnType<typeof buildRecur>;
beforeAll(() => {
  build = buildRecur('prepare-test');
});
afterAll(() => {
  build?.cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
});

const lastLine = (s: string): string => s.trim().split('\n').at(-1)!;
let n = 0;
const out = (): string => path.join(dir, `out${n++}.recur`);

/** A folder: text in two levels, a binary file, a hidden file (left out). */
function corpusFolder(): string {
  const root = path.join(dir, `corpus${n++}`);
  writeFiles(root, {
    'b.txt': 'the cat sat\non the mat\n',
    'a/z.txt': 'a dog\r\nran\n',
    'a.txt': 'first\n',
    'logo.png': Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
    '.notes': 'hidden\n',
  });
  return root;
}

describe('recur prepare', () => {
  it('reads a folder in sorted order, skips a binary file with a warning, says how many it read and skipped; info describes the store', async () => {
    const root = corpusFolder(), o = out();
    const r = await recur(['prepare', root, '-o', o, '--val-frac', '0']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`recur: skipped ${path.join(root, 'logo.png')}: looks binary (a NUL byte at offset 8)`);
    expect(lastLine(r.stderr)).toMatch(new RegExp(`^✔ ${o}: 3 files read, 1 skipped; 39 training tokens in 5 sequences, no validation part; vocabulary \\d+;`));
    const m = JSON.parse(fs.readFileSync(path.join(o, 'manifest.json'), 'utf8'));
    expect(m.sources.map((s: { path: string }) => path.relative(root, s.path))).toEqual(['a.txt', 'a/z.txt', 'b.txt']);
    expect(entries(o)).toEqual(['manifest.json', 'train-00000.bin', 'train-blocks.bin']);
    const info = await recur(['info', o]);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toContain('3 files');
    expect(info.stdout).toContain('1 skipped (logo.png: looks binary (a NUL byte at offset 8))');
    expect(info.stdout).toMatch(/train +39 tokens .* in 5 sequences, 1 shard of uint16; shuffled in 5 blocks of 1 sequence/);
    const json = await recur(['info', o, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ store: true, format: 'recur-tokens/1', vocab_size: m.vocab.length, parts: { train: { tokens: 39 } } });
  });

  it('prints JSON events with --json, and nothing but errors with --quiet', async () => {
    const root = corpusFolder();
    const j = await recur(['prepare', root, '-o', out(), '--json']);
    expect(j.code).toBe(0);
    const events = j.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(events.map((e) => e.type)).toContain('skipped');
    expect(events.at(-1)).toMatchObject({ type: 'done', files: 3, skipped: 1 });
    const q = await recur(['prepare', root, '-o', out(), '--quiet']);
    expect([q.code, q.stdout, q.stderr]).toEqual([0, '', '']);
  });

  it('refuses to replace a store without --force, replaces it with --force, and never replaces what is not a store', async () => {
    const root = corpusFolder(), o = out();
    expect((await recur(['prepare', root, '-o', o])).code).toBe(0);
    const again = await recur(['prepare', root, '-o', o, '--level', 'word']);
    expect([again.code, lastLine(again.stderr)]).toEqual([1, `recur: ${o} already exists; pass --force to replace it or choose another name`]);
    const forced = await recur(['prepare', root, '-o', o, '--level', 'word', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(o, 'manifest.json'), 'utf8')).text.level).toBe('word');
    const notStore = path.join(dir, 'not-a-store');
    fs.mkdirSync(notStore);
    const r = await recur(['prepare', root, '-o', notStore, '--force']);
    expect([r.code, lastLine(r.stderr)]).toEqual([1, `recur: ${notStore} exists and is not a token store; choose another name (--force replaces only a store)`]);
    expect(entries(dir).filter((e) => e.includes('.tmp-'))).toEqual([]);
  });
});

describe('recur prepare: bad input and faults, each one line, nothing left behind', () => {
  it('a folder with no readable text', async () => {
    const root = path.join(dir, 'empty-ish'), o = out();
    writeFiles(root, { 'blank.txt': '  \n\n', 'x.bin': Uint8Array.from([1, 0, 2]) });
    const r = await recur(['prepare', root, '-o', o]);
    expect([r.code, lastLine(r.stderr)]).toEqual([1, 'recur: there is no text to prepare: 1 file read (empty or white space only), 1 skipped; give UTF-8 text files']);
    expect(fs.existsSync(o)).toBe(false);
  });

  it('invalid UTF-8: the same message as reading the file whole, or replaced with --replace-invalid', async () => {
    const [bad] = writeFiles(dir, { 'latin1.txt': Uint8Array.from([...Buffer.from('ok line\ncaf'), 0xe9, 0x0a]) });
    let want = '';
    try {
      readText(bad, { role: 'corpus' });
    } catch (e) {
      want = (e as Error).message;
    }
    expect(want).toContain('byte 0xe9 at offset 11');
    const o = out();
    for (const threads of ['1', '2']) {
      const r = await recur(['prepare', bad, '-o', o, '--threads', threads]);
      expect([r.code, lastLine(r.stderr)]).toEqual([1, `recur: ${want}`]);
      expect(fs.existsSync(o)).toBe(false);
    }
    expect((await recur(['prepare', bad, '-o', o, '--replace-invalid'])).code).toBe(0);
  });

  for (const change of ['grows', 'is truncated'] as const) {
    it(`a file that ${change} while it is being prepared`, async () => {
      const [big] = writeFiles(dir, { [`moving-${n++}.txt`]: 'some line of text here\n'.repeat(300_000) });
      const o = out();
      // once the store's temporary folder appears, change the file
      const poll = setInterval(() => {
        if (!entries(dir).some((e) => e.startsWith(`.${path.basename(o)}.tmp-`))) return;
        clearInterval(poll);
        if (change === 'grows') fs.appendFileSync(big, 'more\n');
        else fs.truncateSync(big, 1000);
      }, 1);
      const r = await recur(['prepare', big, '-o', o, '--threads', '1']);
      clearInterval(poll);
      expect(r.code).toBe(1);
      expect(lastLine(r.stderr)).toMatch(new RegExp(`^recur: corpus ${big} changed while it was being prepared \\(.*\\); prepare again once nothing is writing to it$`));
      expect(entries(dir).filter((e) => e.includes(path.basename(o)))).toEqual([]);
    });
  }

  it('a store given as an input, and a model whose text configuration disagrees with the options', async () => {
    const root = corpusFolder(), o = out();
    expect((await recur(['prepare', root, '-o', o])).code).toBe(0);
    const r = await recur(['prepare', o, '-o', out()]);
    expect([r.code, lastLine(r.stderr)]).toEqual([1, `recur: ${o} is a token store (a prepared corpus), not text; give the text files it was prepared from`]);
    const model = path.join(dir, 'word.safetensors');
    fs.writeFileSync(model, saveModel(tinyModel('gru', 'word', 1)));
    const bad = await recur(['prepare', root, '-o', out(), '--vocab-from', model, '--split', 'paragraphs', '--lowercase']);
    expect(bad.code).toBe(2);
    expect(lastLine(bad.stderr)).toBe(`recur: the text configuration asked for (split paragraphs) is not the one of ${model} (split lines), whose vocabulary is used; leave those options out or prepare without --vocab-from`);
    const good = out(), ok = await recur(['prepare', root, '-o', good, '--vocab-from', model]);
    expect(ok.code, ok.stderr).toBe(0);
    const m = JSON.parse(fs.readFileSync(path.join(good, 'manifest.json'), 'utf8'));
    expect([m.vocab, m.text.level, m.vocabulary.from]).toEqual([tinyModel('gru', 'word', 1).vocab.tokens, 'word', model]);
  });

  it('a shard truncated or altered after preparation, and a manifest of a newer format, are found before the store is used', async () => {
    const root = corpusFolder(), o = out();
    expect((await recur(['prepare', root, '-o', o, '--val-frac', '0'])).code).toBe(0);
    const shard = path.join(o, 'train-00000.bin'), bytes = fs.readFileSync(shard);
    fs.writeFileSync(shard, bytes.subarray(0, bytes.length - 2));
    let r = await recur(['info', o]);
    expect([r.code, lastLine(r.stderr)]).toEqual([1, `recur: train-00000.bin of the token store ${o} is ${bytes.length - 2} bytes, the manifest says ${bytes.length}: it was truncated or altered after preparation; prepare the store again`]);
    const altered = Buffer.from(bytes);
    altered[3] ^= 1;
    fs.writeFileSync(shard, altered);
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(shard, later, later); // an edit after the store was made
    r = await recur(['info', o]);
    expect([r.code, lastLine(r.stderr)]).toEqual([1, `recur: train-00000.bin of the token store ${o} does not match its checksum: it was altered after preparation; prepare the store again`]);
    // with its modification time put back, only --verify (every checksum) finds it
    const created = new Date(JSON.parse(fs.readFileSync(path.join(o, 'manifest.json'), 'utf8')).created);
    fs.utimesSync(shard, created, created);
    expect((await recur(['info', o])).code).toBe(0);
    expect((await recur(['info', o, '--verify'])).code).toBe(1);
    fs.writeFileSync(shard, bytes);
    const manifest = path.join(o, 'manifest.json');
    fs.writeFileSync(manifest, fs.readFileSync(manifest, 'utf8').replace('recur-tokens/1', 'recur-tokens/2'));
    r = await recur(['info', o]);
    expect([r.code, lastLine(r.stderr)]).toEqual([1, `recur: ${o} was written in a newer format (recur-tokens/2) than this recur reads (recur-tokens/1); upgrade recur`]);
  });
});

/** Run `sh -c script` with the corpus and the recur launcher as $1 $2; [exit code, stdout, stderr]. */
function sh(script: string, args: string[], wrap: string[] = []): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(wrap[0] ?? 'sh', [...wrap.slice(1), ...(wrap.length ? ['sh'] : []), '-c', script, 'sh', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const canUnshare = spawnSync('unshare', ['--user', '--map-root-user', '--mount', 'true']).status === 0;

describe('recur prepare: the disk fills, permission is denied, Ctrl-C', () => {
  it(`a full disk (${canUnshare ? 'a 1 MiB tmpfs' : 'an injected ENOSPC: this machine cannot mount one'}), 1 and 2 threads: one line, no store and no temporary folder left`, async () => {
    // 10 MB: enough for two threads (whose workers write the shards themselves)
    const [big] = writeFiles(dir, { 'full.txt': 'abcdefghij klmnopqrstuvwxyz\n'.repeat(360_000) });
    if (canUnshare) {
      const mnt = path.join(dir, 'mnt');
      fs.mkdirSync(mnt);
      for (const threads of ['1', '2']) {
        // the mount lives in the child's namespace only: gone when it exits, whatever happens
        const r = sh(`mount -t tmpfs -o size=1m tmpfs "$3" && "$4" "$2" prepare "$1" -o "$3/c.recur" --threads "$5"; rc=$?; ls -A "$3"; exit $rc`,
          [big, build.launcher, mnt, process.execPath, threads], ['unshare', '--user', '--map-root-user', '--mount']);
        expect(r.code, r.stderr).toBe(1);
        expect(lastLine(r.stderr)).toBe(`recur: cannot write ${mnt}/c.recur: the disk is full (or the quota exceeded); free some space and try again`);
        expect(r.stdout).toBe('');
      }
    } else {
      const o = out();
      const full = { ...fs, writeSync: (() => { throw Object.assign(new Error('no space'), { code: 'ENOSPC' }); }) as typeof fs.writeSync };
      await expect(prepareStore([big], OPTS, { output: o, fs: full })).rejects.toThrow(`cannot write ${o}: the disk is full (or the quota exceeded); free some space and try again`);
      expect(entries(dir).filter((e) => e.includes(path.basename(o)))).toEqual([]);
    }
  });

  it('a folder the user may not write to: one line, nothing left', () => {
    const ro = path.join(dir, 'read-only');
    const [text] = writeFiles(dir, { 'ro.txt': 'some text\n' });
    fs.mkdirSync(ro);
    fs.chmodSync(ro, 0o555);
    fs.chmodSync(dir, 0o755);
    const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
    const r = sh('"$3" "$2" prepare "$1" -o "$4/c.recur"', [text, build.launcher, process.execPath, ro], asUser);
    expect(r.code, r.stderr).toBe(1);
    expect(lastLine(r.stderr)).toBe(`recur: cannot write ${ro}/c.recur: permission denied; choose a writable location or change the permissions of ${ro}`);
    expect(entries(ro)).toEqual([]);
  });

  for (const threads of ['1', '2']) {
    it(`Ctrl-C during prepare (${threads} thread${threads === '1' ? '' : 's'}): exit 130, no store, temporary files removed`, async () => {
      const [big] = writeFiles(dir, { [`ctrl-c-${threads}.txt`]: 'to be or not to be, that is the question\n'.repeat(1_500_000) });
      const o = out();
      const r = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [build.launcher, 'prepare', big, '-o', o, '--threads', threads], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '', sent = false;
        const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`no progress: ${stderr}`)); }, 60_000);
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          if (!sent && stderr.includes('preparing ')) {
            sent = true;
            child.kill('SIGINT');
          }
        });
        child.on('exit', (code) => {
          clearTimeout(timer);
          resolve({ code, stderr });
        });
      });
      expect(r.code, r.stderr).toBe(130);
      expect(lastLine(r.stderr)).toBe('recur: preparation interrupted; no store was written');
      expect(entries(dir).filter((e) => e.includes(path.basename(o)))).toEqual([]);
    });
  }
});

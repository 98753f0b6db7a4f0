/**
 * Text → tokens, and back. Browser-safe (no Node built-ins).
 *
 * char: one token per Unicode code point (an emoji outside the BMP is one token,
 *       never two UTF-16 halves; a combining mark is its own code point). Case kept.
 * word, default: Unicode-aware words (letters, marks and digits, with inner
 *       apostrophes or hyphens: don't, state-of-the-art), numbers with inner
 *       separators (3.14, 1,000), and every other non-space code point (each
 *       punctuation mark or symbol) as its own token.
 * word, whitespace: split on white space, for corpora that are already tokenised.
 */
import type { Level, Tokenize } from './text.js';

export interface TokenizerOptions {
  level: Level;
  tokenize: Tokenize;
  lowercase: boolean;
}

const WORD_RE = /\p{N}+(?:[.,]\p{N}+)+|[\p{L}\p{M}\p{N}]+(?:['’\-‐][\p{L}\p{M}\p{N}]+)*|\S/gu;
const SPACE_RE = /\s+/u;

/** CRLF and lone CR become LF. */
export function normalizeNewlines(text: string): string {
  return text.indexOf('\r') < 0 ? text : text.replace(/\r\n?/g, '\n');
}

/**
 * Call `fn` with each token of `text`, in order, without building an array of
 * them (a corpus can be one enormous line). Same tokens as tokenize().
 */
export function forEachToken(text: string, opts: TokenizerOptions, fn: (token: string) => void): void {
  const s = opts.lowercase ? text.toLowerCase() : text;
  if (opts.level === 'char') {
    for (const ch of s) fn(ch);
    return;
  }
  const re = opts.tokenize === 'whitespace' ? /\S+/gu : new RegExp(WORD_RE.source, 'gu');
  for (let m = re.exec(s); m !== null; m = re.exec(s)) fn(m[0]);
}

/**
 * The engine remembers the subject of the last successful regular expression
 * match (the legacy RegExp.input / RegExp.lastMatch), and a line or token that
 * was matched is usually a slice of the whole corpus, which then stays in
 * memory. A match on an empty string makes it forget.
 */
export function forgetLastMatch(): void {
  /(?:)/.exec('');
}

/**
 * An independent copy of a string. A token cut from a corpus may be a slice
 * that keeps the entire corpus text alive; a vocabulary keeps copies instead.
 */
export function detachString(s: string): string {
  if (s.length < 13) return s;
  // code unit by code unit (a round trip through UTF-8 would turn a lone surrogate into U+FFFD)
  let out = '';
  const codes = new Array<number>(Math.min(s.length, 8192));
  for (let at = 0; at < s.length; at += codes.length) {
    const n = Math.min(codes.length, s.length - at);
    codes.length = n;
    for (let i = 0; i < n; i++) codes[i] = s.charCodeAt(at + i);
    out += String.fromCharCode(...codes);
  }
  return out;
}

export function tokenize(text: string, opts: TokenizerOptions): string[] {
  const s = opts.lowercase ? text.toLowerCase() : text;
  if (opts.level === 'char') return Array.from(s);
  if (opts.tokenize === 'whitespace') return s.split(SPACE_RE).filter((w) => w.length > 0);
  return s.match(WORD_RE) ?? [];
}

// Word-level text is joined with spaces, except around punctuation that
// attaches to its neighbour in ordinary prose.
const NO_SPACE_BEFORE = new Set(['.', ',', ';', ':', '!', '?', ')', ']', '}', '%', '…', '»', '”', "'s"]);
const NO_SPACE_AFTER = new Set(['(', '[', '{', '«', '“', '$', '¿', '¡']);

/**
 * The text between two consecutive tokens (`prev` null at the start). Char
 * level: nothing. Word level: a space, except (default tokenizer) before and
 * after punctuation that attaches to its neighbour in prose.
 */
export function separator(prev: string | null, next: string, opts: TokenizerOptions): string {
  if (opts.level === 'char' || prev === null) return '';
  if (opts.tokenize === 'whitespace') return ' ';
  return NO_SPACE_BEFORE.has(next) || NO_SPACE_AFTER.has(prev) ? '' : ' ';
}

/** Tokens → text. Char level concatenates; word level puts spaces between words. */
export function detokenize(tokens: readonly string[], opts: TokenizerOptions): string {
  let out = '';
  for (let i = 0; i < tokens.length; i++) out += separator(i > 0 ? tokens[i - 1] : null, tokens[i], opts) + tokens[i];
  return out;
}

/**
 * Text → tokens, and back. Browser-safe (no Node built-ins).
 *
 * char: one token per Unicode code point (an emoji outside the BMP is one token,
 *       never two UTF-16 halves; a combining mark is its own code point). Case kept.
 * word, default: Unicode-aware words (letters, marks and digits, with inner
 *       apostrophes or hyphens: don't, state-of-the-art), numbers with inner
 *       separators (3.14, 1,000), and every other non-space code point (each
 *       punctuation mark or symbol) as its own token. A run of a script written
 *       without spaces is one word: 東京タワーに行きました.
 * word, whitespace: split on white space, for corpora that are already tokenised.
 * word, segment: the default tokens, except that a token holding a letter of a
 *       script written without spaces (UNSPACED_LETTER: Chinese, Japanese, Thai,
 *       Lao, Khmer, Burmese, …) is cut at the word boundaries that the platform's
 *       word segmentation finds in the text, Intl.Segmenter with granularity
 *       'word' (Unicode's word boundaries, UAX #29, plus the engine's
 *       dictionaries for those scripts):
 *       東京タワー に 行き ま した, 我 今天 去了 北京, ภาษา ไทย ง่าย. Its pieces are all
 *       tokens (a hyphen inside such a run is one), and none holds white space.
 *       Text in spaced scripts gives exactly the default tokens. Segmenting it
 *       too would change them (the Segmenter cuts at hyphens, to-morrow → to - morrow,
 *       which joins back as "to - morrow"; it keeps e.g, example.com, a_b and
 *       emoji sequences whole) and takes some 20 times as long (test/bench/tokenize.js).
 *
 * Detokenizing puts no space where the script has none (`separator`).
 */
import { inputError } from '../core/errors.js';
import type { Level, Tokenize } from './text.js';

export interface TokenizerOptions {
  level: Level;
  tokenize: Tokenize;
  lowercase: boolean;
}

const WORD_RE = /\p{N}+(?:[.,]\p{N}+)+|[\p{L}\p{M}\p{N}]+(?:['’\-‐][\p{L}\p{M}\p{N}]+)*|\S/gu;
const SPACE_RE = /\s+/u;

// ---------------------------------------------------------------------------
// Scripts written without spaces between words, by Unicode script property.
// CJK: the scripts whose characters are ideographic in Unicode's line breaking
// (UAX #14 class ID). SEA: the scripts it leaves to a dictionary (class SA).
const CJK_LETTERS = '\\p{sc=Han}\\p{sc=Hiragana}\\p{sc=Katakana}\\p{sc=Bopomofo}\\p{sc=Yi}';
const SEA_LETTERS = '\\p{sc=Thai}\\p{sc=Lao}\\p{sc=Khmer}\\p{sc=Myanmar}\\p{sc=Tai_Le}\\p{sc=New_Tai_Lue}\\p{sc=Tai_Tham}\\p{sc=Tai_Viet}';
// All their letters lie at U+0E00 or above (the fast paths below rely on it)
// but two Bopomofo tone marks, U+02EA and U+02EB, which follow Bopomofo
// letters and are taken for spaced text.
// The rest of CJK text, which takes no space either: radicals, CJK punctuation
// (。、「」『』【】〜), kana marks (ー・゛), strokes, enclosed and compatibility forms
// (㈱ ㎏), vertical and small forms, fullwidth and halfwidth forms (！？（），：
// Ａ１ ｶﾅ; not halfwidth Hangul, FFA0–FFDC).
const CJK_MARKS = '\\u2E80-\\u2FFF\\u3000-\\u303F\\u3099-\\u30FF\\u31C0-\\u31FF\\u3200-\\u33FF\\uFE10-\\uFE1F\\uFE30-\\uFE6F\\uFF01-\\uFF9F\\uFFE0-\\uFFEE';
/** a letter of a script written without spaces */
const UNSPACED_LETTER = new RegExp(`[${CJK_LETTERS}${SEA_LETTERS}]`, 'u');
// sticky: tested at one position of a token, without cutting a string out of it
const CJK_AT = new RegExp(`[${CJK_LETTERS}${CJK_MARKS}]`, 'uy');
const SEA_AT = new RegExp(`[${SEA_LETTERS}]`, 'uy');

/**
 * The Segmenter's locale is fixed so that the tokens do not depend on the
 * machine: V8 resolves 'und' (and no locale) to the host's default locale
 * (en-US, fi-FI, ja-JP as LANG says), and one variant of it, en-US-u-va-posix,
 * has other rules (a.b, e.g, x@y.com split). 'en' has ICU's root rules, and
 * und, en, ja, zh, th, ko, fi, sv, fr, de, el, my, km, lo all gave the same words
 * on the tests' Chinese, Japanese and Thai sentences (ICU 78, Node 20).
 */
const SEGMENTER_LOCALE = 'en';
let segmenter: Intl.Segmenter | undefined;

/** One Segmenter for every call (creating one costs far more than segmenting a line). */
function wordSegmenter(): Intl.Segmenter {
  if (segmenter === undefined) {
    if (typeof Intl === 'undefined' || typeof Intl.Segmenter !== 'function') {
      throw inputError('the segment tokenizer needs Intl.Segmenter, which this JavaScript engine lacks; use Node 20 or a current browser, or a model trained with --tokenize default');
    }
    segmenter = new Intl.Segmenter(SEGMENTER_LOCALE, { granularity: 'word' });
  }
  return segmenter;
}

/**
 * How much text the segment tokenizer hands Intl.Segmenter at once, at least.
 * A window costs a copy of the engine's break iterator (~10 µs, a few words'
 * worth), and in V8 every word costs time in proportion to the length of the
 * text segmented (~1.5 µs more per 1,000 code units: quadratic on a long line).
 * 256 was the fastest of 64, 256, 1,024 and 4,096 on lines of 70 and of 10,000
 * code units of Japanese (test/bench/tokenize.js measures the tokenizer).
 */
export const SEGMENT_WINDOW = 256;
const STOP = /[\s\p{P}]/gu;

/** The index of the first white space or punctuation at or after `at`, or the text's length. */
function stopFrom(s: string, at: number): number {
  if (at >= s.length) return s.length;
  STOP.lastIndex = at;
  return STOP.exec(s)?.index ?? s.length;
}

function hasUnspacedLetter(token: string): boolean {
  for (let i = 0; i < token.length; i++) if (token.charCodeAt(i) >= 0x0e00) return UNSPACED_LETTER.test(token);
  return false;
}

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
  if (opts.tokenize === 'segment') {
    // The Segmenter reads the text in windows: from a token to cut, for at least
    // SEGMENT_WINDOW code units and that token, up to white space or punctuation.
    let words: Intl.Segments | null = null, from = 0, to = 0;
    for (let m = re.exec(s); m !== null; m = re.exec(s)) {
      const t = m[0];
      if (!hasUnspacedLetter(t)) {
        fn(t);
        continue;
      }
      const end = m.index + t.length;
      if (words === null || end > to) {
        from = m.index;
        to = stopFrom(s, Math.max(from + SEGMENT_WINDOW, end));
        words = wordSegmenter().segment(from === 0 && to === s.length ? s : s.slice(from, to));
      }
      // the token cut at the word boundaries inside it
      for (let i = m.index; i < end; ) {
        const w = words.containing(i - from)!;
        const wBegin = from + w.index, wEnd = wBegin + w.segment.length;
        const e = wEnd < end ? wEnd : end;
        fn(wBegin === i && e === wEnd ? w.segment : s.slice(i, e));
        i = e;
      }
    }
    return;
  }
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
  if (opts.tokenize === 'segment') {
    const out: string[] = [];
    forEachToken(s, { ...opts, lowercase: false }, (t) => out.push(t));
    return out;
  }
  return s.match(WORD_RE) ?? [];
}

// Word-level text is joined with spaces, except around punctuation that
// attaches to its neighbour in ordinary prose.
const NO_SPACE_BEFORE = new Set(['.', ',', ';', ':', '!', '?', ')', ']', '}', '%', '…', '»', '”', "'s"]);
const NO_SPACE_AFTER = new Set(['(', '[', '{', '«', '“', '$', '¿', '¡']);

const SPACED = 0, CJK = 1, SEA = 2;

/** The script class of the code point at index `i` of `s` (SPACED, CJK or SEA). */
function scriptAt(s: string, i: number): number {
  if (!(s.charCodeAt(i) >= 0x0e00)) return SPACED;
  CJK_AT.lastIndex = i;
  if (CJK_AT.test(s)) return CJK;
  SEA_AT.lastIndex = i;
  return SEA_AT.test(s) ? SEA : SPACED;
}

/** The index of the last code point of `s` (of its high surrogate when it is a pair). */
function lastCodePointIndex(s: string): number {
  const i = s.length - 1;
  return i > 0 && (s.charCodeAt(i) & 0xfc00) === 0xdc00 && (s.charCodeAt(i - 1) & 0xfc00) === 0xd800 ? i - 1 : i;
}

/**
 * Whether two neighbouring tokens are written without a space because of
 * their scripts (judged by the last code point of `prev`, the first of `next`):
 * - a CJK character (letter, punctuation 。、「」（）！, fullwidth form) takes no
 *   space on either side, whatever its neighbour: 2024年3月, iPhone 15を買った,
 *   東京Towerに行く, 「OK」と言った。 (plain Chinese and Japanese text puts no space
 *   next to Latin words; typesetting adds the gap);
 * - two letters of the South-East Asian scripts (Thai, Lao, Khmer, Myanmar, Tai)
 *   take none between them; next to digits, Latin or punctuation they keep the
 *   spaced rule, as Thai spaces numbers and foreign words off (ราคา 100 บาท).
 */
function closesUp(prev: string, next: string): boolean {
  const a = scriptAt(prev, lastCodePointIndex(prev)), b = scriptAt(next, 0);
  return a === CJK || b === CJK || (a === SEA && b === SEA);
}

/**
 * The text between two consecutive tokens (`prev` null at the start). Char
 * level: nothing. Word level, every tokenizer: nothing where the scripts put no
 * space (closesUp); else a space, except (default and segment tokenizers)
 * before and after punctuation that attaches to its neighbour in prose.
 */
export function separator(prev: string | null, next: string, opts: TokenizerOptions): string {
  if (opts.level === 'char' || prev === null) return '';
  if (closesUp(prev, next)) return '';
  if (opts.tokenize === 'whitespace') return ' ';
  return NO_SPACE_BEFORE.has(next) || NO_SPACE_AFTER.has(prev) ? '' : ' ';
}

/** Tokens → text. Char level concatenates; word level puts spaces between words where the script has them. */
export function detokenize(tokens: readonly string[], opts: TokenizerOptions): string {
  let out = '';
  for (let i = 0; i < tokens.length; i++) out += separator(i > 0 ? tokens[i - 1] : null, tokens[i], opts) + tokens[i];
  return out;
}

/**
 * manifest.json of a token store (docs/token-store.md): what it says, and
 * reading it back with a one-line error for every way it can be unusable.
 */
import { formatError } from '../core/errors.js';
import { LEVELS, SPLITS, TOKENIZERS, type TextConfig } from '../data/text.js';
import { EOS_TOKEN, UNK_TOKEN } from '../data/vocab.js';

export const STORE_FORMAT = 'recur-tokens/1';
export const STORE_FORMAT_VERSION = 1;
export const MANIFEST = 'manifest.json';
/** ids per shard unless asked otherwise: 512 MB of uint16, 1 GB of uint32 */
export const DEFAULT_SHARD_TOKENS = 268_435_456;

export type IdType = 'uint16' | 'uint32';

export interface ShardInfo {
  file: string;
  /** ids in the file */
  tokens: number;
  bytes: number;
  sha256: string;
}

export interface BlocksInfo {
  file: string;
  count: number;
  sequencesPerBlock: number;
  sha256: string;
}

export interface PartInfo {
  /** predicted tokens: the part's stream holds tokens + 1 ids */
  tokens: number;
  sequences: number;
  oov: number;
  chars: number;
  shards: ShardInfo[];
  blocks?: BlocksInfo;
}

export interface SourceInfo {
  path: string;
  bytes: number;
  mtimeMs: number;
  part: 'train' | 'val';
}

export interface SkippedInfo {
  path: string;
  reason: string;
}

export interface StoreManifest {
  format: string;
  created: string;
  text: TextConfig;
  vocabulary: { maxVocab: number | null; minCount: number | null; from: string | null };
  vocab: string[];
  dtype: IdType;
  shardTokens: number;
  valFrac: number;
  /** the fraction was held out as the end of each file (lines, paragraphs: a running text); absent in stores written before it */
  valTail?: boolean;
  sources: SourceInfo[];
  skipped: SkippedInfo[];
  parts: { train: PartInfo; val: PartInfo | null };
}

export function idTypeFor(vocabSize: number): IdType {
  return vocabSize <= 65536 ? 'uint16' : 'uint32';
}

export function bytesPerId(t: IdType): number {
  return t === 'uint16' ? 2 : 4;
}

/** Read manifest.json's bytes; every problem is one line naming the store. */
export function parseManifest(bytes: Uint8Array, store: string): StoreManifest {
  const bad = (why: string): never => {
    throw formatError(`${store} is not a usable token store (${why}); prepare it again with recur prepare`);
  };
  let m: StoreManifest;
  try {
    m = JSON.parse(new TextDecoder().decode(bytes)) as StoreManifest;
  } catch {
    return bad('its manifest.json is not valid JSON');
  }
  if (typeof m !== 'object' || m === null) return bad('its manifest.json is not an object');
  const v = /^recur-tokens\/(\d+)$/.exec(String(m.format));
  if (!v) return bad(`its manifest.json has format ${JSON.stringify(m.format)}, not ${STORE_FORMAT}`);
  if (Number(v[1]) > STORE_FORMAT_VERSION) {
    throw formatError(`${store} was written in a newer format (${m.format}) than this recur reads (${STORE_FORMAT}); upgrade recur`);
  }
  checkText(m.text, bad);
  if (!Array.isArray(m.vocab) || m.vocab[0] !== EOS_TOKEN || m.vocab[1] !== UNK_TOKEN || !m.vocab.every((t) => typeof t === 'string')) {
    bad('its vocabulary does not start with <eos>, <unk>');
  }
  if (m.dtype !== idTypeFor(m.vocab.length)) bad(`dtype ${m.dtype} does not fit a vocabulary of ${m.vocab.length}`);
  if (!m.parts || typeof m.parts !== 'object' || !m.parts.train) bad('it has no training part');
  checkPart(m.parts.train, m.dtype, bad);
  if (m.parts.val) checkPart(m.parts.val, m.dtype, bad);
  if (!Array.isArray(m.sources) || !Array.isArray(m.skipped)) bad('its list of sources is missing');
  if (m.valTail !== undefined && typeof m.valTail !== 'boolean') bad('its valTail is not true or false');
  return m;
}

function checkText(t: TextConfig, bad: (why: string) => never): void {
  if (!t || !LEVELS.includes(t.level) || !SPLITS.includes(t.split) || !TOKENIZERS.includes(t.tokenize) || typeof t.lowercase !== 'boolean') {
    bad('its text configuration is missing or unknown');
  }
}

const count = (x: unknown): boolean => Number.isSafeInteger(x) && (x as number) >= 0;

function checkPart(p: PartInfo, dtype: IdType, bad: (why: string) => never): void {
  if (![p.tokens, p.sequences, p.oov, p.chars].every(count) || !Array.isArray(p.shards)) bad('a part has no counts or shards');
  let ids = 0;
  for (const s of p.shards) {
    if (typeof s.file !== 'string' || !/^[\w.-]+\.bin$/.test(s.file) || !count(s.tokens) || s.bytes !== s.tokens * bytesPerId(dtype) || typeof s.sha256 !== 'string') {
      bad(`shard entry ${JSON.stringify(s.file)} is malformed`);
    }
    ids += s.tokens;
  }
  if (ids !== p.tokens + 1) bad(`the shards hold ${ids} ids, not tokens + 1 = ${p.tokens + 1}`);
  const b = p.blocks;
  if (b && (typeof b.file !== 'string' || !/^[\w.-]+\.bin$/.test(b.file) || !count(b.count) || !count(b.sequencesPerBlock))) bad('the blocks entry is malformed');
}

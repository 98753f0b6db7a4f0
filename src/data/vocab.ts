/**
 * The vocabulary: token strings ↔ ids. Id 0 is <eos> (ends every sequence and
 * is the first input of each), id 1 is <unk> (every token not in the vocabulary).
 * Built from counts: the most frequent tokens first, ties broken by code-point
 * order of the token, so the same corpus always gives the same ids.
 */
import { EOS, UNK } from '../core/ids.js';
import { detachString } from './tokenize.js';

export const EOS_TOKEN = '<eos>';
export const UNK_TOKEN = '<unk>';

export class Vocab {
  readonly tokens: readonly string[];
  private readonly ids: Map<string, number>;

  constructor(tokens: readonly string[]) {
    if (tokens[EOS] !== EOS_TOKEN || tokens[UNK] !== UNK_TOKEN) {
      throw new Error(`a vocabulary starts with ${EOS_TOKEN}, ${UNK_TOKEN}`);
    }
    this.tokens = tokens;
    this.ids = new Map();
    // a literal "<eos>" in the text is not the end of a sequence: it maps to <unk>
    tokens.forEach((t, i) => {
      if (i !== EOS && !this.ids.has(t)) this.ids.set(t, i);
    });
  }

  get size(): number {
    return this.tokens.length;
  }

  /** The id of a token; <unk> when it is not in the vocabulary. */
  id(token: string): number {
    return this.ids.get(token) ?? UNK;
  }

  has(token: string): boolean {
    return this.ids.has(token) && token !== UNK_TOKEN && token !== EOS_TOKEN;
  }

  token(id: number): string {
    return this.tokens[id];
  }
}

export interface VocabLimits {
  /** keep at most this many tokens besides <eos> and <unk> (0 = no limit) */
  maxVocab: number;
  /** keep only tokens seen at least this often */
  minCount: number;
}

/** Token counts, filled as the corpus streams past. */
export class TokenCounter {
  readonly counts = new Map<string, number>();
  add(tokens: Iterable<string>): void {
    for (const t of tokens) this.addOne(t);
  }
  addOne(token: string): void {
    this.counts.set(token, (this.counts.get(token) ?? 0) + 1);
  }
}

function compareCodePoints(a: string, b: string): number {
  // String comparison by UTF-16 units orders astral characters wrongly; compare code points.
  const ia = a[Symbol.iterator](), ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next(), y = ib.next();
    if (x.done || y.done) return (x.done ? 0 : 1) - (y.done ? 0 : 1);
    const cx = x.value.codePointAt(0)!, cy = y.value.codePointAt(0)!;
    if (cx !== cy) return cx - cy;
  }
}

export function buildVocab(counter: TokenCounter, limits: VocabLimits): Vocab {
  const entries = [...counter.counts.entries()].filter(
    ([t, c]) => c >= limits.minCount && t !== EOS_TOKEN && t !== UNK_TOKEN,
  );
  entries.sort((a, b) => b[1] - a[1] || compareCodePoints(a[0], b[0]));
  const kept = limits.maxVocab > 0 ? entries.slice(0, limits.maxVocab) : entries;
  return new Vocab([EOS_TOKEN, UNK_TOKEN, ...kept.map(([t]) => detachString(t))]);
}

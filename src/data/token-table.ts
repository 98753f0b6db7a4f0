/**
 * The hash table of the token scanners (scan.ts): token → small integer, found
 * from a range of a larger string without making a string. Browser-safe.
 */
import { detachString } from './tokenize.js';

export const FNV_BASIS = 0x811c9dc5 | 0, FNV_PRIME = 0x01000193;

/** FNV-1a over the code units of s[i, j). */
export function hashOf(s: string, i: number, j: number): number {
  let h = FNV_BASIS;
  for (let q = i; q < j; q++) h = Math.imul(h ^ s.charCodeAt(q), FNV_PRIME);
  return h;
}

/**
 * Token strings → small integers, looked up without making a string: open
 * addressing over one Int32Array of slots [hash, value + 1 (0: empty), offset,
 * length], the tokens' code units laid end to end in one Uint16Array, so a
 * probe touches typed arrays only (no pointer to a string object to follow).
 */
export class TokenTable {
  private slots: Int32Array;
  private mask: number;
  private pool = new Uint16Array(1 << 14);
  private used = 0;
  size = 0;

  constructor(capacity = 1024) {
    let n = 16;
    while (n < 2 * capacity) n *= 2;
    this.slots = new Int32Array(4 * n);
    this.mask = n - 1;
  }

  /** The value of s[i, j), or −1. */
  find(s: string, i: number, j: number, h: number): number {
    const len = j - i, slots = this.slots, pool = this.pool, mask = this.mask;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const b = slot << 2, v = slots[b + 1];
      if (v === 0) return -1;
      if (slots[b] === h && slots[b + 3] === len) {
        const off = slots[b + 2];
        let q = 0;
        while (q < len && pool[off + q] === s.charCodeAt(i + q)) q++;
        if (q === len) return v - 1;
      }
    }
  }

  /** Add s[i, j) (not present) with `value`; returns a copy of the token, never a slice of s. */
  insert(s: string, i: number, j: number, h: number, value: number): string {
    if (2 * (this.size + 1) > this.mask + 1) this.grow();
    const len = j - i;
    if (this.used + len > this.pool.length) {
      const p = new Uint16Array(Math.max(2 * this.pool.length, this.used + len));
      p.set(this.pool);
      this.pool = p;
    }
    const off = this.used;
    for (let q = 0; q < len; q++) this.pool[off + q] = s.charCodeAt(i + q);
    this.used += len;
    this.place(h, value + 1, off, len);
    this.size++;
    return detachString(i === 0 && j === s.length ? s : s.slice(i, j));
  }

  /** Empty again, keeping its memory. */
  clear(): void {
    this.slots.fill(0);
    this.used = 0;
    this.size = 0;
  }

  private place(h: number, v: number, off: number, len: number): void {
    const slots = this.slots;
    let slot = h & this.mask;
    while (slots[(slot << 2) + 1] !== 0) slot = (slot + 1) & this.mask;
    const b = slot << 2;
    slots[b] = h;
    slots[b + 1] = v;
    slots[b + 2] = off;
    slots[b + 3] = len;
  }

  private grow(): void {
    const old = this.slots;
    this.mask = 2 * (this.mask + 1) - 1;
    this.slots = new Int32Array(4 * (this.mask + 1));
    for (let b = 0; b < old.length; b += 4) if (old[b + 1] !== 0) this.place(old[b], old[b + 1], old[b + 2], old[b + 3]);
  }
}

import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

import {
  BROWN_SPLITS,
  countTokens,
  formatSentences,
  isBrownFileName,
  parseBrownFile,
  sortBrownFileNames,
  splitByTokens,
  stripTag,
  stripTags,
} from '../../corpora/lib/brown.mjs';
import { readTar, readTarGz } from '../../corpora/lib/tar.mjs';

describe('Brown tag stripping', () => {
  it('keeps everything before the last slash', () => {
    expect(stripTag('The/at')).toBe('The');
    expect(stripTag('Fulton/np-tl')).toBe('Fulton');
    expect(stripTag("Atlanta's/np$")).toBe("Atlanta's");
    expect(stripTag('1-1/2/cd')).toBe('1-1/2');
    expect(stripTag('``/``')).toBe('``');
    expect(stripTag("''/''")).toBe("''");
    expect(stripTag('./.')).toBe('.');
  });

  it('rejects a token without a tag', () => {
    expect(() => stripTag('word')).toThrow(/word\/tag/);
    expect(() => stripTag('/nn')).toThrow();
  });

  it('strips a whole tab-indented sentence line', () => {
    const line = "\tThe/at jury/nn said/vbd ``/`` no/at evidence/nn ''/'' ./.  ";
    expect(stripTags(line)).toEqual(['The', 'jury', 'said', '``', 'no', 'evidence', "''", '.']);
    expect(stripTags(' \t ')).toEqual([]);
  });
});

describe('Brown file parsing', () => {
  it('reads one sentence per non-blank line, skipping whitespace-only lines', () => {
    const text = '\n\n\tA/at dog/nn ./.\n\n\n\t\n\tIt/pps ran/vbd ./.\r\n\n';
    expect(parseBrownFile(text)).toEqual([
      ['A', 'dog', '.'],
      ['It', 'ran', '.'],
    ]);
  });

  it('recognises and orders the corpus file names', () => {
    expect(isBrownFileName('ca01')).toBe(true);
    expect(isBrownFileName('cr09')).toBe(true);
    for (const other of ['README', 'CONTENTS', 'cats.txt', 'categories.pickle', 'package.json', 'cs01', 'ca1']) {
      expect(isBrownFileName(other)).toBe(false);
    }
    expect(sortBrownFileNames(['cr09', 'cb01', 'ca10', 'ca02', 'ca01'])).toEqual(['ca01', 'ca02', 'ca10', 'cb01', 'cr09']);
  });
});

describe('token-budget split', () => {
  // sentences of the given lengths, each token labelled with its sentence index
  const make = (lengths: number[]) => lengths.map((n, i) => Array.from({ length: n }, () => i));
  const lengthsOf = (split: number[][]) => split.map((s) => s.length);

  it('gives a sentence that straddles a boundary wholly to the earlier split', () => {
    // budgets 5 / 4 / rest; sentence 1 spans tokens 4-6, sentence 3 spans 8-10
    const [train, valid, test] = splitByTokens(make([3, 3, 2, 3, 2]), [5, 4, Infinity]);
    expect(lengthsOf(train)).toEqual([3, 3]); // 6 tokens: one over budget
    expect(lengthsOf(valid)).toEqual([2, 3]); // 5 tokens: counted from the start of valid
    expect(lengthsOf(test)).toEqual([2]);
  });

  it('closes a split on a sentence that ends exactly on the boundary', () => {
    const [a, b] = splitByTokens(make([2, 3, 4]), [5, Infinity]);
    expect(lengthsOf(a)).toEqual([2, 3]);
    expect(lengthsOf(b)).toEqual([4]);
  });

  it('lets the last split take everything that remains and may leave splits empty', () => {
    expect(splitByTokens(make([2, 2, 2]), [1, 1]).map(lengthsOf)).toEqual([[2], [2, 2]]);
    expect(splitByTokens(make([2]), [5, 5, Infinity]).map(lengthsOf)).toEqual([[2], [], []]);
    expect(splitByTokens([], [5, Infinity])).toEqual([[], []]);
  });

  it('keeps every sentence once, in order', () => {
    const sentences = make([7, 1, 4, 4, 9, 2, 2, 5, 3]);
    const splits = splitByTokens(sentences, [10, 10, Infinity]);
    expect(splits.flat()).toEqual(sentences);
    expect(splits.map(countTokens)).toEqual([12, 13, 12]);
  });

  it('uses the 800,000 / 200,000 / rest budgets', () => {
    expect(BROWN_SPLITS.map((s) => [s.name, s.tokens])).toEqual([
      ['train', 800_000],
      ['valid', 200_000],
      ['test', Infinity],
    ]);
  });
});

describe('output format', () => {
  it('writes single-space tokens, one sentence per line, newline-terminated', () => {
    expect(formatSentences([['A', 'dog', '.'], ['``', 'Hi', "''", '.']])).toBe("A dog .\n`` Hi '' .\n");
    expect(formatSentences([])).toBe('');
  });

  it('round-trips a tagged file to text', () => {
    const text = '\n\n\tThe/at 1-1/2/cd inch/nn ``/`` pipe/nn \'\'/\'\' ./.\n\n';
    expect(formatSentences(parseBrownFile(text))).toBe("The 1-1/2 inch `` pipe '' .\n");
  });
});

describe('tar reader', () => {
  // build one 512-byte ustar header by hand
  const header = (name: string, size: number, type: string, prefix = '') => {
    const h = Buffer.alloc(512);
    h.write(name, 0, 'utf8');
    h.write('0000644\0', 100, 'ascii');
    h.write(size.toString(8).padStart(11, '0') + '\0', 124, 'ascii');
    h.write(type, 156, 'ascii');
    h.write('ustar\0' + '00', 257, 'ascii');
    h.write(prefix, 345, 'utf8');
    return h;
  };
  const entry = (name: string, body: string, type = '0', prefix = '') => {
    const data = Buffer.from(body, 'utf8');
    const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
    return Buffer.concat([header(name, data.length, type, prefix), data, pad]);
  };
  const pax = (path: string) => {
    const rec = ` path=${path}\n`;
    // the record length counts its own decimal digits
    let len = rec.length;
    while (String(len).length + rec.length !== len) len = String(len).length + rec.length;
    return entry('PaxHeader', `${len}${rec}`, 'x');
  };

  const archive = Buffer.concat([
    entry('package/', '', '5'),
    entry('package/ca01', '\tA/at ./.\n'),
    entry('ca02', 'x'.repeat(600), '0', 'package'),
    pax('package/a-very-long-name'),
    entry('package/short', 'long body'),
    entry('package/README', 'readme'),
    Buffer.alloc(1024),
  ]);

  it('returns regular files with prefixes and pax paths applied', () => {
    const files = readTar(archive);
    expect([...files.keys()]).toEqual(['package/ca01', 'package/ca02', 'package/a-very-long-name', 'package/README']);
    expect(files.get('package/ca01')?.toString()).toBe('\tA/at ./.\n');
    expect(files.get('package/ca02')?.length).toBe(600);
    expect(files.get('package/a-very-long-name')?.toString()).toBe('long body');
  });

  it('reads a gzipped archive', () => {
    expect(readTarGz(gzipSync(archive)).get('package/README')?.toString()).toBe('readme');
  });
});

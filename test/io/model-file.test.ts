/**
 * Model files: a round trip, then one test per way a file can be wrong, each
 * asserting a 'format' RecurError whose one-line message says what is wrong.
 */
import { describe, expect, it } from 'vitest';
import { RecurError } from '../../src/core/errors.js';
import { firstNonFinite } from '../../src/core/finite.js';
import { loadModel, saveModel } from '../../src/model/model-file.js';
import { MAX_HEADER_BYTES, readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { LanguageModel } from '../../src/model/model.js';
import { paramLayout } from '../../src/nn/params.js';
import { editFile, editMeta, joinFile, splitFile, tinyModel } from '../helpers/model-files.js';

const model = tinyModel('lstm', 'word', 2, 7);
const good = saveModel(model);

function formatErrorOf(bytes: Uint8Array): RecurError {
  let caught: unknown;
  try {
    loadModel(bytes, 'm.safetensors');
  } catch (e) {
    caught = e;
  }
  expect(caught, 'the load should have failed').toBeInstanceOf(RecurError);
  const e = caught as RecurError;
  expect(e.kind).toBe('format');
  expect(e.message).not.toMatch(/[\n\r]/);
  expect(e.message).toContain('m.safetensors');
  return e;
}

function rejects(bytes: Uint8Array, fragment: string | RegExp): void {
  expect(formatErrorOf(bytes).message).toMatch(fragment);
}

function setHeaderLength(bytes: Uint8Array, n: bigint): Uint8Array {
  const b = bytes.slice();
  new DataView(b.buffer).setBigUint64(0, n, true);
  return b;
}

/** The model's tensors with some replaced, as writeSafetensors takes them. */
function tensorsOf(m: LanguageModel, replace: Record<string, { shape: number[]; data: Float32Array } | null> = {}) {
  const out: { name: string; shape: number[]; data: Float32Array }[] = [];
  for (const v of m.layout.views) {
    const r = replace[v.name];
    if (r === null) continue;
    out.push({ name: v.name, shape: r?.shape ?? v.shape, data: r?.data ?? m.params.subarray(v.offset, v.offset + v.size) });
  }
  return out;
}

function metadataOf(m: LanguageModel): Record<string, string> {
  return { format: 'recur-lm/1', config: JSON.stringify(m.config), vocab: JSON.stringify(m.vocab.tokens) };
}

describe('model file round trip', () => {
  for (const cell of ['rnn', 'gru', 'lstm'] as const) {
    for (const level of ['char', 'word'] as const) {
      it(`${cell}/${level}: save → load gives the same params, config, vocab and info`, () => {
        const m = tinyModel(cell, level, 2, 3);
        const back = loadModel(saveModel(m));
        expect(back.config).toEqual(m.config);
        expect(back.vocab.tokens).toEqual(m.vocab.tokens);
        expect(back.info).toEqual(m.info);
        expect(back.params).toEqual(m.params);
        expect(saveModel(back)).toEqual(saveModel(m));
      });
    }
  }

  it('loads from a Node Buffer and from a view at an odd offset (not just a fresh Uint8Array)', () => {
    // regression: tensor data used to be taken with bytes.slice(), a view on a Buffer's shared pool
    expect(loadModel(Buffer.from(good)).params).toEqual(model.params);
    const shifted = new Uint8Array(good.length + 3);
    shifted.set(good, 3);
    expect(loadModel(shifted.subarray(3)).params).toEqual(model.params);
  });

  it('a loaded model owns its weights: reading shares the bytes of the file, the model copies them', () => {
    const bytes = Uint8Array.from(good);
    const shared = readSafetensors(bytes, 'm', true), owned = readSafetensors(bytes, 'm');
    const t = shared.tensors.get('decoder.bias')!.data;
    expect(t.buffer).toBe(bytes.buffer); // aligned: a view, no copy
    expect(owned.tensors.get('decoder.bias')!.data.buffer).not.toBe(bytes.buffer);
    const shifted = new Uint8Array(good.length + 3);
    shifted.set(good, 3);
    expect(readSafetensors(shifted.subarray(3), 'm', true).tensors.get('decoder.bias')!.data.buffer).not.toBe(shifted.buffer);
    const m = loadModel(bytes);
    bytes.fill(0xff); // every weight of the file NaN now
    expect(m.params).toEqual(model.params);
  });

  it('loads a file written with only the required config keys (as from PyTorch)', () => {
    const bytes = editMeta(good, 'config', (c) => ({ level: c.level, cell: c.cell, embed: c.embed, hidden: c.hidden, layers: c.layers }));
    const m = loadModel(bytes);
    expect(m.config.split).toBe('lines');
    expect(m.params).toEqual(model.params);
  });
});

describe('model file rejections', () => {
  it('truncated file', () => {
    rejects(good.slice(0, good.length - 10), /lies outside the data.*truncated or damaged/);
    rejects(good.slice(0, 5), /too short to be a safetensors file/);
    rejects(good.slice(0, 40), /header length .* runs past the end of the file/);
  });

  it('header length past the end', () => {
    rejects(setHeaderLength(good, BigInt(good.length)), /truncated or not a safetensors file/);
    rejects(setHeaderLength(good, 2n ** 64n - 1n), /runs past the end of the file/);
  });

  it('absurd header length', () => {
    // the length fits inside this (large) file but is far beyond any real header
    const big = new Uint8Array(MAX_HEADER_BYTES + 64);
    new DataView(big.buffer).setBigUint64(0, BigInt(MAX_HEADER_BYTES + 1), true);
    rejects(big, /absurdly large header/);
  });

  it('zero header length', () => {
    rejects(setHeaderLength(good, 0n), /empty safetensors header/);
  });

  it('malformed header JSON', () => {
    const { header, data } = splitFile(good);
    rejects(joinFile(JSON.stringify(header).slice(0, -1), data), /header is not valid UTF-8 JSON/);
    rejects(joinFile('[1, 2]', data), /header is not a JSON object/);
    const b = good.slice();
    b[9] = 0xff; // invalid UTF-8
    rejects(b, /not valid UTF-8 JSON/);
  });

  it('wrong dtype (F16, F64)', () => {
    for (const dtype of ['F16', 'F64']) {
      rejects(editFile(good, (h) => void (h['decoder.bias'].dtype = dtype)), new RegExp(`"decoder.bias" has dtype "${dtype}".*float32 \\(F32\\)`));
    }
  });

  it('a hostile dtype value does not crash the message', () => {
    rejects(editFile(good, (h) => void (h['decoder.bias'].dtype = { toString: 1 })), /has dtype an object/);
  });

  it('shape disagreeing with the config', () => {
    // the file is a consistent H = 5 model but the config says H = 6
    rejects(editMeta(good, 'config', (c) => ({ ...c, hidden: 6 })), /"embedding.weight"|"rnn.weight_ih_l0" has shape \[20, 3\], expected \[24, 3\] from the config/);
  });

  it('shape disagreeing with the data length', () => {
    rejects(editFile(good, (h) => void (h['decoder.bias'].shape = [model.vocab.size + 1])), /"decoder.bias" has shape \[10\] but 36 bytes of data/);
  });

  it('shapes disagreeing with each other (decoder sized for another vocabulary)', () => {
    const V = model.vocab.size, H = model.config.hidden;
    const bytes = writeSafetensors(
      tensorsOf(model, { 'decoder.weight': { shape: [V + 1, H], data: new Float32Array((V + 1) * H) }, 'decoder.bias': { shape: [V + 1], data: new Float32Array(V + 1) } }),
      metadataOf(model),
    );
    rejects(bytes, /"decoder.weight" has shape \[10, 5\], expected \[9, 5\] from the config \(the vocabulary has 9 tokens\)/);
  });

  it('missing tensor', () => {
    rejects(writeSafetensors(tensorsOf(model, { 'rnn.bias_hh_l1': null }), metadataOf(model)), /tensor "rnn.bias_hh_l1" is missing/);
  });

  it('extra tensor', () => {
    const extra = [...tensorsOf(model), { name: 'rnn.weight_ih_l2', shape: [2], data: new Float32Array(2) }];
    rejects(writeSafetensors(extra, metadataOf(model)), /unexpected tensor "rnn.weight_ih_l2" for a 2-layer lstm model/);
  });

  it('overlapping offsets', () => {
    // decoder.bias (36 bytes) placed inside decoder.weight's bytes
    const bytes = editFile(good, (h) => {
      const begin = h['decoder.weight'].data_offsets[0] + 8;
      h['decoder.bias'].data_offsets = [begin, begin + 36];
    });
    rejects(bytes, /tensors "decoder.weight" and "decoder.bias" overlap; the file is damaged/);
  });

  it('offsets outside the data', () => {
    rejects(editFile(good, (h, data) => void (h['decoder.bias'].data_offsets = [data.length, data.length + 36])), /"decoder.bias" lies outside the data/);
    rejects(editFile(good, (h) => void (h['decoder.bias'].data_offsets = [40, 4])), /lies outside the data/);
    rejects(editFile(good, (h) => void (h['decoder.bias'].data_offsets = [-4, 32])), /invalid data_offsets/);
  });

  it('firstNonFinite: NaN and ±infinity, not the largest, smallest, subnormal or signed-zero values', () => {
    const ok = [0, -0, 1, -1, 3.4028234663852886e38, -3.4028234663852886e38, 1.4e-45, 1.1754943508222875e-38];
    expect(firstNonFinite(new Float32Array(ok))).toBe(-1);
    for (const x of [NaN, Infinity, -Infinity]) expect(firstNonFinite(new Float32Array([...ok, x, 0]))).toBe(ok.length);
    expect(firstNonFinite(new Float32Array([1, 2, NaN, 3]).subarray(1))).toBe(1); // a view: positions within it
  });

  it('non-finite weight', () => {
    for (const bits of [0x7fc00000, 0x7f800000, 0xff800000]) {
      const bytes = editFile(good, (h, data) => {
        new DataView(data.buffer).setUint32(h['rnn.weight_hh_l1'].data_offsets[0] + 8, bits, true);
      });
      rejects(bytes, /tensor "rnn.weight_hh_l1" holds a non-finite value/);
    }
  });

  it('vocab size disagreeing with the weights', () => {
    rejects(editMeta(good, 'vocab', (v: string[]) => v.slice(0, -1)), /"embedding.weight" has shape \[9, 3\], expected \[8, 3\] from the config \(the vocabulary has 8 tokens\)/);
    rejects(editMeta(good, 'vocab', (v: string[]) => [v[1], v[0], ...v.slice(2)]), /vocab must start with "<eos>", "<unk>"/);
    rejects(editMeta(good, 'vocab', () => ['<eos>', '<unk>', 3]), /vocab must be a JSON array of strings/);
  });

  it('unknown format version', () => {
    rejects(editFile(good, (h) => void (h.__metadata__.format = 'recur-lm/2')), /has format "recur-lm\/2", which this recur does not read.*upgrade recur/);
  });

  it('a safetensors file without recur metadata is not a recur model', () => {
    rejects(writeSafetensors(tensorsOf(model), {}), /is a safetensors file but not a recur model/);
    rejects(editFile(good, (h) => void delete h.__metadata__), /not a recur model/);
  });

  it('missing or malformed config and vocab', () => {
    rejects(editFile(good, (h) => void delete h.__metadata__.config), /metadata lacks "config"/);
    rejects(editFile(good, (h) => void delete h.__metadata__.vocab), /metadata lacks "vocab"/);
    rejects(editFile(good, (h) => void (h.__metadata__.config = '{"level":')), /metadata "config" is not valid JSON/);
    rejects(editFile(good, (h) => void (h.__metadata__.config = 7)), /__metadata__ entry "config" must be a string \(got 7\)/);
    rejects(editMeta(good, 'config', ({ hidden: _h, ...c }) => c), /config lacks the required key "hidden"/);
  });

  it('absurd or hostile config values, reported without crashing', () => {
    rejects(editMeta(good, 'config', (c) => ({ ...c, hidden: 1e9 })), /config.hidden is 1000000000; it must be an integer from 1 to 65536/);
    rejects(editMeta(good, 'config', (c) => ({ ...c, layers: 2.5 })), /config.layers is 2.5; it must be an integer/);
    rejects(editMeta(good, 'config', (c) => ({ ...c, embed: '3' })), /config.embed is "3"; it must be an integer/);
    rejects(editMeta(good, 'config', (c) => ({ ...c, cell: 'transformer' })), /config.cell is "transformer"; it must be one of rnn, gru, lstm/);
    rejects(editMeta(good, 'config', (c) => ({ ...c, level: { toString: 1 } })), /config.level is an object; it must be one of char, word/);
    rejects(editMeta(good, 'config', (c) => ({ ...c, split: 'li\nnes' })), /config.split is "li\\nnes"/);
    rejects(editMeta(good, 'config', (c) => ({ ...c, lowercase: 'yes' })), /config.lowercase is "yes"; it must be true or false/);
    rejects(editMeta(good, 'config', (c) => ({ ...c, running_text: 1 })), /config.running_text is 1; it must be true or false/);
  });

  it('a tensor name with a newline in it still gives a one-line message', () => {
    rejects(editFile(good, (h) => {
      h['decoder.\nbias'] = h['decoder.bias'];
      delete h['decoder.bias'];
    }), /unexpected tensor "decoder.\\nbias"/);
  });

  it('a consistent file for a far bigger network than the data holds is refused (hidden = 60000)', () => {
    const bytes = editFile(good, (h) => {
      const c = { ...JSON.parse(h.__metadata__.config), hidden: 60000 };
      h.__metadata__.config = JSON.stringify(c);
      let off = 0;
      for (const v of paramLayout(c, model.vocab.size).views) {
        h[v.name] = { dtype: 'F32', shape: v.shape, data_offsets: [off, off + 4 * v.size] };
        off += 4 * v.size;
      }
    });
    rejects(bytes, /lies outside the data/);
  });
});

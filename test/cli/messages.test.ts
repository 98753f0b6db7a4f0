/**
 * Every message true, every error one line, and no quiet degenerate result:
 * what a new user met trying recur on other people's text (issue "no surprises").
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecurError } from '../../src/core/errors.js';
import { InferenceSession } from '../../src/infer/session.js';
import { evaluateText } from '../../src/infer/score.js';
import { loadModel } from '../../src/model/model-file.js';
import { recur } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'recur-msg-'));
const file = (name: string, content: string | Buffer): string => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};
const names = file('names.txt', ['anna', 'bob', 'carla', 'dave', 'emma', 'fred', 'gina', 'hugo', 'ida', 'jon'].join('\n').repeat(6) + '\n');
const small = ['--hidden', '16', '--embed', '8', '--batch', '4', '--seq-len', '8', '--kernels', 'reference', '--samples', '0', '--steps', '3'];
let modelPath = '';
async function model(): Promise<string> {
  if (!modelPath) {
    modelPath = join(dir, 'm.safetensors');
    const r = await recur(['train', names, ...small, '-o', modelPath]);
    expect(r.code, r.stderr).toBe(0);
  }
  return modelPath;
}

function oneLine(r: { code: number; stderr: string }, code: number, re: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  expect(r.stderr.endsWith('\n') && r.stderr.trim().split('\n').length === 1, r.stderr).toBe(true);
  expect(r.stderr).toMatch(re);
}

describe('reading text in other encodings', () => {
  const french = Buffer.from('café crème\nà la carte\nnaïve façade\n', 'latin1');
  const russian = Buffer.from([0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2, 0x20, 0xec, 0xe8, 0xf0, 0x0a, 0xc4, 0xee, 0xe1, 0xf0, 0xee, 0xe5, 0x20, 0xf3, 0xf2, 0xf0, 0xee, 0x0a]); // Привет мир / Доброе утро in cp1251
  const text = 'anna\nbob\ncarla\n';

  it('UTF-16 with a byte-order mark is read as such (little and big endian)', async () => {
    const le = file('le.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    const be = file('be.txt', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]));
    for (const f of [le, be]) {
      const r = await recur(['eval', await model(), f, '--json', '--kernels', 'reference']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ sequences: 3, oov: 0 });
    }
  });

  it('other encodings get a hint that names them, not always Latin-1', async () => {
    oneLine(await recur(['train', file('ru.txt', russian)]), 1, /is not valid UTF-8 \(byte 0xcf at offset 0\); most of its letters are outside ASCII.*iconv -f cp1251 -t utf-8/);
    expect((await recur(['train', join(dir, 'ru.txt')])).stderr).not.toMatch(/latin1/);
    oneLine(await recur(['train', file('fr.txt', french)]), 1, /not valid UTF-8 .*iconv -f cp1252 -t utf-8 for Western European text.*--replace-invalid/);
    oneLine(await recur(['train', file('u16.txt', Buffer.from(text, 'utf16le'))]), 1, /looks like UTF-16 without a byte-order mark.*iconv -f utf-16le/);
  });

  it('eval and score --file take the --replace-invalid they suggest', async () => {
    const fr = join(dir, 'fr.txt');
    oneLine(await recur(['eval', await model(), fr]), 1, /--replace-invalid/);
    expect((await recur(['eval', await model(), fr, '--replace-invalid', '--kernels', 'reference'])).code).toBe(0);
    expect((await recur(['score', await model(), '--file', fr, '--replace-invalid', '--kernels', 'reference'])).code).toBe(0);
  });
});

describe('eval and score say what is wrong', () => {
  it('an empty or blank file is an error, in the library and on the command line', async () => {
    const session = await InferenceSession.create(loadModel(readFileSync(await model())), { kernels: 'reference' });
    for (const t of ['', ' \n\n  \n']) {
      expect(() => evaluateText(session, t)).toThrow(RecurError);
      oneLine(await recur(['eval', await model(), file('blank.txt', t)]), 1, /^recur: there is no text to evaluate: it is empty or white space only$/m);
      oneLine(await recur(['score', await model(), '--file', join(dir, 'blank.txt')]), 1, /there are no sentences to score: .*blank\.txt is empty or blank/);
    }
  });

  it('conflicting inputs or outputs are refused, not silently resolved', async () => {
    const m = await model();
    oneLine(await recur(['score', m, 'abc', '--file', names]), 2, /^recur: give the sentences as arguments or with --file, not both$/m);
    oneLine(await recur(['score', m, 'abc', '--json', '--format', 'kenlm']), 2, /^recur: --json and --format kenlm are two ways to print the scores; choose one$/m);
  });

  it('a folder given as the model is called a folder, and a model is asked for', async () => {
    const folder = join(dir, 'folder');
    mkdirSync(folder, { recursive: true });
    oneLine(await recur(['score', folder, 'x']), 1, new RegExp(`^recur: model ${folder} is a folder; give a model file$`, 'm'));
  });

  it('a report from bad JSON is one line', async () => {
    oneLine(await recur(['report', file('bad.json', '{"title": "x",\n "train": [1, 2,\n'), '-o', join(dir, 'r.html')]), 1, /bad\.json is not a usable run record/);
  });

  it('score --file cuts sentences as the model was trained: blank lines are none; --split says otherwise', async () => {
    const m = await model();
    const f = file('s.txt', 'anna\n\nbob\n\n\ncarla dave\nemma\n');
    const lines = await recur(['score', m, '--file', f, '--json', '--kernels', 'reference']);
    expect(lines.stdout.trim().split('\n').map((l) => JSON.parse(l).text)).toEqual(['anna', 'bob', 'carla dave', 'emma']);
    const paras = await recur(['score', m, '--file', f, '--json', '--split', 'paragraphs', '--kernels', 'reference']);
    expect(paras.stdout.trim().split('\n').map((l) => JSON.parse(l).text)).toEqual(['anna', 'bob', 'carla dave\nemma']);
  });
});

describe('sampling messages', () => {
  it('temperature 0 points to --greedy; --greedy with a temperature is refused', async () => {
    const m = await model();
    oneLine(await recur(['sample', m, '--temperature', '0']), 2, /^recur: --temperature must be > 0 \(got 0\); to always take the most likely token, use --greedy$/m);
    oneLine(await recur(['sample', m, '--greedy', '--temperature', '5']), 2, /^recur: --greedy always takes the most likely token, so --temperature does not apply; leave one of them out$/m);
  });
});

describe('degenerate results are warned about', () => {
  it('a vocabulary of nothing but <eos> and <unk>', async () => {
    const r = await recur(['train', names, ...small, '--min-count', '100000', '-o', join(dir, 'd1.safetensors')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: the vocabulary has no tokens besides <eos> and <unk>.*lower --min-count or raise --max-vocab/);
  });

  it('an initial model that does not know the text, and an empty validation file', async () => {
    const ru = file('ru-utf8.txt', 'привет мир\nдоброе утро\nспокойной ночи\n'.repeat(5));
    const r = await recur(['train', ru, '--init', await model(), '--kernels', 'reference', '--samples', '0', '--steps', '2', '--val', file('empty.txt', ''), '-o', join(dir, 'd2.safetensors')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: 9\d(\.\d)?% of the training tokens are not in the initial model's vocabulary \(they become <unk>\); is the initial model meant for this text\?/);
    expect(r.stderr).toMatch(/warning: the validation text is empty: training goes on without validation/);
  });
});

describe('reports', () => {
  it('recur report MODEL draws the page --report drew', async () => {
    const out = join(dir, 'rep.safetensors');
    expect((await recur(['train', names, ...small.slice(0, -2), '--steps', '12', '--eval-every', '4', '--samples', '1', '-o', out, '--report', join(dir, 'a.html')])).code).toBe(0);
    expect((await recur(['report', out, '-o', join(dir, 'b.html')])).code).toBe(0);
    const a = readFileSync(join(dir, 'a.html'), 'utf8'), b = readFileSync(join(dir, 'b.html'), 'utf8');
    expect(b).toBe(a);
    for (const shown of ['>clip<', '>weightDecay<', 'training tokens', 'validation tokens']) expect(a, shown).toContain(shown);
    expect(a).toMatch(/<span class="sub">val \d\.\d+<\/span>/); // the validation loss beside each sample
    expect(a).toMatch(/ · \d{4}-\d\d-\d\dT/); // the date
  });
});

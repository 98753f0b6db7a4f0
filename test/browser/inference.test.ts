/**
 * The inference path runs in a browser: bundled by esbuild for the browser
 * (a Node built-in anywhere in it fails the build or the check below), served
 * from localhost, run in headless Chromium; the samples and scores must equal
 * Node's for the same model and seed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { builtinModules } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { BrowserContext } from 'playwright-core';
import { haveChromium, launch, mustRun } from '../helpers/chromium.js';
import { recurWith } from '../helpers/ui-cli.js';
import { run, segmentWords } from './entry.js';

const dir = mkdtempSync(join(tmpdir(), 'recur-browser-'));
const model = join(dir, 'm.safetensors');
const entry = fileURLToPath(new URL('./entry.ts', import.meta.url));
const SENTENCES = ['anna', 'bob', 'xqzzy', ''];

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

async function bundle(): Promise<{ code: string; inputs: string[] }> {
  const r = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [{
      // a Node built-in is an error, unless a package's "browser" field already replaced it (seedrandom's crypto)
      name: 'no-node-builtins',
      setup(b) {
        b.onResolve({ filter: /.*/ }, (a) => {
          if (!builtins.has(a.path)) return undefined;
          if (/node_modules[\\/]seedrandom[\\/]/.test(a.importer) && a.path === 'crypto') return undefined;
          return { errors: [{ text: `Node built-in "${a.path}" imported by ${a.importer} in browser code` }] };
        });
      },
    }],
  });
  return { code: r.outputFiles[0].text, inputs: Object.keys(r.metafile.inputs) };
}

describe('the inference path', () => {
  it('bundles for the browser with no Node built-in', async () => {
    const { code, inputs } = await bundle();
    expect(inputs.some((i) => i.includes('src/infer/sample.ts'))).toBe(true);
    expect(inputs.filter((i) => i.includes('src/cli/') || i.includes('src/node/'))).toEqual([]);
    expect(inputs.filter((i) => builtins.has(i) || i.startsWith('node:'))).toEqual([]);
    expect(code).not.toMatch(/\brequire\(\s*["'](node:)?(fs|path|os|crypto|child_process|worker_threads)["']\s*\)/);
  });
});

describe.runIf(haveChromium || mustRun)('in headless Chromium', () => {
  let server: Server;
  let browser: BrowserContext;
  let url = '';
  beforeAll(async () => {
    const corpus = join(dir, 'c.txt');
    writeFileSync(corpus, 'anna\nbob\ncarla\ndave\nemma\nfred\ngina\nhugo\n'.repeat(4));
    const r = await recurWith(['train', corpus, '--hidden', '16', '--embed', '8', '--batch', '4', '--seq-len', '8', '--steps', '20', '--kernels', 'reference', '-q', '-o', model]);
    expect(r.code).toBe(0);
    const { code } = await bundle();
    const files: Record<string, [string, string | Buffer]> = {
      '/': ['text/html', '<!DOCTYPE html><meta charset="utf-8"><title>recur in the browser</title><script type="module" src="/recur.js"></script>'],
      '/recur.js': ['text/javascript', code],
      '/model.safetensors': ['application/octet-stream', readFileSync(model)],
    };
    server = createServer((req, res) => {
      const f = files[req.url ?? ''];
      if (!f) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': f[0] }).end(f[1]);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
  });

  it('samples and scores exactly as Node does for the same seed', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForFunction(() => 'recurRun' in globalThis);
    const inBrowser = await page.evaluate(async (sentences) => {
      const bytes = new Uint8Array(await (await fetch('/model.safetensors')).arrayBuffer());
      const g = globalThis as unknown as { recurRun: typeof run };
      return { ua: navigator.userAgent, result: await g.recurRun(bytes, 42, sentences) };
    }, SENTENCES);
    expect(errors).toEqual([]);
    expect(inBrowser.ua).toMatch(/HeadlessChrome/);
    const inNode = await run(readFileSync(model), 42, SENTENCES);
    expect(inBrowser.result.samples).toEqual(inNode.samples);
    expect(inBrowser.result.streamed).toEqual(inNode.streamed);
    expect(inBrowser.result.samples.join('').length).toBeGreaterThan(0);
    expect(inBrowser.result.scores.map((s) => s.tokens)).toEqual(inNode.scores.map((s) => s.tokens));
    inBrowser.result.scores.forEach((s, i) => expect(s.logprob).toBeCloseTo(inNode.scores[i].logprob, 9));
    await page.close();
  });

  it('cuts Japanese, Chinese and Thai into the same words as Node (the segment tokenizer, Intl.Segmenter)', async () => {
    const texts = ['私は昨日、新しい本を買いました。', '我今天去了北京，天气很好。', 'ฉันชอบกินข้าวผัดมาก', 'iPhone 15を買った'];
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForFunction(() => 'recurSegment' in globalThis);
    const inBrowser = await page.evaluate((t) => (globalThis as unknown as { recurSegment: typeof segmentWords }).recurSegment(t), texts);
    expect(inBrowser).toEqual(segmentWords(texts));
    expect(inBrowser.map((r) => r.joined)).toEqual(texts);
    expect(inBrowser[0].tokens.length).toBeGreaterThan(8);
    await page.close();
  });
});

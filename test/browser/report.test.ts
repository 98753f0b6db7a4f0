/**
 * The training report in a real browser: recur train --report and recur report
 * write a page that headless Chromium renders without fetching anything, with
 * both loss curves drawn (stroke colours found in the screenshot, inside the
 * charts, and path geometry read from the page).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext } from 'playwright-core';
import { TRAIN_COLOR, VAL_COLOR } from '../../src/report/html.js';
import { loadModel } from '../../src/model/model-file.js';
import { countColor, decodePng } from '../helpers/png.js';
import { haveChromium, launch, mustRun } from '../helpers/chromium.js';
import { recurWith } from '../helpers/ui-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'recur-report-'));
const model = join(dir, 'm.safetensors');
const trainReport = join(dir, 'train.html');
const modelReport = join(dir, 'model.html');

describe.runIf(haveChromium || mustRun)('HTML training report in headless Chromium', () => {
  let browser: BrowserContext;
  beforeAll(async () => {
    const corpus = join(dir, 'c.txt');
    writeFileSync(corpus, 'anna\nbob\ncarla\ndave\nemma\nfred\ngina\nhugo\n'.repeat(6));
    const r = await recurWith(['train', corpus, '--hidden', '16', '--embed', '8', '--batch', '4', '--seq-len', '8', '--steps', '60', '--eval-every', '15', '--kernels', 'reference', '-q', '-o', model, '--report', trainReport]);
    expect(r.code).toBe(0);
    const p = await recurWith(['report', model, '-o', modelReport]);
    expect(p.code).toBe(0);
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('the model file keeps a compact loss history and the samples along the way', () => {
    const info = loadModel(readFileSync(model)).info as { history: { train: number[][]; val: number[][] }; samples: { step: number; texts: string[] }[] };
    expect(info.history.train.length).toBe(6); // a point every 10 steps
    expect(info.history.val.map((p) => p[0])).toEqual([15, 30, 45, 60]);
    expect(info.samples.map((s) => s.step)).toEqual([15, 30, 45, 60]);
    expect(info.samples[0].texts).toHaveLength(3);
  });

  for (const [name, file] of [['recur train --report', trainReport], ['recur report MODEL', modelReport]] as const) {
    it(`${name}: both curves are drawn, nothing is fetched`, async () => {
      const html = readFileSync(file, 'utf8');
      expect(html).not.toMatch(/<script|<link|src=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(pathToFileURL(file).href);
      expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
      // geometry: every curve a path with as many vertices as points, and real extent
      const curves = await page.evaluate(() =>
        Array.from(document.querySelectorAll('svg#loss-steps path.curve, svg#loss-time path.curve')).map((p) => {
          const path = p as SVGPathElement, box = path.getBBox();
          return { series: path.dataset.series, vertices: (path.getAttribute('d') ?? '').split(/[ML]/).length - 1, length: path.getTotalLength(), w: box.width, h: box.height };
        }),
      );
      expect(curves.map((c) => c.series)).toEqual(['train loss', 'validation loss', 'train loss', 'validation loss']);
      expect(curves.map((c) => c.vertices)).toEqual([6, 4, 6, 4]);
      // over steps the curves span most of the chart; over time their extent depends on how the
      // wall-clock time fell (a slow first step squeezes them to the right), so only a real extent
      curves.forEach((c, i) => {
        expect(c.length).toBeGreaterThan(i < 2 ? 100 : 20);
        expect(c.w).toBeGreaterThan(i < 2 ? 100 : 10);
        expect(c.h).toBeGreaterThan(10);
      });
      // pixels: the stroke colours are in the screenshot, inside each chart
      const png = await page.screenshot({ fullPage: true });
      writeFileSync(file.replace(/\.html$/, '.png'), png);
      const img = decodePng(png);
      for (const id of ['loss-steps', 'loss-time']) {
        const box = await page.locator(`svg#${id}`).boundingBox();
        expect(box).not.toBeNull();
        expect(countColor(img, TRAIN_COLOR, box!)).toBeGreaterThan(300);
        expect(countColor(img, VAL_COLOR, box!)).toBeGreaterThan(200);
      }
      // and the samples along the way are on the page
      expect(await page.locator('table.samples tr').count()).toBe(5);
      await page.close();
    });
  }
});

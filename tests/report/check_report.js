// SPDX-License-Identifier: BSD-2-Clause
// Opens `elog --report` pages in Debian's headless Chromium (puppeteer-core
// from npm drives /usr/bin/chromium; nothing is downloaded), one browser
// for all of them, with every network request refused, and prints one JSON
// line per page on stdout: the console messages and page errors, the
// requests the page tried, what the page says it drew (window.elogReport
// and each graph's caption), the time from navigation to the page being
// drawn, the decoded event shown when the pointer is over the middle of the
// first timeline, and, from a full-page screenshot (saved to SHOT), how
// many coloured pixels (not white, black or grey: the data, not the axes
// or the grid) each graph's plotting area has.
//
//   node tests/report/check_report.js [--width N] [--top H] REPORT.html SHOT.png [REPORT.html SHOT.png...]
//
// --top H: the saved screenshot is the top H pixels of the page only (the
// picture in docs/); the checks still use the whole page.
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const puppeteer = require('puppeteer-core');

const argv = process.argv.slice(2);
let width = 1400;
let top = 0;
for (;;) {
  if (argv[0] === '--width') width = Number(argv[1]);
  else if (argv[0] === '--top') top = Number(argv[1]);
  else break;
  argv.splice(0, 2);
}
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

// Just enough PNG (8-bit RGB/RGBA, not interlaced, as Chromium writes it).
function decodePng(buf) {
  let off = 8, width = 0, height = 0, ctype = 0;
  const idat = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off), type = buf.toString('ascii', off + 4, off + 8);
    const body = buf.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0); height = body.readUInt32BE(4);
      if (body[8] !== 8 || body[12] !== 0) throw new Error('unsupported PNG');
      ctype = body[9];
    } else if (type === 'IDAT') idat.push(body);
    off += 12 + len;
  }
  const bpp = ctype === 6 ? 4 : ctype === 2 ? 3 : 0;
  if (!bpp) throw new Error('unsupported PNG colour type ' + ctype);
  const raw = zlib.inflateSync(Buffer.concat(idat)), stride = width * bpp;
  const out = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)], line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? out[y * stride + x - bpp] : 0, b = y ? out[(y - 1) * stride + x] : 0;
      const c = x >= bpp && y ? out[(y - 1) * stride + x - bpp] : 0;
      let v = line[x];
      if (f === 1) v += a;
      else if (f === 2) v += b;
      else if (f === 3) v += (a + b) >> 1;
      else if (f === 4) {
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      out[y * stride + x] = v & 255;
    }
  }
  return { width, height, bpp, data: out };
}

function coloured(img, box) {
  let n = 0;
  const x0 = Math.max(0, Math.floor(box.x)), y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(img.width, Math.ceil(box.x + box.width)), y1 = Math.min(img.height, Math.ceil(box.y + box.height));
  for (let y = y0; y < y1; y++)
    for (let x = x0; x < x1; x++) {
      const i = (y * img.width + x) * img.bpp, r = img.data[i], g = img.data[i + 1], b = img.data[i + 2];
      if (Math.max(r, g, b) - Math.min(r, g, b) > 40) n++;
    }
  return n;
}

async function check(browser, html, shot) {
  const result = { html, console: [], errors: [], requests: [], graphs: [] };
  const page = await browser.newPage();
  await page.setViewport({ width, height: 900 });
  await page.setRequestInterception(true);
  page.on('request', (r) => {
    const u = r.url();
    if (u.startsWith('file:') || u.startsWith('data:')) return r.continue();
    result.requests.push(u);
    return r.abort();
  });
  page.on('console', (m) => result.console.push({ type: m.type(), text: m.text() }));
  page.on('pageerror', (e) => result.errors.push(String(e)));
  await page.goto('file://' + path.resolve(html), { waitUntil: 'load', timeout: 120000 });
  await page.waitForFunction('window.elogReport && window.elogReport.ready', { timeout: 120000 });
  // Opened and drawn: the first animation frame after the page's script
  // drew what the first screen shows, from the start of the navigation
  // (the page's own clock: the browser's start is not the report's).
  result.draw_ms = await page.evaluate(() => new Promise((r) =>
    requestAnimationFrame(() => r(Math.round(performance.now())))));
  // Then every connection's graphs (further ones are drawn when scrolled
  // to), for the counts and the screenshot.
  result.all_ms = await page.evaluate(() => new Promise((r) => {
    const t = performance.now();
    window.elogReport.drawAll();
    requestAnimationFrame(() => r(Math.round(performance.now() - t)));
  }));
  result.report = await page.evaluate(() => window.elogReport);
  result.captions = await page.$$eval('p.points', (ps) => ps.map((p) => ({
    text: p.textContent, points: Number(p.getAttribute('data-points')) })));
  result.empty = await page.$$eval('#empty', (e) => e.map((x) => x.textContent));
  const over = await page.$('.timeline .u-over');
  if (over) {
    await over.evaluate((e) => e.scrollIntoView({ block: 'center' }));
    const b = await over.boundingBox();
    await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
    result.hover = await page.$eval('.timeline pre.hover', (p) => p.textContent);
  }
  // The plotting areas, in the order of window.elogReport.graphs.
  const boxes = await page.$$eval('.graph .u-over', (os) => os.map((o) => {
    const r = o.getBoundingClientRect();
    return { x: r.x + window.scrollX, y: r.y + window.scrollY, width: r.width, height: r.height };
  }));
  await page.evaluate(() => window.scrollTo(0, 0));
  // Chromium refuses a screenshot taller than 16384 pixels: a page of
  // many connections is shot down to 15000 and the graphs below are not
  // looked at (coloured: null).
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  const png = height > 15000
    ? await page.screenshot({ type: 'png', captureBeyondViewport: true,
      clip: { x: 0, y: 0, width, height: 15000 } })
    : await page.screenshot({ fullPage: true, type: 'png' });
  fs.writeFileSync(shot, top ? await page.screenshot({ type: 'png',
    clip: { x: 0, y: 0, width, height: top } }) : png);
  const img = decodePng(png);
  const scale = height > 15000 ? 1 : img.width / (await page.evaluate(() => document.documentElement.scrollWidth));
  result.screenshot = { width: img.width, height: img.height };
  result.graphs = boxes.map((b) => ({ box: b, coloured: (b.y + b.height) * scale > img.height ? null
    : coloured(img, { x: b.x * scale, y: b.y * scale, width: b.width * scale, height: b.height * scale }) }));
  await page.close();
  return result;
}

(async () => {
  if (argv.length < 2 || argv.length % 2) throw new Error('usage: check_report.js [--width N] REPORT.html SHOT.png...');
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-default-apps', '--disable-extensions', '--mute-audio'],
  });
  try {
    for (let i = 0; i < argv.length; i += 2)
      process.stdout.write(JSON.stringify(await check(browser, argv[i], argv[i + 1])) + '\n');
  } finally {
    await browser.close();
  }
})().catch((e) => {
  process.stderr.write(String(e && e.stack || e) + '\n');
  process.exit(1);
});

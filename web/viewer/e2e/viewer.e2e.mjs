// End-to-end check of the viewer in headless Chromium: the page loads the catalogue, a player
// plays a GLB (its time advances and the skeleton's bounding box moves between two screenshots),
// and a blend submitted from the keyboard appears in the catalogue and plays.
//
// Usage: node e2e/viewer.e2e.mjs VIEWER_URL OUT_DIR
// Prints one JSON object of measurements on stdout; exits non-zero naming what failed.
import { chromium } from 'playwright-core';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [url, outDir] = process.argv.slice(2);
if (!url || !outDir) {
  console.error('usage: node e2e/viewer.e2e.mjs VIEWER_URL OUT_DIR');
  process.exit(2);
}

function fail(msg) {
  throw new Error(msg);
}

// bbox finds the skeleton in a screenshot: the bounding box of strongly coloured pixels (the
// skeleton helper draws blue to green; the floor grid and background are grey).
async function bbox(page, png) {
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1, n = 0;
    for (let y = 0; y < c.height; y++) {
      for (let x = 0; x < c.width; x++) {
        const i = (y * c.width + x) * 4;
        const r = d[i], gr = d[i + 1], bl = d[i + 2];
        if (Math.max(r, gr, bl) - Math.min(r, gr, bl) > 80) {
          n++;
          x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
        }
      }
    }
    return n ? { x0, y0, x1, y1, pixels: n } : null;
  }, png.toString('base64'));
}

// clock reads a player's "T s / D s" readout.
const clock = (text) => {
  const [t, d] = text.split('/').map((x) => Number.parseFloat(x));
  return { t, d };
};

// playing checks a player: its clock advances by about the time waited (modulo the looping
// clip), and the skeleton's bounding box changes between two screenshots. A looping clip can
// come back to nearly the same pose, so the second screenshot is taken again, a little later,
// up to five times.
async function playing(page, id, name) {
  const stage = page.locator(`${id} .stage`);
  const time = page.locator(`${id} .time`);
  await page.waitForFunction((sel) => /\d/.test(document.querySelector(sel)?.textContent || ''), `${id} .time`);
  const c1 = clock(await time.textContent());
  const w0 = Date.now();
  const s1 = await stage.screenshot({ path: join(outDir, `${name}-1.png`) });
  // The readout changes once per drawn frame, and software WebGL on a busy machine may draw
  // only a few frames a second while screenshots are taken: wait (up to 10 s) for the clock to
  // move, then check it moved by no more than the time waited.
  await page.waitForTimeout(300);
  const since = (t2) => (t2 - c1.t + c1.d) % c1.d;
  await page.waitForFunction(([sel, t1, d]) => {
    const t2 = Number.parseFloat((document.querySelector(sel)?.textContent || '').split('/')[0]);
    return ((t2 - t1 + d) % d) > 0.02;
  }, [`${id} .time`, c1.t, c1.d], { timeout: 10000 }).catch(() => {});
  const c2 = clock(await time.textContent());
  const waited = (Date.now() - w0) / 1000;
  const t1 = c1.t, t2 = c2.t;
  const advanced = since(t2);
  if (!(advanced > 0.02 && advanced <= waited + 0.5)) {
    fail(`${id}: the animation time went from ${t1} s to ${t2} s (of ${c1.d} s) in ${waited} s`);
  }
  const b1 = await bbox(page, s1);
  if (!b1) fail(`${id}: no skeleton drawn in ${name}-1.png`);
  let b2;
  for (let i = 0; i < 5; i++) {
    if (i > 0) await page.waitForTimeout(170);
    b2 = await bbox(page, await stage.screenshot({ path: join(outDir, `${name}-2.png`) }));
    if (!b2) fail(`${id}: no skeleton drawn in ${name}-2.png`);
    const moved = ['x0', 'y0', 'x1', 'y1'].some((k) => Math.abs(b1[k] - b2[k]) >= 3);
    if (moved) break;
    if (i === 4) fail(`${id}: the skeleton's bounding box did not change: ${JSON.stringify(b1)} vs ${JSON.stringify(b2)}`);
  }
  return { times: [t1, t2], waited_s: waited, bboxes: [b1, b2] };
}

const profile = await mkdtemp(join(tmpdir(), 'viewer-chromium-'));
// Chromium reaches for the network unless told not to; WebGL runs on SwiftShader without a GPU.
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1366, height: 900 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
});
const errors = [];
const result = { screenshots: outDir };
try {
  const page = ctx.pages()[0] || await ctx.newPage();
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // A new blend's pictures are drawn just after its row appears; the page retries them, and
    // the check below wants them loaded in the end.
    if (m.type() !== 'error' || (/404/.test(m.text()) && /\.png$/.test(m.location().url))) return;
    errors.push(`console: ${m.text()} at ${m.location().url}`);
  });
  page.setDefaultTimeout(30000);

  await page.goto(url, { waitUntil: 'load' });
  result.first_contentful_paint_ms = await page.evaluate(() =>
    performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null);
  await page.waitForFunction(() => document.querySelectorAll('#seeds .card').length >= 2);

  // Every control has a name a screen reader speaks, the page has its landmarks, and the status
  // line is a live region.
  const unnamed = await page.evaluate(() => [...document.querySelectorAll('button, select, input, a[href]')]
    .filter((el) => !((el.labels && el.labels.length) || el.getAttribute('aria-label') || el.textContent.trim()))
    .map((el) => el.outerHTML.slice(0, 80)));
  if (unnamed.length) fail(`controls without an accessible name: ${unnamed.join(', ')}`);
  const landmarks = await page.evaluate(() => ['header', 'main', '[role="search"]', '#status[aria-live="polite"]']
    .filter((sel) => !document.querySelector(sel)));
  if (landmarks.length) fail(`missing: ${landmarks.join(', ')}`);
  // The first Tab reaches the skip link, which takes focus to the players.
  await page.keyboard.press('Tab');
  if (!(await page.evaluate(() => document.activeElement?.classList.contains('skip')))) fail('the first Tab does not reach the skip link');
  await page.keyboard.press('Enter');
  if (!(await page.evaluate(() => document.activeElement?.id === 'players'))) fail('the skip link does not move focus to the players');
  result.seeds = await page.locator('#seeds .card').evaluateAll((els) => els.map((e) => e.dataset.name));
  const previews = await page.locator('#seeds .card img').evaluateAll((els) => els.map((e) => e.complete && e.naturalWidth));
  if (previews.length < 2 || previews.some((w) => !w)) fail(`seed previews not shown: ${JSON.stringify(previews)}`);
  await page.locator('#player-seed[data-loaded]').waitFor();
  await page.screenshot({ path: join(outDir, 'catalogue.png'), fullPage: true });
  result.seed_player = await playing(page, '#player-seed', 'seed');

  // A new blend of the two seeds, from the keyboard.
  await page.selectOption('#blend-form select[name="a"]', result.seeds[0]);
  await page.selectOption('#blend-form select[name="b"]', result.seeds[1]);
  await page.selectOption('#blend-form select[name="method"]', 'transition');
  await page.focus('#blend-form button[type="submit"]');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /ready and playing/.test(document.querySelector('#status').textContent), null, { timeout: 90000 });
  const status = await page.locator('#status').textContent();
  const made = await page.locator('#blends .card.new').getAttribute('data-name');
  if (!made || !status.includes(made)) fail(`the new blend is not in the catalogue: status ${JSON.stringify(status)}, card ${made}`);
  const loaded = await page.locator('#player-blend').getAttribute('data-loaded');
  if (!loaded?.includes(made)) fail(`the blend player shows ${loaded}, not ${made}`);
  result.blend = made;
  await page.waitForFunction((name) => {
    const img = document.querySelector(`#blends .card[data-name="${name}"] img`);
    return img?.complete && img.naturalWidth > 0;
  }, made);
  const plot = await page.locator('#blends .card.new a.meta').getAttribute('href');
  const plotRes = plot && await page.request.get(plot);
  if (!plotRes?.ok() || plotRes.headers()['content-type'] !== 'image/png') fail(`the new blend's metric plot ${plot} does not load`);
  result.blend_player = await playing(page, '#player-blend', 'blend');
  await page.screenshot({ path: join(outDir, 'after-blend.png'), fullPage: true });

  // The filters narrow the list: the new blend's method shows it, another hides it.
  await page.selectOption('#filters select[name="method"]', 'mix');
  if (await page.locator(`#blends .card[data-name="${made}"]`).count() !== 0) fail('the method filter kept a transition under mix');
  await page.selectOption('#filters select[name="method"]', 'transition');
  if (await page.locator(`#blends .card[data-name="${made}"]`).count() !== 1) fail('the method filter hid the transition');
  if (errors.length) fail(errors.join('\n'));
} finally {
  await ctx.close();
  await rm(profile, { recursive: true, force: true });
}
await writeFile(join(outDir, 'result.json'), JSON.stringify(result, null, 2));
console.log(JSON.stringify(result));

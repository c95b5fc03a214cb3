// Launches in a real browser (headless Chromium): the tool in the platform's iframes, on another site.
import assert from 'node:assert/strict';
import type { Browser } from 'puppeteer-core';
import { browserMissing, chromiumVersion, launchChromium, startWorld, storageLog, toolFrames, waitForFrames, type BrowserWorld } from './helpers/browser';

const SHOTS = process.env.BROWSER_SCREENSHOTS; // a directory, e.g. /tmp: screenshots of each course page

describe('browser: launches in Chromium, default profile (third-party cookies: only partitioned ones)', function () {
  this.timeout(90_000);
  let world: BrowserWorld;
  let browser: Browser;

  before(async function () {
    const missing = browserMissing();
    if (missing) {
      console.log(`      (${missing})`);
      this.skip();
    }
    world = await startWorld();
    browser = await launchChromium(world);
    console.log(`      (${chromiumVersion()}; tool ${world.toolUrl}, platform ${world.platform.browserUrl})`);
  });
  after(async function () {
    await browser?.close();
    await world?.close();
  });
  beforeEach(function () {
    if (browserMissing()) this.skip();
    world.platform.storage.enabled = true;
    world.platform.storage.announce = false;
  });

  it('keeps a partitioned cookie in the cross-site frame (the profile blocks only unpartitioned ones)', async () => {
    const page = await browser.newPage();
    await page.setContent(`<iframe name="tool-0" src="${world.toolUrl}/probe/set"></iframe>`);
    const frame = toolFrames(page)[0];
    await frame.waitForSelector('#check');
    await frame.click('#check');
    await frame.waitForSelector('#probe');
    assert.equal(await frame.$eval('#probe', (el) => el.getAttribute('data-kept')), 'true');
    await page.close();
  });

  it('a normal launch in the platform\'s iframe shows the tool, and the next page keeps the session (CHIPS)', async () => {
    const page = await browser.newPage();
    await page.goto(`${world.platform.browserUrl}/course?n=1`);
    const seen = await waitForFrames(page, ['#launched', 'p.code']);
    const frame = toolFrames(page)[0];
    assert.deepEqual(seen, ['#launched'], await frame.content());
    assert.match(await frame.$eval('#launched', (el) => el.textContent ?? ''), /Launched: Ada Instructor|Launched: /);
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/browser-normal.png` });
    await frame.click('#me');
    await frame.waitForSelector('#me[data-session]');
    assert.equal(await frame.$eval('#me', (el) => el.getAttribute('data-session')), 'yes');
    await page.close();
  });

  it('five iframes launching at once all launch, each with its own resource link', async () => {
    const page = await browser.newPage();
    await page.setViewport({ width: 900, height: 1500 });
    await page.goto(`${world.platform.browserUrl}/course?n=5`);
    const seen = await waitForFrames(page, ['#launched', 'p.code']);
    const links = await Promise.all(toolFrames(page).map((f) => f.$eval('#launched', (el) => el.getAttribute('data-link')).catch(() => null)));
    console.log(`      (5 iframes: ${seen.filter((s) => s === '#launched').length} launched)`);
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/browser-five.png`, fullPage: true });
    assert.deepEqual(seen, Array(5).fill('#launched'));
    assert.deepEqual([...links].sort(), ['resource-link-0', 'resource-link-1', 'resource-link-2', 'resource-link-3', 'resource-link-4']);
    await page.close();
  });

  it('with lti_storage_target announced and cookies kept, five iframes launch (storage kept too, cookie used)', async () => {
    world.platform.storage.announce = true;
    const page = await browser.newPage();
    await page.goto(`${world.platform.browserUrl}/course?n=5`);
    const seen = await waitForFrames(page, ['#launched', 'p.code']);
    const log = await storageLog(page);
    console.log(`      (5 iframes: ${seen.filter((s) => s === '#launched').length} launched; storage frame got ${log.filter((s) => s === 'lti.put_data').length} put_data, ${log.filter((s) => s === 'lti.get_data').length} get_data)`);
    assert.deepEqual(seen, Array(5).fill('#launched'));
    assert.equal(log.filter((s) => s === 'lti.put_data').length, 5);
    assert.equal(log.filter((s) => s === 'lti.get_data').length, 0, 'the cookie came back: nothing to read back');
    await page.close();
  });
});

// Chromium with every cookie of the tool blocked in the platform's frames: platform storage, and the new-window fallback.
import assert from 'node:assert/strict';
import type { Browser, Page } from 'puppeteer-core';
import { browserMissing, launchChromium, startWorld, storageLog, toolFrames, waitForFrames, type BrowserWorld } from './helpers/browser';

const SHOTS = process.env.BROWSER_SCREENSHOTS;
const count = (list: string[], item: string) => list.filter((s) => s === item).length;

describe('browser: Chromium blocking all the tool\'s cookies in the platform\'s frames (partitioned ones too)', function () {
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
    browser = await launchChromium(world, { tool: world.toolUrl, site: world.platform.browserUrl });
  });
  after(async function () {
    await browser?.close();
    await world?.close();
  });
  beforeEach(function () {
    if (browserMissing()) this.skip();
    world.platform.storage.enabled = true;
    world.platform.storage.fault = 'none';
    world.platform.storage.announce = true;
    world.platform.storage.tool!.loginUrl = `${world.toolUrl}/lti/login`;
  });

  async function openCourse(n: number): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(`${world.platform.browserUrl}/course?n=${n}`);
    return page;
  }

  it('blocks the tool\'s partitioned cookie in the frame (the block is real), not at top level', async () => {
    const page = await browser.newPage();
    await page.goto(`${world.platform.browserUrl}/course?n=1`); // any platform page, to embed the probe in
    await page.evaluate((src) => {
      document.body.innerHTML = `<iframe name="probe" src="${src}"></iframe>`;
    }, `${world.toolUrl}/probe/set`);
    const frame = await (await page.waitForSelector('iframe[name=probe]'))!.contentFrame();
    await frame.waitForSelector('#check');
    await frame.click('#check');
    await frame.waitForSelector('#probe');
    assert.equal(await frame.$eval('#probe', (el) => el.getAttribute('data-kept')), 'false');
    const top = await browser.newPage();
    await top.goto(`${world.toolUrl}/probe/set`);
    await Promise.all([top.waitForNavigation(), top.click('#check')]);
    assert.equal(await top.$eval('#probe', (el) => el.getAttribute('data-kept')), 'true');
    await Promise.all([page.close(), top.close()]);
  });

  it('storage on: three iframes launch through lti.put_data / lti.get_data; a later page has no session', async () => {
    const page = await openCourse(3);
    const seen = await waitForFrames(page, ['#launched', 'p.code']);
    const log = await storageLog(page);
    console.log(`      (3 iframes: ${count(seen, '#launched')} launched; ${count(log, 'lti.put_data')} put_data, ${count(log, 'lti.get_data')} get_data)`);
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/storage-on.png`, fullPage: true });
    assert.deepEqual(seen, ['#launched', '#launched', '#launched'], await toolFrames(page)[0].content());
    assert.equal(count(log, 'lti.put_data'), 3);
    assert.equal(count(log, 'lti.get_data'), 3);
    const frame = toolFrames(page)[0];
    await frame.click('#me');
    await frame.waitForSelector('#me[data-session]');
    assert.equal(await frame.$eval('#me', (el) => el.getAttribute('data-session')), 'no', 'no cookie is kept in this frame');
    await page.close();
  });

  it('storage off: the frame shows the new-window page, and the new window launches first-party and keeps its session', async () => {
    world.platform.storage.enabled = false;
    const page = await openCourse(1);
    const seen = await waitForFrames(page, ['#blocked', '#launched', 'p.code']);
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/storage-off.png`, fullPage: true });
    assert.deepEqual(seen, ['#blocked']);
    const frame = toolFrames(page)[0];
    const href = await frame.$eval('#relaunch', (el) => el.getAttribute('href') ?? '');
    assert.doesNotMatch(href, /lti_storage_target/);
    assert.match(href, /^\/lti\/login\?iss=/);
    const opened = new Promise<Page>((resolve) =>
      browser.once('targetcreated', (target) => void target.page().then((p) => resolve(p!))),
    );
    await frame.click('#relaunch');
    const popup = await opened;
    await popup.waitForSelector('#launched', { timeout: 15_000 });
    if (SHOTS) await popup.screenshot({ path: `${SHOTS}/storage-off-new-window.png` });
    await Promise.all([popup.waitForNavigation(), popup.click('#me')]);
    assert.equal(await popup.$eval('#me', (el) => el.getAttribute('data-session')), 'yes');
    await Promise.all([page.close(), popup.close()]);
  });

  it('ignores answers with another message_id (the new-window page shows after the timeout)', async () => {
    world.platform.storage.fault = 'wrong-message-id';
    const page = await openCourse(1);
    const seen = await waitForFrames(page, ['#blocked', '#launched', 'p.code']);
    assert.deepEqual(seen, ['#blocked']);
    assert.deepEqual(await storageLog(page), ['lti.put_data']);
    await page.close();
  });

  it('a platform that keeps the data but never gives it back: the read-back page says so after its timeout', async () => {
    world.platform.storage.fault = 'silent-get';
    const page = await openCourse(1);
    const seen = await waitForFrames(page, ['#failed', '#launched', 'p.code']);
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/storage-get-timeout.png` });
    assert.deepEqual(seen, ['#failed']);
    assert.match(await toolFrames(page)[0].$eval('#failed', (el) => el.textContent ?? ''), /no answer within 3 seconds/);
    await page.close();
  });

  it("whenCookiesBlocked: 'new-window' offers the new window at once, without asking the platform", async () => {
    world.platform.storage.tool!.loginUrl = `${world.toolUrl}/lti/login-new-window`;
    const page = await openCourse(1);
    const seen = await waitForFrames(page, ['#blocked', '#launched', 'p.code']);
    assert.deepEqual(seen, ['#blocked']);
    assert.deepEqual(await storageLog(page), []);
    await page.close();
  });

  it('platform without storage (no lti_storage_target): the launch is refused with the state_not_found page', async () => {
    world.platform.storage.announce = false;
    const page = await openCourse(1);
    const seen = await waitForFrames(page, ['#launched', 'p.code']);
    const frame = toolFrames(page)[0];
    assert.deepEqual(seen, ['p.code']);
    assert.match(await frame.content(), /state_not_found/);
    await page.close();
  });
});

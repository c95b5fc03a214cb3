import assert from 'node:assert/strict';
import request from 'supertest';
import { CLAIM, ltiLogin } from '../lib';
import { isSecurePlatformUrl, isSecureUrl } from '../lib/http/secure-url';
import { createHarness, launchWith, type Harness } from './helpers/harness';

const DL = 'LtiDeepLinkingRequest';

/** Run `body` with NODE_ENV=production, then restore NODE_ENV as it was. */
async function inProduction<T>(body: () => Promise<T>): Promise<T> {
  const saved = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    return await body();
  } finally {
    if (saved === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = saved;
  }
}

describe('URLs from the platform: https, loopback http only outside production (docs/security.md C9, C12)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('in production drops an http loopback return_url and refuses an http loopback deep_link_return_url; not outside production', async () => {
    assert.notEqual(process.env.NODE_ENV, 'production', 'the suite runs outside production');
    h = await createHarness({ launch: { autoCreateDeployments: true } });
    const harness = h;
    const loopback = `${harness.platform.url}/return`; // http://127.0.0.1:<port>/return
    const presentation = { [CLAIM.launchPresentation]: { document_target: 'iframe', return_url: loopback } };
    const deepLinking = {
      [CLAIM.messageType]: DL,
      [CLAIM.deepLinkingSettings]: { deep_link_return_url: loopback, accept_types: ['ltiResourceLink'], accept_presentation_document_targets: ['iframe'] },
    };
    const launch = (overrides: Record<string, unknown>) => launchWith(harness, request.agent(harness.app), { overrides });

    // Development and tests (the dev platform runs on http://127.0.0.1): both accepted.
    const devLaunch = await launch(presentation);
    assert.equal(devLaunch.status, 200, devLaunch.text);
    assert.equal(devLaunch.body.launchPresentation.return_url, loopback);
    const devDeepLink = await launch(deepLinking);
    assert.equal(devDeepLink.status, 200, devDeepLink.text);
    assert.equal(devDeepLink.body.deepLinking.deep_link_return_url, loopback);

    await inProduction(async () => {
      const prodLaunch = await launch(presentation);
      assert.equal(prodLaunch.status, 200, prodLaunch.text);
      assert.deepEqual(prodLaunch.body.launchPresentation, { document_target: 'iframe' }, 'return_url dropped (C12)');

      const prodDeepLink = await launch(deepLinking);
      assert.equal(prodDeepLink.status, 401, prodDeepLink.text);
      assert.equal(prodDeepLink.body.error.code, 'claim_invalid');
      assert.match(prodDeepLink.body.error.message, /deep_linking_settings\.deep_link_return_url/);

      // https stays accepted in production (control).
      const https = await launch({ [CLAIM.launchPresentation]: { return_url: 'https://lms.example/return' } });
      assert.equal(https.body.launchPresentation.return_url, 'https://lms.example/return');

      // The tool's own configuration (set by the operator) may stay on loopback in production.
      assert.doesNotThrow(() => ltiLogin({ store: harness.store, launchUrl: 'http://127.0.0.1:3000/lti/launch' }));
      assert.throws(() => ltiLogin({ store: harness.store, launchUrl: 'http://tool.example/lti/launch' }), /https/);
    });
    assert.notEqual(process.env.NODE_ENV, 'production', 'NODE_ENV restored');
  });

  it('isSecurePlatformUrl follows NODE_ENV at each call; isSecureUrl (tool configuration) does not', async () => {
    for (const url of ['http://127.0.0.1:8080/x', 'http://localhost/x', 'http://[::1]:3000/x']) {
      assert.equal(isSecurePlatformUrl(url), true, url);
      await inProduction(async () => {
        assert.equal(isSecurePlatformUrl(url), false, `${url} in production`);
        assert.equal(isSecureUrl(url), true, `${url} as tool configuration in production`);
      });
    }
    for (const url of ['http://lms.example/x', 'http://127.0.0.1.evil.test/x', 'javascript:alert(1)', 'not a url']) {
      assert.equal(isSecurePlatformUrl(url), false, url);
    }
    await inProduction(async () => assert.equal(isSecurePlatformUrl('https://lms.example/x'), true));
  });
});

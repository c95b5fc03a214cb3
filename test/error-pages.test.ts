import assert from 'node:assert/strict';
import express from 'express';
import request from 'supertest';
import {
  ConfigurationError,
  LtiError,
  MethodNotAllowedError,
  RegistrationNotFoundError,
  StateNotFoundError,
  ltiErrorHandler,
  ltiLaunch,
  renderErrorPage,
  type LtiErrorHandlerOptions,
} from '../lib';
import { pageText } from '../lib/http/error-pages';
import { createHarness, startLogin, type Harness } from './helpers/harness';

const CODES = [
  'configuration_error', 'invalid_request', 'method_not_allowed', 'body_too_large', 'body_invalid', 'registration_not_found',
  'registration_ambiguous', 'target_link_uri_not_allowed', 'state_not_found', 'state_expired', 'platform_error', 'token_malformed',
  'signature_invalid', 'algorithm_not_allowed', 'header_not_allowed', 'kid_missing', 'jwks_unavailable', 'signing_key_not_found',
  'claim_missing', 'claim_invalid', 'issuer_mismatch', 'audience_mismatch', 'azp_mismatch', 'token_expired', 'iat_invalid',
  'nonce_mismatch', 'nonce_replayed', 'login_mismatch', 'deployment_not_found', 'storage_unavailable', 'session_unavailable', 'some_app_code',
];

function appThrowing(err: unknown, options: LtiErrorHandlerOptions = {}) {
  const app = express();
  app.all('/', (_req, _res, next) => next(err));
  app.use(ltiErrorHandler(options));
  return app;
}

const count = (html: string, pattern: RegExp) => (html.match(pattern) ?? []).length;

describe('error pages', () => {
  it('every code: lang, a title that is the h1, one main landmark, what to try, the code; self-contained', () => {
    for (const code of CODES) {
      for (const details of [true, false]) {
        const html = renderErrorPage(new LtiError(code, 400, 'msg', 'Some Spec §1'), { details });
        const title = /<title>([^<]+)<\/title>/.exec(html)?.[1];
        assert.ok(title, code);
        assert.match(html, /^<!doctype html><html lang="en">/);
        assert.ok(html.includes(`<h1>${title}</h1>`), `${code}: the title is the heading`);
        assert.equal(count(html, /<main>/g), 1);
        assert.equal(count(html, /<h1>/g), 1);
        assert.match(html, /<h2>What you can try<\/h2><ol>(<li>[^<]+<\/li>)+<\/ol>/);
        assert.ok(html.includes(`Error code: <code>${code}</code>`), code);
        assert.doesNotMatch(html, /<script|<link|<img|<iframe|src=|href=|url\(|style="/i, 'inline <style> only, no assets');
        assert.ok(!html.includes('msg'), 'never the message');
      }
    }
  });

  it('state_not_found and state_expired say: reload, open in a new window; state_not_found also: allow cookies', () => {
    const notFound = pageText('state_not_found');
    assert.match(notFound.tips.join(' '), /Reload the page/);
    assert.match(notFound.tips.join(' '), /new window/);
    assert.match(notFound.tips.join(' '), /Allow cookies for this tool's site/);
    assert.doesNotMatch(notFound.title + notFound.text + notFound.tips.join(' '), /SameSite|Secure|state/, 'no developer terms for learners');
    assert.match(pageText('state_expired').tips.join(' '), /Reload the page.*new window/s);
  });

  it('development: a <details> section with a fixed hint, status and spec; production: only the code and spec', () => {
    const dev = renderErrorPage(new StateNotFoundError(), { details: true });
    assert.match(dev, /<details><summary>Details for developers<\/summary>/);
    assert.match(dev, /SameSite=None; Secure/);
    assert.match(dev, /<dt>Status<\/dt><dd>401<\/dd>/);
    assert.match(dev, /<dt>Spec<\/dt><dd>1EdTech Security Framework 1\.0 §7\.3\.1<\/dd>/);
    const prod = renderErrorPage(new StateNotFoundError(), { details: false });
    assert.doesNotMatch(prod, /<details|SameSite/);
    assert.match(prod, /For developers: 1EdTech Security Framework 1\.0 §7\.3\.1\./);
    assert.ok(!dev.includes(new StateNotFoundError().message) && !prod.includes(new StateNotFoundError().message));
  });

  it('the handler follows NODE_ENV unless told (details), and never shows request values in either mode', async () => {
    const marked = new RegistrationNotFoundError('https://x.test/<b>attacker-text</b>', 'client-attacker-text');
    const saved = process.env.NODE_ENV;
    try {
      process.env.NODE_ENV = 'production';
      const production = await request(appThrowing(marked)).get('/').set('Accept', 'text/html').expect(400);
      assert.doesNotMatch(production.text, /<details/);
      process.env.NODE_ENV = 'development';
      const development = await request(appThrowing(marked)).get('/').set('Accept', 'text/html').expect(400);
      assert.match(development.text, /<details>.*registerPlatform/);
      const forced = await request(appThrowing(marked, { details: false })).get('/').set('Accept', 'text/html').expect(400);
      assert.doesNotMatch(forced.text, /<details/);
      for (const page of [production, development, forced]) assert.doesNotMatch(page.text, /attacker-text|x\.test/);
    } finally {
      if (saved === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = saved;
    }
  });

  it('an app can render its own page (status and headers kept, no CSP of ours); JSON clients still get JSON', async () => {
    const seen: string[] = [];
    const app = appThrowing(new ConfigurationError('x'), {
      render: (err, req) => {
        seen.push(`${err.code} ${req.method}`);
        return `<p>Our own page: ${err.code}</p>`;
      },
    });
    const page = await request(app).get('/').set('Accept', 'text/html').expect(500);
    assert.equal(page.text, '<p>Our own page: configuration_error</p>');
    assert.equal(page.headers['content-security-policy'], undefined);
    assert.equal(page.headers['cache-control'], 'no-store');
    const json = await request(app).get('/').set('Accept', 'application/json').expect(500);
    assert.equal(json.body.error.code, 'configuration_error');
    assert.deepEqual(seen, ['configuration_error GET']);
  });
});

describe('opening the launch URL in a browser', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('GET /lti/launch: 405 with Allow: POST and a page saying it is the platform\'s POST target', async () => {
    h = await createHarness();
    const page = await request(h.app).get('/lti/launch').set('Accept', 'text/html');
    assert.equal(page.status, 405);
    assert.equal(page.headers.allow, 'POST');
    assert.equal(page.headers['content-security-policy'], "default-src 'none'; style-src 'unsafe-inline'");
    assert.match(page.text, /<h1>Open this tool from your course<\/h1>/);
    assert.match(page.text, /where your learning platform sends you/);
    assert.match(page.text, /method_not_allowed/);
    const json = await request(h.app).get('/lti/launch').query({ state: 'x' }).set('Accept', 'application/json');
    assert.equal(json.status, 405);
    assert.equal(json.body.error.code, 'method_not_allowed');
    assert.equal(json.headers.allow, 'POST');
    const head = await request(h.app).head('/lti/launch');
    assert.equal(head.status, 405);
  });

  it('a GET carrying an id_token stays 400 invalid_request, and POST is unaffected', async () => {
    h = await createHarness();
    const agent = request.agent(h.app);
    const { state } = await startLogin(h, agent);
    const withToken = await agent.get('/lti/launch').set('Accept', 'application/json').query({ id_token: 'x.y.z', state });
    assert.equal(withToken.status, 400);
    assert.equal(withToken.body.error.code, 'invalid_request');
    const posted = await agent.post('/lti/launch').type('form').set('Accept', 'application/json').send({ state });
    assert.equal(posted.status, 400, 'a POST without id_token is still the parameter check');
    assert.equal(posted.body.error.code, 'invalid_request');
    assert.match(posted.body.error.message, /id_token/);
  });

  it("without ltiErrorHandler, Express' own handler answers 405 with Allow: POST (err.headers)", async () => {
    h = await createHarness();
    const app = express();
    app.set('env', 'test'); // finalhandler: no stack on stderr
    app.all('/lti/launch', ltiLaunch({ store: h.store }));
    const res = await request(app).get('/lti/launch');
    assert.equal(res.status, 405);
    assert.equal(res.headers.allow, 'POST');
    assert.ok(new MethodNotAllowedError().headers.Allow === 'POST');
  });
});

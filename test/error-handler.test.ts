import assert from 'node:assert/strict';
import express from 'express';
import request from 'supertest';
import { NonceReplayedError, RegistrationNotFoundError, StateExpiredError, escapeHtml, ltiErrorHandler, type LtiError } from '../lib';
import { pageText, renderErrorPage } from '../lib/http/error-pages';
import { MAX_LOGGED_FIELD, MAX_LOGGED_MESSAGE, logRefusal } from '../lib/logger';
import { LAUNCH_URL, createHarness, startLogin, type Harness } from './helpers/harness';

function appThrowing(err: unknown, seen: LtiError[] = []) {
  const app = express();
  app.get('/', (_req, _res, next) => next(err));
  app.use(ltiErrorHandler({ onError: (e) => void seen.push(e) }));
  app.use((e: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(599).send(`fallthrough: ${e.message}`);
  });
  return app;
}

describe('ltiErrorHandler', () => {
  it('answers JSON with code, message and spec when the client asks for JSON', async () => {
    const res = await request(appThrowing(new NonceReplayedError())).get('/').set('Accept', 'application/json');
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'nonce_replayed');
    assert.match(res.body.error.spec, /5\.1\.3/);
    assert.equal(res.headers['cache-control'], 'no-store');
  });

  it('answers a small HTML page for browsers, with the code and no stack', async () => {
    const seen: LtiError[] = [];
    const res = await request(appThrowing(new NonceReplayedError(), seen)).get('/').set('Accept', 'text/html');
    assert.equal(res.status, 401);
    assert.match(res.headers['content-type'], /text\/html/);
    assert.match(res.text, /nonce_replayed/);
    assert.doesNotMatch(res.text, /at .*\.ts:\d+/);
    assert.equal(seen.length, 1);
  });

  it('turns a database connection error from the session middleware into 503 session_unavailable', async () => {
    const err = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const res = await request(appThrowing(err)).get('/').set('Accept', 'application/json');
    assert.equal(res.status, 503);
    assert.equal(res.body.error.code, 'session_unavailable');
    assert.doesNotMatch(res.text, /5432/);
  });

  it('passes other errors on untouched', async () => {
    const res = await request(appThrowing(new Error('app bug'))).get('/');
    assert.equal(res.status, 599);
    assert.equal(res.text, 'fallthrough: app bug');
  });
});

describe('error pages never show what came with the request', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  const MARK = 'attacker-text-7a';

  /** The request's text is absent from the page: raw, HTML-escaped, or in part. */
  function assertNotShown(html: string, text: string) {
    for (const form of [text, escapeHtml(text), MARK, escapeHtml('<script>'), escapeHtml('<b>')]) {
      assert.ok(!html.includes(form), `page shows ${JSON.stringify(form.slice(0, 40))}: ${html}`);
    }
  }

  function assertPolicy(res: request.Response) {
    assert.match(String(res.headers['content-type']), /text\/html/);
    assert.equal(res.headers['content-security-policy'], "default-src 'none'; style-src 'unsafe-inline'");
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.doesNotMatch(res.text, /<script|<img|<link|src=/i, 'a self-contained page');
  }

  it('a login with a bogus iss (markup and a long text): fixed page, same status and code', async () => {
    h = await createHarness();
    const { app } = h;
    const iss = `https://x.test/<script>alert("${MARK}")</script>${'A'.repeat(1800)}`;
    const query = { iss, login_hint: 'x', target_link_uri: LAUNCH_URL };
    const html = await request(app).get('/lti/login').set('Accept', 'text/html').query(query);
    assert.equal(html.status, 400);
    assertPolicy(html);
    assert.match(html.text, /registration_not_found/);
    assert.match(html.text, /ask your administrator to enable this tool/);
    assertNotShown(html.text, iss);

    const json = await request(app).get('/lti/login').set('Accept', 'application/json').query(query);
    assert.equal(json.status, 400);
    assert.equal(json.body.error.code, 'registration_not_found');
    assert.ok(json.body.error.message.length < 300, `message capped: ${json.body.error.message.length} characters`);
    assert.match(json.body.error.message, /more characters\]/);
  });

  it('a launch with a posted error_description (markup and a long text): fixed page, same status and code', async () => {
    h = await createHarness();
    const agent = request.agent(h.app);
    await startLogin(h, agent);
    const description = `<b>hi</b> ${MARK} please log in at https://evil.test ${'B'.repeat(900)}`;
    const res = await agent
      .post('/lti/launch')
      .type('form')
      .set('Accept', 'text/html')
      .send({ error: `login_required<i>${MARK}</i>`, error_description: description });
    assert.equal(res.status, 401);
    assertPolicy(res);
    assert.match(res.text, /platform_error/);
    assertNotShown(res.text, description);
    assert.ok(!res.text.includes('evil.test'));
  });

  it('every code of the library has its own learner text, with the code and spec for developers', () => {
    const codes = [
      'configuration_error', 'invalid_request', 'body_too_large', 'body_invalid', 'registration_not_found', 'registration_ambiguous',
      'target_link_uri_not_allowed', 'state_not_found', 'state_expired', 'platform_error', 'token_malformed', 'signature_invalid',
      'algorithm_not_allowed', 'header_not_allowed', 'kid_missing', 'jwks_unavailable', 'signing_key_not_found', 'claim_missing',
      'claim_invalid', 'issuer_mismatch', 'audience_mismatch', 'azp_mismatch', 'token_expired', 'iat_invalid', 'nonce_mismatch',
      'nonce_replayed', 'login_mismatch', 'deployment_not_found', 'storage_unavailable', 'session_unavailable',
    ];
    const fallback = pageText('no_such_code');
    assert.equal(fallback.title, 'The tool could not be opened');
    for (const code of codes) assert.notEqual(pageText(code), fallback, `${code} has its own text`);
    for (const details of [true, false]) {
      const html = renderErrorPage(new StateExpiredError(), { details });
      assert.match(html, /This launch has expired/);
      assert.match(html, /go back to your course and open the tool again/i);
      assert.match(html, /Error code: <code>state_expired<\/code>/);
      assert.match(html, /1EdTech Security Framework 1\.0 §7\.3\.1/);
      assert.ok(!html.includes(new StateExpiredError().message), 'the developer message stays in the log');
    }
  });
});

describe('logRefusal', () => {
  it('strips control characters and caps every field (a refused login with CR/LF and a 10 kB iss)', async () => {
    const h = await createHarness();
    try {
      const iss = `https://x.test/\r\nlevel=info msg="forged line"\u0000\u001b[31m${'i'.repeat(10_000)}`;
      await request(h.app).post('/lti/login').type('form').send({ iss, login_hint: 'x', target_link_uri: LAUNCH_URL }).expect(400);
      const refusal = h.logs.find((l) => l.fields.event === 'lti.login_refused');
      const issuer = String(refusal?.fields.issuer);
      assert.doesNotMatch(issuer, /[\u0000-\u001f\u007f]/, 'no control characters');
      assert.ok(issuer.length <= MAX_LOGGED_FIELD + 40, `capped: ${issuer.length}`);
      assert.doesNotMatch(refusal?.message ?? '', /[\u0000-\u001f\u007f]/);
    } finally {
      await h.close();
    }
  });

  it('caps and cleans every context field and the message', () => {
    const logged: Array<{ fields: Record<string, unknown>; message?: string }> = [];
    const logger = { warn: (fields: Record<string, unknown>, message?: string) => void logged.push({ fields, message }) };
    const long = `a\nb\u2028c\u202e${'z'.repeat(10_240)}`;
    logRefusal(logger, 'lti.launch_refused', new RegistrationNotFoundError(long, long), { issuer: long, clientId: long });
    const [{ fields, message }] = logged;
    for (const value of [fields.issuer, fields.clientId, message]) {
      assert.equal(typeof value, 'string');
      assert.doesNotMatch(value as string, /[\u0000-\u001f\u007f\u2028\u202e]/);
      assert.ok((value as string).length <= MAX_LOGGED_MESSAGE + 40, `capped: ${(value as string).length}`);
    }
    assert.ok((fields.issuer as string).length <= MAX_LOGGED_FIELD + 40);
    assert.equal(fields.code, 'registration_not_found');
  });
});

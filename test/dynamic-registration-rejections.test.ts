import assert from 'node:assert/strict';
import express from 'express';
import request from 'supertest';
import { ltiDynamicRegistration } from '../lib';
import { PLATFORM_CONFIGURATION, type RegistrationFault } from '../dev/platform-registration';
import { createRegistrationHarness, type RegistrationHarness } from './helpers/registration';

/** Refused with this status and code; nothing stored; the token nowhere in the answer or the logs. */
async function refused(h: RegistrationHarness, status: number, code: string, params?: Record<string, string>) {
  const token = params?.registration_token ?? h.reg.issueToken();
  const query = params ?? { openid_configuration: h.reg.openidConfigurationUrl, registration_token: token };
  const res = await request(h.app).get('/lti/register').set('Accept', 'application/json').query(query);
  assert.equal(res.status, status, res.text);
  assert.equal(res.body.error.code, code, res.text);
  assert.deepEqual(await h.counts(), { registrations: 0, deployments: 0 }, 'nothing is stored');
  assert.ok(!res.text.includes(token), 'the token is not in the answer');
  assert.ok(!JSON.stringify(h.logs).includes(token), 'the token is not in the logs');
  // The same refusal as a page (a fresh token when the first may have been spent).
  const page = await request(h.app).get('/lti/register').set('Accept', 'text/html').query(params ?? { ...query, registration_token: h.reg.issueToken() });
  assert.equal(page.status, status);
  assert.ok(!page.text.includes(query.registration_token ?? '\u0000'), 'nor on the error page');
  return res;
}

describe('Dynamic Registration: refusals', function () {
  this.timeout(20_000);
  let h: RegistrationHarness;
  const env = process.env.NODE_ENV;
  beforeEach(async () => {
    h = await createRegistrationHarness({ timeoutMs: 500 });
  });
  afterEach(async () => {
    process.env.NODE_ENV = env;
    await h.close();
  });

  it('refuses a request without openid_configuration (400 invalid_request)', async () => {
    await refused(h, 400, 'invalid_request', { registration_token: 'tok-1' });
  });

  it('refuses an http openid_configuration on a public host (400 registration_request_invalid), without fetching it', async () => {
    await refused(h, 400, 'registration_request_invalid', { openid_configuration: 'http://lms.example/.well-known/openid-configuration', registration_token: 'tok-2' });
    await refused(h, 400, 'registration_request_invalid', { openid_configuration: 'javascript:alert(1)', registration_token: 'tok-3' });
  });

  it('refuses a registration_token with spaces or control characters (no header injection)', async () => {
    await refused(h, 400, 'registration_request_invalid', { openid_configuration: h.reg.openidConfigurationUrl, registration_token: 'a b\r\nX-Evil: 1' });
    assert.equal(h.reg.configRequests.length, 0);
  });

  it('in production refuses loopback, private and link-local addresses, by IP literal and by resolved name, before any request', async () => {
    process.env.NODE_ENV = 'production';
    const port = new URL(h.platform.url).port;
    for (const host of ['127.0.0.1', 'localhost', '[::1]', '10.1.2.3', '192.168.0.10', '172.16.5.4', '169.254.169.254', '[fd00::1]', '[::ffff:127.0.0.1]', '0.0.0.0']) {
      await refused(h, 400, 'registration_host_not_allowed', {
        openid_configuration: `https://${host}:${port}/.well-known/openid-configuration`,
        registration_token: h.reg.issueToken(),
      });
    }
    assert.equal(h.reg.configRequests.length, 0, 'the platform was never called');
  });

  it('outside production refuses link-local addresses (cloud metadata) all the same', async () => {
    await refused(h, 400, 'registration_host_not_allowed', { openid_configuration: 'https://169.254.169.254/latest/meta-data', registration_token: 'tok-4' });
  });

  it('in production, allowHosts lets an on-premise platform through', async () => {
    const local = await createRegistrationHarness({ allowHosts: ['127.0.0.1'] });
    try {
      process.env.NODE_ENV = 'production';
      await local.register().expect(200);
      assert.equal((await local.counts()).registrations, 1);
    } finally {
      process.env.NODE_ENV = env;
      await local.close();
    }
  });

  it('refuses a registration endpoint on a private address in production even when the configuration host is allowed', async () => {
    const local = await createRegistrationHarness({ allowHosts: ['127.0.0.1'] });
    try {
      local.reg.configOverrides = { registration_endpoint: `https://10.0.0.7/register` };
      process.env.NODE_ENV = 'production';
      await refused(local, 400, 'registration_host_not_allowed');
      local.reg.configOverrides = { jwks_uri: `https://10.0.0.8/jwks` };
      await refused(local, 400, 'registration_host_not_allowed');
      assert.equal(local.reg.received.length, 0);
    } finally {
      process.env.NODE_ENV = env;
      await local.close();
    }
  });

  it('refuses a redirect to another origin (no SSRF by redirect)', async () => {
    h.reg.configMode = 'redirect-away';
    await refused(h, 502, 'registration_rejected');
  });

  it('refuses an issuer that does not match the configuration URL (§3.5.1)', async () => {
    h.reg.configOverrides = { issuer: 'https://other.example' };
    await refused(h, 502, 'platform_configuration_invalid');
    h.reg.configOverrides = { issuer: `${h.platform.url}/lms` };
    await refused(h, 502, 'platform_configuration_invalid');
    h.reg.configOverrides = { issuer: `${h.platform.url}?tenant=1` };
    await refused(h, 502, 'platform_configuration_invalid');
    assert.equal(h.reg.received.length, 0, 'nothing was posted');
  });

  it('refuses http and non-URL endpoints in the configuration', async () => {
    for (const field of ['authorization_endpoint', 'registration_endpoint', 'jwks_uri', 'token_endpoint']) {
      h.reg.configOverrides = { [field]: 'http://lms.example/x' };
      await refused(h, 502, 'platform_configuration_invalid');
      h.reg.configOverrides = { [field]: 'not a url' };
      await refused(h, 502, 'platform_configuration_invalid');
    }
  });

  it('refuses a configuration missing a required field', async () => {
    for (const field of ['issuer', 'authorization_endpoint', 'registration_endpoint', 'jwks_uri', 'token_endpoint', 'id_token_signing_alg_values_supported', PLATFORM_CONFIGURATION]) {
      h.reg.configOverrides = { [field]: undefined };
      const res = await refused(h, 502, 'platform_configuration_invalid');
      assert.match(res.body.error.message, /has no|RS256/);
    }
    h.reg.configOverrides = { [PLATFORM_CONFIGURATION]: { version: '1' } };
    await refused(h, 502, 'platform_configuration_invalid');
  });

  it('refuses a platform without RS256, private_key_jwt or the id_token response type', async () => {
    h.reg.configOverrides = { id_token_signing_alg_values_supported: ['ES256'] };
    await refused(h, 502, 'platform_configuration_invalid');
    h.reg.configOverrides = { token_endpoint_auth_methods_supported: ['client_secret_basic'] };
    await refused(h, 502, 'platform_configuration_invalid');
    h.reg.configOverrides = { response_types_supported: ['code'] };
    await refused(h, 502, 'platform_configuration_invalid');
  });

  const faults: Array<[string, 'config' | 'registration', RegistrationFault, number, string]> = [
    ['the configuration answers 400', 'config', 'bad-request', 502, 'registration_rejected'],
    ['the configuration answers 500', 'config', 'error', 503, 'registration_platform_unavailable'],
    ['the configuration is junk', 'config', 'junk', 502, 'platform_configuration_invalid'],
    ['the configuration hangs', 'config', 'hang', 504, 'registration_timeout'],
    ['the configuration is too large', 'config', 'big', 502, 'registration_rejected'],
    ['the registration answers 400', 'registration', 'bad-request', 502, 'registration_rejected'],
    ['the registration answers 401', 'registration', 'unauthorized', 502, 'registration_rejected'],
    ['the registration answers 500', 'registration', 'error', 503, 'registration_platform_unavailable'],
    ['the registration is junk', 'registration', 'junk', 502, 'registration_rejected'],
    ['the registration hangs', 'registration', 'hang', 504, 'registration_timeout'],
    ['the registration answer has no client_id', 'registration', 'no-client-id', 502, 'registration_rejected'],
  ];
  for (const [title, where, mode, status, code] of faults) {
    it(`${title}: ${status} ${code}, nothing stored`, async () => {
      if (where === 'config') h.reg.configMode = mode;
      else h.reg.registrationMode = mode;
      const res = await refused(h, status, code);
      if (mode === 'bad-request' || mode === 'error') assert.match(res.body.error.message, /\d{3}/);
    });
  }

  it('a platform quoting the token in its error body never gets it into the error, the page or the logs', async () => {
    h.reg.registrationMode = 'echo-token';
    const token = h.reg.issueToken();
    const res = await refused(h, 502, 'registration_rejected', { openid_configuration: h.reg.openidConfigurationUrl, registration_token: token });
    assert.ok(!res.text.includes(token));
    const refusal = h.logs.find((l) => l.fields.event === 'lti.registration_refused');
    assert.equal(refusal?.fields.code, 'registration_rejected');
  });

  it('the error object keeps the platform status and a token-free excerpt', async () => {
    const errors: Array<Record<string, unknown>> = [];
    h.reg.registrationMode = 'echo-token';
    const token = h.reg.issueToken();
    const app = express();
    app.get('/r', ltiDynamicRegistration({ store: h.store, tool: { name: 'T', loginUrl: 'https://t.test/l', launchUrl: 'https://t.test/x', jwksUrl: 'https://t.test/j' } }));
    app.use((err: Record<string, unknown>, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      errors.push(err);
      res.status(599).end();
    });
    await request(app).get('/r').query({ openid_configuration: h.reg.openidConfigurationUrl, registration_token: token }).expect(599);
    const err = errors[0];
    assert.equal(err.code, 'registration_rejected');
    assert.equal(err.platformStatus, 400);
    assert.match(String(err.bodyExcerpt), /\[removed\]/);
    const all = [String(err.message), String(err.bodyExcerpt), JSON.stringify(err), String(err.stack)].join('\n');
    assert.ok(!all.includes(token));
    assert.equal((await h.counts()).registrations, 0);
  });
});

import assert from 'node:assert/strict';
import knex from 'knex';
import { ConfigurationError, createKnexStore, ltiLaunch, ltiLogin, type LtiStore } from '../lib';

const store = {} as LtiStore; // never called: these checks run when the middleware is created

describe('configuration checks', () => {
  it('ltiLogin refuses an http launchUrl outside loopback', () => {
    assert.throws(() => ltiLogin({ store, launchUrl: 'http://tool.example/lti/launch' }), ConfigurationError);
    assert.throws(() => ltiLogin({ store, launchUrl: 'not a url' }), ConfigurationError);
    assert.doesNotThrow(() => ltiLogin({ store, launchUrl: 'http://127.0.0.1:3000/lti/launch' }));
    assert.doesNotThrow(() => ltiLogin({ store, launchUrl: 'https://tool.example/lti/launch' }));
  });

  it('ltiLogin refuses http allowedTargetOrigins outside loopback', () => {
    assert.throws(
      () => ltiLogin({ store, launchUrl: 'https://tool.example/lti/launch', allowedTargetOrigins: ['http://tool.example'] }),
      ConfigurationError,
    );
  });

  it('ltiLaunch refuses symmetric, none and empty algorithm lists', () => {
    for (const algorithms of [['HS256'], ['none'], [], ['RS256', 'HS512']]) {
      assert.throws(() => ltiLaunch({ store, algorithms }), ConfigurationError, JSON.stringify(algorithms));
    }
    assert.doesNotThrow(() => ltiLaunch({ store, algorithms: ['RS256', 'ES256'] }));
  });

  it('registerPlatform refuses http endpoints outside loopback', async () => {
    const db = knex({ client: 'pg', connection: process.env.DATABASE_URL });
    try {
      const s = createKnexStore(db);
      const base = { issuer: 'https://lms.test', clientId: 'c', authEndpoint: 'https://lms.test/auth', jwksUrl: 'https://lms.test/jwks' };
      for (const field of ['issuer', 'authEndpoint', 'jwksUrl', 'tokenEndpoint'] as const) {
        await assert.rejects(s.registerPlatform({ ...base, [field]: 'http://lms.test/x' }), ConfigurationError, field);
      }
      await assert.rejects(s.registerPlatform({ ...base, clientId: '' }), ConfigurationError);
    } finally {
      await db.destroy();
    }
  });
});

import assert from 'node:assert/strict';
import { generateKeyPair, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import {
  AccessTokenClient,
  LtiServiceError,
  StorageUnavailableError,
  TokenEndpointMissingError,
  TokenEndpointUnavailableError,
  TokenRequestFailedError,
  TokenResponseInvalidError,
  TokenScopeInvalidError,
  type Registration,
} from '../lib';
import { createHarness, type Harness } from './helpers/harness';

const SCORE = 'https://purl.imsglobal.org/spec/lti-ags/scope/score';
const LINEITEM = 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem';
const MEMBERS = 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly';

/** Neither the platform's tokens nor the tool's assertions appear anywhere in the error. */
function assertNoSecrets(err: unknown, h: Harness): void {
  assert.ok(err instanceof LtiServiceError);
  const secrets = [...h.platform.accessTokens.keys()];
  const text = [err.message, err.bodyExcerpt ?? '', JSON.stringify(err), String(err.stack), String((err.cause as Error | undefined)?.message ?? '')].join('\n');
  for (const secret of secrets) assert.ok(!text.includes(secret), 'an access token leaked into the error');
  assert.doesNotMatch(text, /eyJ[\w-]+\.[\w-]+/, 'a JWT leaked into the error');
}

async function rejectsWith<T extends LtiServiceError>(promise: Promise<unknown>, type: new (...args: never[]) => T, h: Harness): Promise<T> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof type, `expected ${type.name}, got ${String(err)}`);
    assertNoSecrets(err, h);
    return err;
  }
  assert.fail(`expected ${type.name}`);
}

describe('access tokens', function () {
  this.timeout(20_000);
  let h: Harness;
  let client: AccessTokenClient;
  beforeEach(async () => {
    h = await createHarness();
    client = new AccessTokenClient({ keys: h.store });
  });
  afterEach(() => h.close());

  it('gets a token with a client assertion the platform verifies against the tool JWKS', async () => {
    const token = await client.get(h.registration, [SCORE, LINEITEM]);
    assert.equal(h.platform.tokenRequests, 1);
    assert.ok(h.platform.checkAccessToken(`Bearer ${token}`, SCORE));
    assert.ok(h.platform.checkAccessToken(`Bearer ${token}`, LINEITEM));
    assert.ok(!h.platform.checkAccessToken(`Bearer ${token}`, MEMBERS), 'only the scopes asked');
    const [seen] = h.platform.assertions;
    assert.equal(seen.header.alg, 'RS256');
    assert.equal(seen.header.kid, (await h.store.signingKey()).kid);
    assert.equal(seen.claims.iss, h.platform.clientId);
    assert.equal(seen.claims.sub, h.platform.clientId);
    assert.equal(seen.claims.aud, h.platform.tokenEndpoint);
    assert.equal(seen.claims.exp! - seen.claims.iat!, 300);
    assert.match(String(seen.claims.jti), /^[0-9a-f-]{36}$/);
    assert.equal(seen.scope, [LINEITEM, SCORE].join(' '), 'space-separated and sorted');
  });

  it('caches the token: N calls make one request; scope order and duplicates do not matter', async () => {
    const first = await client.get(h.registration, [SCORE, LINEITEM]);
    for (let i = 0; i < 10; i++) assert.equal(await client.get(h.registration, [LINEITEM, SCORE, LINEITEM]), first);
    assert.equal(h.platform.tokenRequests, 1);
  });

  it('16 concurrent callers share one request', async () => {
    const tokens = await Promise.all(Array.from({ length: 16 }, () => client.get(h.registration, [SCORE])));
    assert.equal(new Set(tokens).size, 1);
    assert.equal(h.platform.tokenRequests, 1);
  });

  it('different scopes get separate tokens', async () => {
    const [score, members] = await Promise.all([client.get(h.registration, [SCORE]), client.get(h.registration, [MEMBERS])]);
    assert.notEqual(score, members);
    assert.equal(h.platform.tokenRequests, 2);
    assert.ok(!h.platform.checkAccessToken(`Bearer ${score}`, MEMBERS));
    assert.ok(h.platform.checkAccessToken(`Bearer ${members}`, MEMBERS));
  });

  it('asks for a new token once the expiry margin is reached', async () => {
    h.platform.tokenTtlSeconds = 2;
    client = new AccessTokenClient({ keys: h.store, expiryMarginSeconds: 1 });
    const first = await client.get(h.registration, [SCORE]);
    assert.equal(await client.get(h.registration, [SCORE]), first);
    await new Promise((r) => setTimeout(r, 1_100));
    const second = await client.get(h.registration, [SCORE]);
    assert.notEqual(second, first);
    assert.equal(h.platform.tokenRequests, 2);
  });

  it('a token that lives less than the margin is not reused', async () => {
    h.platform.tokenTtlSeconds = 30;
    client = new AccessTokenClient({ keys: h.store, expiryMarginSeconds: 3600 });
    await client.get(h.registration, [SCORE]);
    await client.get(h.registration, [SCORE]);
    // The margin is capped at half the lifetime: cached for 15 s, not refetched each time.
    assert.equal(h.platform.tokenRequests, 1);
  });

  it('accepts token_type "bearer" in lowercase (Blackboard) and a missing expires_in', async () => {
    h.platform.tokenMode = 'lowercase-bearer';
    assert.ok(h.platform.checkAccessToken(`Bearer ${await client.get(h.registration, [SCORE])}`, SCORE));
    h.platform.tokenMode = 'no-expiry';
    await client.get(h.registration, [MEMBERS]);
    await client.get(h.registration, [MEMBERS]);
    assert.equal(h.platform.tokenRequests, 2, 'a token without expires_in is cached for the default lifetime');
  });

  it('uses the registration tokenAudience as the assertion aud (Brightspace)', async () => {
    const audience = 'https://api.brightspace.test/auth/token';
    h.platform.tokenAudience = audience;
    const err = await rejectsWith(client.get(h.registration, [SCORE]), TokenRequestFailedError, h);
    assert.equal(err.oauthError, 'invalid_client', 'the platform refuses the token URL as aud');
    const registration = await h.store.registerPlatform({ ...h.platform.registration(), tokenAudience: audience });
    await client.get(registration, [SCORE]);
    assert.equal(h.platform.assertions.at(-1)!.claims.aud, audience);
  });

  it('the platform refuses an assertion signed by a key the tool does not publish', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const rogue = new AccessTokenClient({ keys: { signingKey: async () => ({ kid: 'not-published', alg: 'RS256', privateKey }) } });
    const err = await rejectsWith(rogue.get(h.registration, [SCORE]), TokenRequestFailedError, h);
    assert.equal(err.platformStatus, 400);
    assert.equal(h.platform.accessTokens.size, 0);
  });

  it('the platform refuses a replayed assertion (same jti)', async () => {
    const key = await h.store.signingKey();
    const assertion = await new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid })
      .setIssuer(h.platform.clientId)
      .setSubject(h.platform.clientId)
      .setAudience(h.platform.tokenEndpoint)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key.privateKey);
    const post = () =>
      fetch(h.platform.tokenEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: assertion,
          scope: SCORE,
        }),
      });
    assert.equal((await post()).status, 200);
    const replay = await post();
    assert.equal(replay.status, 400);
    assert.match(await replay.text(), /jti already used/);
  });

  it('after a key rotation the next assertion uses the new key, and the platform (cached key set) still verifies it', async () => {
    await client.get(h.registration, [SCORE]);
    const { current, retired } = await h.store.rotateToolKeys();
    // The platform fetched the tool's key set moments ago and will not refetch it for 30 s
    // (jose's cooldown): it verifies because the new key was already published as "next".
    await client.get(h.registration, [MEMBERS]);
    assert.equal(h.platform.assertions.length, 2);
    assert.equal(h.platform.assertions[0].header.kid, retired);
    assert.equal(h.platform.assertions[1].header.kid, current);
  });

  it('invalidate() drops the token: the next get() requests a new one', async () => {
    const first = await client.get(h.registration, [SCORE]);
    client.invalidate(h.registration, [SCORE], first);
    const second = await client.get(h.registration, [SCORE]);
    assert.notEqual(second, first);
    // A stale token's invalidation does not drop the newer one.
    client.invalidate(h.registration, [SCORE], first);
    assert.equal(await client.get(h.registration, [SCORE]), second);
    assert.equal(h.platform.tokenRequests, 2);
  });

  describe('failures: typed errors, no hang, no token text', () => {
    it('no token endpoint', async () => {
      const registration: Registration = { ...h.registration, tokenEndpoint: null };
      const err = await rejectsWith(client.get(registration, [SCORE]), TokenEndpointMissingError, h);
      assert.equal(err.code, 'token_endpoint_missing');
      assert.equal(h.platform.tokenRequests, 0);
    });

    it('the signing key cannot be read: 503 storage_unavailable, no request', async () => {
      const broken = new AccessTokenClient({ keys: { signingKey: () => Promise.reject(new Error('connect ECONNREFUSED')) } });
      await assert.rejects(broken.get(h.registration, [SCORE]), (err: unknown) => err instanceof StorageUnavailableError);
      assert.equal(h.platform.tokenRequests, 0);
    });

    it('bad scopes are refused before any request', async () => {
      await rejectsWith(client.get(h.registration, []), TokenScopeInvalidError, h);
      await rejectsWith(client.get(h.registration, [`${SCORE} ${MEMBERS}`]), TokenScopeInvalidError, h);
      assert.equal(h.platform.tokenRequests, 0);
    });

    it('endpoint down: 503', async () => {
      h.platform.tokenMode = 'down';
      const err = await rejectsWith(client.get(h.registration, [SCORE]), TokenEndpointUnavailableError, h);
      assert.equal(err.status, 503);
      assert.equal(err.code, 'token_endpoint_unavailable');
      assert.equal(err.url, h.platform.tokenEndpoint);
    });

    it('endpoint slow: 504 after the timeout, shared by concurrent callers; the next call tries again', async () => {
      h.platform.tokenMode = 'slow';
      client = new AccessTokenClient({ keys: h.store, timeoutMs: 300 });
      const results = await Promise.allSettled(Array.from({ length: 4 }, () => client.get(h.registration, [SCORE])));
      assert.equal(h.platform.tokenRequests, 1);
      for (const r of results) {
        assert.equal(r.status, 'rejected');
        const err = (r as PromiseRejectedResult).reason as unknown;
        assert.ok(err instanceof TokenEndpointUnavailableError);
        assert.equal(err.status, 504);
        assertNoSecrets(err, h);
      }
      h.platform.tokenMode = 'ok';
      await client.get(h.registration, [SCORE]);
      assert.equal(h.platform.tokenRequests, 2);
    });

    it('platform error 500: 503 with platformStatus', async () => {
      h.platform.tokenMode = 'server-error';
      const err = await rejectsWith(client.get(h.registration, [SCORE]), TokenEndpointUnavailableError, h);
      assert.deepEqual([err.status, err.platformStatus], [503, 500]);
    });

    it('400 invalid_client echoing the assertion: 502, OAuth error kept, assertion removed', async () => {
      h.platform.tokenMode = 'error';
      const err = await rejectsWith(client.get(h.registration, [SCORE]), TokenRequestFailedError, h);
      assert.deepEqual([err.status, err.platformStatus, err.oauthError], [502, 400, 'invalid_client']);
      assert.match(err.bodyExcerpt!, /client assertion rejected: \[removed\]/);
      assert.match(err.spec!, /Security Framework/);
    });

    it('junk with the token in it: 502, token removed', async () => {
      h.platform.tokenMode = 'junk';
      const err = await rejectsWith(client.get(h.registration, [SCORE]), TokenResponseInvalidError, h);
      assert.equal(err.status, 502);
      assert.equal(h.platform.accessTokens.size, 1, 'a token was in the junk');
      assert.match(err.bodyExcerpt!, /access_token=\[removed\]/);
    });

    it('token_type other than Bearer: 502', async () => {
      h.platform.tokenMode = 'wrong-type';
      const err = await rejectsWith(client.get(h.registration, [SCORE]), TokenResponseInvalidError, h);
      assert.match(err.message, /token_type/);
    });

    it('oversized answer: 502 without reading it all', async () => {
      h.platform.tokenMode = 'oversized';
      const err = await rejectsWith(client.get(h.registration, [SCORE]), TokenResponseInvalidError, h);
      assert.match(err.message, /larger than 65536 bytes/);
    });

    it('errors are not cached: the next call succeeds once the platform recovers', async () => {
      h.platform.tokenMode = 'junk';
      await rejectsWith(client.get(h.registration, [SCORE]), TokenResponseInvalidError, h);
      h.platform.tokenMode = 'ok';
      assert.ok(h.platform.checkAccessToken(`Bearer ${await client.get(h.registration, [SCORE])}`, SCORE));
    });
  });
});

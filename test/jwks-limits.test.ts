/**
 * Key set limits (issue 7 items 2–4, 8): a body that stalls, a body without
 * end, abusive keys, redirects, and a rotation that unknown-kid probes must
 * not delay. Every test has its own deadline; figures go to the console.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import request from 'supertest';
import { JwksCache } from '../lib';
import { DevPlatform, PERSONAS } from '../dev/platform';
import { FetchProblem, boundedFetch } from '../lib/http/bounded-fetch';
import { MAX_KEYS, MAX_KEYS_PER_KID, NotAKeySetError, acceptKey, candidateKeys, parseKeySet } from '../lib/launch/jwks-policy';
import { LAUNCH_URL, createHarness, fullLaunch, postLaunch, startLogin, type Agent, type Harness } from './helpers/harness';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function harnessWith(cache: JwksCache): Promise<Harness> {
  return createHarness({ launch: { autoCreateDeployments: true, jwksCache: cache } });
}

/** Log in, then post a token signed as the platform would but with the given kid and key. */
async function launchSigned(h: Harness, agent: Agent, header: Parameters<Harness['platform']['sign']>[1] = {}) {
  const { nonce, state } = await startLogin(h, agent);
  const token = await h.platform.sign(h.platform.launchClaims({ nonce, targetLinkUri: LAUNCH_URL, persona: PERSONAS.instructor }), header);
  return postLaunch(agent, { id_token: token, state });
}

/** Wait until `check()` holds, polling; fails after `ms`. */
async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('key set limits', () => {
  let h: Harness;
  afterEach(() => h.close());

  describe('a body that stalls after {"keys":[', () => {
    it('answers 503 within the timeout, and a launch after recovery makes a new fetch and succeeds', async function () {
      this.timeout(10_000);
      h = await harnessWith(new JwksCache({ timeoutMs: 1_000 }));
      h.platform.jwksMode = 'stall-body';
      const started = Date.now();
      const stalled = await launchSigned(h, request.agent(h.app));
      const elapsed = Date.now() - started;
      assert.equal(stalled.status, 503, stalled.text);
      assert.equal(stalled.body.error.code, 'jwks_unavailable');
      assert.match(stalled.body.error.message, /no complete answer within 1000 ms/);
      console.log(`      stalled key set: answered 503 after ${elapsed} ms (timeout 1000 ms)`);

      h.platform.jwksMode = 'ok';
      const healthy = await fullLaunch(h, request.agent(h.app));
      assert.equal(healthy.status, 200, healthy.text);
      assert.equal(h.platform.jwksRequests, 2, 'the stuck fetch did not hold back a new one');
    });

    it('a refresh that stalls (maxAge passed) does not hold back launches the cached set verifies', async function () {
      this.timeout(10_000);
      // The stalled refresh would only give up after 60 s: every launch below answers long before.
      h = await harnessWith(new JwksCache({ timeoutMs: 60_000, maxAgeMs: 200, minRefetchIntervalMs: 100 }));
      assert.equal((await fullLaunch(h, request.agent(h.app))).status, 200);
      await sleep(300);
      h.platform.jwksMode = 'stall-body';
      assert.equal((await fullLaunch(h, request.agent(h.app))).status, 200, 'served from the stale set');
      await until(() => h.platform.jwksRequests === 2, 3_000, 'the background refresh');
      const during = await Promise.all(Array.from({ length: 3 }, () => fullLaunch(h, request.agent(h.app))));
      for (const r of during) assert.equal(r.status, 200, r.text);
      assert.equal(h.platform.jwksRequests, 2, 'one refresh in flight, however many launches');
    });

    it('a refresh that fails keeps the last good set', async function () {
      this.timeout(10_000);
      h = await harnessWith(new JwksCache({ maxAgeMs: 200, minRefetchIntervalMs: 100 }));
      assert.equal((await fullLaunch(h, request.agent(h.app))).status, 200);
      await sleep(300);
      h.platform.jwksMode = 'error';
      assert.equal((await fullLaunch(h, request.agent(h.app))).status, 200);
      await until(() => h.platform.jwksRequests >= 2, 3_000, 'the background refresh');
      await sleep(200);
      assert.equal((await fullLaunch(h, request.agent(h.app))).status, 200, 'the failed refresh did not drop the set');
    });
  });

  describe('a body without end', () => {
    it('is abandoned at the 1 MiB cap (503), with bounded memory', async function () {
      this.timeout(15_000);
      // A long timeout: the byte cap, not the deadline, must end it.
      h = await harnessWith(new JwksCache({ timeoutMs: 30_000 }));
      h.platform.jwksMode = 'endless';
      const before = process.memoryUsage().rss;
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
      try {
        const res = await launchSigned(h, request.agent(h.app));
        assert.equal(res.status, 503, res.text);
        assert.equal(res.body.error.code, 'jwks_unavailable');
        assert.match(res.body.error.message, /larger than 1048576 bytes/);
      } finally {
        clearInterval(sampler);
      }
      peak = Math.max(peak, process.memoryUsage().rss);
      const growth = (peak - before) / 2 ** 20;
      console.log(`      endless key set: rss peak growth ${growth.toFixed(1)} MB`);
      assert.ok(growth < 50, `rss grew ${growth.toFixed(1)} MB`);
    });

    it('honours a smaller maxBytes', async function () {
      this.timeout(10_000);
      const cache = new JwksCache({ maxBytes: 700 });
      h = await harnessWith(cache);
      assert.equal((await fullLaunch(h, request.agent(h.app))).status, 200, 'a one-key set fits in 700 bytes');
      await h.platform.rotateKey(); // two keys: about 900 bytes
      cache.clear();
      const res = await fullLaunch(h, request.agent(h.app));
      assert.equal(res.status, 503, res.text);
      assert.match(res.body.error.message, /larger than 700 bytes/);
    });
  });

  describe('abusive keys under the signing kid', () => {
    it('tries none of them: the genuine launch succeeds and a forged one is refused cheaply', async function () {
      this.timeout(20_000);
      h = await harnessWith(new JwksCache());
      h.platform.jwksMode = 'abusive';
      assert.equal((await fullLaunch(h, request.agent(h.app))).status, 200, 'the genuine key is still found');
      const runs = 5;
      let cpu = 0;
      for (let i = 0; i < runs; i++) {
        const agent = request.agent(h.app);
        const { nonce, state } = await startLogin(h, agent);
        const signed = await h.platform.sign(h.platform.launchClaims({ nonce, targetLinkUri: LAUNCH_URL }));
        // Anyone can send this: a signature as long as the heavy keys' modulus, so each would cost a full check.
        const forged = `${signed.slice(0, signed.lastIndexOf('.'))}.${randomBytes(384).toString('base64url')}`;
        const start = process.cpuUsage();
        const res = await postLaunch(agent, { id_token: forged, state });
        const used = process.cpuUsage(start);
        cpu += (used.user + used.system) / 1_000;
        assert.equal(res.status, 401, res.text);
        assert.equal(res.body.error.code, 'signature_invalid');
      }
      console.log(`      abusive key set: ${(cpu / runs).toFixed(1)} ms CPU per forged launch (whole process)`);
      assert.ok(cpu / runs < 200, `${(cpu / runs).toFixed(0)} ms CPU per forged launch`);
      assert.equal(h.platform.jwksRequests, 1);
    });
  });

  describe('redirects', () => {
    it('refuses a redirect to another origin (503) and follows one within the origin', async function () {
      this.timeout(10_000);
      h = await harnessWith(new JwksCache());
      h.platform.jwksMode = 'redirect-away';
      const away = await fullLaunch(h, request.agent(h.app));
      assert.equal(away.status, 503, away.text);
      assert.equal(away.body.error.code, 'jwks_unavailable');
      assert.match(away.body.error.message, /another origin/);
      assert.equal(h.platform.jwksRequests, 1, 'the other origin was never asked');

      await h.close();
      h = await harnessWith(new JwksCache());
      h.platform.jwksMode = 'redirect-same';
      const same = await fullLaunch(h, request.agent(h.app));
      assert.equal(same.status, 200, same.text);
      assert.equal(h.platform.jwksRequests, 2);
    });
  });

  describe('rotation against unknown-kid probes', () => {
    it('a key rotated in right after a probe, and while probes go on, is accepted within about a second', async function () {
      this.timeout(15_000);
      const cache = new JwksCache(); // defaults: cooldown 30 s, one fetch per second at most
      h = await harnessWith(cache);
      assert.equal((await fullLaunch(h, request.agent(h.app))).status, 200);
      const probe = await launchSigned(h, request.agent(h.app), { kid: randomUUID() });
      assert.equal(probe.body.error.code, 'signing_key_not_found');

      // An attacker keeps probing random kids while the platform rotates.
      let probing = true;
      const prober = (async () => {
        while (probing) {
          const res = await launchSigned(h, request.agent(h.app), { kid: randomUUID() });
          assert.equal(res.body.error.code, 'signing_key_not_found');
        }
      })();
      try {
        await h.platform.rotateKey();
        const started = Date.now();
        const rotated = await fullLaunch(h, request.agent(h.app));
        const elapsed = Date.now() - started;
        assert.equal(rotated.status, 200, rotated.text);
        console.log(`      rotation under probes: new key accepted after ${elapsed} ms`);
      } finally {
        probing = false;
        await prober;
      }
    });

    it('probes of random kids cause about one fetch a second; repeated probes of one kid cause none', async function () {
      this.timeout(15_000);
      const cache = new JwksCache();
      h = await harnessWith(cache);
      const source = cache.get(h.platform.jwksUrl);
      await source.keysFor(h.platform.keys[0].kid, 'RS256');
      assert.equal(h.platform.jwksRequests, 1);

      const started = Date.now();
      let probes = 0;
      while (Date.now() - started < 2_500) {
        // Ten concurrent probes with fresh kids, every 100 ms.
        await Promise.all(Array.from({ length: 10 }, () => source.keysFor(randomUUID(), 'RS256').catch(() => undefined)));
        probes += 10;
        await sleep(100);
      }
      const seconds = (Date.now() - started) / 1_000;
      const fetches = h.platform.jwksRequests - 1;
      console.log(`      ${probes} random-kid probes in ${seconds.toFixed(1)} s: ${fetches} fetches`);
      assert.ok(fetches <= Math.ceil(seconds) + 1, `${fetches} fetches in ${seconds} s`);

      const kid = randomUUID();
      await assert.rejects(source.keysFor(kid, 'RS256'), { code: 'signing_key_not_found' });
      const after = h.platform.jwksRequests;
      for (let i = 0; i < 20; i++) await assert.rejects(source.keysFor(kid, 'RS256'), { code: 'signing_key_not_found' });
      assert.equal(h.platform.jwksRequests, after, 'a kid found absent is remembered for the cooldown');
    });
  });
});

describe('key policy', () => {
  type Jwk = Record<string, unknown>;
  let rsa2048: Jwk;
  const good: Record<string, Jwk> = {};

  before(async function () {
    this.timeout(20_000);
    const publicJwk = async (alg: string, options: Parameters<typeof generateKeyPair>[1] = {}) =>
      ({ ...(await exportJWK((await generateKeyPair(alg, options)).publicKey)), kid: alg }) as Jwk;
    rsa2048 = await publicJwk('RS256');
    for (const alg of ['ES256', 'ES384', 'ES512']) good[alg] = await publicJwk(alg);
    good.EdDSA = await publicJwk('EdDSA', { crv: 'Ed25519' });
    good.Ed448 = await publicJwk('EdDSA', { crv: 'Ed448' });
  });

  const n = (bytes: Buffer) => bytes.toString('base64url');
  const withBits = (bits: number) => {
    const bytes = Buffer.alloc(Math.ceil(bits / 8), 0xab);
    bytes[0] = bits % 8 === 0 ? 0xc1 : 1 << ((bits % 8) - 1);
    return bytes;
  };
  const e = (value: number | bigint) => n(Buffer.from(value.toString(16).padStart(2, '0').replace(/^(.(..)*)$/, '0$1'), 'hex'));

  it('keeps signing keys of the supported kinds and sizes', async () => {
    for (const [name, jwk] of Object.entries({ rsa2048, rsa4096: { ...rsa2048, n: n(withBits(4096)) }, ...good, withAlg: { ...rsa2048, alg: 'PS256' }, verifyOps: { ...rsa2048, key_ops: ['verify'] } })) {
      if (name === 'Ed448') continue;
      assert.ok(await acceptKey(jwk), `${name} kept`);
    }
    const leadingZeros = { ...rsa2048, n: n(Buffer.concat([Buffer.alloc(3), Buffer.from(rsa2048.n as string, 'base64url')])) };
    assert.ok(await acceptKey(leadingZeros), 'leading zero bytes do not count: still 2048 bits');
    assert.ok(await acceptKey({ ...rsa2048, e: e(2 ** 32 - 1) }), 'the largest exponent allowed');
  });

  it('drops keys that are not for signature, private, of the wrong kind, or of abusive size', async () => {
    const refused: Record<string, Jwk> = {
      'use enc': { ...rsa2048, use: 'enc' },
      'key_ops without verify': { ...rsa2048, key_ops: ['encrypt'] },
      'private member d': { ...rsa2048, d: 'AQAB' },
      'symmetric': { kty: 'oct', kid: 'k', k: 'c2VjcmV0' },
      'no kid': { ...rsa2048, kid: undefined },
      'alg HS256': { ...rsa2048, alg: 'HS256' },
      'RSA key claiming ES256': { ...rsa2048, alg: 'ES256' },
      'P-256 key claiming ES384': { ...good.ES256, alg: 'ES384' },
      'secp256k1': { ...good.ES256, crv: 'secp256k1' },
      'Ed448': good.Ed448,
      '2047-bit modulus': { ...rsa2048, n: n(withBits(2047)) },
      '1024-bit modulus': { ...rsa2048, n: n(withBits(1024)) },
      '8200-bit modulus': { ...rsa2048, n: n(withBits(8200)) },
      '16384-bit modulus': { ...rsa2048, n: n(withBits(16384)) },
      'exponent 2^32 + 1': { ...rsa2048, e: e(2n ** 32n + 1n) },
      'exponent of 3070 bits': { ...rsa2048, e: n(withBits(3070)) },
      'even exponent': { ...rsa2048, e: e(65536) },
      'exponent 1': { ...rsa2048, e: e(1) },
      'n not base64url': { ...rsa2048, n: `${rsa2048.n as string}=` },
    };
    assert.ok(await acceptKey({ ...rsa2048, n: n(withBits(2048)) }), 'control: a measured 2048-bit modulus');
    assert.ok(await acceptKey({ ...rsa2048, n: n(withBits(8192)) }), 'control: a measured 8192-bit modulus');
    for (const [name, jwk] of Object.entries(refused)) assert.equal(await acceptKey(jwk), undefined, name);
  });

  it('parses strictly, keeps at most 100 keys, and tries at most 3 per kid', async () => {
    for (const body of ['not json', '[]', '{"keys":{}}', '{"nokeys":[]}', 'null']) {
      await assert.rejects(parseKeySet(body), NotAKeySetError, body);
    }
    const many = await parseKeySet(JSON.stringify({ keys: Array.from({ length: 150 }, (_, i) => ({ ...rsa2048, kid: `k${i}` })) }));
    assert.equal(many.byKid.size, MAX_KEYS);
    assert.equal(many.skipped, 50);
    const shared = await parseKeySet(JSON.stringify({ keys: Array.from({ length: 5 }, () => rsa2048) }));
    assert.equal(candidateKeys(shared, rsa2048.kid as string, 'RS256').length, MAX_KEYS_PER_KID);
    assert.equal(candidateKeys(shared, rsa2048.kid as string, 'ES256').length, 0, 'an RSA key never serves ES256');
  });
});

describe('boundedFetch', () => {
  it('honours a signal aborted before the call, without sending a request', async function () {
    this.timeout(5_000);
    const platform = await DevPlatform.start();
    try {
      const fetching = boundedFetch(platform.jwksUrl, { timeoutMs: 1_000, maxBytes: 10_000, signal: AbortSignal.abort() });
      await assert.rejects(fetching, FetchProblem);
      assert.equal(platform.jwksRequests, 0);
      assert.equal((await boundedFetch(platform.jwksUrl, { timeoutMs: 1_000, maxBytes: 10_000 })).status, 200, 'control');
    } finally {
      await platform.close();
    }
  });
});

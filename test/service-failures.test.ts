import assert from 'node:assert/strict';
import { createServiceHarness, type ServiceHarness } from './helpers/services';
import { makeRoster } from '../dev/platform-nrps';
import {
  LtiServiceError,
  ServiceBadResponseError,
  ServiceRequestRejectedError,
  ServiceTimeoutError,
  ServiceUnavailableError,
  type NrpsMember,
  type Score,
} from '../lib';
import { parseLinkHeader, findLink } from '../lib/services/link-header';
import { retryAfterMs } from '../lib/services/service-call';

const done: Score = { userId: 'user-learner-1', scoreGiven: 7, scoreMaximum: 10, activityProgress: 'Completed', gradingProgress: 'FullyGraded' };

async function drain(iterable: AsyncIterable<NrpsMember>): Promise<number> {
  let n = 0;
  for await (const _ of iterable) n++;
  return n;
}

describe('service call failure modes', () => {
  let s: ServiceHarness;
  /** Every error seen, checked at the end for leaked tokens. */
  const errors: unknown[] = [];
  const expectError = async <T extends LtiServiceError>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> => {
    try {
      await promise;
    } catch (err) {
      errors.push(err);
      assert.ok(err instanceof type, `expected ${type.name}, got ${String(err)}`);
      assert.ok(err.spec, 'every service error cites the spec');
      return err;
    }
    assert.fail(`expected ${type.name}`);
  };

  beforeEach(async () => {
    s = await createServiceHarness({ timeoutMs: 500, retries: 2, retryBaseMs: 10, maxBytes: 64 * 1024 });
  });
  afterEach(async function () {
    // No issued token appears in any error (message, excerpt, or serialised).
    const tokens = [...s.h.platform.accessTokens.keys()];
    for (const err of errors.splice(0)) {
      const e = err as LtiServiceError;
      const text = `${e.message} ${e.bodyExcerpt ?? ''} ${JSON.stringify(e)} ${e.url ?? ''}`;
      for (const token of tokens) assert.ok(!text.includes(token), `token leaked in ${this.currentTest?.title}`);
    }
    await s.close();
  });

  it('401 once: drops the token, gets a new one, succeeds', async () => {
    s.h.platform.faults.set('scores', { kind: 'unauthorized' }, 1);
    await s.services.publishScore(s.launch, done);
    assert.equal(s.tokenRequests(), 2);
    assert.equal(s.h.platform.faults.requests.scores, 2);
    assert.equal(s.h.platform.ags.gradebook().length, 1);
  });

  it('401 twice: a typed error after exactly one retry', async () => {
    s.h.platform.faults.set('lineitems', { kind: 'unauthorized' });
    const err = await expectError(s.services.listLineItems(s.launch), ServiceRequestRejectedError);
    assert.equal(err.platformStatus, 401);
    assert.equal(err.status, 502);
    assert.equal(err.code, 'service_request_rejected');
    assert.equal(err.url, s.launch.ags!.lineitems);
    assert.equal(s.h.platform.faults.requests.lineitems, 2);
    assert.equal(s.tokenRequests(), 2);
  });

  it('429 with Retry-After: 1 waits, then succeeds', async () => {
    s.h.platform.faults.set('scores', { kind: 'rate-limited', retryAfter: '1' }, 1);
    const started = Date.now();
    await s.services.publishScore(s.launch, done);
    assert.ok(Date.now() - started >= 900, 'waited about a second');
    assert.equal(s.h.platform.faults.requests.scores, 2);
    assert.equal(s.h.platform.ags.scoresReceived, 1);
  });

  it('429 asking for longer than the bound fails at once with 503', async () => {
    s.h.platform.faults.set('results', { kind: 'rate-limited', retryAfter: '3600' });
    const err = await expectError(s.services.getResults(s.launch), ServiceUnavailableError);
    assert.equal(err.platformStatus, 429);
    assert.equal(err.status, 503);
    assert.equal(s.h.platform.faults.requests.results, 1);
  });

  it('429 without Retry-After retries with backoff within the retry budget', async () => {
    s.h.platform.faults.set('lineitems', { kind: 'rate-limited' });
    await expectError(s.services.listLineItems(s.launch), ServiceUnavailableError);
    assert.equal(s.h.platform.faults.requests.lineitems, 3);
  });

  it('500 on a GET: bounded retries, then ServiceUnavailableError', async () => {
    s.h.platform.faults.set('lineitem', { kind: 'error', status: 500 });
    const err = await expectError(s.services.getLineItem(s.launch), ServiceUnavailableError);
    assert.equal(err.platformStatus, 500);
    assert.equal(err.status, 503);
    assert.equal(err.bodyExcerpt, 'internal error');
    assert.equal(s.h.platform.faults.requests.lineitem, 3);
  });

  it('5xx on a score POST is retried (same timestamp) and succeeds', async () => {
    s.h.platform.faults.set('scores', { kind: 'error', status: 503 }, 2);
    await s.services.publishScore(s.launch, done);
    assert.equal(s.h.platform.faults.requests.scores, 3);
    assert.equal(s.h.platform.ags.scoresReceived, 1);
  });

  it('a score POST that timed out after the platform took it is repeated with the same timestamp', async () => {
    s.h.platform.faults.set('scores', { kind: 'slow', ms: 800 }, 1);
    await s.services.publishScore(s.launch, done);
    await new Promise((resolve) => setTimeout(resolve, 500)); // the slow first attempt lands late
    const log = s.h.platform.ags.scoreLog;
    assert.equal(log.length, 2, 'both attempts reached the platform');
    assert.equal(log[0].timestamp, log[1].timestamp);
    assert.equal(s.h.platform.ags.gradebook().length, 1, 'one grade: the repeat is harmless');
  });

  it('never repeats a line item create after a 5xx', async () => {
    s.h.platform.faults.set('lineitems', { kind: 'error', status: 502 });
    const err = await expectError(s.services.createLineItem(s.launch, { label: 'Once', scoreMaximum: 1 }), ServiceUnavailableError);
    assert.equal(err.platformStatus, 502);
    assert.equal(s.h.platform.faults.requests.lineitems, 1);
  });

  it('a hanging platform: ServiceTimeoutError within the deadline, bounded attempts', async function () {
    this.timeout(10_000);
    s.h.platform.faults.set('memberships', { kind: 'hang' });
    const started = Date.now();
    const err = await expectError(drain(s.services.members(s.launch)), ServiceTimeoutError);
    assert.equal(err.status, 504);
    assert.equal(s.h.platform.faults.requests.memberships, 3);
    assert.ok(Date.now() - started < 8_000);
  });

  it('a slow answer within the timeout is fine; past it, a timeout is retried and can succeed', async () => {
    s.h.platform.faults.set('lineitem', { kind: 'slow', ms: 100 });
    await s.services.getLineItem(s.launch);
    s.h.platform.faults.set('lineitem', { kind: 'hang' }, 1);
    await s.services.getLineItem(s.launch);
    assert.equal(s.h.platform.faults.requests.lineitem, 3);
  });

  it('junk instead of JSON: ServiceBadResponseError, not retried', async () => {
    s.h.platform.faults.set('memberships', { kind: 'junk' });
    const err = await expectError(drain(s.services.members(s.launch)), ServiceBadResponseError);
    assert.equal(err.status, 502);
    assert.equal(err.platformStatus, 200);
    assert.match(err.bodyExcerpt!, /oops/);
    s.h.platform.faults.set('lineitems', { kind: 'junk' });
    await expectError(s.services.listLineItems(s.launch), ServiceBadResponseError);
    assert.equal(s.h.platform.faults.requests.lineitems, 1);
  });

  it('a next link that loops: ServiceBadResponseError (line items, results, members)', async () => {
    s.h.platform.faults.set('lineitems', { kind: 'loop' });
    const err = await expectError(s.services.listLineItems(s.launch), ServiceBadResponseError);
    assert.match(err.message, /loop/);
    assert.equal(s.h.platform.faults.requests.lineitems, 1);
    s.h.platform.faults.set('results', { kind: 'loop' });
    await expectError(s.services.getResults(s.launch), ServiceBadResponseError);
    s.h.platform.faults.set('memberships', { kind: 'loop' });
    await expectError(drain(s.services.members(s.launch)), ServiceBadResponseError);
  });

  it('more pages than maxPages: ServiceBadResponseError', async () => {
    const capped = await createServiceHarness({ maxPages: 3 });
    try {
      capped.h.platform.nrps.roster = makeRoster(100);
      await expectError(drain(capped.services.members(capped.launch, { limit: 10 })), ServiceBadResponseError);
      assert.equal(capped.h.platform.faults.requests.memberships, 3);
    } finally {
      await capped.close();
    }
  });

  it('an oversized answer: ServiceBadResponseError, not buffered', async () => {
    s.h.platform.faults.set('lineitems', { kind: 'oversized', bytes: 5 * 1024 * 1024 });
    const err = await expectError(s.services.listLineItems(s.launch), ServiceBadResponseError);
    assert.match(err.message, /larger than 65536 bytes/);
  });

  it('a platform that echoes the token in its error body: the excerpt has it removed', async () => {
    s.h.platform.faults.set('scores', { kind: 'echo', status: 400 });
    const err = await expectError(s.services.publishScore(s.launch, done), ServiceRequestRejectedError);
    assert.equal(err.platformStatus, 400);
    assert.match(err.bodyExcerpt!, /removed/);
    assert.equal(s.h.platform.faults.requests.scores, 1, 'a 4xx is not retried');
  });

  it('a platform that is down: ServiceUnavailableError after bounded retries', async () => {
    const launch = { ...s.launch, ags: { ...s.launch.ags!, lineitem: 'http://127.0.0.1:9/ags/lineitems/1' } };
    const err = await expectError(s.services.publishScore(launch, done), ServiceUnavailableError);
    assert.equal(err.platformStatus, undefined);
  });
});

describe('service calls and the token endpoint', () => {
  let s: ServiceHarness;
  beforeEach(async () => {
    s = await createServiceHarness({ timeoutMs: 500, retries: 1, retryBaseMs: 10 });
  });
  afterEach(async () => {
    await s.close();
  });

  it('a token endpoint that is down, slow, or answers junk: typed errors, no hang, no service request', async function () {
    this.timeout(15_000);
    const tokenModes = ['down', 'slow', 'junk', 'error', 'server-error'] as const;
    for (const mode of tokenModes) {
      s.h.platform.tokenMode = mode;
      const started = Date.now();
      await assert.rejects(s.services.publishScore(s.launch, done), (err: LtiServiceError) => {
        assert.ok(err instanceof LtiServiceError, `${mode}: ${String(err)}`);
        assert.ok(err.status >= 400 && err.status < 600);
        const text = `${err.message} ${err.bodyExcerpt ?? ''} ${JSON.stringify(err)}`;
        assert.ok(!/eyJ[\w-]+\.[\w-]+/.test(text), `${mode}: no assertion or token in the error`);
        return true;
      });
      assert.ok(Date.now() - started < 5_000, `${mode}: bounded`);
    }
    assert.equal(s.serviceRequests(), 0);
    s.h.platform.tokenMode = 'ok';
    await s.services.publishScore(s.launch, done);
    assert.equal(s.h.platform.ags.gradebook().length, 1, 'recovers once the endpoint is back');
  });

  it('50 concurrent score posts make one token request, for the score scope only', async () => {
    await Promise.all(Array.from({ length: 50 }, (_, i) => s.services.publishScore(s.launch, { ...done, userId: `u${i}` })));
    assert.equal(s.tokenRequests(), 1);
    assert.deepEqual(s.h.platform.assertions.map((a) => a.scope), ['https://purl.imsglobal.org/spec/lti-ags/scope/score']);
    assert.equal(s.h.platform.ags.scoresReceived, 50);
  });

  it('a lowercase "bearer" token type (Blackboard) works for service calls', async () => {
    s.h.platform.tokenMode = 'lowercase-bearer';
    assert.equal((await s.services.listLineItems(s.launch)).length, 1);
  });
});

describe('Link and Retry-After parsing', () => {
  it('parses Link headers properly', () => {
    const header = '<https://lms.test/a?x=1,2>; rel="prev", <https://lms.test/b?p=2>; title="a, b"; rel="next last", </c>; REL=differences';
    assert.deepEqual(parseLinkHeader(header).map((l) => [l.uri, l.rels]), [
      ['https://lms.test/a?x=1,2', ['prev']],
      ['https://lms.test/b?p=2', ['next', 'last']],
      ['/c', ['differences']],
    ]);
    assert.equal(findLink(header, 'next', 'https://lms.test/'), 'https://lms.test/b?p=2');
    assert.equal(findLink(header, 'DIFFERENCES', 'https://lms.test/x/y'), 'https://lms.test/c');
    assert.equal(findLink('<https://lms.test/n>; rel=next', 'next', 'https://lms.test/'), 'https://lms.test/n');
    assert.equal(findLink(undefined, 'next', 'https://lms.test/'), undefined);
    assert.equal(findLink('garbage', 'next', 'https://lms.test/'), undefined);
    assert.equal(findLink('<https://lms.test/a>; rel="nextish"', 'next', 'https://lms.test/'), undefined);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    assert.equal(retryAfterMs('2'), 2000);
    assert.equal(retryAfterMs(new Date(Date.now() + 5000).toUTCString(), Date.now()) ! > 3000, true);
    assert.equal(retryAfterMs('soon'), undefined);
    assert.equal(retryAfterMs(null), undefined);
  });
});

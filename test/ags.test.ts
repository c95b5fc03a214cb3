import assert from 'node:assert/strict';
import knex from 'knex';
import request from 'supertest';
import { createServiceHarness, type ServiceHarness } from './helpers/services';
import { TEST_KEY_SECRET, fullLaunch } from './helpers/harness';
import {
  AGS_SCOPE,
  ConfigurationError,
  ServiceBadResponseError,
  StorageUnavailableError,
  createKnexStore,
  ltiServices,
  InvalidLineItemError,
  InvalidScoreError,
  InvalidServiceLaunchError,
  LineItemMissingError,
  MEDIA_TYPE,
  ScopeNotGrantedError,
  type LtiServiceLaunch,
  type Score,
} from '../lib';

const done: Score = { userId: 'user-learner-1', scoreGiven: 7, scoreMaximum: 10, activityProgress: 'Completed', gradingProgress: 'FullyGraded' };

describe('AGS 2.0 against the dev platform', () => {
  let s: ServiceHarness;
  beforeEach(async () => {
    s = await createServiceHarness();
  });
  afterEach(async () => {
    await s.close();
  });

  it('lists every line item across pages, with filters', async () => {
    for (let i = 0; i < 25; i++) s.h.platform.ags.add({ label: `Item ${i}`, scoreMaximum: 10, tag: i % 2 ? 'odd' : 'even', resourceId: `res-${i}` });
    const all = await s.services.listLineItems(s.launch, { limit: 10 });
    assert.equal(all.length, 26); // 25 + the resource link's own
    assert.equal(new Set(all.map((i) => i.id)).size, 26);
    assert.equal(s.h.platform.faults.requests.lineitems, 3);
    const odd = await s.services.listLineItems(s.launch, { tag: 'odd', limit: 5 });
    assert.equal(odd.length, 12);
    assert.ok(odd.every((i) => i.tag === 'odd'));
    assert.deepEqual((await s.services.listLineItems(s.launch, { resourceId: 'res-3' })).map((i) => i.label), ['Item 3']);
    assert.deepEqual((await s.services.listLineItems(s.launch, { resourceLinkId: 'resource-link-1' })).map((i) => i.tag), ['coupled']);
  });

  it('creates, gets, updates and deletes a line item', async () => {
    const item = await s.services.createLineItem(s.launch, { label: 'Quiz 1', scoreMaximum: 10, tag: 'quiz' });
    assert.match(item.id!, /\/lineitems\/\d+\?context=course-101$/);
    assert.equal((await s.services.getLineItem(s.launch, item.id)).label, 'Quiz 1');
    const updated = await s.services.updateLineItem(s.launch, item.id!, { ...item, label: 'Quiz 1 (final)' });
    assert.equal(updated.label, 'Quiz 1 (final)');
    assert.equal((await s.services.getLineItem(s.launch, item.id)).label, 'Quiz 1 (final)');
    await s.services.deleteLineItem(s.launch, item.id!);
    await assert.rejects(s.services.getLineItem(s.launch, item.id), (err: LineItemMissingError) => err instanceof LineItemMissingError && err.status === 404 && err.platformStatus === 404);
    // Without an id, update and delete never fall back to the launch's own line item.
    await assert.rejects(s.services.deleteLineItem(s.launch, undefined as unknown as string), LineItemMissingError);
    assert.equal(s.h.platform.ags.lineItems.size, 1);
  });

  it('gets the launch\'s own line item when none is given', async () => {
    const item = await s.services.getLineItem(s.launch);
    assert.equal(item.id, s.launch.ags!.lineitem);
  });

  it('publishes a score to {lineitem}/scores, keeping the line item URL\'s query string', async () => {
    assert.match(s.launch.ags!.lineitem!, /\?context=course-101$/);
    await s.services.publishScore(s.launch, { ...done, comment: 'well done' });
    const rows = s.h.platform.ags.gradebook();
    assert.equal(rows.length, 1);
    assert.equal(rows[0].scoreGiven, 7);
    assert.match(rows[0].timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // The platform refuses the scores URL without the query string: the rule is really exercised.
    const token = s.h.platform.issueAccessToken([AGS_SCOPE.score]).token;
    const bare = s.launch.ags!.lineitem!.replace(/\?.*$/, '/scores');
    const res = await fetch(bare, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': MEDIA_TYPE.score }, body: JSON.stringify({ ...done, timestamp: new Date().toISOString() }) });
    assert.equal(res.status, 404);
  });

  it('publishes to a given line item, keeps a given timestamp with its offset, and accepts a Date', async () => {
    const item = await s.services.createLineItem(s.launch, { label: 'Essay', scoreMaximum: 20 });
    await s.services.publishScore(s.launch, { ...done, timestamp: '2026-11-27T10:00:00.123+02:00' }, { lineItem: item.id });
    const n = Number(/\/(\d+)\?/.exec(item.id!)![1]);
    assert.equal(s.h.platform.ags.scores.get(n)!.get(done.userId)!.timestamp, '2026-11-27T10:00:00.123+02:00');
    await s.services.publishScore(s.launch, { ...done, scoreGiven: 9, timestamp: new Date('2026-11-27T09:00:00.456Z') }, { lineItem: item.id });
    assert.equal(s.h.platform.ags.scores.get(n)!.get(done.userId)!.scoreGiven, 9);
  });

  it('reads every result across pages, and one user\'s', async () => {
    const item = await s.services.createLineItem(s.launch, { label: 'Lab', scoreMaximum: 50 });
    for (let i = 0; i < 23; i++) await s.services.publishScore(s.launch, { ...done, userId: `u${i}`, scoreGiven: i % 10 }, { lineItem: item.id });
    const before = s.h.platform.faults.requests.results;
    const results = await s.services.getResults(s.launch, { lineItem: item.id, limit: 10 });
    assert.equal(results.length, 23);
    assert.equal(s.h.platform.faults.requests.results - before, 3);
    assert.ok(results.every((r) => r.scoreOf === item.id && r.resultMaximum === 50));
    const one = await s.services.getResults(s.launch, { lineItem: item.id, userId: 'u7' });
    assert.deepEqual(one.map((r) => [r.userId, r.resultScore]), [['u7', 35]]);
  });

  it('sends the exact media types: the platform refuses any other', async () => {
    await s.services.listLineItems(s.launch);
    const item = await s.services.createLineItem(s.launch, { label: 'M', scoreMaximum: 1 });
    await s.services.updateLineItem(s.launch, item.id!, { ...item, label: 'M2' });
    await s.services.publishScore(s.launch, done, { lineItem: item.id });
    await s.services.getResults(s.launch, { lineItem: item.id });
    const token = s.h.platform.issueAccessToken(Object.values(AGS_SCOPE)).token;
    const auth = { authorization: `Bearer ${token}` };
    const plainJson = await fetch(s.launch.ags!.lineitems!, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ label: 'x', scoreMaximum: 1 }) });
    assert.equal(plainJson.status, 415);
    const wrongAccept = await fetch(s.launch.ags!.lineitems!, { headers: { ...auth, accept: 'application/json' } });
    assert.equal(wrongAccept.status, 406);
    const scoreAsJson = await fetch(item.id!.replace('?', '/scores?'), { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(scoreAsJson.status, 415);
  });

  it('checks a score before any request (enums, scoreMaximum, negatives, timestamp, userId)', async () => {
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ activityProgress: 'Done' }, 'activityProgress'],
      [{ gradingProgress: 'Graded' }, 'gradingProgress'],
      [{ scoreMaximum: undefined }, 'scoreMaximum'],
      [{ scoreGiven: -1 }, 'scoreGiven'],
      [{ scoreGiven: Number.NaN }, 'scoreGiven'],
      [{ scoreMaximum: 0 }, 'scoreMaximum'],
      [{ userId: '' }, 'userId'],
      [{ timestamp: '2026-11-27T10:00:00Z' }, 'timestamp'],
      [{ timestamp: '2026-11-27T10:00:00.000' }, 'timestamp'],
      [{ comment: 5 }, 'comment'],
    ];
    for (const [change, field] of bad) {
      await assert.rejects(s.services.publishScore(s.launch, { ...done, ...change } as Score), (err: InvalidScoreError) => {
        assert.ok(err instanceof InvalidScoreError, String(err));
        assert.equal(err.field, field);
        assert.equal(err.status, 400);
        assert.equal(err.code, 'invalid_score');
        return true;
      });
    }
    await assert.rejects(s.services.createLineItem(s.launch, { label: '', scoreMaximum: 10 }), InvalidLineItemError);
    await assert.rejects(s.services.createLineItem(s.launch, { label: 'x', scoreMaximum: -1 }), InvalidLineItemError);
    assert.equal(s.serviceRequests(), 0);
    assert.equal(s.tokenRequests(), 0);
  });

  it('refuses a call whose scope the launch does not grant, before any request', async () => {
    const scoreOnly: LtiServiceLaunch = { ...s.launch, ags: { ...s.launch.ags!, scope: [AGS_SCOPE.score] } };
    await assert.rejects(s.services.listLineItems(scoreOnly), (err: ScopeNotGrantedError) => err instanceof ScopeNotGrantedError && err.scope === AGS_SCOPE.lineItemReadonly && err.status === 403);
    await assert.rejects(s.services.createLineItem(scoreOnly, { label: 'x', scoreMaximum: 1 }), ScopeNotGrantedError);
    await assert.rejects(s.services.getResults(scoreOnly), ScopeNotGrantedError);
    const readOnly: LtiServiceLaunch = { ...s.launch, ags: { ...s.launch.ags!, scope: [AGS_SCOPE.lineItemReadonly] } };
    await assert.rejects(s.services.publishScore(readOnly, done), ScopeNotGrantedError);
    await assert.rejects(s.services.deleteLineItem(readOnly, s.launch.ags!.lineitem!), ScopeNotGrantedError);
    await assert.rejects(s.services.publishScore({ ...s.launch, ags: undefined }, done), ScopeNotGrantedError);
    assert.equal(s.serviceRequests(), 0);
    assert.equal(s.tokenRequests(), 0);
  });

  it('asks for tokens of exactly the scope each call needs (least privilege)', async () => {
    await s.services.listLineItems(s.launch);
    await s.services.publishScore(s.launch, done);
    await s.services.getResults(s.launch);
    const item = await s.services.createLineItem(s.launch, { label: 'x', scoreMaximum: 1 });
    await s.services.deleteLineItem(s.launch, item.id!);
    const scopes = [...s.h.platform.accessTokens.values()].map((t) => t.scopes);
    assert.ok(scopes.every((list) => list.length === 1), JSON.stringify(scopes));
    assert.deepEqual(new Set(scopes.map((l) => l[0])), new Set([AGS_SCOPE.lineItemReadonly, AGS_SCOPE.score, AGS_SCOPE.resultReadonly, AGS_SCOPE.lineItem]));
    // With only the read-write scope granted, reading uses it.
    const before = s.h.platform.accessTokens.size;
    await s.services.listLineItems({ ...s.launch, ags: { ...s.launch.ags!, scope: [AGS_SCOPE.lineItem] } });
    assert.equal(s.h.platform.accessTokens.size, before, 'the cached lineitem token is reused');
  });

  it('needs a line item: none given and none in the claim is a 400 before any request', async () => {
    const noItem: LtiServiceLaunch = { ...s.launch, ags: { ...s.launch.ags!, lineitem: undefined } };
    await assert.rejects(s.services.publishScore(noItem, done), (err: LineItemMissingError) => err instanceof LineItemMissingError && err.status === 400);
    await assert.rejects(s.services.getResults(noItem), LineItemMissingError);
    assert.equal(s.serviceRequests(), 0);
  });

  it('refuses unusable launches: unknown registration, no registration id, insecure or foreign line item URL', async () => {
    await assert.rejects(s.services.publishScore({ ...s.launch, registrationId: '00000000-0000-4000-8000-000000000000' }, done), InvalidServiceLaunchError);
    await assert.rejects(s.services.publishScore({ ...s.launch, registrationId: 'not-a-uuid' }, done), InvalidServiceLaunchError);
    await assert.rejects(s.services.publishScore({ ...s.launch, registrationId: undefined as unknown as string }, done), InvalidServiceLaunchError);
    await assert.rejects(s.services.publishScore(undefined as unknown as LtiServiceLaunch, done), InvalidServiceLaunchError);
    await assert.rejects(s.services.publishScore(s.launch, done, { lineItem: 'http://lms.example.com/items/1' }), InvalidServiceLaunchError);
    // A line item URL on another origin (say, from user input) never gets the token.
    for (const foreign of ['https://attacker.example/ags/lineitems/1', 'http://127.0.0.1:9/ags/lineitems/1', 'not a url']) {
      await assert.rejects(s.services.publishScore(s.launch, done, { lineItem: foreign }), InvalidServiceLaunchError);
      await assert.rejects(s.services.getResults(s.launch, { lineItem: foreign }), InvalidServiceLaunchError);
      await assert.rejects(s.services.getLineItem(s.launch, foreign), InvalidServiceLaunchError);
      await assert.rejects(s.services.updateLineItem(s.launch, foreign, { label: 'x', scoreMaximum: 1 }), InvalidServiceLaunchError);
      await assert.rejects(s.services.deleteLineItem(s.launch, foreign), InvalidServiceLaunchError);
    }
    assert.equal(s.serviceRequests(), 0);
  });
});

describe('Saved launches (req.session.lti, req.lti)', () => {
  let s: ServiceHarness;
  afterEach(async () => {
    await s.close();
  });

  it('req.session.lti carries what a background job needs to publish a score', async () => {
    s = await createServiceHarness({}, { launch: { autoCreateDeployments: true } });
    const agent = request.agent(s.h.app);
    assert.equal((await fullLaunch(s.h, agent, 'learner')).status, 200);
    const me = await agent.get('/me').expect(200);
    const saved = JSON.parse(JSON.stringify(me.body.lti)) as LtiServiceLaunch & { userId: string };
    assert.equal(saved.registrationId, s.h.registration.id);
    assert.equal(saved.deploymentId, s.h.platform.deploymentId);
    assert.deepEqual(saved.ags!.scope.length, 4);
    assert.equal(saved.nrps!.context_memberships_url, s.h.platform.nrps.membershipsUrl);
    // Later, with no request at all: a job publishes the learner's score.
    await s.services.publishScore(saved, { ...done, userId: saved.userId });
    assert.deepEqual(s.h.platform.ags.gradebook().map((r) => [r.userId, r.scoreGiven]), [['user-learner-1', 7]]);
  });

  it('req.lti is accepted directly during the launch', async () => {
    let published: unknown;
    s = await createServiceHarness({}, {
      launch: { autoCreateDeployments: true },
      afterLaunch: (req, _res, next) => {
        s.services.publishScore(req.lti, { ...done, userId: req.lti.user.id! }).then(() => { published = true; next(); }, next);
      },
    });
    assert.equal((await fullLaunch(s.h, request.agent(s.h.app), 'learner')).status, 200);
    assert.equal(published, true);
    assert.equal(s.h.platform.ags.gradebook().length, 1);
  });
});

describe('ltiServices configuration and store failures', () => {
  it('refuses a store without findRegistrationById, and no tokens without a tool key source', () => {
    assert.throws(() => ltiServices({ store: {} as never }), ConfigurationError);
    assert.throws(() => ltiServices({ store: { findRegistrationById: async () => undefined } }), ConfigurationError);
  });

  it('a store that cannot be reached is a 503 storage_unavailable, not a crash', async () => {
    const db = knex({ client: 'pg', connection: 'postgres://postgres:postgres@127.0.0.1:9/none', acquireConnectionTimeout: 1_000, log: { warn() {}, error() {}, deprecate() {}, debug() {} } });
    try {
      const services = ltiServices({ store: createKnexStore(db, { keySecret: TEST_KEY_SECRET }) });
      await assert.rejects(
        services.publishScore({ registrationId: '00000000-0000-4000-8000-000000000000', deploymentId: 'd' }, done),
        (err: StorageUnavailableError) => err instanceof StorageUnavailableError && err.status === 503,
      );
    } finally {
      await db.destroy();
    }
  });

  it('caps the items collected by listLineItems (maxItems)', async () => {
    const s = await createServiceHarness({ maxItems: 15 });
    try {
      for (let i = 0; i < 30; i++) s.h.platform.ags.add({ label: `Item ${i}`, scoreMaximum: 1 });
      await assert.rejects(s.services.listLineItems(s.launch, { limit: 10 }), ServiceBadResponseError);
      assert.equal(s.h.platform.faults.requests.lineitems, 2);
    } finally {
      await s.close();
    }
  });

  it('the dev platform shows published scores on its gradebook page', async () => {
    const s = await createServiceHarness();
    try {
      await s.services.publishScore(s.launch, { ...done, userId: '<script>x</script>' });
      const html = await (await fetch(`${s.h.platform.url}/gradebook`)).text();
      assert.match(html, /Week 1 quiz<\/td><td>&#60;script&#62;x&#60;\/script&#62;<\/td><td>7 \/ 10/);
    } finally {
      await s.close();
    }
  });
});

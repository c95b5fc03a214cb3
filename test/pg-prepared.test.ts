/** The store's launch statements as named prepared statements on knex's pooled connections. */
import assert from 'node:assert/strict';
import knex, { type Knex } from 'knex';
import { createKnexStore, type KnexStore, type LoginRecord, type Registration } from '../lib';
import { resetTables } from './helpers/harness';

describe('knex store: prepared launch statements', () => {
  let db: Knex;
  let store: KnexStore;
  let reg: Registration;
  const login = (state: string): LoginRecord => ({
    state,
    bindingHash: `hash-${state}`,
    registrationId: reg.id,
    issuer: reg.issuer,
    clientId: reg.clientId,
    nonce: `nonce-${state}`,
    targetLinkUri: 'https://tool.test/lti/launch',
    expiresAt: Date.now() + 60_000,
  });

  beforeEach(async () => {
    // One connection: every call below shares it, so its prepared statements are visible.
    db = knex({ client: 'pg', connection: process.env.DATABASE_URL, pool: { min: 0, max: 1 }, acquireConnectionTimeout: 3_000 });
    await resetTables(db);
    store = createKnexStore(db);
    reg = await store.registerPlatform({ issuer: 'https://lms.test', clientId: 'c', authEndpoint: 'https://lms.test/auth', jwksUrl: 'https://lms.test/jwks' });
  });
  afterEach(() => db.destroy());

  it('prepares the login insert and take once per connection and reuses them', async () => {
    for (let i = 0; i < 3; i++) {
      await store.saveLogin(login(`s${i}`));
      const taken = await store.takeLogin(`s${i}`, `hash-s${i}`);
      assert.equal(taken?.nonce, `nonce-s${i}`);
      assert.equal(taken?.issuer, 'https://lms.test');
    }
    const rows = (await db.raw(`select name from pg_prepared_statements order by name`)).rows as { name: string }[];
    assert.deepEqual(
      rows.map((r) => r.name),
      ['express_lti_save_login_v1', 'express_lti_take_login_v1'],
    );
  });

  it('gives the connection back to the pool when a statement fails', async () => {
    await store.saveLogin(login('dup'));
    await assert.rejects(store.saveLogin(login('dup')), /duplicate key|unique/);
    // The only connection is free again: this would time out otherwise.
    await store.saveLogin(login('next'));
    assert.equal((await store.takeLogin('next', 'hash-next'))?.nonce, 'nonce-next');
  });
});

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import { createKnexStore, migrationsDirectory, type KnexStore, type LoginRecord, type Registration } from '../lib';
import { resetTables } from './helpers/harness';

const platform = {
  issuer: 'https://lms.test',
  clientId: 'client-1',
  authEndpoint: 'https://lms.test/auth',
  jwksUrl: 'https://lms.test/jwks',
  tokenEndpoint: 'https://lms.test/token',
  name: 'Test LMS',
};

describe('knex store', () => {
  let db: Knex;
  let store: KnexStore;
  beforeEach(async () => {
    db = knex({ client: 'pg', connection: process.env.DATABASE_URL, pool: { min: 0, max: 30 } });
    await resetTables(db);
    store = createKnexStore(db);
  });
  afterEach(() => db.destroy());

  it('registers, updates, lists and deletes platforms', async () => {
    const reg = await store.registerPlatform(platform);
    assert.equal(reg.issuer, platform.issuer);
    assert.equal(reg.clientId, platform.clientId);
    assert.match(reg.id, /^[0-9a-f-]{36}$/);
    const updated = await store.registerPlatform({ ...platform, jwksUrl: 'https://lms.test/keys' });
    assert.equal(updated.id, reg.id, 'same issuer + client id updates in place');
    assert.equal(updated.jwksUrl, 'https://lms.test/keys');
    await store.registerPlatform({ ...platform, clientId: 'client-2' });
    assert.equal((await store.listRegistrations()).length, 2);
    assert.equal((await store.findRegistrations(platform.issuer, undefined)).length, 2);
    assert.equal((await store.findRegistrations(platform.issuer, 'client-2')).length, 1);
    assert.equal(await store.deleteRegistration(reg.id), true);
    assert.equal(await store.deleteRegistration(reg.id), false);
    assert.deepEqual(await store.findRegistrations(platform.issuer, platform.clientId), []);
  });

  it('caches found registrations and forgets them when they change', async () => {
    const reg = await store.registerPlatform(platform);
    await store.findRegistrations(platform.issuer, platform.clientId);
    // Changed behind the store's back: the cache still answers until cleared.
    await db('lti_registrations').where({ id: reg.id }).update({ name: 'Renamed' });
    assert.equal((await store.findRegistrations(platform.issuer, platform.clientId))[0].name, 'Test LMS');
    store.clearCache();
    assert.equal((await store.findRegistrations(platform.issuer, platform.clientId))[0].name, 'Renamed');
    // Changed through the store: seen at once.
    await store.registerPlatform({ ...platform, name: 'Again' });
    assert.equal((await store.findRegistrations(platform.issuer, platform.clientId))[0].name, 'Again');
    await store.deleteRegistration(reg.id);
    assert.deepEqual(await store.findRegistrations(platform.issuer, platform.clientId), []);
  });

  it('never caches a miss', async () => {
    assert.deepEqual(await store.findRegistrations(platform.issuer, platform.clientId), []);
    await db('lti_registrations').insert({
      issuer: platform.issuer,
      client_id: platform.clientId,
      auth_endpoint: platform.authEndpoint,
      jwks_url: platform.jwksUrl,
    });
    assert.equal((await store.findRegistrations(platform.issuer, platform.clientId)).length, 1);
  });

  /** A login record for `reg`, expiring in `ttlMs`. */
  const loginOf = (reg: Registration, state: string, hash = `hash-${state}`, ttlMs = 60_000): LoginRecord => ({
    state,
    bindingHash: hash,
    registrationId: reg.id,
    issuer: reg.issuer,
    clientId: reg.clientId,
    nonce: `nonce-${state}`,
    targetLinkUri: 'https://tool.test/lti/launch',
    expiresAt: Date.now() + ttlMs,
  });

  it('takes a login once, even under 50 concurrent attempts', async () => {
    const reg = await store.registerPlatform(platform);
    await store.saveLogin(loginOf(reg, 's-1'));
    const results = await Promise.all(Array.from({ length: 50 }, () => store.takeLogin('s-1', 'hash-s-1')));
    assert.equal(results.filter(Boolean).length, 1);
  });

  it('takes a login only with its binding hash, and returns it whole (expired ones too, once)', async () => {
    const reg = await store.registerPlatform(platform);
    await store.saveLogin({ ...loginOf(reg, 'mine'), deploymentId: 'dep-at-login' });
    await store.saveLogin(loginOf(reg, 'old', 'hash-old', -1_000));
    assert.equal(await store.takeLogin('mine', 'hash-of-another-browser'), undefined);
    assert.equal(await store.takeLogin('never-made', 'hash-mine'), undefined);
    const taken = await store.takeLogin('mine', 'hash-mine');
    assert.deepEqual({ ...taken, expiresAt: undefined }, {
      registrationId: reg.id,
      issuer: reg.issuer,
      clientId: reg.clientId,
      nonce: 'nonce-mine',
      deploymentId: 'dep-at-login',
      targetLinkUri: 'https://tool.test/lti/launch',
      expiresAt: undefined,
    });
    assert.equal(await store.takeLogin('mine', 'hash-mine'), undefined, 'single use');
    const old = await store.takeLogin('old', 'hash-old');
    assert.ok(old && old.expiresAt <= Date.now(), 'an expired login is returned (the launch says state_expired)');
    assert.equal(await store.takeLogin('old', 'hash-old'), undefined, 'and removed');
  });

  it('cleanup deletes only expired logins and returns the count', async () => {
    const reg = await store.registerPlatform(platform);
    for (let i = 0; i < 3; i++) await store.saveLogin(loginOf(reg, `old-${i}`, `h-${i}`, -1_000));
    await store.saveLogin(loginOf(reg, 'live'));
    assert.deepEqual(await store.cleanup(), { loginsDeleted: 3 });
    assert.deepEqual(await store.cleanup(), { loginsDeleted: 0 });
    assert.ok(await store.takeLogin('live', 'hash-live'));
  });

  it('creates a deployment once under 30 concurrent calls, and lists and deletes deployments', async () => {
    const reg = await store.registerPlatform(platform);
    const made = await Promise.all(Array.from({ length: 30 }, () => store.createDeployment(reg, 'dep-1')));
    assert.equal(new Set(made.map((d) => d.id)).size, 1);
    assert.equal((await store.listDeployments(reg.id)).length, 1);
    const found = await store.findDeployment(reg, 'dep-1');
    assert.equal(found?.id, made[0].id);
    assert.equal(await store.findDeployment(reg, 'DEP-1'), undefined, 'deployment ids are case-sensitive');
    const added = await store.addDeployment(reg.id, 'dep-2');
    assert.equal((await store.listDeployments()).length, 2);
    assert.equal(await store.deleteDeployment(added.id), true);
    assert.equal(await store.deleteDeployment(added.id), false);
  });

  it('caches found deployments, never a missing one, and forgets a deleted one', async () => {
    const reg = await store.registerPlatform(platform);
    assert.equal(await store.findDeployment(reg, 'dep-1'), undefined);
    const made = await db('lti_deployments').insert({ registration_id: reg.id, deployment_id: 'dep-1' }).returning('id');
    const found = await store.findDeployment(reg, 'dep-1');
    assert.equal(found?.id, made[0].id, 'the miss was not cached');
    await db('lti_deployments').where({ id: found!.id }).del(); // behind the store's back
    assert.equal((await store.findDeployment(reg, 'dep-1'))?.id, found!.id, 'served from the cache');
    store.clearCache();
    assert.equal(await store.findDeployment(reg, 'dep-1'), undefined);
    const added = await store.addDeployment(reg.id, 'dep-2');
    assert.ok(await store.findDeployment(reg, 'dep-2'));
    await store.deleteDeployment(added.id);
    assert.equal(await store.findDeployment(reg, 'dep-2'), undefined, 'deleting through the store clears the cache');
  });

  it('deleting a registration deletes its deployments and pending logins', async () => {
    const reg = await store.registerPlatform(platform);
    await store.createDeployment(reg, 'dep-1');
    await store.saveLogin(loginOf(reg, 'n'));
    await store.deleteRegistration(reg.id);
    assert.equal((await db('lti_deployments').count<{ c: string }[]>('* as c'))[0].c, '0');
    assert.equal((await db('lti_logins').count<{ c: string }[]>('* as c'))[0].c, '0');
  });
});

describe('migrations', () => {
  it('`npx knex migrate:latest` and `migrate:rollback` work with the root knexfile and DATABASE_URL', async function () {
    this.timeout(60_000);
    const admin = knex({ client: 'pg', connection: process.env.DATABASE_URL });
    const name = `knexcli_${process.pid}_${Date.now()}`;
    await admin.raw(`create database ${name}`);
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `/${name}`;
    const cli = (command: string) =>
      execFileSync(process.execPath, [require.resolve('knex/bin/cli.js'), command, '--knexfile', path.join(__dirname, '..', 'knexfile.js')], {
        env: { ...process.env, DATABASE_URL: url.toString() },
        encoding: 'utf8',
      });
    const db = knex({ client: 'pg', connection: url.toString() });
    try {
      const count = readdirSync(migrationsDirectory).filter((f) => f.endsWith('.js')).length;
      assert.match(cli('migrate:latest'), new RegExp(`Batch 1 run: ${count} migrations`));
      assert.equal((await db('pg_tables').where({ schemaname: 'public' }).whereIn('tablename', ['lti_registrations', 'lti_deployments', 'lti_logins', 'lti_tool_keys', 'session'])).length, 5);
      assert.match(cli('migrate:rollback'), new RegExp(`Batch 1 rolled back: ${count} migrations`));
      assert.equal((await db('pg_tables').where({ schemaname: 'public' }).whereLike('tablename', 'lti_%')).length, 0);
    } finally {
      await db.destroy();
      await admin.raw(`drop database ${name} with (force)`);
      await admin.destroy();
    }
  });


  it('migrate:latest creates every table and migrate:rollback removes them', async () => {
    const admin = knex({ client: 'pg', connection: process.env.DATABASE_URL });
    const name = `migrations_${process.pid}_${Date.now()}`;
    await admin.raw(`create database ${name}`);
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `/${name}`;
    const db = knex({ client: 'pg', connection: url.toString() });
    const tables = async () =>
      (await db('pg_tables').where({ schemaname: 'public' }).pluck('tablename')).filter((t: string) => !t.startsWith('knex_')).sort();
    try {
      await db.migrate.latest({ directory: migrationsDirectory });
      assert.deepEqual(await tables(), ['lti_deployments', 'lti_logins', 'lti_registrations', 'lti_tool_keys', 'session']);
      // The approval migration (the last one) steps down (its columns go) and up again.
      await db.migrate.down({ directory: migrationsDirectory });
      assert.equal(await db.schema.hasColumn('lti_registrations', 'awaiting_approval'), false);
      await db.migrate.up({ directory: migrationsDirectory });
      assert.equal(await db.schema.hasColumn('lti_registrations', 'awaiting_approval'), true);
      // The logins migration steps down to the earlier schema (lti_nonces back) and up again.
      await db.migrate.down({ directory: migrationsDirectory });
      await db.migrate.down({ directory: migrationsDirectory });
      assert.deepEqual(await tables(), ['lti_deployments', 'lti_nonces', 'lti_registrations', 'lti_tool_keys', 'session']);
      await db.migrate.latest({ directory: migrationsDirectory });
      assert.deepEqual(await tables(), ['lti_deployments', 'lti_logins', 'lti_registrations', 'lti_tool_keys', 'session']);
      await db.migrate.rollback({ directory: migrationsDirectory }, true);
      assert.deepEqual(await tables(), []);
      await db.migrate.latest({ directory: migrationsDirectory });
      assert.equal((await tables()).length, 5);
    } finally {
      await db.destroy();
      await admin.raw(`drop database ${name} with (force)`);
      await admin.destroy();
    }
  });
});

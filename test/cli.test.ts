import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, copyFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import { createKnexStore, type KnexStore } from '../lib';
import { TEST_KEY_SECRET, resetTables } from './helpers/harness';

const root = path.resolve(__dirname, '..');
const BIN = path.join(root, 'bin/express-lti.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the command as a process (the built one: `npm test` builds first). */
function cli(args: string[], env: Record<string, string | undefined> = {}, bin = BIN): Promise<Run> {
  return new Promise((resolve) => {
    const childEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, DATABASE_URL: process.env.DATABASE_URL, ...env };
    for (const [k, v] of Object.entries(childEnv)) if (v === undefined) delete childEnv[k];
    execFile(process.execPath, [bin, ...args], { env: childEnv, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('the express-lti command line', function () {
  this.timeout(60_000);
  let db: Knex;
  let store: KnexStore;
  before(() => {
    db = knex({ client: 'pg', connection: process.env.DATABASE_URL, pool: { min: 0, max: 2 } });
    store = createKnexStore(db, { keySecret: TEST_KEY_SECRET });
  });
  beforeEach(async () => {
    await resetTables(db);
    await db('lti_tool_keys').del();
  });
  after(() => db.destroy());

  const add = ['registrations', 'add', '--issuer', 'https://lms.example', '--client-id', 'c-1', '--auth-url', 'https://lms.example/auth',
    '--jwks-url', 'https://lms.example/jwks', '--token-url', 'https://lms.example/token', '--name', 'Example LMS', '--deployment', 'dep-1'];

  it('prints help for the whole command and for each command (exit 0), and exits 2 without a command', async () => {
    const help = await cli(['--help']);
    assert.equal(help.code, 0);
    for (const name of ['registrations list', 'registrations add', 'registrations approve', 'registrations remove', 'deployments list', 'keys rotate', 'cleanup']) {
      assert.match(help.stdout, new RegExp(name));
      const one = await cli([...name.split(' '), '--help']);
      assert.equal(one.code, 0, one.stderr);
      assert.match(one.stdout, new RegExp(`Usage: express-lti ${name}`));
    }
    assert.equal((await cli([])).code, 2);
  });

  it('adds, lists (text and --json) and removes a registration with its deployment', async () => {
    const added = await cli([...add, '--json']);
    assert.equal(added.code, 0, added.stderr);
    const registration = JSON.parse(added.stdout) as { id: string; issuer: string; awaitingApproval: boolean };
    assert.equal(registration.issuer, 'https://lms.example');
    assert.equal(registration.awaitingApproval, false);

    const again = await cli(add);
    assert.equal(again.code, 0);
    assert.equal((await store.listRegistrations()).length, 1, 'the same issuer and client id update, never duplicate');

    const text = await cli(['registrations', 'list']);
    assert.equal(text.code, 0);
    assert.match(text.stdout, new RegExp(`${registration.id}  https://lms\\.example  client_id=c-1  approved  \\(Example LMS\\)`));
    const json = JSON.parse((await cli(['registrations', 'list', '--json'])).stdout) as Array<{ id: string }>;
    assert.deepEqual(json.map((r) => r.id), [registration.id]);

    const deployments = JSON.parse((await cli(['deployments', 'list', '--registration', registration.id, '--json'])).stdout) as Array<{ deploymentId: string }>;
    assert.deepEqual(deployments.map((d) => d.deploymentId), ['dep-1']);
    assert.match((await cli(['deployments', 'list'])).stdout, /deployment_id=dep-1/);

    const removed = await cli(['registrations', 'remove', registration.id]);
    assert.equal(removed.code, 0);
    assert.deepEqual(await store.listRegistrations(), []);
    assert.match((await cli(['registrations', 'list'])).stdout, /No registrations\./);
  });

  it('applies the store URL rules (exit 3) and reports usage errors (exit 2)', async () => {
    const http = await cli(add.map((a) => (a === 'https://lms.example/jwks' ? 'http://lms.example/jwks' : a)));
    assert.equal(http.code, 3, http.stderr);
    assert.match(http.stderr, /jwksUrl must be an https URL/);
    const json = await cli([...add.map((a) => (a === 'https://lms.example/auth' ? 'not a url' : a)), '--json']);
    assert.equal(json.code, 3);
    assert.equal((JSON.parse(json.stderr) as { error: { code: string } }).error.code, 'invalid_value');
    assert.deepEqual(await store.listRegistrations(), []);

    const missing = await cli(['registrations', 'add', '--issuer', 'https://lms.example']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--client-id is required/);
    assert.equal((await cli(['registrations', 'add', '--bogus', 'x'])).code, 2);
    assert.equal((await cli(['registrations', 'approve'])).code, 2);
    assert.equal((await cli(['frobnicate'])).code, 2);
  });

  it('exits 4 for an unknown id, 2 without DATABASE_URL, 1 when the database is unreachable', async () => {
    for (const id of ['0b7a3c1e-1111-4222-8333-944455556666', 'not-a-uuid']) {
      const r = await cli(['registrations', 'approve', id, '--json']);
      assert.equal(r.code, 4);
      assert.equal((JSON.parse(r.stderr) as { error: { code: string } }).error.code, 'not_found');
      assert.equal((await cli(['registrations', 'remove', id])).code, 4);
    }
    const noUrl = await cli(['registrations', 'list'], { DATABASE_URL: undefined });
    assert.equal(noUrl.code, 2);
    assert.match(noUrl.stderr, /DATABASE_URL is not set/);
    const down = await cli(['registrations', 'list'], { DATABASE_URL: 'postgres://nobody:x@127.0.0.1:1/none' });
    assert.equal(down.code, 1);
  });

  it('approves a registration waiting for approval', async () => {
    const waiting = await store.registerPlatform({ issuer: 'https://lms.example', clientId: 'c-2', authEndpoint: 'https://lms.example/auth', jwksUrl: 'https://lms.example/jwks', awaitingApproval: true });
    assert.match((await cli(['registrations', 'list'])).stdout, /AWAITING APPROVAL/);
    const r = await cli(['registrations', 'approve', waiting.id]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Approved: .* approved/);
    const [row] = await store.listRegistrations();
    assert.equal(row.awaitingApproval, false);
  });

  it('rotates the tool keys with LTI_KEY_SECRET (exit 2 without it) and cleans up expired logins', async () => {
    assert.equal((await cli(['keys', 'rotate'])).code, 2);
    const before = await store.signingKey();
    const r = await cli(['keys', 'rotate', '--json'], { LTI_KEY_SECRET: TEST_KEY_SECRET });
    assert.equal(r.code, 0, r.stderr);
    const rotation = JSON.parse(r.stdout) as { current: string; retired: string };
    assert.equal(rotation.retired, before.kid);
    const wrong = await cli(['keys', 'rotate'], { LTI_KEY_SECRET: 'another-secret-0123456789abcdefghijklmnop' });
    assert.equal(wrong.code, 3, 'a secret that cannot read the current key rotates nothing');
    assert.match(wrong.stderr, /cannot be decrypted with this keySecret/);
    const current = (await db('lti_tool_keys').where({ state: 'current' }).first()) as { kid: string };
    assert.equal(current.kid, rotation.current, 'nothing rotated');

    const reg = await store.registerPlatform({ issuer: 'https://lms.example', clientId: 'c-3', authEndpoint: 'https://lms.example/auth', jwksUrl: 'https://lms.example/jwks' });
    await db('lti_logins').insert({ state: 's-old', binding_hash: 'h', registration_id: reg.id, nonce: 'n', target_link_uri: 'https://t', expires_at: new Date(Date.now() - 1000) });
    const cleaned = await cli(['cleanup', '--json']);
    assert.equal(cleaned.code, 0);
    assert.deepEqual(JSON.parse(cleaned.stdout), { loginsDeleted: 1 });
  });

  it('runs from the repository sources when there is no build (through tsx)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'express-lti-bin-'));
    try {
      mkdirSync(path.join(dir, 'bin'));
      copyFileSync(BIN, path.join(dir, 'bin/express-lti.js'));
      for (const name of ['lib', 'node_modules', 'migrations']) symlinkSync(path.join(root, name), path.join(dir, name));
      const r = await cli(['registrations', 'list', '--json'], {}, path.join(dir, 'bin/express-lti.js'));
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

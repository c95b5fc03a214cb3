import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import request from 'supertest';
import knex from 'knex';
import { createKnexStore } from '../lib';
import { DevPlatform } from '../dev/platform';
import { resetTables } from './helpers/harness';

interface Instance {
  child: ChildProcess;
  url: string;
}

function startInstance(): Promise<Instance> {
  const child = fork(path.join(__dirname, 'fixtures', 'app-process.ts'), {
    execArgv: ['--require', 'tsx/cjs'],
    env: { ...process.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve({ child, url: `http://127.0.0.1:${m.port}` }));
    child.once('exit', (code) => reject(new Error(`instance exited with ${code}`)));
  });
}

/** The `name=value` of the first cookie the response sets whose name starts with `prefix`. */
const cookieOf = (res: request.Response, prefix: string) =>
  String((res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith(prefix))).split(';')[0];

describe('two app processes sharing one PostgreSQL', function () {
  this.timeout(60_000);
  let a: Instance;
  let b: Instance;
  let platform: DevPlatform;

  before(async () => {
    const db = knex({ client: 'pg', connection: process.env.DATABASE_URL });
    await resetTables(db);
    platform = await DevPlatform.start();
    await createKnexStore(db).registerPlatform(platform.registration());
    await db.destroy();
    [a, b] = await Promise.all([startInstance(), startInstance()]);
  });
  after(async () => {
    for (const i of [a, b]) i?.child.disconnect();
    await platform.close();
  });

  async function loginOn(instance: Instance) {
    const res = await request(instance.url)
      .get('/lti/login')
      .query({ iss: platform.issuer, login_hint: 'learner', target_link_uri: 'https://tool.test/lti/launch', client_id: platform.clientId })
      .expect(302);
    const { idToken, state } = await platform.authorize(new URL(res.headers.location as string).searchParams);
    return { cookie: cookieOf(res, 'lti_login_'), fields: { id_token: idToken, state } };
  }

  const post = (instance: Instance, cookie: string, fields: Record<string, string>) =>
    request(instance.url).post('/lti/launch').set('Cookie', cookie).set('Accept', 'application/json').type('form').send(fields);

  it('logs in on one process and launches on the other; a replay to either is refused', async () => {
    const { cookie, fields } = await loginOn(a);
    const launched = await post(b, cookie, fields);
    assert.equal(launched.status, 200, launched.text);
    assert.notEqual(launched.body.pid, a.child.pid, 'the launch ran in the other process');
    const newCookie = cookieOf(launched, 'connect.sid');
    const me = await request(a.url).get('/me').set('Cookie', newCookie).expect(200);
    assert.equal(me.body.userId, 'user-learner-1', 'the first process sees the launch in the shared session');

    for (const target of [a, b]) {
      const replay = await post(target, cookie, fields);
      assert.equal(replay.status, 401);
    }
  });

  it('of the same post sent to both processes at once, exactly one launches', async () => {
    const { cookie, fields } = await loginOn(a);
    const results = await Promise.all([a, b, a, b, a, b].map((i) => post(i, cookie, fields)));
    assert.equal(results.filter((r) => r.status === 200).length, 1);
    for (const r of results.filter((x) => x.status !== 200)) {
      assert.equal(r.body.error?.code, 'state_not_found', r.text);
    }
  });
});

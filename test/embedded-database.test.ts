import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { isAlive, removeStaleServers } from '../dev/database';

describe('embedded PostgreSQL', function () {
  this.timeout(90_000);

  it('a server left behind by a SIGKILLed run is stopped and removed by the next start', async () => {
    const env = { ...process.env };
    delete env.DATABASE_URL; // always the embedded server here
    const child = fork(path.join(__dirname, 'fixtures', 'start-embedded.ts'), { execArgv: ['--require', 'tsx/cjs'], env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const { dir } = await new Promise<{ dir: string }>((resolve, reject) => {
      child.once('message', (m: { dir: string }) => resolve(m));
      child.once('exit', (code) => reject(new Error(`fixture exited with ${code}`)));
    });
    const postmaster = Number(fs.readFileSync(path.join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.ok(isAlive(postmaster), 'SIGKILL leaves the postmaster running');

    await removeStaleServers();
    assert.equal(isAlive(postmaster), false, 'the stale server was stopped');
    assert.equal(fs.existsSync(dir), false, 'its folder was removed');
  });
});

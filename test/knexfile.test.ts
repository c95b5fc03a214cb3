import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

describe('knexfile', () => {
  it('without DATABASE_URL, says what to set in one line, with no stack trace', function () {
    this.timeout(30_000);
    const env = { ...process.env };
    delete env.DATABASE_URL;
    const cli = spawnSync(process.execPath, [require.resolve('knex/bin/cli.js'), 'migrate:latest', '--knexfile', path.join(__dirname, '..', 'knexfile.js')], {
      env,
      encoding: 'utf8',
      timeout: 25_000,
    });
    assert.equal(cli.status, 1);
    const lines = cli.stderr.trim().split('\n').filter((line) => line.includes('DATABASE_URL') || /^\s+at /.test(line));
    assert.equal(lines.length, 1, cli.stderr);
    assert.match(lines[0], /set DATABASE_URL/);
  });
});

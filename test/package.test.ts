import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, copyFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..');

/**
 * `npm pack` as a publisher would run it, then the tarball installed into an
 * app of its own — without the network: the app's node_modules links the
 * project's installed dependencies, and express-lti is the unpacked tarball.
 */
describe('the packed package', function () {
  this.timeout(120_000);
  let app: string;
  let files: string[];

  before(async () => {
    app = mkdtempSync(path.join(os.tmpdir(), 'express-lti-pack-'));
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', app], { cwd: root });
    const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    files = packed.files.map((f) => f.path);
    const modules = path.join(app, 'node_modules');
    mkdirSync(path.join(modules, 'express-lti'), { recursive: true });
    await run('tar', ['-xzf', path.join(app, packed.filename), '-C', path.join(modules, 'express-lti'), '--strip-components=1']);
    for (const name of readdirSync(path.join(root, 'node_modules'))) {
      if (name === '.bin' || name === 'express-lti') continue;
      symlinkSync(path.join(root, 'node_modules', name), path.join(modules, name));
    }
    for (const file of ['app.cts', 'app.mts']) copyFileSync(path.join(root, 'test/fixtures/packed-app', file), path.join(app, file));
  });

  after(() => rmSync(app, { recursive: true, force: true }));

  it('ships the built library, its types and migrations, and no tests or sources', () => {
    for (const file of ['dist/lib/index.js', 'dist/lib/index.d.ts', 'package.json', 'README.md']) assert.ok(files.includes(file), file);
    assert.ok(files.some((f) => f.startsWith('migrations/')), 'migrations');
    assert.ok(!files.some((f) => f.startsWith('test/') || f.startsWith('lib/') || f.startsWith('dev/')), files.join(' '));
  });

  it('ships the express-lti command, which runs from the built package', async () => {
    assert.ok(files.includes('bin/express-lti.js'));
    const { stdout } = await run(process.execPath, [path.join(app, 'node_modules/express-lti/bin/express-lti.js'), '--help'], { cwd: app });
    assert.match(stdout, /registrations approve/);
  });

  it('ships source maps that carry their sources', async () => {
    const map = JSON.parse(
      await import('node:fs/promises').then((fs) => fs.readFile(path.join(app, 'node_modules/express-lti/dist/lib/index.js.map'), 'utf8')),
    ) as { sourcesContent?: string[] };
    assert.ok(map.sourcesContent?.[0]?.includes('ltiLogin'));
  });

  it('loads with require() and with import', async () => {
    const cjs = await run(process.execPath, ['-e', "const l = require('express-lti'); console.log(typeof l.ltiLaunch, require('fs').existsSync(l.migrationsDirectory))"], { cwd: app });
    assert.equal(cjs.stdout.trim(), 'function true');
    const esm = await run(process.execPath, ['--input-type=module', '-e', "import { ltiLogin, LtiError } from 'express-lti'; console.log(typeof ltiLogin, typeof LtiError)"], { cwd: app });
    assert.equal(esm.stdout.trim(), 'function function');
  });

  it('type-checks an app using req.lti under --strict, as CommonJS and as ESM', async () => {
    writeFileSync(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', noEmit: true, esModuleInterop: true, skipLibCheck: false, types: ['node'] }, files: ['app.cts', 'app.mts'] }),
    );
    const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
    assert.ok(existsSync(tsc));
    await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app }).catch((err: { stdout?: string }) => {
      assert.fail(`tsc failed:\n${err.stdout ?? String(err)}`);
    });
  });
});

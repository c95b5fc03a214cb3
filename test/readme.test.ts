import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..');

/** The ```ts blocks of the README, in order. */
export function readmeBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

/**
 * A block as a module: its imports and `declare module` blocks at top level,
 * the rest wrapped in an async function for CommonJS (no top-level await
 * there), left at top level for ESM.
 */
export function asModule(block: string, kind: 'cjs' | 'esm'): string {
  const top: string[] = [];
  const body: string[] = [];
  const lines = block.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (/^import\b/.test(lines[i])) {
      while (i < lines.length && !/from '[^']+';\s*$|^import '[^']+';\s*$/.test(lines[i])) top.push(lines[i++]);
      top.push(lines[i]);
    } else if (/^declare module\b/.test(lines[i])) {
      while (i < lines.length && lines[i] !== '}') top.push(lines[i++]);
      top.push(lines[i]);
    } else {
      body.push(lines[i]);
    }
  }
  const head = top.join('\n');
  return kind === 'esm'
    ? `${head}\n${body.join('\n')}\nexport {};\n`
    : `${head}\nexport async function readmeBlock(): Promise<void> {\n${body.join('\n')}\n}\n`;
}

/**
 * Every TypeScript block of the README compiles under --strict, as CommonJS and
 * as ESM, against the built package (resolved by its own name, through the
 * package's exports), so the README cannot drift from the API.
 */
describe('README code', function () {
  this.timeout(120_000);
  const blocks = readmeBlocks(readFileSync(path.join(root, 'README.md'), 'utf8'));
  let dir: string;

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'express-lti-readme-'));
    symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('has TypeScript blocks to check', () => assert.ok(blocks.length >= 3, `found ${blocks.length}`));

  it('type-checks every block under --strict as CommonJS and as ESM', async () => {
    const files: string[] = ['globals.d.ts'];
    copyFileSync(path.join(root, 'test/fixtures/readme/globals.d.ts'), path.join(dir, 'globals.d.ts'));
    blocks.forEach((block, n) => {
      for (const kind of ['cjs', 'esm'] as const) {
        const file = `block-${n + 1}.${kind === 'cjs' ? 'cts' : 'mts'}`;
        writeFileSync(path.join(dir, file), asModule(block, kind));
        files.push(file);
      }
    });
    writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', noEmit: true,
          esModuleInterop: true, skipLibCheck: true, types: ['node'],
          // express-lti by name resolves to this checkout's built package (dist/, through "exports").
          paths: { 'express-lti': [path.join(root, 'dist/lib/index.d.ts')] },
        },
        files,
      }),
    );
    const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
    await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir }).catch((err: { stdout?: string }) => {
      assert.fail(`README blocks do not compile (block-N is the Nth \`\`\`ts block):\n${err.stdout ?? String(err)}`);
    });
  });
});

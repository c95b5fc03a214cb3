// The example app on a real loopback port with the development platform and its page,
// as `npm start` wires them, for click-through tests (the platform fetches the tool's JWKS).
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import knex, { type Knex } from 'knex';
import request from 'supertest';
import { DevPlatform, parseAutoPostForm } from '../../dev/platform';
import { createKnexStore, type KnexStore } from '../../lib';
import { createApp, type ExampleApp } from '../../example-app/app';
import { startDevPlatformPage, type DevPlatformPage } from '../../example-app/dev-platform-page';
import { TEST_KEY_SECRET } from './harness';

export type Agent = ReturnType<typeof request.agent>;

export interface ExampleRig {
  db: Knex;
  store: KnexStore;
  platform: DevPlatform;
  page: DevPlatformPage;
  tool: ExampleApp;
  toolUrl: string;
  /** The development platform page (its launch buttons). */
  pageUrl: string;
  close(): Promise<void>;
}

export async function startExampleRig(): Promise<ExampleRig> {
  const db = knex({ client: 'pg', connection: process.env.DATABASE_URL!, pool: { min: 0, max: 4 } });
  await db.raw('truncate lti_logins, lti_deployments, lti_registrations, session');
  const store = createKnexStore(db, { keySecret: TEST_KEY_SECRET });
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const toolUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const platform = await DevPlatform.start({ toolJwksUrl: `${toolUrl}/lti/jwks` });
  await store.registerPlatform(platform.registration());
  const page = await startDevPlatformPage(platform, toolUrl, [platform.deploymentId, 'dev-deployment-2']);
  const tool = createApp({ databaseUrl: process.env.DATABASE_URL!, toolUrl, store, production: false, sessionSecret: 'test-secret', devPlatformUrl: page.url });
  server.on('request', tool.app);
  return {
    db,
    store,
    platform,
    page,
    tool,
    toolUrl,
    pageUrl: page.url,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await tool.close();
      await page.close();
      await platform.close();
      await db.destroy();
    },
  };
}

/** The hidden fields of the platform page's form whose button reads `label`, for `deploymentId`. */
export function pageForm(html: string, label: string, deploymentId: string): Record<string, string> {
  for (const form of html.matchAll(/<form method="post" action="[^"]*"[^>]*>(.*?)<\/form>/gs)) {
    if (!form[1].includes(`>${label}</button>`)) continue;
    const fields = Object.fromEntries([...form[1].matchAll(/name="([^"]*)" value="([^"]*)"/g)].map((m) => [m[1], m[2].replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&')]));
    if (fields.lti_deployment_id === deploymentId) return fields;
  }
  throw new Error(`no "${label}" form for ${deploymentId}`);
}

/** Click a button of the development platform page: tool login → platform /auth → tool launch. */
export async function clickPlatformButton(
  rig: { toolUrl: string; pageUrl: string },
  agent: Agent,
  label: string,
  deploymentId = 'dev-deployment-1',
): Promise<request.Response> {
  const html = await (await fetch(rig.pageUrl)).text();
  const login = await agent.post('/lti/login').type('form').send(pageForm(html, label, deploymentId)).expect(302);
  const auth = await fetch(login.headers.location as string);
  assert.equal(auth.status, 200);
  const { action, fields } = parseAutoPostForm(await auth.text());
  assert.equal(action, `${rig.toolUrl}/lti/launch`);
  return agent.post('/lti/launch').type('form').send(fields);
}

/** Turn the platform's default deployment on, as its administrator does on first launch. */
export async function activateDeployment(rig: ExampleRig): Promise<void> {
  const agent = request.agent(rig.toolUrl);
  const first = await clickPlatformButton(rig, agent, 'Launch as Administrator');
  assert.equal(first.headers.location, '/onboarding', first.text);
  const page = await agent.get('/onboarding').expect(200);
  await agent.post('/onboarding').type('form').send({ csrf: csrfOf(page.text) }).expect(200);
}

export const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1];

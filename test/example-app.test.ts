import assert from 'node:assert/strict';
import knex, { type Knex } from 'knex';
import request from 'supertest';
import { DevPlatform, PERSONAS, parseAutoPostForm, type Persona } from '../dev/platform';
import { ROLE, createKnexStore, type KnexStore, type Registration } from '../lib';
import { createApp, type ExampleApp } from '../example-app/app';
import { platformPageHtml } from '../example-app/dev-platform-page';
import { readableRoles } from '../example-app/views';
import { TEST_KEY_SECRET } from './helpers/harness';

// As in `npm start`: tool and platform both on 127.0.0.1, so the Lax dev cookie comes back with the launch.
const TOOL = 'http://127.0.0.1:3000';
const PROD_TOOL = 'https://tool.test';
type Agent = ReturnType<typeof request.agent>;

describe('example app', () => {
  let db: Knex;
  let store: KnexStore;
  let platform: DevPlatform;
  let registration: Registration;
  let tool: ExampleApp;

  beforeEach(async () => {
    db = knex({ client: 'pg', connection: process.env.DATABASE_URL!, pool: { min: 0, max: 4 } });
    await db.raw('truncate lti_logins, lti_deployments, lti_registrations, session');
    store = createKnexStore(db, { keySecret: TEST_KEY_SECRET });
    platform = await DevPlatform.start();
    registration = await store.registerPlatform(platform.registration());
    tool = createApp({ databaseUrl: process.env.DATABASE_URL!, toolUrl: TOOL, store, production: false, sessionSecret: 'test-secret' });
  });

  afterEach(async () => {
    await tool.close();
    await platform.close();
    await db.destroy();
  });

  /** Login as the platform page's form does, then the platform's real /auth page, then its auto-post. */
  async function launch(agent: Agent, loginHint: 'instructor' | 'learner' | 'administrator', deploymentId = platform.deploymentId) {
    const login = await agent
      .post('/lti/login')
      .type('form')
      .send({
        iss: platform.issuer,
        login_hint: loginHint,
        target_link_uri: `${TOOL}/lti/launch`,
        client_id: platform.clientId,
        lti_deployment_id: deploymentId,
        lti_message_hint: JSON.stringify({ deploymentId }),
      })
      .expect(302);
    const auth = await fetch(login.headers.location as string);
    assert.equal(auth.status, 200);
    const { action, fields } = parseAutoPostForm(await auth.text());
    assert.equal(action, `${TOOL}/lti/launch`);
    return agent.post('/lti/launch').type('form').send(fields);
  }

  /** A launch whose id_token carries `persona` (the platform's /auth only knows its two personas). */
  async function launchAs(agent: Agent, persona: Persona, deploymentId = platform.deploymentId) {
    const login = await agent
      .get('/lti/login')
      .query({ iss: platform.issuer, login_hint: 'x', target_link_uri: `${TOOL}/lti/launch`, client_id: platform.clientId })
      .expect(302);
    const nonce = new URL(login.headers.location as string).searchParams.get('nonce')!;
    const state = new URL(login.headers.location as string).searchParams.get('state')!;
    const idToken = await platform.sign(platform.launchClaims({ nonce, targetLinkUri: `${TOOL}/lti/launch`, persona, hint: { deploymentId } }));
    return agent.post('/lti/launch').type('form').send({ id_token: idToken, state });
  }

  function assertRedirect(res: request.Response, location: string) {
    assert.equal(res.status, 303, res.text);
    assert.equal(res.headers.location, location);
  }

  const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1];

  async function onboard(agent: Agent) {
    const page = await agent.get('/onboarding').expect(200);
    return agent.post('/onboarding').type('form').send({ csrf: csrfOf(page.text) });
  }

  it('sends the first launch of a new deployment to onboarding, which an institution administrator completes', async () => {
    const agent = request.agent(tool.app);
    const first = await launch(agent, 'administrator');
    assert.equal(first.status, 303, first.text);
    assert.equal(first.headers.location, '/onboarding');

    const page = await agent.get('/onboarding').expect(200);
    assert.match(page.text, new RegExp(platform.deploymentId));
    assert.match(page.text, /Development platform/);
    assert.ok(csrfOf(page.text), 'an administrator gets the activation form');
    assert.deepEqual(await store.listDeployments(), []);

    const done = await agent.post('/onboarding').type('form').send({ csrf: csrfOf(page.text) }).expect(200);
    assert.match(done.text, /launch the tool again/);
    const deployments = await store.listDeployments(registration.id);
    assert.deepEqual(deployments.map((d) => d.deploymentId), [platform.deploymentId]);
    await agent.get('/onboarding').expect(200).expect(/Nothing to activate/);

    const next = await launch(agent, 'instructor');
    assert.equal(next.status, 303, next.text);
    assert.equal(next.headers.location, '/app');
    const app = await agent.get('/app').expect(200);
    for (const text of ['Ada Instructor', 'ada@platform.test', 'Instructor', 'Introduction to LTI', 'LTI 101', 'Week 1 quiz']) {
      assert.ok(app.text.includes(text), `/app shows ${text}`);
    }
  });

  it("refuses a learner's onboarding politely", async () => {
    const agent = request.agent(tool.app);
    assertRedirect(await launch(agent, 'learner'), '/onboarding');
    const page = await agent.get('/onboarding').expect(200);
    assert.match(page.text, /ask your administrator to enable this tool/);
    assert.equal(csrfOf(page.text), undefined, 'no activation form for a learner');
    const refused = await agent.post('/onboarding').type('form').send({ csrf: 'anything' }).expect(403);
    assert.match(refused.text, /Only an administrator can enable this tool/);
    assert.deepEqual(await store.listDeployments(), []);
  });

  it('needs the form token to activate, and has nothing to activate without a launch', async () => {
    const agent = request.agent(tool.app);
    assertRedirect(await launch(agent, 'administrator'), '/onboarding');
    await agent.post('/onboarding').type('form').send({ csrf: 'forged' }).expect(403);
    await request(tool.app).post('/onboarding').type('form').send({ csrf: 'x' }).expect(400).expect(/Nothing to activate/);
    assert.deepEqual(await store.listDeployments(), []);
  });

  it('treats each deployment separately', async () => {
    const agent = request.agent(tool.app);
    assertRedirect(await launch(agent, 'administrator'), '/onboarding');
    assert.equal((await onboard(agent)).status, 200);
    assertRedirect(await launch(agent, 'learner'), '/app');
    assertRedirect(await launch(agent, 'learner', 'dev-deployment-2'), '/onboarding');
  });

  it("escapes the user's name on /app", async () => {
    const agent = request.agent(tool.app);
    assertRedirect(await launch(agent, 'administrator'), '/onboarding');
    assert.equal((await onboard(agent)).status, 200);
    const evil: Persona = { ...PERSONAS.instructor, name: '<script>alert("x")</script> & Co' };
    assertRedirect(await launchAs(agent, evil), '/app');
    const app = await agent.get('/app').expect(200);
    assert.ok(app.text.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co'), app.text);
    assert.ok(!app.text.includes('<script>'));
  });

  describe('who may activate a deployment', () => {
    const MEMBERSHIP = 'http://purl.imsglobal.org/vocab/lis/v2/membership';
    const persona = (roles: string[]): Persona => ({ ...PERSONAS.instructor, roles });
    // Course roles, however senior in the course: activating reaches beyond it (account-wide in Canvas).
    const COURSE_ROLES: Array<[string, string[]]> = [
      ['an Instructor', [ROLE.instructor]],
      ['an Instructor (short form)', ['Instructor']],
      ['a teaching assistant', [ROLE.instructor, ROLE.teachingAssistant]],
      ['a grader', [`${MEMBERSHIP}/Instructor#Grader`]],
      ['a guest instructor', [`${MEMBERSHIP}/Instructor#GuestInstructor`]],
      ['a course (context) administrator', [ROLE.contextAdministrator]],
      ['an institution Instructor', ['http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor', ROLE.instructor]],
    ];
    for (const [who, roles] of COURSE_ROLES) {
      it(`refuses to let ${who} activate, with an "ask your administrator" page`, async () => {
        const agent = request.agent(tool.app);
        assertRedirect(await launchAs(agent, persona(roles)), '/onboarding');
        const page = await agent.get('/onboarding').expect(200);
        assert.match(page.text, /ask your administrator to enable this tool/);
        // Even with the session's own form token (were it ever shown), the POST is refused.
        const refused = await agent.post('/onboarding').type('form').send({ csrf: csrfOf(page.text) ?? 'none' });
        assert.equal(refused.status, 403, refused.text);
        assert.match(refused.text, /ask your administrator to enable this tool/);
        assert.deepEqual(await store.listDeployments(), [], 'no deployment activated');
      });
    }

    const ADMINS: Array<[string, string[]]> = [
      ['an institution administrator', [ROLE.institutionAdministrator]],
      ['a system administrator', [ROLE.systemAdministrator]],
      ['a system SysAdmin (Canvas site admin)', ['http://purl.imsglobal.org/vocab/lis/v2/system/person#SysAdmin']],
    ];
    it(`lets ${ADMINS.map(([who]) => who).join(', ')} activate`, async () => {
      for (const [i, [who, roles]] of ADMINS.entries()) {
        const agent = request.agent(tool.app);
        const deploymentId = `deployment-${i}`;
        assertRedirect(await launchAs(agent, persona(roles), deploymentId), '/onboarding');
        assert.equal((await onboard(agent)).status, 200, who);
        assert.ok((await store.listDeployments(registration.id)).some((d) => d.deploymentId === deploymentId), who);
        assertRedirect(await launchAs(agent, PERSONAS.learner, deploymentId), '/app');
      }
    });
  });

  it("publishes the tool's public keys at /lti/jwks", async () => {
    const res = await request(tool.app).get('/lti/jwks').expect(200).expect('cache-control', 'public, max-age=300');
    assert.equal(res.body.keys[0].kid, (await store.signingKey()).kid);
    assert.ok(res.body.keys.every((k: Record<string, unknown>) => k.kty === 'RSA' && !('d' in k)));
  });

  it('answers a visit to /lti/launch (the URL npm start prints) with a 405 page, not "Cannot GET"', async () => {
    const res = await request(tool.app).get('/lti/launch').expect(405).expect('allow', 'POST').expect('content-type', /html/);
    assert.match(res.text, /Open this tool from your course/);
    assert.doesNotMatch(res.text, /Cannot GET/);
  });

  it('shows a friendly page on /app without a launch', async () => {
    const res = await request(tool.app).get('/app').expect(200).expect('content-type', /html/);
    assert.match(res.text, /Launch this tool from your LMS/);
  });

  it('names roles in words', () => {
    assert.equal(readableRoles([ROLE.instructor, ROLE.teachingAssistant, 'Learner']), 'Instructor, Teaching assistant, Learner');
    assert.equal(readableRoles([]), 'No role');
  });

  it("renders the platform page's launch buttons as real OIDC login forms", () => {
    const html = platformPageHtml(platform, 'http://127.0.0.1:3000', ['d-1', 'd-2']);
    assert.match(html, /<title>Development platform<\/title>/);
    assert.equal(html.match(/Launch as Instructor/g)?.length, 2);
    assert.equal(html.match(/Launch as Learner/g)?.length, 2);
    assert.equal(html.match(/Launch as Administrator/g)?.length, 2, 'someone who can activate a deployment');
    assert.match(html, /action="http:\/\/127.0.0.1:3000\/lti\/login"/);
    assert.match(html, /name="lti_message_hint" value="\{&quot;deploymentId&quot;:&quot;d-2&quot;\}"/);
  });

  describe('in production', () => {
    it('sets a SameSite=None; Secure cookie behind an HTTPS proxy', async () => {
      const prod = createApp({ databaseUrl: process.env.DATABASE_URL!, toolUrl: PROD_TOOL, store, production: true, sessionSecret: 'an-example-secret-of-at-least-32-characters' });
      try {
        const res = await request(prod.app)
          .get('/lti/login')
          .set('X-Forwarded-Proto', 'https')
          .query({ iss: platform.issuer, login_hint: 'instructor', target_link_uri: `${PROD_TOOL}/lti/launch`, client_id: platform.clientId })
          .expect(302);
        const cookie = String(res.headers['set-cookie']);
        assert.match(cookie, /SameSite=None/);
        assert.match(cookie, /Secure/);
        assert.match(cookie, /Partitioned/);
      } finally {
        await prod.close();
      }
    });

    it('refuses to start without SESSION_SECRET', () => {
      const saved = process.env.SESSION_SECRET;
      delete process.env.SESSION_SECRET;
      try {
        assert.throws(() => createApp({ databaseUrl: process.env.DATABASE_URL!, toolUrl: TOOL, store, production: true }), /SESSION_SECRET/);
      } finally {
        if (saved !== undefined) process.env.SESSION_SECRET = saved;
      }
    });
  });
});

// The example app's LTI Advantage pages, clicked through against the development platform
// over real HTTP: deep linking, a learner's score in the gradebook, the roster, and failures.
import assert from 'node:assert/strict';
import request from 'supertest';
import { parseAutoPostForm } from '../dev/platform';
import { activateDeployment, clickPlatformButton, csrfOf, startExampleRig, type ExampleRig } from './helpers/example-app';

/** The auto-post form of sendDeepLinkingResponse's page. */
function responseForm(html: string): { action: string; jwt: string } {
  const action = /<form id="lti-deep-linking-response" method="post" action="([^"]+)"/.exec(html)?.[1];
  const jwt = /<input type="hidden" name="JWT" value="([^"]+)"/.exec(html)?.[1];
  assert.ok(action && jwt, html);
  return { action: action.replace(/&amp;/g, '&'), jwt };
}

describe('example app: LTI Advantage click-through', () => {
  let rig: ExampleRig;

  beforeEach(async () => {
    rig = await startExampleRig();
    await activateDeployment(rig);
  });
  afterEach(async () => rig.close());

  describe('deep linking', () => {
    async function openPicker() {
      const agent = request.agent(rig.toolUrl);
      const launched = await clickPlatformButton(rig, agent, 'Add content (Deep Linking) as Instructor');
      assert.equal(launched.status, 303, launched.text);
      assert.equal(launched.headers.location, '/picker');
      const picker = await agent.get('/picker').expect(200);
      return { agent, picker, csrf: csrfOf(picker.text)! };
    }

    it('lets the instructor pick a graded quiz; the platform receives it with its line item', async () => {
      const { agent, picker, csrf } = await openPicker();
      for (const title of ['Week 1 quiz: What is LTI?', 'Week 2 quiz: Grades', 'Practice question (not graded)']) assert.ok(picker.text.includes(title), title);
      const answer = await agent.post('/picker').type('form').send({ csrf, quiz: 'week-2' }).expect(200);
      const { action, jwt } = responseForm(answer.text);
      assert.equal(action, `${rig.platform.url}/deep-link-return`);

      // The browser posts the form to the platform, which verifies it against the tool's JWKS.
      const returned = await fetch(action, { method: 'POST', body: new URLSearchParams({ JWT: jwt }) });
      const html = await returned.text();
      assert.equal(returned.status, 200, html);
      assert.match(html, /Week 2 quiz: Grades/);
      assert.match(html, /Added &#34;Week 2 quiz: Grades&#34;/);
      assert.deepEqual(rig.platform.deepLinkReturn.refusals, []);
      const [item] = rig.platform.deepLinkReturn.items;
      assert.deepEqual(item.lineItem, { scoreMaximum: 10, label: 'Week 2 quiz: Grades', resourceId: 'week-2', tag: 'quiz' });
      assert.equal(item.type, 'ltiResourceLink');
      assert.equal(item.url, `${rig.toolUrl}/lti/launch`);
      assert.deepEqual(item.custom, { quiz: 'week-2' });
      assert.equal(rig.platform.deepLinkReturn.responses[0].data, `add-content:${rig.platform.deploymentId}`, 'data echoed');
      assert.match(html, /Week 2 quiz: Grades .*\(gradebook column, out of 10\)/);
      // "Back to the course" (the platform's root) leads to its page, which lists the new content.
      const back = await fetch(`${rig.platform.url}/`, { redirect: 'manual' });
      assert.equal(back.headers.get('location'), rig.pageUrl);
      assert.match(await (await fetch(rig.pageUrl)).text(), /<li>Week 2 quiz: Grades <span class="note">\(graded, out of 10\)<\/span><\/li>/);

      // One response per request: the picker is spent.
      await agent.post('/picker').type('form').send({ csrf, quiz: 'week-1' }).expect(400).expect(/Nothing to add/);
    });

    it('sends a practice item without a line item, and an empty list on cancel', async () => {
      const first = await openPicker();
      const practice = await first.agent.post('/picker').type('form').send({ csrf: first.csrf, quiz: 'practice' }).expect(200);
      await fetch(responseForm(practice.text).action, { method: 'POST', body: new URLSearchParams({ JWT: responseForm(practice.text).jwt }) });
      assert.equal(rig.platform.deepLinkReturn.items.length, 1);
      assert.equal(rig.platform.deepLinkReturn.items[0].lineItem, undefined);

      const second = await openPicker();
      const cancel = await second.agent.post('/picker').type('form').send({ csrf: second.csrf, cancel: '1' }).expect(200);
      const res = await fetch(responseForm(cancel.text).action, { method: 'POST', body: new URLSearchParams({ JWT: responseForm(cancel.text).jwt }) });
      assert.equal(res.status, 200);
      assert.equal(rig.platform.deepLinkReturn.responses.length, 2);
      assert.deepEqual(rig.platform.deepLinkReturn.responses[1].contentItems, []);
    });

    it('opens the picker only for instructors: a learner\'s deep-linking launch is refused', async () => {
      const agent = request.agent(rig.toolUrl);
      const hint = JSON.stringify({ deploymentId: rig.platform.deploymentId, messageType: 'LtiDeepLinkingRequest' });
      const login = await agent
        .post('/lti/login')
        .type('form')
        .send({ iss: rig.platform.issuer, login_hint: 'learner', target_link_uri: `${rig.toolUrl}/lti/launch`, client_id: rig.platform.clientId, lti_deployment_id: rig.platform.deploymentId, lti_message_hint: hint })
        .expect(302);
      const { fields } = parseAutoPostForm(await (await fetch(login.headers.location as string)).text());
      const launched = await agent.post('/lti/launch').type('form').send(fields);
      assert.equal(launched.status, 403, launched.text);
      assert.match(launched.text, /For instructors only/);
      await agent.get('/picker').expect(400).expect(/Nothing to add/);
    });

    it('refuses a pick without the form token (CSRF), and keeps the request for the real form', async () => {
      const { agent, csrf } = await openPicker();
      const forged = await agent.post('/picker').type('form').send({ csrf: 'x'.repeat(csrf.length), quiz: 'week-1' });
      assert.equal(forged.status, 403);
      assert.doesNotMatch(forged.text, /lti-deep-linking-response/, 'nothing signed');
      await agent.post('/picker').type('form').send({ quiz: 'week-1' }).expect(403);
      // Another browser's token is not this one's.
      const other = await openPicker();
      await agent.post('/picker').type('form').send({ csrf: other.csrf, quiz: 'week-1' }).expect(403);
      await agent.post('/picker').type('form').send({ csrf, quiz: 'nope' }).expect(400);
      const ok = await agent.post('/picker').type('form').send({ csrf, quiz: 'week-1' }).expect(200);
      assert.ok(responseForm(ok.text).jwt);
    });
  });

  describe("a learner's quiz", () => {
    async function learner() {
      const agent = request.agent(rig.toolUrl);
      const launched = await clickPlatformButton(rig, agent, 'Launch as Learner');
      assert.equal(launched.headers.location, '/app', launched.text);
      const app = await agent.get('/app').expect(200);
      return { agent, app, csrf: csrfOf(app.text)! };
    }

    it('posts the score, which appears in the platform gradebook page', async () => {
      const { agent, app, csrf } = await learner();
      assert.match(app.text, /Week 1 quiz: What is LTI\?/);
      assert.ok(app.text.includes(`href="${rig.page.url}"`), 'links back to the development platform');
      assert.doesNotMatch(app.text, /Course roster/, 'not for learners');
      const sent = await agent.post('/quiz').type('form').send({ csrf, quiz: 'week-1', answer: '1' }).expect(200);
      assert.match(sent.text, /Your score was sent/);
      assert.match(sent.text, /10 \/ 10/);
      assert.ok(sent.text.includes(`href="${rig.page.url}gradebook"`), sent.text);

      const rows = rig.platform.ags.gradebook();
      assert.equal(rows.length, 1);
      assert.deepEqual([rows[0].userId, rows[0].scoreGiven, rows[0].scoreMaximum, rows[0].gradingProgress], ['user-learner-1', 10, 10, 'FullyGraded']);
      const gradebook = await (await fetch(`${rig.page.url}gradebook`)).text();
      assert.match(gradebook, /<td>Lin Learner<\/td>/);
      assert.match(gradebook, /<td>10 \/ 10<\/td>/);

      // A wrong answer replaces it with 0 (the latest score wins).
      await agent.post('/quiz').type('form').send({ csrf, quiz: 'week-1', answer: '0' }).expect(200).expect(/0 \/ 10/);
      assert.equal(rig.platform.ags.gradebook()[0].scoreGiven, 0);
    });

    it('refuses a submission without the form token (CSRF) and sends no score', async () => {
      const { agent } = await learner();
      await agent.post('/quiz').type('form').send({ quiz: 'week-1', answer: '1' }).expect(403).expect(/out of date/);
      await agent.post('/quiz').type('form').send({ csrf: 'forged', quiz: 'week-1', answer: '1' }).expect(403);
      await request(rig.toolUrl).post('/quiz').type('form').send({ csrf: 'x', quiz: 'week-1', answer: '1' }).expect(400);
      assert.equal(rig.platform.ags.scoresReceived, 0);
    });

    it('shows a platform failure in plain words with its code, no stack', async () => {
      const { agent, csrf } = await learner();
      rig.platform.faults.set('scores', { kind: 'error', status: 500 });
      const failed = await agent.post('/quiz').type('form').send({ csrf, quiz: 'week-1', answer: '1' });
      assert.equal(failed.status, 503);
      assert.match(failed.text, /Your score was not sent/);
      assert.match(failed.text, /not answering right now/);
      assert.match(failed.text, /<code>service_unavailable<\/code>/);
      assert.doesNotMatch(failed.text, /\n\s+at |Error:|127\.0\.0\.1:\d+\/ags|internal error/, 'no stack, message or platform URL');
      assert.equal(rig.platform.ags.scoresReceived, 0);

      rig.platform.faults.clear();
      await agent.post('/quiz').type('form').send({ csrf, quiz: 'week-1', answer: '1' }).expect(200).expect(/Your score was sent/);
    });
  });

  describe("the instructor's roster", () => {
    const HOSTILE = '<img src=x onerror=alert(1)> "Bobby" & Co';

    async function instructor() {
      const agent = request.agent(rig.toolUrl);
      const launched = await clickPlatformButton(rig, agent, 'Launch as Instructor');
      assert.equal(launched.headers.location, '/app', launched.text);
      return agent;
    }

    it("lists the platform's members, escaped, and the course's line items", async () => {
      rig.platform.nrps.roster.push({ user_id: 'hostile-1', roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'], name: HOSTILE, email: 'x@platform.test' });
      rig.platform.nrps.roster.push({ user_id: 'private-1', roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'] });
      rig.platform.nrps.defaultLimit = 2; // several pages
      const agent = await instructor();
      const app = await agent.get('/app').expect(200);
      assert.match(app.text, /<a href="\/roster">Course roster<\/a>/);
      assert.doesNotMatch(app.text, /Submit my answer/, 'the quiz is for learners');
      const roster = await agent.get('/roster').expect(200);
      for (const name of ['Ada Instructor', 'Lin Learner', 'Ida Administrator', 'name not shared']) assert.ok(roster.text.includes(name), name);
      assert.ok(roster.text.includes('&lt;img src=x onerror=alert(1)&gt; &quot;Bobby&quot; &amp; Co'), roster.text);
      assert.ok(!roster.text.includes('<img'), 'no markup from the platform');
      assert.match(roster.text, /5 member\(s\)/);
      assert.match(roster.text, /<li>Week 1 quiz <span class="note">\(out of 100, tag coupled\)<\/span><\/li>/);
      assert.ok(rig.platform.faults.requests.memberships >= 3, 'every page read');
    });

    it('is for instructors only, and shows a failing platform in plain words', async () => {
      const learnerAgent = request.agent(rig.toolUrl);
      await clickPlatformButton(rig, learnerAgent, 'Launch as Learner');
      await learnerAgent.get('/roster').expect(403).expect(/For instructors only/);
      await request(rig.toolUrl).get('/roster').expect(400).expect(/Launch this tool from your LMS/);

      const agent = await instructor();
      rig.platform.faults.set('memberships', { kind: 'junk' });
      const failed = await agent.get('/roster');
      assert.equal(failed.status, 502);
      assert.match(failed.text, /The roster could not be read/);
      assert.match(failed.text, /<code>service_bad_response<\/code>/);
      assert.doesNotMatch(failed.text, /\n\s+at |oops/);
    });
  });
});

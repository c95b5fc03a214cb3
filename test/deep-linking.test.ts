import assert from 'node:assert/strict';
import request from 'supertest';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import {
  CLAIM,
  DL_CLAIM,
  StorageUnavailableError,
  deepLinkingLaunch,
  sendDeepLinkingResponse,
  type DeepLinkingContentItem,
  type DeepLinkingLaunch,
  type DeepLinkingSettingsClaim,
  type SendDeepLinkingResponseOptions,
} from '../lib';
import type { DeepLinkingReturn } from '../dev/platform-deep-linking';
import { createHarness, postLaunch, startLogin, type Harness } from './helpers/harness';
import { countingKeySource, makeTestKey, parseResponsePage, postJwt, serveJwks } from './helpers/deep-linking';

const QUIZ: DeepLinkingContentItem = {
  type: 'ltiResourceLink',
  title: 'Quiz 1',
  url: 'https://tool.test/lti/launch?quiz=1',
  lineItem: { scoreMaximum: 10, label: 'Quiz 1', resourceId: 'quiz-1', tag: 'quiz', gradesReleased: true },
  custom: { quiz_id: '1' },
};

describe('deep linking: response through the platform', () => {
  let h: Harness;
  let dlReturn: DeepLinkingReturn;
  /** The harness's knex store (tool keys at rest, served by ltiJwks at the platform's toolJwksUrl), counting signatures. */
  let keys: ReturnType<typeof countingKeySource>;
  /** What the tool's launch handler answers; `keepOnly` keeps deepLinkingLaunch(req.lti) in the session instead. */
  let answer: { items: DeepLinkingContentItem[]; options?: Partial<SendDeepLinkingResponseOptions>; keepOnly?: boolean };

  beforeEach(async () => {
    answer = { items: [QUIZ] };
    h = await createHarness({
      launch: { autoCreateDeployments: true },
      afterLaunch: async (req, res) => {
        if (answer.keepOnly) {
          (req.session as unknown as { dl: DeepLinkingLaunch }).dl = deepLinkingLaunch(req.lti);
          res.json({ kept: true });
          return;
        }
        await sendDeepLinkingResponse(res, req.lti, answer.items, { keys, ...answer.options });
      },
    });
    keys = countingKeySource(h.store);
    dlReturn = h.platform.deepLinkReturn;
    assert.equal(h.platform.toolJwksUrl, `${h.toolUrl}/lti/jwks`);
  });
  afterEach(() => h.close());

  /** A real login and LtiDeepLinkingRequest launch (settings merged over the platform's defaults). */
  async function launchDeepLinking(settings: Partial<DeepLinkingSettingsClaim> = {}, messageType = 'LtiDeepLinkingRequest') {
    const agent = request.agent(h.app);
    const { location } = await startLogin(h, agent, { lti_message_hint: JSON.stringify({ messageType, deepLinking: settings }) });
    const { idToken, state } = await h.platform.authorize(location.searchParams);
    return postLaunch(agent, { id_token: idToken, state });
  }

  async function expectOk(launched: ReturnType<typeof launchDeepLinking>) {
    const res = await launched;
    assert.equal(res.status, 200, res.text);
    return res;
  }

  it('answers with a page that posts a signed JWT the platform verifies and stores', async () => {
    const res = await launchDeepLinking();
    assert.equal(res.status, 200, res.text);
    assert.match(res.headers['content-type'], /^text\/html/);
    assert.equal(res.headers['cache-control'], 'no-store');
    const page = parseResponsePage(res.text);
    assert.equal(page.action, `${h.platform.url}/deep-link-return`);
    assert.ok(page.hasSubmitButton, 'a visible submit button: works without JavaScript');
    // The auto-submit script runs under the page's own CSP, by nonce.
    assert.ok(page.scriptNonce);
    assert.equal(res.headers['content-security-policy'], `default-src 'none'; script-src 'nonce-${page.scriptNonce}'; base-uri 'none'`);

    const posted = await postJwt(page.action, page.jwt);
    assert.equal(posted.status, 200, posted.text);
    assert.match(posted.text, /ltiResourceLink: Quiz 1/);
    assert.equal(dlReturn.responses.length, 1);
    assert.deepEqual(dlReturn.items, [
      {
        type: 'ltiResourceLink',
        title: 'Quiz 1',
        url: 'https://tool.test/lti/launch?quiz=1',
        lineItem: { scoreMaximum: 10, label: 'Quiz 1', resourceId: 'quiz-1', tag: 'quiz', gradesReleased: true },
        custom: { quiz_id: '1' },
      },
    ]);
    const claims = dlReturn.responses[0].claims;
    assert.equal(claims.iss, h.platform.clientId);
    assert.equal(claims.aud, h.platform.issuer);
    assert.equal(claims[CLAIM.deploymentId], h.platform.deploymentId);
    assert.equal(claims[CLAIM.messageType], 'LtiDeepLinkingResponse');
    assert.equal(claims[CLAIM.version], '1.3.0');
    assert.equal(claims.exp! - claims.iat!, 300);
    assert.ok(typeof claims.nonce === 'string' && claims.nonce.length >= 43);
    assert.equal(DL_CLAIM.data in claims, false, 'no data claim when the request had none');
  });

  it('signs with the current key (kid in the header); the platform refuses it against another key set', async () => {
    const page = parseResponsePage((await expectOk(launchDeepLinking())).text);
    const current = await h.store.signingKey();
    assert.deepEqual(decodeProtectedHeader(page.jwt), { alg: 'RS256', kid: current.kid, typ: 'JWT' });
    const served = (await (await fetch(h.platform.toolJwksUrl!)).json()) as { keys: Array<{ kid: string }> };
    assert.ok(served.keys.some((k) => k.kid === current.kid), 'the tool JWKS publishes the signing kid');
    // Another key published under the same kid: the signature cannot verify.
    const impostor = await makeTestKey(current.kid);
    const wrong = await serveJwks([impostor.publicJwk]);
    const toolJwksUrl = h.platform.toolJwksUrl;
    try {
      h.platform.toolJwksUrl = wrong.url;
      const refused = await postJwt(page.action, page.jwt);
      assert.equal(refused.status, 400);
      assert.match(refused.text, /does not verify \(ERR_JWS_SIGNATURE_VERIFICATION_FAILED/);
      assert.equal(dlReturn.responses.length, 0);
      // The tool's own key set verifies the very same JWT.
      h.platform.toolJwksUrl = toolJwksUrl;
      assert.equal((await postJwt(page.action, page.jwt)).status, 200);
    } finally {
      await wrong.close();
    }
  });

  it('after a key rotation the next response has the new kid, and the platform verifies both', async () => {
    const before = parseResponsePage((await expectOk(launchDeepLinking())).text);
    const oldKid = decodeProtectedHeader(before.jwt).kid;
    assert.equal((await postJwt(before.action, before.jwt)).status, 200, 'the platform has fetched (and cached) the key set');
    const signedBeforeRotation = parseResponsePage((await expectOk(launchDeepLinking())).text);
    const rotation = await h.store.rotateToolKeys();
    assert.equal(rotation.retired, oldKid);
    const after = parseResponsePage((await expectOk(launchDeepLinking())).text);
    const newKid = decodeProtectedHeader(after.jwt).kid;
    assert.equal(newKid, rotation.current);
    assert.notEqual(newKid, oldKid);
    assert.equal((await postJwt(after.action, after.jwt)).status, 200, 'new key verifies');
    assert.equal((await postJwt(signedBeforeRotation.action, signedBeforeRotation.jwt)).status, 200, 'the retired key is still published');
    assert.deepEqual(dlReturn.responses.map((r) => r.kid), [oldKid, newKid, oldKid]);
  });

  it('echoes data exactly when the request had it', async () => {
    const data = `csrf=1&x="<b>'é\u2028 ` + 'x'.repeat(500);
    const page = parseResponsePage((await expectOk(launchDeepLinking({ data }))).text);
    assert.equal(decodeJwt(page.jwt)[DL_CLAIM.data], data);
    assert.equal((await postJwt(page.action, page.jwt)).status, 200);
    assert.equal(dlReturn.responses[0].data, data);
  });

  it('sends msg, log, errormsg and errorlog when given', async () => {
    answer = { items: [], options: { message: 'Added nothing', log: 'picker closed', errorMessage: 'Nothing chosen', errorLog: 'empty selection' } };
    const page = parseResponsePage((await expectOk(launchDeepLinking())).text);
    assert.equal((await postJwt(page.action, page.jwt)).status, 200);
    const [received] = dlReturn.responses;
    assert.deepEqual(
      [received.msg, received.log, received.errormsg, received.errorlog],
      ['Added nothing', 'picker closed', 'Nothing chosen', 'empty selection'],
    );
    assert.deepEqual(received.contentItems, []);
  });

  it('maps every item type to the spec\'s JSON member names, leaving out what was not given', async () => {
    answer = {
      items: [
        {
          type: 'ltiResourceLink',
          url: 'https://tool.test/lti/launch?a=1',
          title: 'Essay',
          text: 'Write it',
          icon: { url: 'https://tool.test/icon.png', width: 32, height: 32 },
          thumbnail: { url: 'https://tool.test/thumb.png', width: 90, height: 60 },
          lineItem: { scoreMaximum: 87.5, label: 'Essay', resourceId: 'essay-1', tag: 'graded', gradesReleased: false },
          custom: { essay: '1', due: '$ResourceLink.submission.endDateTime' },
          window: { targetName: 'essays', width: 800, height: 600, windowFeatures: 'menubar=no' },
          iframe: { width: 640, height: 480 },
          available: { startDateTime: '2026-03-01T09:00:00Z', endDateTime: '2026-04-01T09:00:00.000+02:00' },
          submission: { startDateTime: '2026-03-02T09:00:00Z', endDateTime: '2026-03-20T17:00:00Z' },
          extensions: { 'https://canvas.instructure.com/lti/submission_type': { type: 'external_tool' } },
        },
        { type: 'link', url: 'https://example.org/a', embed: { html: '<p>a</p>' }, iframe: { src: 'https://example.org/embed', width: 300, height: 200 } },
        { type: 'file', url: 'https://tool.test/files/a.pdf', title: 'A', mediaType: 'application/pdf', expiresAt: '2026-12-01T00:00:00Z' },
        { type: 'html', html: '<h2>Hello</h2>', title: 'Fragment' },
        { type: 'image', url: 'https://tool.test/img.png', width: 400, height: 300, text: 'An image' },
        { type: 'ltiResourceLink' },
      ],
    };
    const page = parseResponsePage(
      (
        await expectOk(
          launchDeepLinking({
            accept_types: ['ltiResourceLink', 'link', 'file', 'html', 'image'],
            accept_multiple: true,
            accept_presentation_document_targets: ['iframe', 'window', 'embed'],
            accept_media_types: 'image/*,application/pdf',
          }),
        )
      ).text,
    );
    assert.equal((await postJwt(page.action, page.jwt)).status, 200);
    // Written out by hand from DL 2.0 §3: the exact JSON the platform receives.
    assert.deepEqual(dlReturn.items, [
      {
        type: 'ltiResourceLink',
        url: 'https://tool.test/lti/launch?a=1',
        title: 'Essay',
        text: 'Write it',
        icon: { url: 'https://tool.test/icon.png', width: 32, height: 32 },
        thumbnail: { url: 'https://tool.test/thumb.png', width: 90, height: 60 },
        lineItem: { label: 'Essay', scoreMaximum: 87.5, resourceId: 'essay-1', tag: 'graded', gradesReleased: false },
        custom: { essay: '1', due: '$ResourceLink.submission.endDateTime' },
        window: { targetName: 'essays', width: 800, height: 600, windowFeatures: 'menubar=no' },
        iframe: { width: 640, height: 480 },
        available: { startDateTime: '2026-03-01T09:00:00Z', endDateTime: '2026-04-01T09:00:00.000+02:00' },
        submission: { startDateTime: '2026-03-02T09:00:00Z', endDateTime: '2026-03-20T17:00:00Z' },
        'https://canvas.instructure.com/lti/submission_type': { type: 'external_tool' },
      },
      { type: 'link', url: 'https://example.org/a', embed: { html: '<p>a</p>' }, iframe: { width: 300, height: 200, src: 'https://example.org/embed' } },
      { type: 'file', url: 'https://tool.test/files/a.pdf', title: 'A', mediaType: 'application/pdf', expiresAt: '2026-12-01T00:00:00Z' },
      { type: 'html', html: '<h2>Hello</h2>', title: 'Fragment' },
      { type: 'image', url: 'https://tool.test/img.png', width: 400, height: 300, text: 'An image' },
      { type: 'ltiResourceLink' },
    ]);
  });

  it('refuses a type outside accept_types: typed error, nothing signed or posted', async () => {
    answer = { items: [{ type: 'link', url: 'https://example.org/page', title: 'Page' }] };
    const res = await launchDeepLinking({ accept_types: ['ltiResourceLink'] });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'deep_linking_item_not_accepted');
    assert.match(res.body.error.message, /type "link" is not in accept_types/);
    assert.match(res.body.error.spec, /Deep Linking 2\.0/);
    assert.equal(keys.calls, 0, 'no key was taken: nothing was signed');
    assert.doesNotMatch(res.text, /eyJ/);
    assert.equal(dlReturn.responses.length + dlReturn.refusals.length, 0);
  });

  it('refuses several items unless accept_multiple is true', async () => {
    answer = { items: [QUIZ, { ...QUIZ, title: 'Quiz 2' }] };
    for (const settings of [{}, { accept_multiple: false }]) {
      const res = await launchDeepLinking(settings);
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, 'deep_linking_item_not_accepted');
      assert.match(res.body.error.message, /2 items, but the platform accepts one/);
    }
    assert.equal(keys.calls, 0);
    const page = parseResponsePage((await expectOk(launchDeepLinking({ accept_multiple: true }))).text);
    assert.equal((await postJwt(page.action, page.jwt)).status, 200);
    assert.deepEqual(dlReturn.items.map((item) => item.title), ['Quiz 1', 'Quiz 2']);
  });

  it('refuses to answer a resource-link launch', async () => {
    const res = await launchDeepLinking({}, 'LtiResourceLinkRequest');
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'deep_linking_not_requested');
    assert.match(res.body.error.message, /"LtiResourceLinkRequest"/);
    assert.equal(keys.calls, 0);
  });

  it('escapes a hostile return URL and never shows item text in the page', async () => {
    const returnUrl = `${h.platform.url}/deep-link-return?x="><script>alert(1)</script>&y='<img src=x onerror=alert(2)>`;
    answer = { items: [{ ...QUIZ, title: '</script><script>alert(3)</script>', text: '"><img src=x onerror=alert(4)>' }] };
    const res = await expectOk(launchDeepLinking({ deep_link_return_url: returnUrl }));
    assert.equal((res.text.match(/<script/g) ?? []).length, 1, 'only the page\'s own script');
    assert.doesNotMatch(res.text, /<img|<script>alert|alert\(3\)/);
    const rawAction = /action="([^"]*)"/.exec(res.text)![1];
    assert.doesNotMatch(rawAction, /[<>"']/, 'every special character of the URL is an entity');
    const page = parseResponsePage(res.text);
    assert.equal(page.action, returnUrl, 'the escaped action reads back as the exact URL');
    const posted = await postJwt(page.action, page.jwt);
    assert.equal(posted.status, 200, posted.text);
    assert.equal(dlReturn.items[0].title, '</script><script>alert(3)</script>');
    // The platform's own page escapes what it received too.
    assert.doesNotMatch(posted.text, /<script>alert|<img/);
  });

  it('a key source that fails gives the tool\'s error, no page and nothing posted', async () => {
    answer = { items: [QUIZ], options: { keys: { signingKey: () => Promise.reject(new StorageUnavailableError()) } } };
    const res = await launchDeepLinking();
    assert.equal(res.status, 503);
    assert.equal(res.body.error.code, 'storage_unavailable');
    assert.doesNotMatch(res.text, /JWT|eyJ/);
    assert.equal(dlReturn.responses.length + dlReturn.refusals.length, 0);
  });

  it('uses the app\'s CSP nonce when given, and leaves its CSP header alone', async () => {
    answer = { items: [QUIZ], options: { cspNonce: 'app-nonce-123' } };
    const res = await expectOk(launchDeepLinking());
    assert.equal(parseResponsePage(res.text).scriptNonce, 'app-nonce-123');
    assert.equal(res.headers['content-security-policy'], undefined);
  });

  it('answers on a later request from what deepLinkingLaunch() kept in the session', async () => {
    h.app.post('/picked', async (req, res) => {
      const kept = (req.session as unknown as { dl: DeepLinkingLaunch }).dl;
      await sendDeepLinkingResponse(res, kept, [QUIZ], { keys });
    });
    answer = { items: [], keepOnly: true };
    const agent = request.agent(h.app);
    const { location } = await startLogin(h, agent, {
      lti_message_hint: JSON.stringify({ messageType: 'LtiDeepLinkingRequest', deepLinking: { data: 'opaque' } }),
    });
    const { idToken, state } = await h.platform.authorize(location.searchParams);
    const kept = await postLaunch(agent, { id_token: idToken, state });
    assert.equal(kept.status, 200, kept.text);
    assert.equal(keys.calls, 0);
    const page = parseResponsePage((await agent.post('/picked').expect(200)).text);
    assert.equal((await postJwt(page.action, page.jwt)).status, 200);
    assert.equal(dlReturn.responses[0].data, 'opaque');
    assert.equal(dlReturn.responses[0].claims[CLAIM.deploymentId], h.platform.deploymentId);
  });
});

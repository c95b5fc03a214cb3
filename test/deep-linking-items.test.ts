import assert from 'node:assert/strict';
import { decodeJwt, jwtVerify, importJWK } from 'jose';
import {
  DL_CLAIM,
  DeepLinkingInvalidItemError,
  DeepLinkingItemNotAcceptedError,
  LtiError,
  createDeepLinkingResponse,
  deepLinkingLaunch,
  type DeepLinkingLaunch,
  type DeepLinkingSettingsClaim,
} from '../lib';
import { countingKeySource, makeTestKey, type TestKey } from './helpers/deep-linking';

const SETTINGS: DeepLinkingSettingsClaim = {
  deep_link_return_url: 'https://platform.test/deep-link-return',
  accept_types: ['ltiResourceLink', 'link', 'file', 'html', 'image'],
  accept_presentation_document_targets: ['iframe', 'window'],
  accept_multiple: true,
};

function launchWith(settings: Partial<DeepLinkingSettingsClaim> = {}): DeepLinkingLaunch {
  return {
    messageType: 'LtiDeepLinkingRequest',
    deploymentId: 'deployment-1',
    registration: { issuer: 'https://platform.test', clientId: 'client-1' },
    deepLinking: { ...SETTINGS, ...settings },
  };
}

describe('deep linking: content item checks before signing', () => {
  let key: TestKey;
  before(async () => {
    key = await makeTestKey();
  });

  const link = { type: 'ltiResourceLink', url: 'https://tool.test/a' } as const;
  // [name, item, field named in the error]
  const invalid: Array<[string, unknown, string]> = [
    ['unknown type', { type: 'video', url: 'https://tool.test/v' }, 'type'],
    ['not an object', 'https://tool.test/a', 'item'],
    ['link without url', { type: 'link' }, 'url'],
    ['http url off loopback', { ...link, url: 'http://tool.test/a' }, 'url'],
    ['relative url', { ...link, url: '/a' }, 'url'],
    ['javascript: url', { type: 'link', url: 'javascript:alert(1)' }, 'url'],
    ['icon without url', { ...link, icon: { width: 10 } }, 'icon.url'],
    ['thumbnail http', { ...link, thumbnail: { url: 'http://cdn.test/t.png' } }, 'thumbnail.url'],
    ['scoreMaximum 0', { ...link, lineItem: { scoreMaximum: 0 } }, 'lineItem.scoreMaximum'],
    ['scoreMaximum negative', { ...link, lineItem: { scoreMaximum: -1 } }, 'lineItem.scoreMaximum'],
    ['scoreMaximum a string', { ...link, lineItem: { scoreMaximum: '10' } }, 'lineItem.scoreMaximum'],
    ['scoreMaximum missing', { ...link, lineItem: { label: 'x' } }, 'lineItem.scoreMaximum'],
    ['scoreMaximum NaN', { ...link, lineItem: { scoreMaximum: NaN } }, 'lineItem.scoreMaximum'],
    ['lineItem label a number', { ...link, lineItem: { scoreMaximum: 1, label: 3 } }, 'lineItem.label'],
    ['gradesReleased a string', { ...link, lineItem: { scoreMaximum: 1, gradesReleased: 'yes' } }, 'lineItem.gradesReleased'],
    ['lineItem member misspelt', { ...link, lineItem: { scoreMaximum: 1, resource_id: 'x' } }, 'lineItem.resource_id'],
    ['custom value a number', { ...link, custom: { a: 1 } }, 'custom.a'],
    ['custom value an object', { ...link, custom: { a: { b: 'c' } } }, 'custom.a'],
    ['custom an array', { ...link, custom: ['a'] }, 'custom'],
    ['date not ISO', { ...link, available: { startDateTime: 'tomorrow' } }, 'available.startDateTime'],
    ['date without zone', { ...link, submission: { endDateTime: '2026-03-01T09:00:00' } }, 'submission.endDateTime'],
    ['date impossible', { ...link, available: { endDateTime: '2026-13-45T09:00:00Z' } }, 'available.endDateTime'],
    ['end before start', { ...link, available: { startDateTime: '2026-03-02T00:00:00Z', endDateTime: '2026-03-01T00:00:00Z' } }, 'available.endDateTime'],
    ['width not an integer', { ...link, window: { width: 10.5 } }, 'window.width'],
    ['iframe src on a resource link', { ...link, iframe: { src: 'https://tool.test/x' } }, 'iframe.src'],
    ['unknown member', { ...link, lineitem: { scoreMaximum: 1 } }, 'item.lineitem'],
    ['html empty', { type: 'html', html: '' }, 'html'],
    ['file expiresAt not ISO', { type: 'file', url: 'https://tool.test/f', expiresAt: 1700000000 }, 'expiresAt'],
    ['file mediaType junk', { type: 'file', url: 'https://tool.test/f', mediaType: 'pdf' }, 'mediaType'],
    ['image height 0', { type: 'image', url: 'https://tool.test/i.png', height: 0 }, 'height'],
    ['title a number', { ...link, title: 5 }, 'title'],
    ['extension without a URI name', { ...link, extensions: { title: 'override' } }, 'extensions.title'],
  ];
  for (const [name, item, field] of invalid) {
    it(`refuses ${name} (deep_linking_invalid_item, ${field}) and signs nothing`, async () => {
      const keys = countingKeySource({ signingKey: async () => key });
      const err = await createDeepLinkingResponse(launchWith(), [item as never], { keys }).then(
        () => assert.fail('signed'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof DeepLinkingInvalidItemError, String(err));
      assert.ok(err instanceof LtiError);
      assert.equal(err.code, 'deep_linking_invalid_item');
      assert.equal(err.status, 500);
      assert.equal(err.field, field);
      assert.equal(err.index, 0);
      assert.match(err.spec!, /Deep Linking 2\.0/);
      assert.equal(keys.calls, 0);
    });
  }

  // [name, settings, items]
  const refused: Array<[string, Partial<DeepLinkingSettingsClaim>, unknown[]]> = [
    ['a type not accepted', { accept_types: ['link'] }, [link]],
    ['two items without accept_multiple', { accept_multiple: undefined }, [link, link]],
    ['a window the platform does not offer', { accept_presentation_document_targets: ['iframe'] }, [{ ...link, window: { targetName: 'x' } }]],
    ['an iframe the platform does not offer', { accept_presentation_document_targets: ['window'] }, [{ ...link, iframe: { width: 10 } }]],
    ['an embed the platform does not offer', {}, [{ type: 'link', url: 'https://tool.test/x', embed: { html: '<b>x</b>' } }]],
    ['a media type not accepted', { accept_media_types: 'image/*,application/pdf' }, [{ type: 'file', url: 'https://tool.test/f', mediaType: 'text/html' }]],
  ];
  for (const [name, settings, items] of refused) {
    it(`refuses ${name} (deep_linking_item_not_accepted, 400) and signs nothing`, async () => {
      const keys = countingKeySource({ signingKey: async () => key });
      await assert.rejects(createDeepLinkingResponse(launchWith(settings), items as never, { keys }), (err: unknown) => {
        assert.ok(err instanceof DeepLinkingItemNotAcceptedError, String(err));
        assert.equal(err.code, 'deep_linking_item_not_accepted');
        assert.equal(err.status, 400);
        return true;
      });
      assert.equal(keys.calls, 0);
    });
  }

  it('accepts the controls: wildcard media types, http on loopback outside production, no items at all', async () => {
    const keys = countingKeySource({ signingKey: async () => key });
    const launch = launchWith({ accept_media_types: 'image/*, application/pdf;q=0.9' });
    const items = [
      { type: 'file', url: 'https://tool.test/f.png', mediaType: 'image/png' },
      { type: 'file', url: 'https://tool.test/f.pdf', mediaType: 'application/pdf' },
      { type: 'link', url: 'http://127.0.0.1:8080/dev' },
      { type: 'ltiResourceLink', lineItem: { scoreMaximum: 0.5 }, custom: {} },
    ] as const;
    const jwt = await createDeepLinkingResponse(launch, items, { keys });
    const { payload } = await jwtVerify(jwt, await importJWK(key.publicJwk, 'RS256'));
    assert.equal((payload[DL_CLAIM.contentItems] as unknown[]).length, 4);
    const empty = await jwtVerify(await createDeepLinkingResponse(launch, [], { keys }), await importJWK(key.publicJwk, 'RS256'));
    assert.deepEqual(empty.payload[DL_CLAIM.contentItems], []);
    assert.equal(keys.calls, 2);
  });

  it('makes a fresh nonce for each of 20 concurrent responses', async () => {
    const keys = countingKeySource({ signingKey: async () => key });
    const jwts = await Promise.all(Array.from({ length: 20 }, () => createDeepLinkingResponse(launchWith(), [], { keys })));
    assert.equal(new Set(jwts.map((jwt) => decodeJwt(jwt).nonce)).size, 20);
  });

  it('refuses a return URL that is not https (a launch rebuilt by the app), signing nothing', async () => {
    const keys = countingKeySource({ signingKey: async () => key });
    for (const url of ['javascript:alert(1)', 'http://platform.test/return', '/relative']) {
      await assert.rejects(createDeepLinkingResponse(launchWith({ deep_link_return_url: url }), [], { keys }), {
        code: 'deep_linking_invalid_item',
        field: 'deep_link_return_url',
      });
    }
    assert.equal(keys.calls, 0);
  });

  it('refuses http on loopback in production', async () => {
    const saved = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      const keys = countingKeySource({ signingKey: async () => key });
      await assert.rejects(createDeepLinkingResponse(launchWith(), [{ type: 'link', url: 'http://127.0.0.1:8080/dev' }], { keys }), {
        code: 'deep_linking_invalid_item',
      });
      assert.equal(keys.calls, 0);
    } finally {
      if (saved === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = saved;
    }
  });

  it('refuses a non-string msg option, a bad lifetime, a missing key source', async () => {
    const keys = countingKeySource({ signingKey: async () => key });
    await assert.rejects(createDeepLinkingResponse(launchWith(), [], { keys, message: 42 as never }), { code: 'deep_linking_invalid_item' });
    await assert.rejects(createDeepLinkingResponse(launchWith(), [], { keys, expiresInSeconds: 0 }), { code: 'configuration_error' });
    await assert.rejects(createDeepLinkingResponse(launchWith(), [], { keys, expiresInSeconds: 86_400 }), { code: 'configuration_error' });
    await assert.rejects(createDeepLinkingResponse(launchWith(), [], {} as never), { code: 'configuration_error' });
    assert.equal(keys.calls, 0);
  });

  it('refuses a launch that is not a deep-linking request, or has no settings', async () => {
    const keys = countingKeySource({ signingKey: async () => key });
    await assert.rejects(createDeepLinkingResponse({ ...launchWith(), messageType: 'LtiResourceLinkRequest' }, [], { keys }), {
      code: 'deep_linking_not_requested',
      status: 400,
    });
    await assert.rejects(createDeepLinkingResponse({ ...launchWith(), deepLinking: undefined }, [], { keys }), { code: 'deep_linking_not_requested' });
    assert.throws(() => deepLinkingLaunch({ ...launchWith(), messageType: 'LtiResourceLinkRequest' }), { code: 'deep_linking_not_requested' });
    // A picker reached after the session lost the launch.
    await assert.rejects(createDeepLinkingResponse(undefined as never, [], { keys }), { code: 'deep_linking_not_requested' });
    assert.equal(keys.calls, 0);
  });

  it('deepLinkingLaunch() keeps exactly what a response needs, as plain JSON', () => {
    const lti = { ...launchWith({ data: 'd' }), user: { id: 'u' }, claims: { secret: 'x' }, registration: { id: 'r', issuer: 'https://platform.test', clientId: 'client-1', jwksUrl: 'x' } };
    const kept = deepLinkingLaunch(lti);
    assert.deepEqual(JSON.parse(JSON.stringify(kept)), {
      messageType: 'LtiDeepLinkingRequest',
      deploymentId: 'deployment-1',
      registration: { issuer: 'https://platform.test', clientId: 'client-1' },
      deepLinking: { ...SETTINGS, data: 'd' },
    });
  });
});

/**
 * The platform side of LTI platform storage (LTI Client Side postMessages),
 * and a course page that shows the tool in iframes, for browser tests and
 * `npm start`:
 *
 * - `GET /course?n=3` — a course page with n tool iframes, each starting a
 *   login (with `lti_storage_target` when `announce` is on), and the hidden
 *   storage frame they post to;
 * - `GET /lti-storage-frame` — the storage frame: answers `lti.capabilities`,
 *   `lti.put_data` and `lti.get_data` (when `enabled`), keeping data per tool
 *   origin in memory, and answering only to the asking window and its origin.
 */
import type http from 'node:http';
import type { DevPlatform } from './platform';

/** The frame name sent as `lti_storage_target` (Canvas uses the same idea, with this name). */
export const STORAGE_FRAME = 'post_message_forwarding';

/** The storage frame's script: answers only `lti.*` messages, only to the window that asked. */
const FRAME_SCRIPT = `(function () {
  var enabled = document.body.getAttribute('data-enabled') === 'true';
  var fault = document.body.getAttribute('data-fault');
  var data = {};
  window.ltiStorageLog = [];
  window.addEventListener('message', function (event) {
    var m = event.data;
    if (!m || typeof m !== 'object' || typeof m.subject !== 'string' || m.subject.indexOf('lti.') !== 0) return;
    window.ltiStorageLog.push({ subject: m.subject, origin: event.origin, key: m.key });
    if (!enabled || !event.source || (fault === 'silent-get' && m.subject === 'lti.get_data')) return;
    var store = data[event.origin] || (data[event.origin] = {});
    var reply = { subject: m.subject + '.response', message_id: fault === 'wrong-message-id' ? 'not-' + m.message_id : m.message_id };
    if (m.subject === 'lti.capabilities') {
      reply.supported_messages = [
        { subject: 'lti.capabilities' },
        { subject: 'lti.put_data', frame: '${STORAGE_FRAME}' },
        { subject: 'lti.get_data', frame: '${STORAGE_FRAME}' }
      ];
    } else if (m.subject === 'lti.put_data' && typeof m.key === 'string' && typeof m.value === 'string') {
      store[m.key] = m.value;
      reply.key = m.key;
      reply.value = m.value;
    } else if (m.subject === 'lti.get_data' && typeof m.key === 'string' && Object.prototype.hasOwnProperty.call(store, m.key)) {
      reply.key = m.key;
      reply.value = store[m.key];
    } else {
      reply.error = { code: m.subject === 'lti.get_data' ? 'bad_request' : 'unsupported_subject', message: 'not supported or not found' };
    }
    event.source.postMessage(reply, event.origin);
  });
  if (window.parent !== window && window.parent.startTools) window.parent.startTools();
})();`;

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The platform's storage and its course page; `platform.storage`. */
export class PlatformStorage {
  /** The storage frame answers put_data / get_data / capabilities. */
  enabled = true;
  /** For tests: answer with another message_id, or never answer lti.get_data. */
  fault: 'none' | 'wrong-message-id' | 'silent-get' = 'none';
  /** Logins started from the course page carry `lti_storage_target`. */
  announce = true;
  /** The tool's login URL and target_link_uri, for the course page's iframes. */
  tool?: { loginUrl: string; targetLinkUri: string };

  constructor(private readonly platform: DevPlatform) {}

  /** What the auth endpoint's form posts besides id_token and state: the storage frame's name when announced. */
  launchFields(): Record<string, string> {
    return this.announce ? { lti_storage_target: STORAGE_FRAME } : {};
  }

  /** The login initiation URL of the course page's k-th iframe. */
  loginUrl(k: number, loginHint = 'instructor'): string {
    if (!this.tool) throw new Error('platform.storage.tool is not set');
    const url = new URL(this.tool.loginUrl);
    url.searchParams.set('iss', this.platform.issuer);
    url.searchParams.set('login_hint', loginHint);
    url.searchParams.set('target_link_uri', this.tool.targetLinkUri);
    url.searchParams.set('client_id', this.platform.clientId);
    url.searchParams.set('lti_message_hint', JSON.stringify({ resourceLinkId: `resource-link-${k}` }));
    if (this.announce) url.searchParams.set('lti_storage_target', STORAGE_FRAME);
    return url.toString();
  }

  readonly route = (_req: http.IncomingMessage, res: http.ServerResponse, url: URL): boolean => {
    if (url.pathname === '/lti-storage-frame') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(`<!doctype html><html><body data-enabled="${this.enabled}" data-fault="${this.fault}"><script>${FRAME_SCRIPT}</script></body></html>`);
      return true;
    }
    if (url.pathname === '/course') {
      const n = Math.min(Math.max(Number(url.searchParams.get('n') ?? '1') || 1, 1), 20);
      const hint = url.searchParams.get('login_hint') ?? 'instructor';
      const frames = Array.from(
        { length: n },
        (_, k) => `<iframe name="tool-${k}" title="Tool ${k}" width="420" height="260" data-src="${escape(this.loginUrl(k, hint))}"></iframe>`,
      ).join('');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(
        `<!doctype html><html><head><title>Course: ${escape(this.platform.name)}</title>` +
          // The tools start once the storage frame listens (it calls startTools), as an LMS renders that frame first.
          `<script>window.startTools = function () { document.querySelectorAll('iframe[data-src]').forEach(function (f) {` +
          ` if (!f.src) f.src = f.getAttribute('data-src'); }); };</script></head>` +
          `<body style="font-family:sans-serif"><h1>Course page</h1>` +
          `${frames}<iframe name="${STORAGE_FRAME}" src="/lti-storage-frame" hidden></iframe>` +
          `</body></html>`,
      );
      return true;
    }
    return false;
  };
}

/** Add platform storage and the course page to a platform (`platform.route`). */
export function mountPlatformStorage(platform: DevPlatform): PlatformStorage {
  const storage = new PlatformStorage(platform);
  platform.route(storage.route);
  return storage;
}

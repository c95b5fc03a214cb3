// Dynamic Registration for the example tool, and a small admin page for the
// registrations waiting for approval. The admin page is on only when
// ADMIN_PASSWORD is set (HTTP Basic auth, any user name); then new
// registrations wait for approval there (or `npx express-lti registrations approve <id>`).
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import express, { type Express, type Request, type Response } from 'express';
import { escapeHtml as e, ltiDynamicRegistration, type KnexStore } from '../lib'; // in your app: from 'express-lti'

export interface RegistrationAdminOptions {
  store: KnexStore;
  toolUrl: string;
  /** Default: process.env.ADMIN_PASSWORD. Unset: no admin page, registrations need no approval. */
  adminPassword?: string;
}

const sha = (s: string) => createHash('sha256').update(s).digest();

/** True when the request carries Basic credentials whose password is `password` (compared in constant time). */
function authorized(req: Request, password: string): boolean {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(req.headers.authorization ?? '');
  if (!match) return false;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const given = decoded.slice(decoded.indexOf(':') + 1);
  return timingSafeEqual(sha(given), sha(password));
}

function adminPage(rows: string, csrf: string, message = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Registrations waiting for approval</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}td,th{padding:.3rem .6rem;text-align:left;border-bottom:1px solid #ddd}</style>
</head><body><h1>Registrations waiting for approval</h1>${message ? `<p><strong>${e(message)}</strong></p>` : ''}
${rows ? `<table><tr><th>Platform</th><th>Issuer</th><th>Client id</th><th></th></tr>${rows}</table>` : '<p>None.</p>'}
<input type="hidden" id="csrf" value="${e(csrf)}"></body></html>`;
}

/** Mount /lti/register (Dynamic Registration) and, with a password, /admin/registrations. */
export function mountRegistrationAdmin(app: Express, options: RegistrationAdminOptions): void {
  const { store, toolUrl } = options;
  const password = options.adminPassword ?? process.env.ADMIN_PASSWORD;
  app.all(
    '/lti/register',
    ltiDynamicRegistration({
      store,
      tool: {
        name: 'Example quiz tool',
        description: 'The express-lti example tool',
        loginUrl: `${toolUrl}/lti/login`,
        launchUrl: `${toolUrl}/lti/launch`,
        jwksUrl: `${toolUrl}/lti/jwks`,
        scopes: ['https://purl.imsglobal.org/spec/lti-ags/scope/score', 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly'],
        claims: ['iss', 'sub', 'name', 'email'],
      },
      requireApproval: Boolean(password),
    }),
  );
  if (!password) return;

  // Basic auth is sent by the browser on its own: the approve form also needs this per-process token.
  const csrf = randomBytes(24).toString('base64url');
  const guard = (req: Request, res: Response): boolean => {
    res.set({ 'Cache-Control': 'no-store', 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'" });
    if (authorized(req, password)) return true;
    res.status(401).set('WWW-Authenticate', 'Basic realm="express-lti admin", charset="UTF-8"').type('text').send('Authentication required.');
    return false;
  };
  const render = async (res: Response, message?: string) => {
    const waiting = (await store.listRegistrations()).filter((r) => r.awaitingApproval);
    const rows = waiting
      .map(
        (r) =>
          `<tr><td>${e(r.name ?? '')}</td><td><code>${e(r.issuer)}</code></td><td><code>${e(r.clientId)}</code></td><td>` +
          `<form method="post" action="/admin/registrations/${e(r.id)}/approve"><input type="hidden" name="csrf" value="${e(csrf)}"><button>Approve</button></form></td></tr>`,
      )
      .join('');
    res.type('html').send(adminPage(rows, csrf, message));
  };
  app.get('/admin/registrations', async (req, res) => {
    if (guard(req, res)) await render(res);
  });
  app.post('/admin/registrations/:id/approve', express.urlencoded({ extended: false, limit: '1kb' }), async (req, res) => {
    if (!guard(req, res)) return;
    const token = (req.body as Record<string, unknown> | undefined)?.csrf;
    if (typeof token !== 'string' || token.length !== csrf.length || !timingSafeEqual(Buffer.from(token), Buffer.from(csrf))) {
      res.status(403).type('text').send('This form is stale: reload the page.');
      return;
    }
    const approved = await store.approveRegistration(String(req.params.id));
    res.status(approved ? 200 : 404);
    await render(res, approved ? `Approved ${approved.name ?? approved.issuer}.` : 'No such registration.');
  });
}

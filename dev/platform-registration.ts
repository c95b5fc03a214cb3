/**
 * The platform side of LTI Dynamic Registration 1.0 for the development
 * platform: its OpenID configuration, a registration endpoint that checks the
 * tool's request as an LMS does, and a "start registration" page that opens the
 * tool's registration URL with `openid_configuration` and `registration_token`.
 * Fault modes let tests see every way a platform can fail.
 */
import type http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { DevPlatform } from './platform';
import { readBody, sendError, sendJson } from './platform-http';

export const PLATFORM_CONFIGURATION = 'https://purl.imsglobal.org/spec/lti-platform-configuration';
export const TOOL_CONFIGURATION = 'https://purl.imsglobal.org/spec/lti-tool-configuration';

/** How the configuration or registration endpoint answers. */
export type RegistrationFault = 'ok' | 'bad-request' | 'unauthorized' | 'error' | 'junk' | 'hang' | 'no-client-id' | 'big' | 'echo-token' | 'redirect-away';

/** One registration request as the platform received it. */
export interface ReceivedRegistration {
  body: Record<string, unknown>;
  authorization?: string;
  contentType?: string;
}

export interface RegistrationOptions {
  /** Path of the OpenID configuration (default `/.well-known/openid-configuration`). */
  configPath?: string;
  /** Path of the registration endpoint (default `/register`). */
  registrationPath?: string;
}

const SCOPES = [
  'openid',
  'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
  'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
  'https://purl.imsglobal.org/spec/lti-ags/scope/score',
  'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
];

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The registration side of a dev platform: `mountRegistration(platform)`. */
export class PlatformRegistration {
  readonly configPath: string;
  readonly registrationPath: string;
  /** How the configuration endpoint answers. */
  configMode: RegistrationFault = 'ok';
  /** How the registration endpoint answers. */
  registrationMode: RegistrationFault = 'ok';
  /** Replace (or, with undefined, remove) top-level fields of the configuration. */
  configOverrides: Record<string, unknown> = {};
  /** Replace the whole configuration (recorded shapes of real LMSs); gets the default one. */
  configure?: (base: Record<string, unknown>) => Record<string, unknown>;
  /** Replace the answer (recorded shapes of real LMSs); gets the default one and the tool's request. */
  answer?: (base: Record<string, unknown>, request: Record<string, unknown>) => Record<string, unknown>;
  /** Put `deployment_id` in the answer (Canvas does not). */
  answerDeployment = true;
  /** The client id handed out (default: the platform's, so its auth endpoint knows the tool). */
  clientId: string;
  /** Every registration request received, oldest first. */
  readonly received: ReceivedRegistration[] = [];
  /** Requests to the configuration endpoint, with their Authorization header. */
  readonly configRequests: Array<{ authorization?: string }> = [];
  private readonly tokens = new Set<string>();

  constructor(private readonly platform: DevPlatform, options: RegistrationOptions = {}) {
    this.configPath = options.configPath ?? '/.well-known/openid-configuration';
    this.registrationPath = options.registrationPath ?? '/register';
    this.clientId = platform.clientId;
    platform.route((req, res, url) => this.handle(req, res, url));
  }

  get openidConfigurationUrl(): string {
    return `${this.platform.url}${this.configPath}`;
  }

  get registrationEndpoint(): string {
    return `${this.platform.url}${this.registrationPath}`;
  }

  /** A new single-use registration token (as an LMS makes when an admin starts a registration). */
  issueToken(): string {
    const token = `regtok-${randomBytes(24).toString('base64url')}`;
    this.tokens.add(token);
    return token;
  }

  /** The tool's registration URL with the two parameters an LMS adds (§3.3). */
  registrationUrl(toolRegistrationUrl: string, token = this.issueToken()): string {
    const url = new URL(toolRegistrationUrl);
    url.searchParams.set('openid_configuration', this.openidConfigurationUrl);
    url.searchParams.set('registration_token', token);
    return url.toString();
  }

  /** The platform's OpenID configuration (§3.4). */
  configuration(): Record<string, unknown> {
    const p = this.platform;
    const base: Record<string, unknown> = {
      issuer: p.issuer,
      authorization_endpoint: p.authEndpoint,
      registration_endpoint: this.registrationEndpoint,
      jwks_uri: p.jwksUrl,
      token_endpoint: p.tokenEndpoint,
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS256'],
      scopes_supported: SCOPES,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public', 'pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      claims_supported: ['sub', 'iss', 'name', 'given_name', 'family_name', 'email'],
      [PLATFORM_CONFIGURATION]: {
        product_family_code: 'express-lti-dev',
        version: '1.0',
        messages_supported: [{ type: 'LtiResourceLinkRequest' }, { type: 'LtiDeepLinkingRequest', placements: ['ContentArea'] }],
      },
    };
    if (p.tokenAudience) base.authorization_server = p.tokenAudience;
    const doc = this.configure ? this.configure(base) : base;
    for (const [name, value] of Object.entries(this.configOverrides)) {
      if (value === undefined) delete doc[name];
      else doc[name] = value;
    }
    return doc;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<boolean> {
    if (url.pathname === this.configPath && req.method === 'GET') {
      this.configRequests.push({ authorization: req.headers.authorization });
      if (!this.fault(this.configMode, res, req)) sendJson(res, 200, this.configuration());
      return true;
    }
    if (url.pathname === this.registrationPath && req.method === 'POST') {
      await this.register(req, res);
      return true;
    }
    if (url.pathname === '/start-registration' && req.method === 'GET') {
      this.startPage(res, url);
      return true;
    }
    return false;
  }

  /** Answer a fault; false when the mode is 'ok'. */
  private fault(mode: RegistrationFault, res: http.ServerResponse, req?: http.IncomingMessage): boolean {
    switch (mode) {
      case 'echo-token': {
        // A careless platform quoting the token in its error: the tool must not pass it on.
        const token = (req?.headers.authorization ?? '').replace(/^Bearer /, '');
        sendJson(res, 400, { error: 'invalid_token', error_description: `token ${token} is not valid` });
        return true;
      }
      case 'redirect-away':
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
        res.end();
        return true;
      case 'ok':
      case 'no-client-id':
        return false;
      case 'hang':
        this.platform.hanging.add(res);
        return true;
      case 'bad-request':
        sendError(res, 400, 'invalid_client_metadata');
        return true;
      case 'unauthorized':
        sendError(res, 401, 'invalid_token');
        return true;
      case 'error':
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('internal error');
        return true;
      case 'junk':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"client_id": ');
        return true;
      case 'big':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ padding: 'x'.repeat(400_000) }));
        return true;
    }
  }

  /** The registration endpoint (§3.5.2, §3.6). */
  private async register(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const text = await readBody(req, 100_000);
    const received: ReceivedRegistration = { body: {}, authorization: req.headers.authorization, contentType: req.headers['content-type'] };
    try {
      received.body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // kept empty: refused below
    }
    this.received.push(received);
    if (this.fault(this.registrationMode, res, req)) return;
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token || !this.tokens.delete(token)) return sendError(res, 401, 'invalid_token');
    if ((req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase() !== 'application/json') return sendError(res, 415, 'application/json required');
    const problem = this.problem(received.body);
    if (problem) return sendJson(res, 400, { error: 'invalid_client_metadata', error_description: problem });
    const body = received.body;
    const toolConfig = body[TOOL_CONFIGURATION] as Record<string, unknown>;
    this.platform.toolJwksUrl = body.jwks_uri as string;
    if (this.registrationMode === 'no-client-id') return sendJson(res, 200, { ...body });
    const answer = {
      ...body,
      client_id: this.clientId,
      [TOOL_CONFIGURATION]: { ...toolConfig, ...(this.answerDeployment ? { deployment_id: this.platform.deploymentId } : {}) },
    };
    sendJson(res, 200, this.answer ? this.answer(answer, body) : answer);
  }

  /** Why a registration request is refused (as Moodle's and Canvas' checks), or undefined. */
  private problem(body: Record<string, unknown>): string | undefined {
    const list = (v: unknown) => (Array.isArray(v) ? v : []);
    if (body.application_type !== undefined && body.application_type !== 'web') return 'application_type must be web';
    if (!list(body.response_types).includes('id_token')) return 'response_types must include id_token';
    for (const g of ['implicit', 'client_credentials']) if (!list(body.grant_types).includes(g)) return `grant_types must include ${g}`;
    for (const f of ['initiate_login_uri', 'client_name', 'jwks_uri']) if (typeof body[f] !== 'string' || !body[f]) return `${f} is required`;
    if (list(body.redirect_uris).length === 0) return 'redirect_uris is required';
    if (body.token_endpoint_auth_method !== 'private_key_jwt') return 'token_endpoint_auth_method must be private_key_jwt';
    const scopes = typeof body.scope === 'string' ? body.scope.split(' ').filter(Boolean) : [];
    if (scopes.some((s) => !SCOPES.includes(s))) return 'scope asks for an unsupported scope';
    const config = body[TOOL_CONFIGURATION] as Record<string, unknown> | undefined;
    if (!config || typeof config !== 'object') return `${TOOL_CONFIGURATION} is required`;
    if (typeof config.domain !== 'string' || typeof config.target_link_uri !== 'string') return 'domain and target_link_uri are required';
    return undefined;
  }

  /** An LMS's "register a tool by URL" page: the tool in a frame, closed by its org.imsglobal.lti.close message. */
  private startPage(res: http.ServerResponse, url: URL): void {
    const tool = url.searchParams.get('tool') ?? '';
    if (!/^https?:\/\//.test(tool)) return sendError(res, 400, 'tool must be an http(s) URL');
    const src = this.registrationUrl(tool);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(
      '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Register a tool</title></head><body>' +
        `<h1>${escape(this.platform.name)}: register a tool</h1><p id="status">Registering…</p>` +
        `<iframe id="tool" src="${escape(src)}" style="width:100%;height:20rem;border:1px solid #ccc"></iframe>` +
        '<script>window.addEventListener("message",function(e){if(e.data&&e.data.subject==="org.imsglobal.lti.close"){' +
        'document.getElementById("status").textContent="The tool is registered.";document.getElementById("tool").remove();}});</script>' +
        '</body></html>',
    );
  }
}

/** Add Dynamic Registration to a dev platform. */
export function mountRegistration(platform: DevPlatform, options?: RegistrationOptions): PlatformRegistration {
  return new PlatformRegistration(platform, options);
}

/**
 * A small LTI 1.3 platform on loopback, for tests, the example app and the
 * benchmark: its own RSA keys, a JWKS endpoint and an OIDC auth endpoint that
 * answers like an LMS, with an auto-submitting form_post of a signed id_token.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { SignJWT, type KeyLike } from 'jose';
import type { DeepLinkingSettingsClaim } from '../lib/launch/claims';
import { COURSE, PERSONAS, type Persona } from './personas';
import { launchClaims, type LaunchClaimsInput } from './launch-claims';
import { makeKey, serveJwks, type SigningKey } from './platform-jwks';
import { autoPostForm } from './auto-post-form';
import type { RegisterPlatformInput } from '../lib/stores/knex';
import { MOVED_JWKS_PATH, type AbusiveJwksMode } from './jwks-abuse';
import { PlatformAgs } from './platform-ags';
import { PlatformFaults } from './platform-faults';
import { PlatformNrps, type PlatformMember } from './platform-nrps';
import { tokenRoute, type SeenAssertion, type TokenMode } from './platform-token';
import { mountDeepLinkingReturn, type DeepLinkingReturn } from './platform-deep-linking';
import { mountPlatformStorage, type PlatformStorage } from './platform-storage';

/**
 * A route of a platform feature (token endpoint, AGS, NRPS, deep-linking
 * return…), kept in its own file under dev/ and added with `platform.route()`.
 * Resolves true when it answered the request.
 */
export type PlatformRoute = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<boolean> | boolean;

export { COURSE, PERSONAS, type Persona } from './personas';
export { autoPostForm, parseAutoPostForm } from './auto-post-form';

/** How the JWKS endpoint behaves, for failure-mode tests. */
export type JwksMode = 'ok' | 'error' | 'junk' | 'empty' | 'hang' | AbusiveJwksMode;



/** What the platform's lti_message_hint carries from its launch page to its auth endpoint. */
export interface MessageHint {
  deploymentId?: string;
  messageType?: 'LtiResourceLinkRequest' | 'LtiDeepLinkingRequest';
  resourceLinkId?: string;
  /** Deep Linking settings to send instead of the defaults (data, accept_types, accept_multiple…), merged over them. */
  deepLinking?: Partial<DeepLinkingSettingsClaim>;
}

export interface PlatformOptions {
  clientId?: string;
  deploymentId?: string;
  /** Defaults to the platform's own loopback URL. */
  issuer?: string;
  /** Listen on this loopback port (default: any free port). */
  port?: number;
  /** Name shown on its pages. */
  name?: string;
  /** Who a login_hint signs in (default: 'instructor', 'learner' or 'administrator' from PERSONAS). */
  personaFor?: (loginHint: string) => Persona;
  /** The tool's JWKS URL (client assertions are verified against it); can also be set later. */
  toolJwksUrl?: string;
  /** The `aud` the token endpoint requires instead of its URL (as Brightspace). */
  tokenAudience?: string;
}

export class DevPlatform {
  readonly clientId: string;
  readonly deploymentId: string;
  readonly name: string;
  issuer = '';
  url = '';
  jwksMode: JwksMode = 'ok';
  /** Requests the JWKS endpoint has received. */
  jwksRequests = 0;
  /** The tool's JWKS URL: client assertions and deep-linking responses are verified against it. */
  toolJwksUrl?: string;
  /** Access tokens the platform has issued (token endpoint), by token. */
  readonly accessTokens = new Map<string, { scopes: string[]; expiresAt: number }>();
  /** The deep-linking return endpoint (dev/platform-deep-linking.ts): the responses and content items it verified. */
  deepLinkReturn!: DeepLinkingReturn;
  /** LTI platform storage (postMessages) and the course page with tool iframes (dev/platform-storage.ts). */
  storage!: PlatformStorage;
  /** The https URL of `listenTls()`, for browsers (e.g. https://localhost:1234). */
  browserUrl = '';
  /** Keys served by the JWKS endpoint; `keys[0]` signs. */
  keys: SigningKey[] = [];
  /** Fault injection for the service routes (AGS, NRPS). */
  readonly faults = new PlatformFaults();
  /** Assignment and Grade Services: line items, scores, results, gradebook. */
  readonly ags: PlatformAgs;
  /** Names and Role Provisioning Services: `platform.nrps.roster`. */
  readonly nrps: PlatformNrps;
  /** How the token endpoint (dev/platform-token.ts) behaves, for failure-mode tests. */
  tokenMode: TokenMode = 'ok';
  /** Requests the token endpoint has received. */
  tokenRequests = 0;
  /** Lifetime of the access tokens the token endpoint issues, in seconds. */
  tokenTtlSeconds = 3600;
  /** The `aud` the token endpoint requires instead of its own URL (Brightspace); undefined: the token URL. */
  tokenAudience?: string;
  /** Client assertions the token endpoint accepted, oldest first. */
  readonly assertions: SeenAssertion[] = [];
  /** Responses held open on purpose (hang / slow modes); close() destroys them. */
  readonly hanging = new Set<http.ServerResponse>();
  private server?: http.Server;
  private tlsServer?: https.Server;
  private readonly routes: PlatformRoute[] = [];

  private constructor(private readonly options: PlatformOptions) {
    this.clientId = options.clientId ?? 'dev-tool-client';
    this.deploymentId = options.deploymentId ?? 'dev-deployment-1';
    this.name = options.name ?? 'Development platform';
    this.ags = new PlatformAgs(this, this.faults, COURSE.id);
    this.nrps = new PlatformNrps(this, this.faults, COURSE);
    this.nrps.roster = (Object.values(PERSONAS) as Persona[]).map(
      (p): PlatformMember => ({ user_id: p.sub, roles: p.roles, status: 'Active', name: p.name, email: p.email }),
    );
    this.route(this.ags.route);
    this.route(this.nrps.route);
    this.toolJwksUrl = options.toolJwksUrl;
    this.tokenAudience = options.tokenAudience;
  }

  /** Start a platform on a free loopback port. */
  static async start(options: PlatformOptions = {}): Promise<DevPlatform> {
    const platform = new DevPlatform(options);
    platform.keys = [await makeKey()];
    platform.route(tokenRoute(platform));
    platform.deepLinkReturn = mountDeepLinkingReturn(platform);
    platform.storage = mountPlatformStorage(platform);
    await platform.listen();
    return platform;
  }

  get jwksUrl(): string {
    return `${this.url}/jwks`;
  }

  get authEndpoint(): string {
    return `${this.url}/auth`;
  }

  get tokenEndpoint(): string {
    return `${this.url}/token`;
  }

  /** The input for `store.registerPlatform()`. */
  registration(): RegisterPlatformInput {
    return {
      issuer: this.issuer,
      clientId: this.clientId,
      authEndpoint: this.authEndpoint,
      jwksUrl: this.jwksUrl,
      tokenEndpoint: this.tokenEndpoint,
      tokenAudience: this.tokenAudience ?? null,
      name: this.name,
    };
  }

  /** Issue an access token for `scopes` (what the token endpoint hands out). */
  issueAccessToken(scopes: string[], ttlSeconds = 3600): { token: string; expiresIn: number } {
    const token = randomUUID();
    this.accessTokens.set(token, { scopes, expiresAt: Date.now() + ttlSeconds * 1000 });
    return { token, expiresIn: ttlSeconds };
  }

  /** True when an `Authorization` header carries a live token granting `scope` (scheme in any case). */
  checkAccessToken(authorization: string | undefined, scope: string): boolean {
    const match = /^bearer\s+(\S+)$/i.exec(authorization ?? '');
    const entry = match ? this.accessTokens.get(match[1]) : undefined;
    return !!entry && entry.expiresAt > Date.now() && entry.scopes.includes(scope);
  }

  /** Add a feature's routes; they are tried in order before the built-in ones. */
  route(handler: PlatformRoute): void {
    this.routes.push(handler);
  }

  /** Sign with a new key; the old one stays published (as during a real rotation) unless `retireOld`. */
  async rotateKey(retireOld = false): Promise<SigningKey> {
    const key = await makeKey();
    this.keys = retireOld ? [key] : [key, ...this.keys];
    return key;
  }

  /** Sign `claims` as this platform (RS256 with the current key unless overridden). */
  async sign(claims: Record<string, unknown>, header: { kid?: string; key?: KeyLike; alg?: string } = {}): Promise<string> {
    const key = this.keys[0];
    return new SignJWT(claims)
      .setProtectedHeader({ alg: header.alg ?? 'RS256', kid: header.kid ?? key.kid, typ: 'JWT' })
      .sign(header.key ?? key.privateKey);
  }

  /** A complete, valid LtiResourceLinkRequest payload; `overrides` replace or (undefined) remove claims. */
  launchClaims(input: LaunchClaimsInput): Record<string, unknown> {
    return launchClaims(this, input);
  }

  /**
   * Answer an OIDC authentication request as the platform's auth endpoint does:
   * the id_token and state to post to redirect_uri. Throws on a bad request.
   */
  async authorize(query: URLSearchParams): Promise<{ redirectUri: string; idToken: string; state: string }> {
    const expect: Record<string, string> = { scope: 'openid', response_type: 'id_token', response_mode: 'form_post', prompt: 'none' };
    for (const [name, value] of Object.entries(expect)) {
      if (query.get(name) !== value) throw new Error(`${name} must be ${value}`);
    }
    if (query.get('client_id') !== this.clientId) throw new Error('unknown client_id');
    const redirectUri = query.get('redirect_uri');
    const nonce = query.get('nonce');
    const state = query.get('state');
    const loginHint = query.get('login_hint');
    if (!redirectUri || !nonce || !state || !loginHint) throw new Error('redirect_uri, nonce, state and login_hint are required');
    const persona = this.options.personaFor?.(loginHint) ?? PERSONAS[loginHint as keyof typeof PERSONAS] ?? PERSONAS.instructor;
    const rawHint = query.get('lti_message_hint');
    const hint = rawHint ? (JSON.parse(rawHint) as MessageHint & { targetLinkUri?: string }) : {};
    const idToken = await this.sign(
      this.launchClaims({ nonce, targetLinkUri: hint.targetLinkUri ?? redirectUri, persona, hint }),
    );
    return { redirectUri, idToken, state };
  }

  /**
   * Also serve the same routes over https on loopback, named `hostname` (a
   * browser test's platform site); resolves to that URL (`browserUrl`).
   */
  async listenTls(tls: { key: string | Buffer; cert: string | Buffer }, hostname = 'localhost'): Promise<string> {
    const server = https.createServer(tls, (req, res) => {
      this.handle(req, res).catch((err: Error) => {
        if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(`platform error: ${err.message}`);
      });
    });
    this.tlsServer = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.browserUrl = `https://${hostname}:${(server.address() as AddressInfo).port}`;
    return this.browserUrl;
  }

  /** Stop the server (hanging JWKS responses included). */
  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    this.faults.releaseHanging();
    this.tlsServer?.closeAllConnections();
    await new Promise<void>((resolve) => (this.tlsServer ? this.tlsServer.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
  }

  private async listen(): Promise<void> {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: Error) => {
        if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(`platform error: ${err.message}`);
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.options.port ?? 0, '127.0.0.1', () => {
        this.server!.off('error', reject);
        resolve();
      });
    });
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    this.issuer = this.options.issuer ?? this.url;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    for (const route of this.routes) if (await route(req, res, url)) return;
    if (url.pathname === '/jwks' || url.pathname === MOVED_JWKS_PATH) return serveJwks(this, res, url.pathname === MOVED_JWKS_PATH);
    if (url.pathname === '/auth') {
      const { redirectUri, idToken, state } = await this.authorize(url.searchParams);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      // A platform with storage names its storage frame in the launch too (as Canvas does).
      res.end(autoPostForm(redirectUri, { id_token: idToken, state, ...this.storage.launchFields() }));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  }

}

import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ConfigurationError, InvalidRequestError, LtiError } from '../errors';
import { formBodyParser } from '../http/form-body';
import { readParam, requestParams } from '../http/params';
import { isSecureUrl } from '../http/secure-url';
import type { LtiLogger } from '../logger';
import { safeText } from '../safe-text';
import { storeCall } from '../stores/store-call';
import type { Deployment, Registration } from '../stores/store';
import { closePage } from './close-page';
import { RegistrationRequestInvalidError, safeUrl } from './errors';
import { runExchange, type RegistrationStore } from './exchange';
import type { PlatformProfile } from './profiles';
import { checkToolDescription, type ToolDescription } from './tool-configuration';

/** Options of {@link ltiDynamicRegistration}. */
export interface LtiDynamicRegistrationOptions {
  /** Where the registration (and its deployment) is stored: `createKnexStore(db)`. */
  store: RegistrationStore;
  /** What the tool tells the platform about itself. */
  tool: ToolDescription;
  /**
   * New registrations wait for an admin's approval (`store.approveRegistration(id)`
   * or `express-lti registrations approve <id>`) before they can launch (default false).
   */
  requireApproval?: boolean;
  /** Called after the registration is stored, before the close page (an error goes to `next`; the registration stays). */
  onRegistered?: (registration: Registration, deployment: Deployment | undefined, req: Request) => void | Promise<void>;
  /**
   * Hosts the exchange may call although they resolve to private, loopback or
   * link-local addresses (on-premise LMSs, tests). In production every other
   * host must resolve to public addresses only.
   */
  allowHosts?: string[];
  /** One deadline for each call to the platform, in ms (default 10 000). */
  timeoutMs?: number;
  /** Largest answer read from the platform, in bytes (default 262 144). */
  maxBytes?: number;
  /** Profiles of platform families (default: Canvas, Moodle, Brightspace, Sakai). */
  profiles?: readonly PlatformProfile[];
  /** Nonce of your own Content-Security-Policy for the close page's script; without it the page sets its own CSP. */
  cspNonce?: (req: Request, res: Response) => string;
  /** Gets one line per registration and per refusal (never the registration token). pino-compatible. */
  logger?: LtiLogger & { info?(fields: Record<string, unknown>, message?: string): void };
}

/** Longest registration token accepted (Canvas and Moodle send JWTs of 1–2 kB). */
const MAX_TOKEN = 8192;

/**
 * The tool's Dynamic Registration URL (LTI Dynamic Registration 1.0 §3):
 * mount it for GET (and POST) at the URL you give platform admins. It fetches
 * the platform's OpenID configuration, registers the tool there, stores the
 * registration and deployment, and answers the page that closes the
 * platform's registration window. Every failure is a `DynamicRegistrationError`
 * (or `invalid_request`) passed to `next`, with nothing stored.
 */
export function ltiDynamicRegistration(options: LtiDynamicRegistrationOptions): RequestHandler {
  if (!options?.store || typeof options.store.registerPlatform !== 'function') {
    throw new ConfigurationError('ltiDynamicRegistration: store (with registerPlatform) is required.');
  }
  checkToolDescription(options.tool);
  for (const host of options.allowHosts ?? []) {
    if (typeof host !== 'string' || !host || host.includes('/')) throw new ConfigurationError('ltiDynamicRegistration: allowHosts lists host names, not URLs.');
  }
  const limits = { timeoutMs: options.timeoutMs ?? 10_000, maxBytes: options.maxBytes ?? 262_144, allowHosts: options.allowHosts ?? [] };
  const parseBody = formBodyParser(16_384);
  const { logger } = options;

  async function register(req: Request, res: Response): Promise<void> {
    if (req.method === 'POST') await parseBody(req, res);
    else if (req.method !== 'GET') throw new InvalidRequestError('openid_configuration', 'must come with GET or POST', 'LTI Dynamic Registration 1.0 §3.3');
    const params = requestParams(req);
    const openidConfiguration = readParam(params, 'openid_configuration', true, 2048);
    let token: string | undefined;
    try {
      token = readParam(params, 'registration_token', false, MAX_TOKEN);
    } catch {
      throw new RegistrationRequestInvalidError('The registration_token is not a single printable value.');
    }
    // Sent as a header: printable ASCII only (no header injection).
    if (token !== undefined && !/^[\x21-\x7e]+$/.test(token)) throw new RegistrationRequestInvalidError('The registration_token is not a single printable value.');
    if (!isSecureUrl(openidConfiguration)) {
      throw new RegistrationRequestInvalidError('openid_configuration must be an https URL (http only on loopback).');
    }
    // The URL a browser came with stays out of referrers and caches (it may carry the token).
    res.set({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });

    const result = await runExchange({
      ...limits,
      openidConfiguration,
      registrationToken: token,
      tool: options.tool,
      store: { registerPlatform: (input) => storeCall(() => options.store.registerPlatform(input)), findDeployment: (r, d) => options.store.findDeployment(r, d) },
      requireApproval: options.requireApproval ?? false,
      profiles: options.profiles,
    });
    const { registration, deploymentId } = result;
    const deployment = deploymentId === undefined ? undefined : await storeCall(() => options.store.findDeployment(registration, deploymentId));
    logger?.info?.(
      {
        event: 'lti.registered',
        issuer: safeText(registration.issuer, 256),
        clientId: safeText(registration.clientId, 256),
        registrationId: registration.id,
        deploymentId: deploymentId === undefined ? undefined : safeText(deploymentId, 256),
        productFamilyCode: safeText(result.platform.productFamilyCode, 64),
        awaitingApproval: registration.awaitingApproval === true,
      },
      'platform registered',
    );
    await options.onRegistered?.(registration, deployment, req);

    const nonce = options.cspNonce?.(req, res) ?? randomBytes(18).toString('base64');
    if (!options.cspNonce) res.set('Content-Security-Policy', `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; base-uri 'none'`);
    res.status(200).type('html').send(closePage(options.tool.name, registration.awaitingApproval === true, nonce));
  }

  return (req: Request, res: Response, next: NextFunction) => {
    register(req, res).catch((err: unknown) => {
      if (logger && err instanceof LtiError) {
        const params = requestParams(req);
        const url = typeof params.openid_configuration === 'string' ? safeUrl(params.openid_configuration) : undefined;
        try {
          logger.warn({ event: 'lti.registration_refused', code: err.code, status: err.status, openidConfiguration: url }, safeText(err.message, 1024));
        } catch {
          // A failing logger must not hide the refusal.
        }
      }
      next(err);
    });
  };
}

import { createHarness, type Harness, type HarnessOptions } from './harness';
import { ltiServices, type AccessTokens, type LtiServiceLaunch, type LtiServices, type LtiServicesOptions, type Registration } from '../../lib';

/** A harness plus `ltiServices()` and a saved launch of the dev platform's course. */
export interface ServiceHarness {
  h: Harness;
  services: LtiServices;
  /** A saved launch (as a job keeps it) of resource-link-1 with every AGS scope and NRPS. */
  launch: LtiServiceLaunch;
  /** Token requests made so far. */
  tokenRequests(): number;
  /** Service requests the platform received so far (all services). */
  serviceRequests(): number;
  close(): Promise<void>;
}

/** Test-only token source: the platform issues tokens directly (replaced by AccessTokenClient once merged). */
class DirectTokens implements AccessTokens {
  requests = 0;
  private readonly cache = new Map<string, string>();
  constructor(private readonly h: Harness) {}
  async get(_registration: Registration, scopes: string[]): Promise<string> {
    const key = scopes.join(' ');
    let token = this.cache.get(key);
    if (!token) {
      this.requests++;
      token = this.h.platform.issueAccessToken(scopes).token;
      this.cache.set(key, token);
    }
    return token;
  }
  invalidate(_registration: Registration, scopes: string[], token: string): void {
    if (this.cache.get(scopes.join(' ')) === token) this.cache.delete(scopes.join(' '));
  }
}

export async function createServiceHarness(
  options: Partial<Omit<LtiServicesOptions, 'store'>> = {},
  harness: HarnessOptions = {},
): Promise<ServiceHarness> {
  const h = await createHarness(harness);
  const tokens = new DirectTokens(h);
  const services = ltiServices({ store: h.store, tokens, retryBaseMs: 10, ...options });
  const launch: LtiServiceLaunch = {
    registrationId: h.registration.id,
    deploymentId: h.platform.deploymentId,
    ags: h.platform.ags.claim('resource-link-1') as unknown as LtiServiceLaunch['ags'],
    nrps: h.platform.nrps.claim() as unknown as LtiServiceLaunch['nrps'],
  };
  return {
    h,
    services,
    launch,
    tokenRequests: () => tokens.requests,
    serviceRequests: () => Object.values(h.platform.faults.requests).reduce((a, b) => a + b, 0),
    close: () => h.close(),
  };
}

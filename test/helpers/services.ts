import { createHarness, type Harness, type HarnessOptions } from './harness';
import { ltiServices, type LtiServiceLaunch, type LtiServices, type LtiServicesOptions } from '../../lib';

/** A harness plus `ltiServices()` and a saved launch of the dev platform's course. */
export interface ServiceHarness {
  h: Harness;
  services: LtiServices;
  /** A saved launch (as a job keeps it) of resource-link-1 with every AGS scope and NRPS. */
  launch: LtiServiceLaunch;
  /** Token requests the platform's token endpoint received so far. */
  tokenRequests(): number;
  /** Service requests the platform received so far (all services). */
  serviceRequests(): number;
  close(): Promise<void>;
}

export async function createServiceHarness(
  options: Partial<Omit<LtiServicesOptions, 'store'>> = {},
  harness: HarnessOptions = {},
): Promise<ServiceHarness> {
  const h = await createHarness(harness);
  // The real AccessTokenClient (the default) against the platform's token endpoint.
  const services = ltiServices({ store: h.store, retryBaseMs: 10, ...options });
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
    tokenRequests: () => h.platform.tokenRequests,
    serviceRequests: () => Object.values(h.platform.faults.requests).reduce((a, b) => a + b, 0),
    close: () => h.close(),
  };
}

import type { DeepLinkingSettingsClaim } from '../launch/claims';
import type { Registration } from '../stores/store';
import { NotDeepLinkingLaunchError } from './errors';

/**
 * What a Deep Linking response needs from the request it answers. `req.lti` of
 * an LtiDeepLinkingRequest is one; so is the plain object
 * {@link deepLinkingLaunch} makes, for a picker that answers on a later request.
 */
export interface DeepLinkingLaunch {
  messageType: string;
  /** The `deployment_id` of the request, echoed in the response. */
  deploymentId: string;
  /** `clientId` becomes the response's `iss`, `issuer` its `aud`. */
  registration: Pick<Registration, 'issuer' | 'clientId'>;
  /** The request's deep_linking_settings. */
  deepLinking?: DeepLinkingSettingsClaim;
}

/** A deep-linking launch whose settings are present. */
export type CheckedDeepLinkingLaunch = DeepLinkingLaunch & { deepLinking: DeepLinkingSettingsClaim };

/**
 * The part of `req.lti` a Deep Linking response needs, as plain JSON: keep it
 * in the session (`req.session.dl = deepLinkingLaunch(req.lti)`) when the
 * instructor picks content on a later page. Throws for another message type.
 */
export function deepLinkingLaunch(lti: DeepLinkingLaunch): CheckedDeepLinkingLaunch {
  const launch = requireDeepLinkingLaunch(lti);
  return {
    messageType: launch.messageType,
    deploymentId: launch.deploymentId,
    registration: { issuer: launch.registration.issuer, clientId: launch.registration.clientId },
    deepLinking: structuredClone(launch.deepLinking),
  };
}

/** Refuse anything but an LtiDeepLinkingRequest with its settings. */
export function requireDeepLinkingLaunch(launch: DeepLinkingLaunch | undefined): CheckedDeepLinkingLaunch {
  if (!launch || launch.messageType !== 'LtiDeepLinkingRequest' || !launch.deepLinking) {
    throw new NotDeepLinkingLaunchError(launch?.messageType);
  }
  return launch as CheckedDeepLinkingLaunch;
}

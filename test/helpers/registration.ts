import request from 'supertest';
import { ltiDynamicRegistration, ltiErrorHandler, type LtiDynamicRegistrationOptions, type ToolDescription } from '../../lib';
import { mountRegistration, type PlatformRegistration } from '../../dev/platform-registration';
import { LAUNCH_URL, TOOL, createHarness, type Harness, type HarnessOptions } from './harness';

export const SCORE = 'https://purl.imsglobal.org/spec/lti-ags/scope/score';
export const NRPS = 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly';

/** The tool's description, as a user writes it. */
export function toolDescription(h: Harness): ToolDescription {
  return {
    name: 'Quiz Tool',
    description: 'Quizzes for the course',
    loginUrl: `${TOOL}/lti/login`,
    launchUrl: LAUNCH_URL,
    jwksUrl: `${h.toolUrl}/lti/jwks`,
    scopes: [SCORE, NRPS, 'https://example.com/scope/not-offered'],
    messages: [
      { type: 'LtiDeepLinkingRequest', targetLinkUri: `${TOOL}/lti/launch`, label: 'Add a quiz' },
      { type: 'LtiSubmissionReviewRequest', label: 'Review' },
    ],
    claims: ['iss', 'sub', 'name', 'email', 'picture'],
  };
}

export interface RegistrationHarness extends Harness {
  reg: PlatformRegistration;
  /** GET the tool's registration URL with a fresh token; `params` replace the query. */
  register(params?: Record<string, string>): request.Test;
  counts(): Promise<{ registrations: number; deployments: number }>;
}

/**
 * The harness with no registration, the dev platform's registration side, and
 * ltiDynamicRegistration mounted at /lti/register (error handler after it).
 */
export async function createRegistrationHarness(
  options: Partial<LtiDynamicRegistrationOptions> = {},
  harness: HarnessOptions = {},
): Promise<RegistrationHarness> {
  const h = await createHarness(harness);
  await h.store.deleteRegistration(h.registration.id);
  const reg = mountRegistration(h.platform);
  h.app.all('/lti/register', ltiDynamicRegistration({ store: h.store, tool: toolDescription(h), logger: loggerOf(h), ...options }));
  h.app.use(ltiErrorHandler());
  return Object.assign(h, {
    reg,
    register(params?: Record<string, string>) {
      const query = params ?? { openid_configuration: reg.openidConfigurationUrl, registration_token: reg.issueToken() };
      return request(h.app).get('/lti/register').set('Accept', 'application/json').query(query);
    },
    async counts() {
      const [r] = await h.db('lti_registrations').count<{ count: string }[]>('* as count');
      const [d] = await h.db('lti_deployments').count<{ count: string }[]>('* as count');
      return { registrations: Number(r.count), deployments: Number(d.count) };
    },
  });
}

function loggerOf(h: Harness) {
  return {
    warn: (fields: Record<string, unknown>, message?: string) => void h.logs.push({ fields, message }),
    info: (fields: Record<string, unknown>, message?: string) => void h.logs.push({ fields, message }),
  };
}

// Shared by the launch-rejection test files: JSON error assertions, row counts, a launch with a hand-made token.
import assert from 'node:assert/strict';
import request from 'supertest';
import { LAUNCH_URL, createHarness, postLaunch, startLogin, type Agent, type Harness, type HarnessOptions } from './harness';

export type LtiErrorBody = { code: string; message: string; spec?: string };

/** Assert a JSON LtiError response: status and code, and return the error body. */
export function assertLtiError(res: request.Response, status: number, code: string): LtiErrorBody {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${res.text}`);
  assert.match(String(res.headers['content-type']), /application\/json/);
  assert.ok(res.body && typeof res.body.error === 'object', `no error body: ${res.text}`);
  assert.equal(res.body.error.code, code, res.text);
  assert.equal(typeof res.body.error.message, 'string');
  return res.body.error;
}

/** The nonces of the pending logins (lti_logins rows) not yet taken. */
export async function nonceRows(h: Harness): Promise<string[]> {
  return (await h.db('lti_logins').select('nonce')).map((r: { nonce: string }) => r.nonce);
}

export async function deploymentRows(h: Harness): Promise<number> {
  const [{ count }] = await h.db('lti_deployments').count({ count: '*' });
  return Number(count);
}

/**
 * Log in, then post a token made by `makeToken` from valid claims for that
 * login. Returns the response and the login's nonce and state.
 */
export async function launchWithToken(
  h: Harness,
  agent: Agent,
  makeToken: (claims: Record<string, unknown>) => Promise<string> | string,
  overrides?: Record<string, unknown>,
) {
  const { state, nonce } = await startLogin(h, agent);
  const claims = h.platform.launchClaims({ nonce, targetLinkUri: LAUNCH_URL, overrides });
  const idToken = await makeToken(claims);
  const res = await postLaunch(agent, { id_token: idToken, state });
  return { res, state, nonce, idToken };
}

export const now = () => Math.floor(Date.now() / 1000);

/** A harness and one browser (cookie jar) on it; deployments auto-created unless `options` say otherwise. */
export async function harnessWithAgent(
  options: HarnessOptions = { launch: { autoCreateDeployments: true } },
): Promise<{ h: Harness; agent: Agent }> {
  const h = await createHarness(options);
  return { h, agent: request.agent(h.app) };
}

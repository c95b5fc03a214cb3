import type { NextFunction, Request, Response } from 'express';
import type { LtiIdTokenClaims } from './claims';
import { storeCall } from '../stores/store-call';
import type { Deployment, LtiStore, Registration } from '../stores/store';

/** What `onDeploymentNotFound` is told about the launch. */
export interface DeploymentNotFoundInfo {
  registration: Registration;
  /** The platform's deployment id; trusted (the token is verified by now). */
  deploymentId: string;
  /** The verified id_token payload. */
  claims: LtiIdTokenClaims;
}

/**
 * Called instead of failing when a launch names an unknown deployment. Answer
 * the request (e.g. redirect to onboarding) or call `next(err)` to fail; `next()`
 * without an error is treated as a configuration error (there is no `req.lti`).
 */
export type DeploymentNotFoundHook = (
  req: Request,
  res: Response,
  next: NextFunction,
  info: DeploymentNotFoundInfo,
) => void | Promise<void>;

/** The deployment for a verified launch: found, auto-created, or undefined. */
export async function resolveDeployment(
  store: LtiStore,
  registration: Registration,
  deploymentId: string,
  autoCreate: boolean,
): Promise<Deployment | undefined> {
  const found = await storeCall(() => store.findDeployment(registration, deploymentId));
  if (found || !autoCreate) return found;
  return storeCall(() => store.createDeployment(registration, deploymentId));
}

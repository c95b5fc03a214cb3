// Development only: the simulated LMS that `npm start` runs next to the tool.
import { DevPlatform } from '../dev/platform';
import type { KnexStore } from '../lib'; // in your app: from 'express-lti'
import { startDevPlatformPage } from './dev-platform-page';

/**
 * The development platform's issuer: fixed, not its (random) port, so that with
 * DATABASE_URL every start updates the same registration (registerPlatform
 * upserts on issuer + client id: new endpoints and keys, same id and
 * deployments) instead of adding one per start.
 */
export const DEV_PLATFORM_ISSUER = 'http://127.0.0.1/dev-platform';

/** A second deployment on the page (another department of the same LMS, say). */
export const SECOND_DEPLOYMENT = 'dev-deployment-2';

export interface Development {
  platform: DevPlatform;
  /** The platform's launch page (what a person opens). */
  pageUrl: string;
  close(): Promise<void>;
}

/** Start the platform, (re)register it with the tool, and serve its page. */
export async function startDevelopment(store: KnexStore, toolUrl: string): Promise<Development> {
  const platform = await DevPlatform.start({ toolJwksUrl: `${toolUrl}/lti/jwks`, issuer: DEV_PLATFORM_ISSUER });
  try {
    await store.registerPlatform(platform.registration());
    // Its default deployment is not registered: the first launch shows the tool's onboarding.
    const page = await startDevPlatformPage(platform, toolUrl, [platform.deploymentId, SECOND_DEPLOYMENT]);
    return {
      platform,
      pageUrl: page.url,
      async close() {
        await page.close();
        await platform.close();
      },
    };
  } catch (err) {
    await platform.close();
    throw err;
  }
}

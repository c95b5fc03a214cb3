// Development only: the simulated LMS that `npm start` runs next to the tool.
import { DevPlatform } from '../dev/platform';
import type { KnexStore } from '../lib'; // in your app: from 'express-lti'
import { mountRegistration } from '../dev/platform-registration';
import { startDevPlatformPage } from './dev-platform-page';

/**
 * The development platform's port: stable (DEV_PLATFORM_PORT, default the
 * tool's port + 1), so its issuer (its URL) is too, and with DATABASE_URL every
 * start updates the same registration (registerPlatform upserts on issuer +
 * client id) instead of adding one per start. The issuer must be its own URL:
 * Dynamic Registration requires the OpenID configuration URL to start with it.
 */
export function devPlatformPort(toolUrl: string, env: NodeJS.ProcessEnv = process.env): number {
  if (env.DEV_PLATFORM_PORT !== undefined) return Number(env.DEV_PLATFORM_PORT);
  const toolPort = Number(new URL(toolUrl).port);
  return toolPort > 0 && toolPort < 65535 ? toolPort + 1 : 0;
}

async function startPlatform(toolUrl: string): Promise<DevPlatform> {
  const port = devPlatformPort(toolUrl);
  const options = { toolJwksUrl: `${toolUrl}/lti/jwks` };
  try {
    return await DevPlatform.start({ ...options, port });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0) throw err;
    console.warn(`Development platform: port ${port} is busy; using another (with DATABASE_URL, a new registration is added).`);
    return DevPlatform.start(options);
  }
}

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
  const platform = await startPlatform(toolUrl);
  try {
    mountRegistration(platform); // its "Register tool" button runs Dynamic Registration with the tool
    // The course page (/course?n=3) shows the tool in iframes and keeps logins in platform storage.
    platform.storage.tool = { loginUrl: `${toolUrl}/lti/login`, targetLinkUri: `${toolUrl}/lti/launch` };
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

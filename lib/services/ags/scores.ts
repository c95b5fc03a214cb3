import type { LtiLaunchContext } from '../../launch/launch-context';
import { SERVICE_SPEC } from '../call-errors';
import { grantedAgsScope, resolveLaunch, type LtiServiceLaunch } from '../service-launch';
import { AGS_SCOPE, MEDIA_TYPE } from '../scopes';
import type { ServiceContext } from './context';
import { lineItemUrl } from './line-items';
import type { PublishScoreOptions, Score } from './types';
import { lineItemChildUrl } from './urls';
import { scoreBody } from './validate';

/**
 * POST a score to `{lineitem}/scores`. Repeated after a 5xx or timeout: the
 * platform must ignore a score whose timestamp is not newer (AGS 2.0 §3.4), and
 * the timestamp is fixed before the first attempt.
 */
export async function publishScore(ctx: ServiceContext, input: LtiServiceLaunch | LtiLaunchContext, score: Score, options: PublishScoreOptions = {}): Promise<void> {
  const body = scoreBody(score);
  const launch = await resolveLaunch(ctx.store, input);
  const scope = grantedAgsScope(launch, [AGS_SCOPE.score]);
  const url = lineItemChildUrl(lineItemUrl(launch, options.lineItem), 'scores');
  await ctx.caller.call({
    registration: launch.registration, scope, method: 'POST', url,
    contentType: MEDIA_TYPE.score, body, repeatable: true, spec: SERVICE_SPEC.scores,
  });
}

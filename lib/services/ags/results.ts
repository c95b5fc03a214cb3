import type { LtiLaunchContext } from '../../launch/launch-context';
import { LineItemMissingError, SERVICE_SPEC, ServiceBadResponseError } from '../call-errors';
import { grantedAgsScope, resolveLaunch, type LtiServiceLaunch } from '../service-launch';
import { AGS_SCOPE, MEDIA_TYPE } from '../scopes';
import type { ServiceContext } from './context';
import { lineItemUrl } from './line-items';
import type { GetResultsOptions, Result } from './types';
import { lineItemChildUrl, withQuery } from './urls';

const spec = SERVICE_SPEC.results;

/** Every result of a line item (optionally of one user), across pages. */
export async function getResults(ctx: ServiceContext, input: LtiServiceLaunch | LtiLaunchContext, options: GetResultsOptions = {}): Promise<Result[]> {
  const launch = await resolveLaunch(ctx.store, input);
  const scope = grantedAgsScope(launch, [AGS_SCOPE.resultReadonly]);
  const url = withQuery(lineItemChildUrl(lineItemUrl(launch, options.lineItem), 'results'), { user_id: options.userId, limit: options.limit });
  const results: Result[] = [];
  const pages = ctx.caller.pages({
    registration: launch.registration, scope, method: 'GET', url, accept: MEDIA_TYPE.resultContainer, repeatable: true, spec,
    notFound: (details) => new LineItemMissingError('The platform has no such line item.', 404, details),
  });
  for await (const page of pages) {
    if (!Array.isArray(page.json)) {
      throw new ServiceBadResponseError('The platform answered with a result container that is not an array.', spec, { url: page.url, platformStatus: page.status, body: page.excerpt });
    }
    for (const result of page.json) {
      if (result === null || typeof result !== 'object') throw new ServiceBadResponseError('A result is not an object.', spec, { url: page.url, platformStatus: page.status });
      results.push(result as Result);
    }
    if (results.length > ctx.caller.limits.maxItems) throw new ServiceBadResponseError(`More than ${ctx.caller.limits.maxItems} results (maxItems).`, spec, { url: page.url });
  }
  return results;
}

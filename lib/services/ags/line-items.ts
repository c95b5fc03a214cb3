import type { LtiLaunchContext } from '../../launch/launch-context';
import { InvalidServiceLaunchError, LineItemMissingError, SERVICE_SPEC, ServiceBadResponseError } from '../call-errors';
import { grantedAgsScope, resolveLaunch, type LtiServiceLaunch, type ResolvedLaunch } from '../service-launch';
import { AGS_SCOPE, MEDIA_TYPE } from '../scopes';
import type { ServiceContext } from './context';
import type { ListLineItemsOptions, LineItem } from './types';
import { withQuery } from './urls';
import { checkLineItem } from './validate';

type Launch = LtiServiceLaunch | LtiLaunchContext;
const READ = [AGS_SCOPE.lineItemReadonly, AGS_SCOPE.lineItem];
const spec = SERVICE_SPEC.lineItems;

function lineItemsUrl(launch: ResolvedLaunch): string {
  const url = launch.ags?.lineitems;
  if (typeof url !== 'string' || url === '') throw new InvalidServiceLaunchError('The launch\'s AGS claim has no lineitems URL.', SERVICE_SPEC.agsClaim);
  return url;
}

/** `given`, which must be a line item URL: update and delete never fall back to the launch's line item. */
function explicitUrl(given: string): string {
  if (typeof given !== 'string' || given === '') throw new LineItemMissingError('updateLineItem and deleteLineItem need the line item URL (item.id).', 400);
  return given;
}

/**
 * A line item URL given by the app must be on the origin of the launch's AGS
 * endpoints: the access token goes with the request, so a URL taken from user
 * input must never send it elsewhere.
 */
export function checkLineItemOrigin(launch: ResolvedLaunch, url: string): string {
  const origins = [launch.ags?.lineitems, launch.ags?.lineitem].flatMap((u) => {
    try {
      return typeof u === 'string' ? [new URL(u).origin] : [];
    } catch {
      return [];
    }
  });
  let origin: string | undefined;
  try {
    origin = new URL(url).origin;
  } catch {
    origin = undefined;
  }
  if (origin === undefined || !origins.includes(origin)) {
    throw new InvalidServiceLaunchError('The line item URL is not on the origin of the launch\'s AGS endpoints.', SERVICE_SPEC.agsClaim);
  }
  return url;
}

/** The given line item URL (same origin as the claim's), else the launch claim's `lineitem`. */
export function lineItemUrl(launch: ResolvedLaunch, given: string | undefined): string {
  const url = given ?? launch.ags?.lineitem;
  if (typeof url !== 'string' || url === '') {
    throw new LineItemMissingError('No line item given, and the launch\'s AGS claim has no lineitem.', 400);
  }
  return given === undefined ? url : checkLineItemOrigin(launch, url);
}

const notFound = (details: { platformStatus: number; url: string; body: string }) => new LineItemMissingError('The platform has no such line item.', 404, details);

function asLineItem(value: unknown, url: string, platformStatus: number): LineItem {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ServiceBadResponseError('The platform answered with something that is not a line item.', spec, { url, platformStatus });
  }
  return value as LineItem;
}

/** Every line item of the context, across pages. */
export async function listLineItems(ctx: ServiceContext, input: Launch, options: ListLineItemsOptions = {}): Promise<LineItem[]> {
  const launch = await resolveLaunch(ctx.store, input);
  const scope = grantedAgsScope(launch, READ);
  const url = withQuery(lineItemsUrl(launch), {
    resource_link_id: options.resourceLinkId,
    resource_id: options.resourceId,
    tag: options.tag,
    limit: options.limit,
  });
  const items: LineItem[] = [];
  for await (const page of ctx.caller.pages({ registration: launch.registration, scope, method: 'GET', url, accept: MEDIA_TYPE.lineItemContainer, repeatable: true, spec })) {
    if (!Array.isArray(page.json)) {
      throw new ServiceBadResponseError('The platform answered with a line item container that is not an array.', spec, { url: page.url, platformStatus: page.status, body: page.excerpt });
    }
    for (const item of page.json) items.push(asLineItem(item, page.url, page.status));
    if (items.length > ctx.caller.limits.maxItems) throw new ServiceBadResponseError(`More than ${ctx.caller.limits.maxItems} line items (maxItems).`, spec, { url: page.url });
  }
  return items;
}

/** Create a line item (never repeated after a 5xx or timeout: it might create two). */
export async function createLineItem(ctx: ServiceContext, input: Launch, item: LineItem): Promise<LineItem> {
  checkLineItem(item);
  const launch = await resolveLaunch(ctx.store, input);
  const scope = grantedAgsScope(launch, [AGS_SCOPE.lineItem]);
  const { id: _ignored, ...body } = item;
  const res = await ctx.caller.call({
    registration: launch.registration, scope, method: 'POST', url: lineItemsUrl(launch),
    accept: MEDIA_TYPE.lineItem, contentType: MEDIA_TYPE.lineItem, body, repeatable: false, spec,
  });
  return asLineItem(res.json, res.url, res.status);
}

/** One line item (default: the launch's). */
export async function getLineItem(ctx: ServiceContext, input: Launch, lineItem?: string): Promise<LineItem> {
  const launch = await resolveLaunch(ctx.store, input);
  const scope = grantedAgsScope(launch, READ);
  const url = lineItemUrl(launch, lineItem);
  const res = await ctx.caller.call({ registration: launch.registration, scope, method: 'GET', url, accept: MEDIA_TYPE.lineItem, repeatable: true, spec, notFound });
  return asLineItem(res.json, res.url, res.status);
}

/** Replace a line item (PUT; safe to repeat). */
export async function updateLineItem(ctx: ServiceContext, input: Launch, lineItem: string, item: LineItem): Promise<LineItem> {
  checkLineItem(item);
  const url = explicitUrl(lineItem);
  const launch = await resolveLaunch(ctx.store, input);
  const scope = grantedAgsScope(launch, [AGS_SCOPE.lineItem]);
  checkLineItemOrigin(launch, url);
  const res = await ctx.caller.call({
    registration: launch.registration, scope, method: 'PUT', url,
    accept: MEDIA_TYPE.lineItem, contentType: MEDIA_TYPE.lineItem, body: { ...item, id: url }, repeatable: true, spec, notFound,
  });
  return res.json === undefined ? { ...item, id: url } : asLineItem(res.json, res.url, res.status);
}

/** Delete a line item (safe to repeat). */
export async function deleteLineItem(ctx: ServiceContext, input: Launch, lineItem: string): Promise<void> {
  const url = explicitUrl(lineItem);
  const launch = await resolveLaunch(ctx.store, input);
  const scope = grantedAgsScope(launch, [AGS_SCOPE.lineItem]);
  checkLineItemOrigin(launch, url);
  await ctx.caller.call({ registration: launch.registration, scope, method: 'DELETE', url, repeatable: true, spec, notFound });
}

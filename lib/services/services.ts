import type { LtiLaunchContext } from '../launch/launch-context';
import { ConfigurationError } from '../errors';
import type { ToolKeySource } from '../keys/tool-key-source';
import { AccessTokenClient } from './access-token';
import type { ServiceContext } from './ags/context';
import { createLineItem, deleteLineItem, getLineItem, listLineItems, updateLineItem } from './ags/line-items';
import { getResults } from './ags/results';
import { publishScore } from './ags/scores';
import type { GetResultsOptions, LineItem, ListLineItemsOptions, PublishScoreOptions, Result, Score } from './ags/types';
import { members, membership } from './nrps/membership';
import type { Membership, MembershipOptions, NrpsMember } from './nrps/types';
import { ServiceCaller, type AccessTokens, type ServiceCallOptions } from './service-call';
import type { LtiServiceLaunch, ServiceStore } from './service-launch';

/** A launch a service call accepts: `req.lti`, `req.session.lti`, or a saved {@link LtiServiceLaunch}. */
export type ServiceLaunchInput = LtiServiceLaunch | LtiLaunchContext;

/** Options of {@link ltiServices}. */
export interface LtiServicesOptions extends ServiceCallOptions {
  /**
   * Finds the registration of a saved launch, and (without `tokens`) signs client
   * assertions with the tool's key: the knex store does both.
   */
  store: ServiceStore & Partial<ToolKeySource>;
  /**
   * Where access tokens come from. Default: an `AccessTokenClient` on `store`
   * (cache per registration and scope, one request in flight, `timeoutMs`).
   * Pass one to share its cache between several `ltiServices()`.
   */
  tokens?: AccessTokens;
}

/** The AGS 2.0 and NRPS 2.0 calls. Every call fails with an `LtiServiceError` subclass. */
export interface LtiServices {
  /** Every line item of the context (AGS `lineitems`), across pages. Scope: lineitem.readonly, else lineitem. */
  listLineItems(launch: ServiceLaunchInput, options?: ListLineItemsOptions): Promise<LineItem[]>;
  /** Create a line item. Scope: lineitem. Never retried after a 5xx/timeout. */
  createLineItem(launch: ServiceLaunchInput, item: LineItem): Promise<LineItem>;
  /** One line item (default: the launch's `lineitem`). Scope: lineitem.readonly, else lineitem. */
  getLineItem(launch: ServiceLaunchInput, lineItem?: string): Promise<LineItem>;
  /** Replace a line item (PUT). Scope: lineitem. */
  updateLineItem(launch: ServiceLaunchInput, lineItem: string, item: LineItem): Promise<LineItem>;
  /** Delete a line item. Scope: lineitem. */
  deleteLineItem(launch: ServiceLaunchInput, lineItem: string): Promise<void>;
  /** Publish a score to `{lineitem}/scores` (default: the launch's `lineitem`). Scope: score. */
  publishScore(launch: ServiceLaunchInput, score: Score, options?: PublishScoreOptions): Promise<void>;
  /** Every result of a line item, across pages. Scope: result.readonly. */
  getResults(launch: ServiceLaunchInput, options?: GetResultsOptions): Promise<Result[]>;
  /** Every member of the context, fetched page by page as you iterate. Scope: contextmembership.readonly. */
  members(launch: ServiceLaunchInput, options?: MembershipOptions): AsyncIterable<NrpsMember>;
  /** The membership with its context and `differences` link; members page by page. */
  membership(launch: ServiceLaunchInput, options?: MembershipOptions): Promise<Membership>;
}

/**
 * The service calls of a tool: AGS line items, scores and results, NRPS
 * memberships. Tokens are asked for exactly the scope a call needs; a call that
 * needs a scope the launch does not grant fails before any request.
 */
export function ltiServices(options: LtiServicesOptions): LtiServices {
  if (!options?.store || typeof options.store.findRegistrationById !== 'function') {
    throw new ConfigurationError('ltiServices: options.store must implement findRegistrationById (the knex store does).');
  }
  const { store, tokens: given, ...limits } = options;
  let tokens = given;
  if (!tokens) {
    if (typeof store.signingKey !== 'function') {
      throw new ConfigurationError('ltiServices: without options.tokens, options.store must provide the tool key (signingKey), as the knex store does.');
    }
    tokens = new AccessTokenClient({ keys: store as ToolKeySource, timeoutMs: limits.timeoutMs });
  }
  const ctx: ServiceContext = { store, caller: new ServiceCaller(tokens, limits) };
  return {
    listLineItems: (launch, opts) => listLineItems(ctx, launch, opts),
    createLineItem: (launch, item) => createLineItem(ctx, launch, item),
    getLineItem: (launch, lineItem) => getLineItem(ctx, launch, lineItem),
    updateLineItem: (launch, lineItem, item) => updateLineItem(ctx, launch, lineItem, item),
    deleteLineItem: (launch, lineItem) => deleteLineItem(ctx, launch, lineItem),
    publishScore: (launch, score, opts) => publishScore(ctx, launch, score, opts),
    getResults: (launch, opts) => getResults(ctx, launch, opts),
    members: (launch, opts) => members(ctx, launch, opts),
    membership: (launch, opts) => membership(ctx, launch, opts),
  };
}

/** The context of a membership container. Sakai may omit `label` and `title`. */
export interface NrpsContext {
  id: string;
  label?: string;
  title?: string;
}

/**
 * A member (NRPS 2.0). Only `user_id` and `roles` are sure: platforms leave out
 * `name`, `email` and the rest under privacy settings.
 */
export interface NrpsMember {
  user_id: string;
  roles: string[];
  status?: 'Active' | 'Inactive' | 'Deleted' | string;
  name?: string;
  given_name?: string;
  family_name?: string;
  middle_name?: string;
  email?: string;
  picture?: string;
  lis_person_sourcedid?: string;
  [extension: string]: unknown;
}

/** Options of {@link LtiServices.members} and {@link LtiServices.membership}. */
export interface MembershipOptions {
  /** Only members with this role (a role URI or a short name such as `Learner`). */
  role?: string;
  /** Page size asked of the platform (it may use another). */
  limit?: number;
  /** Members of one resource link (`rlid`), for its message claims. */
  resourceLinkId?: string;
  /** Read this URL instead of the claim's (e.g. a `differencesUrl()` saved earlier; same origin only). */
  url?: string;
}

/** An open membership read: the context, the members page by page, the `differences` link. */
export interface Membership {
  /** The context of the first page (`{ id }` at least; undefined if the platform sent none). */
  context?: NrpsContext;
  /**
   * Every member across pages, fetched one page at a time as you iterate (memory
   * stays flat). Iterate it once; stopping early stops fetching.
   */
  members: AsyncIterable<NrpsMember>;
  /**
   * The `Link: rel="differences"` URL the platform sent (NRPS 2.0): pass it later as
   * `{ url }` to read only the changes. Known from the first page; updated by later pages.
   */
  differencesUrl(): string | undefined;
}

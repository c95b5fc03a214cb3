import { LtiError } from '../errors';

const DL = 'LTI Deep Linking 2.0';

/**
 * `sendDeepLinkingResponse()` was called with a launch that is not an
 * LtiDeepLinkingRequest (or has no deep_linking_settings). 400: the user
 * reached a content picker from a launch that cannot return content.
 */
export class NotDeepLinkingLaunchError extends LtiError {
  constructor(readonly messageType: string | undefined) {
    super(
      'deep_linking_not_requested',
      400,
      `A Deep Linking response answers an LtiDeepLinkingRequest; this launch is ${JSON.stringify(messageType ?? 'unknown')}.`,
      `${DL} §4.4, §4.5`,
    );
  }
}

/**
 * The platform's deep_linking_settings do not accept these items: a type not in
 * `accept_types`, several items without `accept_multiple`, a presentation target
 * or media type it did not offer. 400: what was picked does not fit this request.
 */
export class DeepLinkingItemNotAcceptedError extends LtiError {
  constructor(
    /** Index of the item at fault in the list given (-1 for the list as a whole). */
    readonly index: number,
    problem: string,
    spec = `${DL} §4.4.1`,
  ) {
    super('deep_linking_item_not_accepted', 400, `${index >= 0 ? `Content item ${index}` : 'The content items'}: ${problem}.`, spec);
  }
}

/**
 * A content item (or a response option) is malformed: a missing or non-https
 * URL, a non-positive scoreMaximum, a date that is not ISO 8601, a custom value
 * that is not a string… 500: the tool's code built it.
 */
export class DeepLinkingInvalidItemError extends LtiError {
  constructor(
    /** Index of the item at fault (-1 for a response option). */
    readonly index: number,
    /** The member at fault, in the spec's JSON name (e.g. `lineItem.scoreMaximum`). */
    readonly field: string,
    problem: string,
    spec = `${DL} §3`,
  ) {
    super('deep_linking_invalid_item', 500, `${index >= 0 ? `Content item ${index}` : 'The response'}: ${field} ${problem}.`, spec);
  }
}

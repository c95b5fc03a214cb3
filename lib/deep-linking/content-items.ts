/**
 * Deep Linking 2.0 content items (DL §3). The TypeScript names are the
 * spec's JSON member names, so an item serialises as written; `toContentItemJson`
 * copies only the members the spec defines (plus URI-named `extensions`).
 */

/** An icon or thumbnail (DL §3.1, §3.2). */
export interface DeepLinkingImageRef {
  url: string;
  width?: number;
  height?: number;
}

/** Open in a new window (DL §3.1 `window`). */
export interface DeepLinkingWindow {
  targetName?: string;
  width?: number;
  height?: number;
  /** Comma-separated window features, as for `window.open()`. */
  windowFeatures?: string;
}

/** Embed in an iframe (DL §3.1/§3.2 `iframe`; `src` is for `link` items). */
export interface DeepLinkingIframe {
  width?: number;
  height?: number;
  src?: string;
}

/** A start/end window in ISO 8601 date-times (DL §3.2 `available`, `submission`). */
export interface DeepLinkingTimeWindow {
  startDateTime?: string;
  endDateTime?: string;
}

/** A gradebook column the platform creates with the link (DL §3.2 `lineItem`). */
export interface DeepLinkingLineItem {
  /** Greater than 0. */
  scoreMaximum: number;
  label?: string;
  resourceId?: string;
  tag?: string;
  gradesReleased?: boolean;
}

interface ItemBase {
  title?: string;
  /** Plain text. */
  text?: string;
  /**
   * Vendor extension members, added to the item as they are. Names must be
   * URIs (contain `:`), so they never replace a member of the spec.
   */
  extensions?: Record<string, unknown>;
}

/** A link that launches back into this tool (DL §3.2). */
export interface LtiResourceLinkItem extends ItemBase {
  type: 'ltiResourceLink';
  /** Launch URL; the platform uses the tool's default URL when absent. */
  url?: string;
  icon?: DeepLinkingImageRef;
  thumbnail?: DeepLinkingImageRef;
  lineItem?: DeepLinkingLineItem;
  /** Custom parameters sent on every launch of the link: string values only. */
  custom?: Record<string, string>;
  window?: DeepLinkingWindow;
  iframe?: Omit<DeepLinkingIframe, 'src'>;
  available?: DeepLinkingTimeWindow;
  submission?: DeepLinkingTimeWindow;
}

/** A plain link to any web page (DL §3.1). */
export interface LinkItem extends ItemBase {
  type: 'link';
  url: string;
  icon?: DeepLinkingImageRef;
  thumbnail?: DeepLinkingImageRef;
  /** HTML the platform may embed instead of a link. */
  embed?: { html: string };
  window?: DeepLinkingWindow;
  iframe?: DeepLinkingIframe;
}

/** A file to download (DL §3.3). */
export interface FileItem extends ItemBase {
  type: 'file';
  url: string;
  icon?: DeepLinkingImageRef;
  thumbnail?: DeepLinkingImageRef;
  /** Checked against `accept_media_types` when the platform sent it. */
  mediaType?: string;
  /** ISO 8601: the URL stops working then. */
  expiresAt?: string;
}

/** An HTML fragment to embed (DL §3.4). */
export interface HtmlItem extends ItemBase {
  type: 'html';
  html: string;
}

/** An image to show (DL §3.5). */
export interface ImageItem extends ItemBase {
  type: 'image';
  url: string;
  icon?: DeepLinkingImageRef;
  thumbnail?: DeepLinkingImageRef;
  width?: number;
  height?: number;
}

/** One content item of a Deep Linking response; `type` tells which. */
export type DeepLinkingContentItem = LtiResourceLinkItem | LinkItem | FileItem | HtmlItem | ImageItem;

/** The `type` values this library builds. */
export const CONTENT_ITEM_TYPES = ['ltiResourceLink', 'link', 'file', 'html', 'image'] as const;

/** The members each type may carry (besides `type` and `extensions`). */
export const ITEM_MEMBERS: Record<DeepLinkingContentItem['type'], readonly string[]> = {
  ltiResourceLink: ['url', 'title', 'text', 'icon', 'thumbnail', 'lineItem', 'custom', 'window', 'iframe', 'available', 'submission'],
  link: ['url', 'title', 'text', 'icon', 'thumbnail', 'embed', 'window', 'iframe'],
  file: ['url', 'title', 'text', 'icon', 'thumbnail', 'mediaType', 'expiresAt'],
  html: ['html', 'title', 'text'],
  image: ['url', 'title', 'text', 'icon', 'thumbnail', 'width', 'height'],
};

const NESTED_MEMBERS: Record<string, readonly string[]> = {
  icon: ['url', 'width', 'height'],
  thumbnail: ['url', 'width', 'height'],
  lineItem: ['label', 'scoreMaximum', 'resourceId', 'tag', 'gradesReleased'],
  window: ['targetName', 'width', 'height', 'windowFeatures'],
  iframe: ['width', 'height', 'src'],
  available: ['startDateTime', 'endDateTime'],
  submission: ['startDateTime', 'endDateTime'],
  embed: ['html'],
};

function pick(source: Record<string, unknown>, members: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of members) if (source[name] !== undefined) out[name] = source[name];
  return out;
}

/** The item as the spec's JSON (an already validated item): known members only, undefined ones left out. */
export function toContentItemJson(item: DeepLinkingContentItem): Record<string, unknown> {
  const source = item as unknown as Record<string, unknown>;
  const json: Record<string, unknown> = { type: item.type };
  for (const name of ITEM_MEMBERS[item.type]) {
    const value = source[name];
    if (value === undefined) continue;
    const nested = NESTED_MEMBERS[name];
    // custom is copied whole: its names are the tool's own.
    json[name] = nested ? pick(value as Record<string, unknown>, nested) : name === 'custom' ? { ...(value as object) } : value;
  }
  return { ...json, ...(item.extensions ?? {}) };
}

import type { DeepLinkingSettingsClaim } from '../launch/claims';
import { isSecureUrl } from '../http/secure-url';
import { CONTENT_ITEM_TYPES, ITEM_MEMBERS, type DeepLinkingContentItem } from './content-items';
import { DeepLinkingInvalidItemError, DeepLinkingItemNotAcceptedError } from './errors';

type Json = Record<string, unknown>;

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
const MEDIA_TYPE = /^[\w.+-]+\/[\w.+-]+$/;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** https, or http on loopback outside production (development platforms). */
export function isAllowedUrl(value: unknown): boolean {
  if (typeof value !== 'string' || !isSecureUrl(value)) return false;
  return process.env.NODE_ENV !== 'production' || new URL(value).protocol === 'https:';
}

/** Checks of one item, with the index and member path for the error. */
class ItemChecker {
  constructor(readonly index: number) {}

  fail(field: string, problem: string, spec?: string): never {
    throw new DeepLinkingInvalidItemError(this.index, field, problem, spec);
  }

  string(value: unknown, field: string, required = false): void {
    if (value === undefined && !required) return;
    if (typeof value !== 'string' || (required && value === '')) this.fail(field, required ? 'must be a non-empty string' : 'must be a string');
  }

  url(value: unknown, field: string, required = false): void {
    if (value === undefined && !required) return;
    if (!isAllowedUrl(value)) this.fail(field, 'must be an absolute https URL', 'LTI Deep Linking 2.0 §3; LTI Core 1.3 §3.5');
  }

  size(value: unknown, field: string): void {
    if (value !== undefined && !(Number.isInteger(value) && (value as number) > 0)) this.fail(field, 'must be a positive integer');
  }

  members(value: unknown, field: string, allowed: readonly string[]): Json {
    if (!isObject(value)) this.fail(field, 'must be an object');
    const unknown = Object.keys(value).find((name) => !allowed.includes(name));
    if (unknown !== undefined) this.fail(`${field}.${unknown}`, `is not a member of ${field} (allowed: ${allowed.join(', ')})`);
    return value;
  }

  image(value: unknown, field: string): void {
    if (value === undefined) return;
    const ref = this.members(value, field, ['url', 'width', 'height']);
    this.url(ref.url, `${field}.url`, true);
    this.size(ref.width, `${field}.width`);
    this.size(ref.height, `${field}.height`);
  }

  dateTime(value: unknown, field: string): number | undefined {
    if (value === undefined) return undefined;
    const time = typeof value === 'string' && ISO_DATE_TIME.test(value) ? Date.parse(value) : NaN;
    if (Number.isNaN(time)) this.fail(field, 'must be an ISO 8601 date-time with a time zone (e.g. 2026-03-01T09:00:00Z)');
    return time;
  }

  timeWindow(value: unknown, field: string): void {
    if (value === undefined) return;
    const window = this.members(value, field, ['startDateTime', 'endDateTime']);
    const start = this.dateTime(window.startDateTime, `${field}.startDateTime`);
    const end = this.dateTime(window.endDateTime, `${field}.endDateTime`);
    if (start !== undefined && end !== undefined && end < start) this.fail(`${field}.endDateTime`, 'is before startDateTime');
  }
}

/** Is `mediaType` among `accept_media_types` (comma-separated, `type/*` wildcards)? */
function mediaTypeAccepted(mediaType: string, accepted: string): boolean {
  const wanted = mediaType.toLowerCase();
  return accepted
    .split(',')
    .map((entry) => entry.split(';')[0].trim().toLowerCase())
    .some((entry) => entry === '*/*' || entry === wanted || (entry.endsWith('/*') && wanted.startsWith(entry.slice(0, -1))));
}

function checkPresentation(index: number, item: Json, settings: DeepLinkingSettingsClaim): void {
  for (const target of ['window', 'iframe', 'embed'] as const) {
    if (item[target] !== undefined && !settings.accept_presentation_document_targets.includes(target)) {
      throw new DeepLinkingItemNotAcceptedError(
        index,
        `presentation "${target}" is not in accept_presentation_document_targets (${settings.accept_presentation_document_targets.join(', ')})`,
      );
    }
  }
}

function checkItem(index: number, raw: unknown, settings: DeepLinkingSettingsClaim): void {
  const c: ItemChecker = new ItemChecker(index);
  if (!isObject(raw)) c.fail('item', 'must be an object');
  const type = raw.type;
  if (typeof type !== 'string' || !(CONTENT_ITEM_TYPES as readonly string[]).includes(type)) {
    c.fail('type', `must be one of ${CONTENT_ITEM_TYPES.join(', ')}`);
  }
  const item = c.members(raw, 'item', ['type', 'extensions', ...ITEM_MEMBERS[type as DeepLinkingContentItem['type']]]);
  if (!settings.accept_types.includes(type)) {
    throw new DeepLinkingItemNotAcceptedError(index, `type "${type}" is not in accept_types (${settings.accept_types.join(', ')})`);
  }
  checkPresentation(index, item, settings);

  c.string(item.title, 'title');
  c.string(item.text, 'text');
  c.url(item.url, 'url', type !== 'ltiResourceLink' && type !== 'html');
  c.image(item.icon, 'icon');
  c.image(item.thumbnail, 'thumbnail');
  if (item.window !== undefined) {
    const window = c.members(item.window, 'window', ['targetName', 'width', 'height', 'windowFeatures']);
    c.string(window.targetName, 'window.targetName');
    c.string(window.windowFeatures, 'window.windowFeatures');
    c.size(window.width, 'window.width');
    c.size(window.height, 'window.height');
  }
  if (item.iframe !== undefined) {
    const iframe = c.members(item.iframe, 'iframe', type === 'link' ? ['width', 'height', 'src'] : ['width', 'height']);
    c.size(iframe.width, 'iframe.width');
    c.size(iframe.height, 'iframe.height');
    c.url(iframe.src, 'iframe.src');
  }
  if (item.embed !== undefined) c.string(c.members(item.embed, 'embed', ['html']).html, 'embed.html', true);
  if (item.lineItem !== undefined) {
    const lineItem = c.members(item.lineItem, 'lineItem', ['label', 'scoreMaximum', 'resourceId', 'tag', 'gradesReleased']);
    const max = lineItem.scoreMaximum;
    if (typeof max !== 'number' || !Number.isFinite(max) || max <= 0) c.fail('lineItem.scoreMaximum', 'must be a number greater than 0', 'LTI Deep Linking 2.0 §3.2; LTI AGS 2.0');
    for (const name of ['label', 'resourceId', 'tag']) c.string(lineItem[name], `lineItem.${name}`);
    if (lineItem.gradesReleased !== undefined && typeof lineItem.gradesReleased !== 'boolean') c.fail('lineItem.gradesReleased', 'must be a boolean');
  }
  if (item.custom !== undefined) {
    const custom = item.custom;
    if (!isObject(custom)) c.fail('custom', 'must be an object of strings');
    for (const [name, value] of Object.entries(custom)) {
      if (name === '' || typeof value !== 'string') c.fail(`custom.${name}`, 'must be a string (custom parameter values are strings)', 'LTI Deep Linking 2.0 §3.2; LTI Core 1.3 §5.4.6');
    }
  }
  c.timeWindow(item.available, 'available');
  c.timeWindow(item.submission, 'submission');
  if (item.mediaType !== undefined) {
    if (typeof item.mediaType !== 'string' || !MEDIA_TYPE.test(item.mediaType)) c.fail('mediaType', 'must be a media type such as application/pdf');
    if (settings.accept_media_types !== undefined && !mediaTypeAccepted(item.mediaType, settings.accept_media_types)) {
      throw new DeepLinkingItemNotAcceptedError(index, `media type "${item.mediaType}" is not in accept_media_types (${settings.accept_media_types})`);
    }
  }
  c.dateTime(item.expiresAt, 'expiresAt');
  if (type === 'html') c.string(item.html, 'html', true);
  c.size(item.width, 'width');
  c.size(item.height, 'height');
  if (item.extensions !== undefined) {
    const extensions = item.extensions;
    if (!isObject(extensions)) c.fail('extensions', 'must be an object');
    for (const name of Object.keys(extensions)) if (!name.includes(':')) c.fail(`extensions.${name}`, 'must be named with a URI (it would replace a member of the spec)');
  }
}

/**
 * Check items against the request's deep_linking_settings before anything is
 * signed: each throws a typed error, so no JWT leaves with an item the platform
 * refused or a malformed one.
 */
export function validateContentItems(items: unknown, settings: DeepLinkingSettingsClaim): asserts items is DeepLinkingContentItem[] {
  if (!Array.isArray(items)) throw new DeepLinkingInvalidItemError(-1, 'content_items', 'must be an array');
  if (items.length > 1 && settings.accept_multiple !== true) {
    throw new DeepLinkingItemNotAcceptedError(-1, `${items.length} items, but the platform accepts one (accept_multiple is not true)`);
  }
  items.forEach((item, index) => checkItem(index, item, settings));
}

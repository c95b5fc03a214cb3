import { InvalidLineItemError, InvalidScoreError } from '../call-errors';
import { ACTIVITY_PROGRESS, GRADING_PROGRESS, type LineItem, type Score } from './types';

/** ISO 8601 with sub-second precision and an offset (AGS 2.0 §3.4 `timestamp`). */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{1,9}(Z|[+-]\d{2}:\d{2})$/;

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v !== '';

/** The score as sent: checked against AGS 2.0 §3.4, `timestamp` filled in. Throws {@link InvalidScoreError}. */
export function scoreBody(score: Score, now = new Date()): Record<string, unknown> {
  if (score === null || typeof score !== 'object') throw new InvalidScoreError('score', 'must be an object');
  if (!isNonEmptyString(score.userId)) throw new InvalidScoreError('userId', 'is required (a non-empty string)');
  if (!(ACTIVITY_PROGRESS as readonly unknown[]).includes(score.activityProgress)) {
    throw new InvalidScoreError('activityProgress', `must be one of ${ACTIVITY_PROGRESS.join(', ')}`);
  }
  if (!(GRADING_PROGRESS as readonly unknown[]).includes(score.gradingProgress)) {
    throw new InvalidScoreError('gradingProgress', `must be one of ${GRADING_PROGRESS.join(', ')}`);
  }
  if (score.scoreGiven !== undefined) {
    if (!isFiniteNumber(score.scoreGiven) || score.scoreGiven < 0) throw new InvalidScoreError('scoreGiven', 'must be a number of 0 or more');
    if (score.scoreMaximum === undefined) throw new InvalidScoreError('scoreMaximum', 'is required with scoreGiven');
  }
  if (score.scoreMaximum !== undefined && (!isFiniteNumber(score.scoreMaximum) || score.scoreMaximum <= 0)) {
    throw new InvalidScoreError('scoreMaximum', 'must be a number greater than 0');
  }
  if (score.comment !== undefined && typeof score.comment !== 'string') throw new InvalidScoreError('comment', 'must be a string');
  if (score.scoringUserId !== undefined && !isNonEmptyString(score.scoringUserId)) throw new InvalidScoreError('scoringUserId', 'must be a non-empty string');
  let timestamp: string;
  if (score.timestamp === undefined) timestamp = now.toISOString();
  else if (score.timestamp instanceof Date) {
    if (Number.isNaN(score.timestamp.getTime())) throw new InvalidScoreError('timestamp', 'is an invalid Date');
    timestamp = score.timestamp.toISOString();
  } else if (typeof score.timestamp === 'string' && TIMESTAMP.test(score.timestamp) && !Number.isNaN(Date.parse(score.timestamp))) {
    timestamp = score.timestamp;
  } else {
    throw new InvalidScoreError('timestamp', 'must be ISO 8601 with milliseconds and an offset (e.g. 2026-01-01T10:00:00.000Z)');
  }
  return { ...score, timestamp };
}

/** Checks a line item to create or update (AGS 2.0 §3.2). Throws {@link InvalidLineItemError}. */
export function checkLineItem(item: LineItem): void {
  if (item === null || typeof item !== 'object') throw new InvalidLineItemError('lineItem', 'must be an object');
  if (!isNonEmptyString(item.label) || item.label.trim() === '') throw new InvalidLineItemError('label', 'is required (a non-blank string)');
  if (!isFiniteNumber(item.scoreMaximum) || item.scoreMaximum <= 0) throw new InvalidLineItemError('scoreMaximum', 'must be a number greater than 0');
  for (const field of ['resourceId', 'resourceLinkId', 'tag', 'startDateTime', 'endDateTime'] as const) {
    if (item[field] !== undefined && typeof item[field] !== 'string') throw new InvalidLineItemError(field, 'must be a string');
  }
}

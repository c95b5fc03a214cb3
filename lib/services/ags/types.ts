/** A line item (a gradebook column), AGS 2.0 §3.2. Extension fields are kept as they are. */
export interface LineItem {
  /** The line item's URL; set by the platform. */
  id?: string;
  label: string;
  scoreMaximum: number;
  resourceId?: string;
  resourceLinkId?: string;
  tag?: string;
  startDateTime?: string;
  endDateTime?: string;
  gradesReleased?: boolean;
  [extension: string]: unknown;
}

/** `activityProgress` values of AGS 2.0 §3.4. */
export const ACTIVITY_PROGRESS = ['Initialized', 'Started', 'InProgress', 'Submitted', 'Completed'] as const;
/** `gradingProgress` values of AGS 2.0 §3.4. */
export const GRADING_PROGRESS = ['FullyGraded', 'Pending', 'PendingManual', 'Failed', 'NotReady'] as const;
/** One of {@link ACTIVITY_PROGRESS}. */
export type ActivityProgress = (typeof ACTIVITY_PROGRESS)[number];
/** One of {@link GRADING_PROGRESS}. */
export type GradingProgress = (typeof GRADING_PROGRESS)[number];

/** A score to publish (AGS 2.0 §3.4). `timestamp` defaults to now. */
export interface Score {
  /** The platform's user id (`sub` of the learner's launch). */
  userId: string;
  scoreGiven?: number;
  /** Required when `scoreGiven` is given; more than 0. */
  scoreMaximum?: number;
  comment?: string;
  activityProgress: ActivityProgress;
  gradingProgress: GradingProgress;
  /** ISO 8601 with milliseconds and an offset, or a Date (default: now). */
  timestamp?: string | Date;
  scoringUserId?: string;
  submission?: { startedAt?: string; submittedAt?: string };
  [extension: string]: unknown;
}

/** A result (AGS 2.0 §3.3): the platform's current grade of one user for one line item. */
export interface Result {
  id: string;
  scoreOf: string;
  userId: string;
  resultScore?: number;
  resultMaximum?: number;
  scoringUserId?: string;
  comment?: string;
  [extension: string]: unknown;
}

/** Filters of {@link LtiServices.listLineItems}. */
export interface ListLineItemsOptions {
  resourceLinkId?: string;
  resourceId?: string;
  tag?: string;
  /** Page size asked of the platform (it may use another). */
  limit?: number;
}

/** Options of {@link LtiServices.getResults}. */
export interface GetResultsOptions {
  /** The line item URL (default: the launch's AGS claim `lineitem`). */
  lineItem?: string;
  userId?: string;
  limit?: number;
}

/** Options of {@link LtiServices.publishScore}. */
export interface PublishScoreOptions {
  /** The line item URL (default: the launch's AGS claim `lineitem`). */
  lineItem?: string;
}

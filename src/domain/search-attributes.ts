// Custom search attributes, registered by `metronome stack up` on the dev server (and by
// `temporal operator search-attribute create` in production, see README). They let an operator
// type "the cycle of 2026-12" or "reminders of invitation X" in the Temporal Web UI.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SEARCH_ATTRIBUTES = {
  MetronomeJob: 'Keyword',
  MetronomeMonth: 'Keyword',
  MetronomeOwnerId: 'Keyword',
  /** The invitations a reminders workflow looks after: `MetronomeInvitationIds = '<id>'` finds it. */
  MetronomeInvitationIds: 'KeywordList',
} as const;

export const JOB_KEY = defineSearchAttributeKey('MetronomeJob', SearchAttributeType.KEYWORD);
export const MONTH_KEY = defineSearchAttributeKey('MetronomeMonth', SearchAttributeType.KEYWORD);
export const OWNER_KEY = defineSearchAttributeKey('MetronomeOwnerId', SearchAttributeType.KEYWORD);
export const INVITATIONS_KEY = defineSearchAttributeKey('MetronomeInvitationIds', SearchAttributeType.KEYWORD_LIST);
/** Set by Temporal on every workflow a Schedule starts: the slot's time, also for backfills. */
export const SCHEDULED_START_TIME_KEY = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

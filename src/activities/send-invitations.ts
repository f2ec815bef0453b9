// Sends one batch of invitations, at most once each, even when the activity is retried, runs
// twice (a timed-out attempt still alive) or its worker is killed half way:
//   1. send a small round of invitations at once through the pooled transport, each claimed (a
//      unique claim document, see delivery-claim.ts) just before the server accepts it
//      (claimed-send.ts);
//   2. record each outcome: sent / failed (permanent) / claim released (transient: retry later).
// An invitation whose claim exists but which was never recorded lost its worker between its
// claim and the recording: it may or may not have reached the server, so it is never sent again,
// but marked sent with `deliveryUnconfirmed` and counted apart.
import { activityInfo, ApplicationFailure, cancellationSignal, heartbeat } from '@temporalio/activity';
import mongoose, { Types } from 'mongoose';
import { claimGate, claimsCollection, deliveryClaimId, getModels, releaseDelivery, type InvitationDoc } from '../db/models';
import { transientSmtpFailure } from '../mail/rate-limit';
import { invitationMail } from '../mail/templates';
import { invitationBatchDuration, invitationFailures, invitationsSent } from '../observability/metrics';
import { sendClaimed, type ClaimedSendOutcome } from './claimed-send';
import type { ActivityDeps } from './deps';
import { scheduleRemindersForInvitations } from './schedule-reminders';

export interface SendBatchInput { month: string; invitationIds: string[]; runKey: string }
export interface SendBatchResult { sent: number; failed: number; unconfirmed: number; skipped: number }

/** Mails sent at once, their outcomes recorded in one write: enough to keep the pooled connections busy. */
const ROUND_SIZE = 10;

type Recipient = Pick<InvitationDoc, '_id' | 'ownerId' | 'email' | 'token' | 'status' | 'tracking' | 'remindersCancelledAt'>;
type Outcome = ClaimedSendOutcome & { id: Types.ObjectId };
/** An outcome to record: every one but a claim another attempt holds. */
type Settled = Exclude<Outcome, { status: 'taken' }>;

export function attemptKey(): string {
  const info = activityInfo();
  return `${info.workflowExecution?.workflowId ?? 'standalone'}/${info.activityId}/${info.attempt}`;
}

export function createSendInvitationActivities(deps: ActivityDeps) {
  const { Invitation, DeliveryClaim } = getModels(deps.db);
  const invitations = Invitation.collection;

  async function sendOne(doc: Recipient, month: string, claimOne: (id: string) => Promise<boolean>): Promise<Outcome> {
    const mail = invitationMail({ to: doc.email, token: doc.token, invitationId: String(doc._id), month, baseUrl: deps.config.mail.invitationBaseUrl });
    return { id: doc._id, ...await sendClaimed(deps, mail, () => claimOne(String(doc._id))) };
  }

  function recordOperation(outcome: Settled, runKey: string, now: Date): mongoose.mongo.AnyBulkWriteOperation {
    // By _id alone: the claim already makes this attempt the only writer, and an exact _id match
    // is the one filter every MongoDB-protocol server answers from its primary index.
    const filter = { _id: outcome.id };
    if (outcome.status === 'sent') {
      return { updateOne: { filter, update: { $set: { status: 'sent', 'tracking.sentAt': now, 'tracking.messageId': outcome.messageId, 'tracking.runKey': runKey, updatedAt: now }, $inc: { 'tracking.attempts': 1 } } } };
    }
    if (outcome.status === 'failed') {
      return { updateOne: { filter, update: { $set: { status: 'failed', 'tracking.failedAt': now, 'tracking.failureReason': outcome.reason, 'tracking.runKey': runKey, updatedAt: now }, $inc: { 'tracking.attempts': 1 } } } };
    }
    return { updateOne: { filter, update: { $set: { 'tracking.failureReason': outcome.reason, updatedAt: now }, $inc: { 'tracking.attempts': 1 } } } };
  }

  /** Invitations still `created` whose claim exists: their sender died mid-exchange. */
  async function settleOrphans(docs: Recipient[], runKey: string): Promise<number> {
    const created = docs.filter((d) => d.status === 'created');
    if (created.length === 0) return 0;
    const claims = await claimsCollection(DeliveryClaim).find({ _id: { $in: created.map((d) => deliveryClaimId(String(d._id), 'invitation')) } }, { projection: { _id: 1 } }).toArray();
    if (claims.length === 0) return 0;
    const orphanIds = claims.map((c) => new Types.ObjectId(String(c._id).split(':')[0]));
    const now = new Date();
    const result = await invitations.updateMany(
      { _id: { $in: orphanIds }, status: 'created' },
      { $set: { status: 'sent', 'tracking.sentAt': now, 'tracking.deliveryUnconfirmed': true, 'tracking.runKey': runKey, updatedAt: now } },
    );
    for (const d of docs) {
      if (orphanIds.some((o) => o.equals(d._id))) Object.assign(d, { status: 'sent', tracking: { ...d.tracking, runKey, sentAt: now } });
    }
    return result.modifiedCount;
  }

  return {
    async sendInvitationBatch(input: SendBatchInput): Promise<SendBatchResult> {
      const stopTimer = invitationBatchDuration.startTimer();
      try {
        const result = await sendBatch(input);
        stopTimer({ outcome: 'completed' });
        return result;
      } catch (error) {
        stopTimer({ outcome: 'failed' });
        throw error;
      }
    },
  };

  async function sendBatch({ month, invitationIds, runKey }: SendBatchInput): Promise<SendBatchResult> {
      const claim = attemptKey();
      const docs = await invitations
        .find({ _id: { $in: invitationIds.map((id) => new Types.ObjectId(id)) } }, { projection: { _id: 1, ownerId: 1, email: 1, token: 1, status: 1, 'tracking.runKey': 1, 'tracking.sentAt': 1, remindersCancelledAt: 1 } })
        .toArray() as Recipient[];
      const result: SendBatchResult = { sent: 0, failed: 0, unconfirmed: await settleOrphans(docs, runKey), skipped: 0 };
      invitationFailures.inc({ kind: 'unconfirmed' }, result.unconfirmed);
      const todo = docs.filter((d) => d.status === 'created');
      // Handled by an earlier run (not by an earlier attempt of this one): what a re-run skips.
      result.skipped = docs.filter((d) => d.status !== 'created' && d.tracking?.runKey !== runKey).length;

      let transient = 0;
      let lostClaims = 0;
      let firstTransient: string | undefined;
      const claimOne = claimGate(DeliveryClaim, 'invitation', claim);
      for (let start = 0; start < todo.length; start += ROUND_SIZE) {
        // A timed-out attempt learns it was replaced at its next heartbeat: stop sending then.
        if (cancellationSignal().aborted) throw ApplicationFailure.retryable('cancelled by Temporal (timed out or replaced)', 'Cancelled');
        const round = todo.slice(start, start + ROUND_SIZE);
        const all = await Promise.all(round.map((d) => sendOne(d, month, claimOne)));
        lostClaims += all.filter((o) => o.status === 'taken').length;
        const outcomes = all.filter((o): o is Settled => o.status !== 'taken');
        if (outcomes.length > 0) {
          const at = new Date();
          await invitations.bulkWrite(outcomes.map((o) => recordOperation(o, runKey, at)), { ordered: false });
          for (const o of outcomes) if (o.status !== 'retry') Object.assign(round.find((d) => d._id === o.id)!, { status: o.status, tracking: { runKey, sentAt: o.status === 'sent' ? at : undefined } });
        }
        for (const o of outcomes) {
          if (o.status === 'sent') result.sent += 1;
          else if (o.status === 'failed') result.failed += 1;
          else {
            invitationFailures.inc({ kind: 'transient' });
            if (o.claimed) await releaseDelivery(DeliveryClaim, String(o.id), 'invitation', claim);
            transient += 1;
            firstTransient ??= o.reason;
          }
        }
        invitationsSent.inc(outcomes.filter((o) => o.status === 'sent').length);
        invitationFailures.inc({ kind: 'permanent' }, outcomes.filter((o) => o.status === 'failed').length);
        heartbeat({ done: start + round.length, of: todo.length });
      }

      // The statuses were just read and written here: no need to read them again, unless another
      // attempt holds some claims (it may have sent those meanwhile).
      await scheduleRemindersForInvitations(deps, { month, invitationIds, ...(lostClaims === 0 ? { known: docs } : {}) });
      if (transient > 0) {
        throw transientSmtpFailure(`${transient} of ${todo.length} invitations hit a transient SMTP failure (first: ${firstTransient}); they are sent on the next attempt`);
      }
      return result;
  }
}

// Sends the due reminders of a few invitations, at most once each per reminder type: the
// reminder is claimed (a `<invitationId>:<type>` claim document) just before the server accepts
// the mail (claimed-send.ts), and a claim left by a dead attempt is never sent again.
import { heartbeat } from '@temporalio/activity';
import { Types } from 'mongoose';
import { claimGate, getModels, releaseDelivery, type InvitationDoc } from '../db/models';
import { reminderVerdict, type ReminderType } from '../domain/reminder-policy';
import { transientSmtpFailure } from '../mail/rate-limit';
import { reminderMail } from '../mail/templates';
import type { ReminderOutcome } from '../workflows/reminder-signals';
import { sendClaimed } from './claimed-send';
import type { ActivityDeps } from './deps';
import { attemptKey } from './send-invitations';

export interface SendRemindersInput { month: string; type: ReminderType; invitationIds: string[] }

type ReminderDoc = Pick<InvitationDoc, '_id' | 'ownerId' | 'email' | 'token' | 'status' | 'expiresAt' | 'remindersCancelledAt' | 'reminders'>;

export function createReminderActivities(deps: ActivityDeps) {
  const { Invitation, User, DeliveryClaim } = getModels(deps.db);

  async function ownersWantingReminders(ownerIds: Types.ObjectId[]): Promise<Set<string>> {
    const owners = await User.collection.find({ _id: { $in: ownerIds } }, { projection: { 'preferences.remindersEnabled': 1, 'metadata.isActive': 1 } }).toArray();
    return new Set(owners
      .filter((o) => (o.preferences as { remindersEnabled?: boolean } | undefined)?.remindersEnabled !== false)
      .map((o) => String(o._id)));
  }

  return {
    async sendReminders({ month, type, invitationIds }: SendRemindersInput): Promise<Record<string, ReminderOutcome>> {
      const claim = attemptKey();
      const docs = await Invitation.collection.find({ _id: { $in: invitationIds.map((id) => new Types.ObjectId(id)) } }).toArray() as ReminderDoc[];
      const wanting = await ownersWantingReminders([...new Set(docs.map((d) => String(d.ownerId)))].map((id) => new Types.ObjectId(id)));
      const now = new Date();
      const outcomes: Record<string, ReminderOutcome> = {};
      for (const id of invitationIds) outcomes[id] = 'not-delivered'; // unknown id: deleted by cleanup

      const sendable: ReminderDoc[] = [];
      for (const doc of docs) {
        const verdict = reminderVerdict(doc, type, wanting.has(String(doc.ownerId)), now);
        outcomes[String(doc._id)] = verdict === 'send' ? 'pending' : verdict;
        if (verdict === 'send') sendable.push(doc);
      }
      if (sendable.length === 0) return outcomes;

      const claimOne = claimGate(DeliveryClaim, type, claim);
      let transient = 0;
      let firstTransient = '';
      for (const doc of sendable) {
        const id = String(doc._id);
        const mail = reminderMail({ to: doc.email, token: doc.token, invitationId: id, month, baseUrl: deps.config.mail.invitationBaseUrl, reminder: type });
        const outcome = await sendClaimed(deps, mail, () => claimOne(id));
        if (outcome.status === 'taken') {
          outcomes[id] = 'already-sent';
        } else if (outcome.status === 'sent') {
          await Invitation.updateOne({ _id: doc._id }, { $push: { reminders: { type, sentAt: new Date(), messageId: outcome.messageId } } });
          outcomes[id] = 'sent';
        } else if (outcome.status === 'failed') {
          await Invitation.updateOne({ _id: doc._id }, { $push: { reminders: { type, failedAt: new Date(), failureReason: outcome.reason } } });
          outcomes[id] = 'failed';
        } else {
          // Not accepted by the server: give the claim back so the retry sends it.
          if (outcome.claimed) await releaseDelivery(DeliveryClaim, id, type, claim);
          transient += 1;
          firstTransient ||= outcome.reason;
        }
        heartbeat();
      }
      if (transient > 0) throw transientSmtpFailure(`${transient} reminders hit a transient SMTP failure (first: ${firstTransient})`);
      return outcomes;
    },
  };
}

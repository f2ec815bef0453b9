// The first, trivial activity: proves a worker can reach MongoDB and SMTP end to end.
// Idempotent like every activity here: a retry after the mail went out does not send it again.
import type { ActivityDeps } from './deps';

export interface SmokeInput { checkId: string; recipient: string }
export interface SmokeResult { checkId: string; users: number; messageId: string; alreadySent: boolean }

interface SmokeCheckDoc { _id: string; recipient: string; createdAt: Date; sentAt?: Date; messageId?: string }

export function createSmokeActivities({ db, mailer }: Pick<ActivityDeps, 'db' | 'mailer'>) {
  const checks = () => db.collection<SmokeCheckDoc>('smoke_checks');
  return {
    async smokeCheck({ checkId, recipient }: SmokeInput): Promise<SmokeResult> {
      await checks().updateOne({ _id: checkId }, { $setOnInsert: { recipient, createdAt: new Date() } }, { upsert: true });
      const users = await db.collection('users').countDocuments();
      const existing = await checks().findOne({ _id: checkId });
      if (existing?.messageId) return { checkId, users, messageId: existing.messageId, alreadySent: true };
      const sent = await mailer.send({
        to: recipient,
        subject: 'Metronome smoke check',
        text: `This mail proves that a Metronome worker reached MongoDB (${users} users) and this SMTP server.\nCheck id: ${checkId}\n`,
        headers: { 'X-Metronome-Kind': 'smoke', 'X-Metronome-Check': checkId },
      });
      await checks().updateOne({ _id: checkId }, { $set: { sentAt: new Date(), messageId: sent.messageId } });
      return { checkId, users, messageId: sent.messageId, alreadySent: false };
    },
  };
}

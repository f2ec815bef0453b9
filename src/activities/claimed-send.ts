// One mail sent at most once under its delivery claim, the claim taken at the last moment that
// still lets us take the mail back: the server has the whole message but not the final "." that
// makes it accept it (Mailer.send's beforeCommit).
//   - killed before the claim: no claim, the server drops the half-sent mail, the retry sends it;
//   - killed after it: the claim says "it may have gone" and the mail is never sent again; only
//     the few milliseconds between the claim and the server's answer are truly ambiguous.
// Claiming a whole round before sending, as we first did, made every mail of the round
// ambiguous when a worker died: the chaos suite lost 39 of 20,166 invitations to three kill -9s.
import type { OutgoingMail } from '../mail/mailer';
import { acquireSendSlot } from '../mail/rate-limit';
import { classifySmtpError } from '../mail/smtp-errors';
import type { ActivityDeps } from './deps';

export type ClaimedSendOutcome =
  | { status: 'sent'; messageId: string }
  /** Another attempt holds the claim: it sends (or sent) this mail. */
  | { status: 'taken' }
  /** Refused for good (5xx, malformed address). */
  | { status: 'failed'; reason: string }
  /** Not accepted, worth retrying; `claimed` if the claim was taken and must be given back. */
  | { status: 'retry'; reason: string; claimed: boolean };

class ClaimTaken extends Error {}

export async function sendClaimed(deps: ActivityDeps, mail: OutgoingMail, claimOne: () => Promise<boolean>): Promise<ClaimedSendOutcome> {
  let claim: 'won' | 'taken' | 'error' | undefined;
  let messageId: string;
  try {
    await acquireSendSlot(deps);
    ({ messageId } = await deps.mailer.send(mail, {
      beforeCommit: async () => {
        try {
          claim = (await claimOne()) ? 'won' : 'taken';
        } catch (error) {
          claim = 'error';
          throw error;
        }
        if (claim === 'taken') throw new ClaimTaken('claimed by another attempt');
      },
    }));
  } catch (error) {
    if (claim === 'taken') return { status: 'taken' };
    if (claim === 'error') return { status: 'retry', reason: `delivery claim not recorded: ${error instanceof Error ? error.message : String(error)}`, claimed: false };
    const failure = classifySmtpError(error);
    return failure.permanent ? { status: 'failed', reason: failure.reason } : { status: 'retry', reason: failure.reason, claimed: claim === 'won' };
  }
  if (claim !== 'won') throw new Error('the mailer sent a mail without taking its delivery claim (beforeCommit not called)');
  return { status: 'sent', messageId };
}

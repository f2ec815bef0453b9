// The mails of the invitation cycle. Every mail carries X-Metronome-* headers so the catcher,
// the tests and an operator reading raw mail can tell invitations from reminders.
import type { OutgoingMail } from './mailer';

export interface InvitationMailInput { to: string; token: string; invitationId: string; month: string; baseUrl: string }

export function invitationLink(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${encodeURIComponent(token)}`;
}

export function invitationMail({ to, token, invitationId, month, baseUrl }: InvitationMailInput): OutgoingMail {
  const link = invitationLink(baseUrl, token);
  return {
    to,
    subject: `Your invitation for ${month}`,
    text: `Hello,\n\nYou are invited to answer this month's form (${month}).\nOpen your personal link: ${link}\n\nIf you do not want these mails, open the link and choose to opt out.\n`,
    html: `<p>Hello,</p><p>You are invited to answer this month's form (${month}).</p><p><a href="${link}">Open your personal link</a></p><p>If you do not want these mails, open the link and choose to opt out.</p>`,
    headers: { 'X-Metronome-Kind': 'invitation', 'X-Metronome-Invitation': invitationId },
  };
}

export function reminderMail(input: InvitationMailInput & { reminder: 'first' | 'second' }): OutgoingMail {
  const link = invitationLink(input.baseUrl, input.token);
  const kind = input.reminder === 'first' ? 'reminder-1' : 'reminder-2';
  return {
    to: input.to,
    subject: `${input.reminder === 'first' ? 'Reminder' : 'Last reminder'}: your invitation for ${input.month}`,
    text: `Hello,\n\nYou have not answered your invitation for ${input.month} yet.\nYour personal link: ${link}\n`,
    html: `<p>Hello,</p><p>You have not answered your invitation for ${input.month} yet.</p><p><a href="${link}">Open your personal link</a></p>`,
    headers: { 'X-Metronome-Kind': kind, 'X-Metronome-Invitation': input.invitationId },
  };
}

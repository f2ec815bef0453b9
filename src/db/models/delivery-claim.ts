// The lock that makes sending at-most-once: before the server accepts a mail (see
// src/activities/claimed-send.ts for the exact moment), a claim document is inserted with a deterministic _id (`<invitationId>:invitation`, `<invitationId>:first`, …). Inserting a
// unique _id is atomic on every MongoDB-protocol server — FerretDB v1 included, whose conditional
// updates are not atomic under concurrency — so of two attempts racing for one mail, one wins.
import { Schema, type Connection, type Model, type mongo } from 'mongoose';
import { groupCommit } from '../group-commit';

export const DELIVERY_CLAIMS_COLLECTION = 'delivery_claims';
export type DeliveryKind = 'invitation' | 'first' | 'second';

export interface DeliveryClaimDoc {
  /** `<invitationId>:<kind>` */
  _id: string;
  /** workflow id / activity id / attempt that holds it */
  claim: string;
  claimedAt: Date;
}

export type DeliveryClaimModel = Model<DeliveryClaimDoc>;

export function deliveryClaimId(invitationId: string, kind: DeliveryKind): string {
  return `${invitationId}:${kind}`;
}

export const deliveryClaimSchema = new Schema<DeliveryClaimDoc>(
  { _id: { type: String, required: true }, claim: { type: String, required: true }, claimedAt: { type: Date, required: true } },
  { collection: DELIVERY_CLAIMS_COLLECTION, versionKey: false },
);
deliveryClaimSchema.index({ claimedAt: 1 });

export function registerDeliveryClaimModel(conn: Connection): DeliveryClaimModel {
  return conn.model<DeliveryClaimDoc>('DeliveryClaim', deliveryClaimSchema);
}

/** The driver's collection, typed: claims have string ids, which mongoose's generic typing does not expect. */
export function claimsCollection(model: DeliveryClaimModel): mongo.Collection<DeliveryClaimDoc> {
  return model.collection as unknown as mongo.Collection<DeliveryClaimDoc>;
}

interface BulkInsertError { code?: number; writeErrors?: { index: number; code?: number; err?: { index?: number; code?: number } }[] }

/**
 * Inserts the claims of `ids` and returns those this caller won (the others exist already).
 * Ordered:false so one taken claim does not stop the rest.
 */
export async function claimDeliveries(model: DeliveryClaimModel, invitationIds: string[], kind: DeliveryKind, claim: string): Promise<Set<string>> {
  if (invitationIds.length === 0) return new Set();
  const claimedAt = new Date();
  const docs = invitationIds.map((id) => ({ _id: deliveryClaimId(id, kind), claim, claimedAt }));
  const won = new Set(invitationIds);
  try {
    await claimsCollection(model).insertMany(docs, { ordered: false });
  } catch (error) {
    const e = error as BulkInsertError;
    if (e.code !== 11000 && !e.writeErrors?.length) throw error;
    for (const w of e.writeErrors ?? []) {
      if ((w.code ?? w.err?.code) !== 11000) throw error;
      won.delete(invitationIds[w.index ?? w.err?.index ?? -1]!);
    }
  }
  return won;
}

/** Gives a claim back (the server refused the mail with a transient error: it may be sent again). */
export async function releaseDelivery(model: DeliveryClaimModel, invitationId: string, kind: DeliveryKind, claim: string): Promise<void> {
  await claimsCollection(model).deleteOne({ _id: deliveryClaimId(invitationId, kind), claim });
}

/**
 * Claims one mail at a time for many concurrent senders, with group commit (see group-commit.ts):
 * the claims of mails reaching their final "." together go in one insert.
 */
export function claimGate(model: DeliveryClaimModel, kind: DeliveryKind, claim: string): (invitationId: string) => Promise<boolean> {
  return groupCommit(async (ids: string[]) => {
    const won = await claimDeliveries(model, ids, kind, claim);
    return ids.map((id) => won.has(id));
  });
}

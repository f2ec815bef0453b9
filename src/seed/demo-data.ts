// Demo data for trying the monthly cycle locally: realistic-looking users and contacts, generated
// from a seeded PRNG so that a given --seed always yields the same people, preferences and flags.
// Written in chunks with lean unordered insertMany: 100,000 contacts never sit in memory at once.
import { Types, type Connection } from 'mongoose';
import { ensureIndexes } from '../db/connection';
import { getModels, type ContactDoc, type UserDoc } from '../db/models';

export interface SeedOptions {
  users: number;
  contactsPerUser: number;
  /** Same seed, same data (ObjectIds and timestamps aside). */
  randomSeed?: number;
  /** Domain of every generated address; `.test` is reserved (RFC 2606), so nothing can be delivered. */
  emailDomain?: string;
  /** Called after each chunk of users (with all their contacts) is written: (usersDone, usersTotal). */
  onProgress?: (done: number, total: number) => void;
}

export interface SeedResult {
  users: number;
  contacts: number;
  inactiveUsers: number;
  remindersOff: number;
  inactiveContacts: number;
  optedOutContacts: number;
  durationMs: number;
}

export const DEFAULT_RANDOM_SEED = 20_240_105;
export const DEFAULT_EMAIL_DOMAIN = 'example.test';

/** Users per chunk; their contacts are written in sub-chunks of CONTACT_CHUNK_SIZE. */
const USER_CHUNK_SIZE = 500;
const CONTACT_CHUNK_SIZE = 5_000;

const SHARE_INACTIVE_USERS = 0.1;
const SHARE_REMINDERS_OFF = 0.15;
const SHARE_INACTIVE_CONTACTS = 0.05;
const SHARE_OPTED_OUT_CONTACTS = 0.03;
const SHARE_DEFAULT_SEND_DAY = 0.85;
const DEFAULT_SEND_DAY = 5;

const FIRST_NAMES = [
  'Alice', 'Bruno', 'Camille', 'David', 'Emma', 'Farid', 'Gabrielle', 'Hugo', 'Ines', 'Jules',
  'Kenji', 'Lea', 'Manon', 'Nathan', 'Olivia', 'Paul', 'Quentin', 'Rose', 'Sofia', 'Thomas',
  'Yuki', 'Zoe', 'Amara', 'Lucas', 'Chloe', 'Mateo', 'Nora', 'Sam',
] as const;
const LAST_NAMES = [
  'Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand', 'Leroy', 'Moreau',
  'Simon', 'Laurent', 'Lefebvre', 'Michel', 'Garcia', 'Smith', 'Johnson', 'Tanaka', 'Sato', 'Nguyen',
  'Rossi', 'Muller', 'Silva', 'Kowalski', 'Haddad', 'Diallo',
] as const;
/** Weighted: mostly Paris (the old system's only zone), then a few others to exercise local-time logic. */
const TIME_ZONES: ReadonlyArray<readonly [zone: string, weight: number]> = [
  ['Europe/Paris', 70],
  ['America/New_York', 8],
  ['Asia/Tokyo', 6],
  ['UTC', 5],
  ['Europe/London', 5],
  ['America/Los_Angeles', 3],
  ['Australia/Sydney', 3],
];

const DAY_MS = 86_400_000;

/** mulberry32: tiny, fast, good enough for demo data, and reproducible across Node versions. */
export function createPrng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function pick<T>(random: () => number, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('pick() needs a non-empty list');
  return item;
}

function pickWeighted(random: () => number, items: ReadonlyArray<readonly [string, number]>): string {
  const total = items.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = random() * total;
  for (const [value, weight] of items) {
    roll -= weight;
    if (roll < 0) return value;
  }
  return pick(random, items)[0];
}

function emailLocalPart(first: string, last: string): string {
  return `${first}.${last}`.toLowerCase();
}

function makeUser(random: () => number, userIndex: number, domain: string, now: number): UserDoc {
  const first = pick(random, FIRST_NAMES);
  const last = pick(random, LAST_NAMES);
  const createdAt = new Date(now - Math.floor(random() * 730 * DAY_MS));
  const hasLoggedIn = random() < 0.8;
  const metadata: UserDoc['metadata'] = { isActive: random() >= SHARE_INACTIVE_USERS, createdAt };
  if (hasLoggedIn) metadata.lastLoginAt = new Date(createdAt.getTime() + random() * (now - createdAt.getTime()));
  return {
    _id: new Types.ObjectId(),
    email: `${emailLocalPart(first, last)}.${userIndex}@${domain}`,
    name: `${first} ${last}`,
    metadata,
    preferences: {
      sendDay: random() < SHARE_DEFAULT_SEND_DAY ? DEFAULT_SEND_DAY : 1 + Math.floor(random() * 28),
      timezone: pickWeighted(random, TIME_ZONES),
      remindersEnabled: random() >= SHARE_REMINDERS_OFF,
    },
  };
}

function makeContact(
  random: () => number,
  ownerId: Types.ObjectId,
  userIndex: number,
  contactIndex: number,
  domain: string,
  now: Date,
): ContactDoc {
  const first = pick(random, FIRST_NAMES);
  const last = pick(random, LAST_NAMES);
  const optedOut = random() < SHARE_OPTED_OUT_CONTACTS;
  const contact: ContactDoc = {
    _id: new Types.ObjectId(),
    ownerId,
    email: `${emailLocalPart(first, last)}.${userIndex}.${contactIndex}@${domain}`,
    firstName: first,
    lastName: last,
    isActive: random() >= SHARE_INACTIVE_CONTACTS,
    optedOut,
    bounceCount: 0,
    temporaryBounceCount: 0,
    tracking: { invitationsSent: 0 },
    source: 'seed',
    createdAt: now,
    updatedAt: now,
  };
  if (optedOut) contact.optedOutAt = now;
  return contact;
}

/**
 * Inserts `users` users with `contactsPerUser` contacts each. Documents are built complete here
 * (defaults, timestamps) because `lean: true` skips Mongoose casting, defaults and validation:
 * that is what makes it fast. The integration tests check that the output passes the schemas.
 */
export async function seedDemoData(conn: Connection, options: SeedOptions): Promise<SeedResult> {
  const startedAt = performance.now();
  const { User, Contact } = getModels(conn);
  const random = createPrng(options.randomSeed ?? DEFAULT_RANDOM_SEED);
  const domain = options.emailDomain ?? DEFAULT_EMAIL_DOMAIN;
  const now = new Date();
  const result: SeedResult = { users: 0, contacts: 0, inactiveUsers: 0, remindersOff: 0, inactiveContacts: 0, optedOutContacts: 0, durationMs: 0 };

  for (let chunkStart = 0; chunkStart < options.users; chunkStart += USER_CHUNK_SIZE) {
    const chunkEnd = Math.min(chunkStart + USER_CHUNK_SIZE, options.users);
    const users: UserDoc[] = [];
    for (let userIndex = chunkStart; userIndex < chunkEnd; userIndex++) {
      const user = makeUser(random, userIndex, domain, now.getTime());
      if (!user.metadata.isActive) result.inactiveUsers++;
      if (!user.preferences.remindersEnabled) result.remindersOff++;
      users.push(user);
    }
    // Users first, so a contact never points at an owner that is not there yet.
    await User.insertMany(users, { ordered: false, lean: true });
    result.users += users.length;

    let contacts: ContactDoc[] = [];
    for (const [offset, user] of users.entries()) {
      for (let contactIndex = 0; contactIndex < options.contactsPerUser; contactIndex++) {
        const contact = makeContact(random, user._id, chunkStart + offset, contactIndex, domain, now);
        if (!contact.isActive) result.inactiveContacts++;
        if (contact.optedOut) result.optedOutContacts++;
        contacts.push(contact);
        if (contacts.length >= CONTACT_CHUNK_SIZE) {
          await Contact.insertMany(contacts, { ordered: false, lean: true });
          result.contacts += contacts.length;
          contacts = [];
        }
      }
    }
    if (contacts.length > 0) {
      await Contact.insertMany(contacts, { ordered: false, lean: true });
      result.contacts += contacts.length;
    }
    options.onProgress?.(chunkEnd, options.users);
  }

  result.durationMs = Math.round(performance.now() - startedAt);
  return result;
}

/** True when there is no user at all: the only state in which seeding without --reset is allowed. */
export async function isDatabaseEmpty(conn: Connection): Promise<boolean> {
  const { User } = getModels(conn);
  return (await User.exists({})) === null;
}

/**
 * Empties users, contacts and invitations, then re-creates their indexes.
 * Drops the collections rather than deleteMany({}): on FerretDB v1 (SQLite) a delete matching more
 * than 32,766 documents fails ("too many SQL variables"), and dropping is instant everywhere.
 */
export async function resetDemoData(conn: Connection): Promise<void> {
  const { User, Contact, Invitation } = getModels(conn);
  // Children first, so an interrupted reset never leaves contacts or invitations without an owner.
  for (const model of [Invitation, Contact, User] as const) {
    await model.collection.drop();
  }
  await ensureIndexes(conn);
}

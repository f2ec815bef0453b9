/**
 * Local SMTP mail catcher for the dev stack, tests and benchmarks.
 *
 * It accepts every message on a plain SMTP port, keeps a compact record of each one and serves
 * a small web page plus a JSON API on a second port. It is sized for the flagship job: a month of
 * invitations (100,000 mails, plus reminders) must fit many times over, so a record holds only
 * the envelope and a few headers, and raw sources are kept for the newest `keepBodies` messages.
 */
import http from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type {
  SMTPServerAuthentication,
  SMTPServerAuthenticationResponse,
  SMTPServerDataStream,
  SMTPServerError,
  SMTPServerSession,
} from 'smtp-server';

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

export interface CaughtMessage {
  id: number;
  receivedAt: string;
  from: string;
  to: string[];
  subject: string;
  messageId: string;
  kind: string | undefined;
  invitationId: string | undefined;
  size: number;
}

export interface MailCatcherOptions {
  /** Interface both servers bind to; defaults to 127.0.0.1 so nothing is reachable from outside. */
  host?: string;
  /** SMTP port; 0 picks a free ephemeral port (read it back from `MailCatcher.smtpPort`). */
  smtpPort: number;
  /** HTTP port; 0 picks a free ephemeral port (read it back from `MailCatcher.webPort`). */
  webPort: number;
  /** How many of the most recent raw message sources to keep; default 500. */
  keepBodies?: number;
  /** Chaos testing: probabilities (0–1) of answering 451 or 550 at the end of DATA. */
  faults?: { temporaryFailureRate: number; permanentFailureRate: number };
}

export interface MailCatcher {
  smtpPort: number;
  webPort: number;
  /** Every stored message, oldest first. Builds a fresh array: cheap for tests, not for 1M records. */
  messages(): readonly CaughtMessage[];
  /** Forgets all messages, kept bodies and rejection counters. Ids keep increasing. */
  clear(): void;
  /** Stops both servers and frees their ports. Safe to call more than once. */
  close(): Promise<void>;
}

export async function startMailCatcher(options: MailCatcherOptions): Promise<MailCatcher> {
  const settings = resolveSettings(options);
  const state = new CatcherState(settings.keepBodies, settings.faults);
  const smtpServer = createSmtpServer(state);
  const webServer = http.createServer(createRequestHandler(state));

  const smtpPort = await listen(smtpServer.server, settings.smtpPort, settings.host);
  let webPort: number;
  try {
    webPort = await listen(webServer, settings.webPort, settings.host);
  } catch (error) {
    // Do not leak a listening SMTP port when the web port is taken.
    await closeSmtpServer(smtpServer);
    throw error;
  }

  let closing: Promise<void> | undefined;
  return {
    smtpPort,
    webPort,
    messages: () => state.log.all().map((message) => state.log.toCaughtMessage(message)),
    clear: () => state.clear(),
    close: () => {
      closing ??= Promise.all([closeSmtpServer(smtpServer), closeWebServer(webServer)]).then(() => undefined);
      return closing;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_KEEP_BODIES = 500;
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
// Far above what a pooled sender opens (a handful of connections per worker).
const MAX_SMTP_CLIENTS = 200;
// On close, in-flight DATA gets this long before clients are told 421 and cut off; smtp-server's
// default of 30 s would make every test teardown and every `Ctrl-C` of the local stack crawl.
const SMTP_CLOSE_GRACE_MS = 1000;

interface FaultRates {
  temporaryFailureRate: number;
  permanentFailureRate: number;
}

interface CatcherSettings {
  host: string;
  smtpPort: number;
  webPort: number;
  keepBodies: number;
  faults: FaultRates | undefined;
}

function resolveSettings(options: MailCatcherOptions): CatcherSettings {
  assertPort('smtpPort', options.smtpPort);
  assertPort('webPort', options.webPort);
  const keepBodies = options.keepBodies ?? DEFAULT_KEEP_BODIES;
  if (!Number.isSafeInteger(keepBodies) || keepBodies < 0) {
    throw new RangeError(`keepBodies must be a non-negative integer, got ${String(options.keepBodies)}`);
  }
  if (options.faults) assertFaultRates(options.faults);
  return {
    host: options.host ?? DEFAULT_HOST,
    smtpPort: options.smtpPort,
    webPort: options.webPort,
    keepBodies,
    faults: options.faults && { ...options.faults },
  };
}

function assertPort(name: string, port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`${name} must be an integer from 0 to 65535 (0 = ephemeral), got ${String(port)}`);
  }
}

function assertFaultRates(faults: FaultRates): void {
  for (const name of ['temporaryFailureRate', 'permanentFailureRate'] as const) {
    const rate: unknown = faults[name];
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0 || rate > 1) {
      throw new RangeError(`faults.${name} must be a number from 0 to 1, got ${String(rate)}`);
    }
  }
  // One random draw decides the outcome, so the two rates share the unit interval.
  if (faults.temporaryFailureRate + faults.permanentFailureRate > 1) {
    throw new RangeError('faults.temporaryFailureRate + faults.permanentFailureRate must not exceed 1');
  }
}

// ---------------------------------------------------------------------------------------------
// Storage: compact records, a bounded ring of raw bodies, rejection counters
// ---------------------------------------------------------------------------------------------

/**
 * One caught message as stored. Always built by the single literal in `MessageLog.append`, so a
 * million records share one V8 hidden class. Recipients are numbers from the RecipientTable (one
 * number for the usual single recipient: an array per message would cost ~60 bytes more).
 */
interface StoredMessage {
  readonly id: number;
  readonly receivedAtMs: number;
  readonly from: string;
  readonly recipients: RecipientId | readonly RecipientId[];
  readonly subject: string;
  readonly messageId: string;
  readonly kind: string | undefined;
  readonly invitationId: string | undefined;
  readonly size: number;
}

type RecipientId = number;

interface NewMessage extends Omit<StoredMessage, 'id' | 'recipients'> {
  recipientAddresses: readonly string[];
}

/**
 * Copies a string into a fresh flat string. V8 represents `slice`, `trim` and regex results as
 * views into their parent string, so a stored Subject would otherwise pin the whole header block
 * (and every record would cost kilobytes instead of bytes).
 */
function detachString(value: string): string {
  return Buffer.from(value, 'utf8').toString('utf8');
}

/**
 * Shares one copy of values that repeat across messages (sender, kind, templated subjects). It
 * stops learning after `capacity` distinct values, so unique subjects cannot grow it unbounded.
 */
class StringInterner {
  private readonly known = new Map<string, string>();

  constructor(private readonly capacity: number) {}

  intern(value: string): string {
    const shared = this.known.get(value);
    if (shared !== undefined) return shared;
    const copy = detachString(value);
    if (this.known.size < this.capacity) this.known.set(copy, copy);
    return copy;
  }

  clear(): void {
    this.known.clear();
  }
}

/**
 * Numbers every distinct recipient address on arrival. The summary then counts per recipient in a
 * typed array instead of hashing a million strings per request, and an address that gets an
 * invitation and two reminders is stored once.
 */
class RecipientTable {
  private idsByAddress = new Map<string, RecipientId>();
  private addresses: string[] = [];

  get size(): number {
    return this.addresses.length;
  }

  idOf(address: string): RecipientId {
    const known = this.idsByAddress.get(address);
    if (known !== undefined) return known;
    const id = this.addresses.length;
    const copy = detachString(address);
    this.addresses.push(copy);
    this.idsByAddress.set(copy, id);
    return id;
  }

  addressOf(id: RecipientId): string {
    return this.addresses[id] ?? '';
  }

  /** Marks the recipients whose address contains `needle`, once per request rather than per message. */
  containing(needle: string): Uint8Array {
    const marks = new Uint8Array(this.addresses.length);
    this.addresses.forEach((address, id) => {
      if (address.includes(needle)) marks[id] = 1;
    });
    return marks;
  }

  clear(): void {
    this.idsByAddress = new Map();
    this.addresses = [];
  }
}

interface MessageFilter {
  /** Lower-case substring that at least one recipient must contain. */
  recipientSubstring?: string | undefined;
  /** Exact X-Metronome-Kind value. */
  kind?: string | undefined;
  /** Only messages with a larger id. */
  afterId?: number | undefined;
}

/** A filter resolved against the recipient table, cheap to test a million times. */
interface ResolvedFilter {
  kind: string | undefined;
  /** 1 for each recipient id matching the `to` filter; undefined = every recipient matches. */
  recipientMarks: Uint8Array | undefined;
  startIndex: number;
}

function isWantedRecipient(filter: ResolvedFilter, recipient: RecipientId): boolean {
  return filter.recipientMarks === undefined || filter.recipientMarks[recipient] === 1;
}

function matchesFilter(message: StoredMessage, filter: ResolvedFilter): boolean {
  if (filter.kind !== undefined && message.kind !== filter.kind) return false;
  if (filter.recipientMarks === undefined) return true;
  const recipients = message.recipients;
  if (typeof recipients === 'number') return isWantedRecipient(filter, recipients);
  return recipients.some((recipient) => isWantedRecipient(filter, recipient));
}

interface RecipientCount {
  to: string;
  count: number;
}

interface RecipientSummary {
  total: number;
  uniqueRecipients: number;
  duplicateRecipients: number;
  duplicates: RecipientCount[];
}

const MAX_REPORTED_DUPLICATES = 100;
const INTERNED_VALUES_LIMIT = 10_000;

/** Append-only list of records with contiguous ids, so a record is found by arithmetic. */
class MessageLog {
  private records: StoredMessage[] = [];
  private firstId = 1;
  private nextId = 1;
  private readonly kindCounts = new Map<string, number>();
  private readonly recipientTable = new RecipientTable();

  get size(): number {
    return this.records.length;
  }

  append(fields: NewMessage): StoredMessage {
    const recipientIds = fields.recipientAddresses.map((address) => this.recipientTable.idOf(address));
    const message: StoredMessage = {
      id: this.nextId,
      receivedAtMs: fields.receivedAtMs,
      from: fields.from,
      recipients: recipientIds.length === 1 ? (recipientIds[0] ?? 0) : recipientIds,
      subject: fields.subject,
      messageId: fields.messageId,
      kind: fields.kind,
      invitationId: fields.invitationId,
      size: fields.size,
    };
    this.nextId += 1;
    this.records.push(message);
    const kindKey = message.kind ?? '(none)';
    this.kindCounts.set(kindKey, (this.kindCounts.get(kindKey) ?? 0) + 1);
    return message;
  }

  find(id: number): StoredMessage | undefined {
    return this.records[id - this.firstId];
  }

  all(): readonly StoredMessage[] {
    return this.records;
  }

  newest(count: number): StoredMessage[] {
    return this.records.slice(-count).reverse();
  }

  countsByKind(): ReadonlyMap<string, number> {
    return this.kindCounts;
  }

  recipientsOf(message: StoredMessage): string[] {
    const recipients = message.recipients;
    if (typeof recipients === 'number') return [this.recipientTable.addressOf(recipients)];
    return recipients.map((recipient) => this.recipientTable.addressOf(recipient));
  }

  toCaughtMessage(message: StoredMessage): CaughtMessage {
    return {
      id: message.id,
      receivedAt: new Date(message.receivedAtMs).toISOString(),
      from: message.from,
      to: this.recipientsOf(message),
      subject: message.subject,
      messageId: message.messageId,
      kind: message.kind,
      invitationId: message.invitationId,
      size: message.size,
    };
  }

  /** One pass: counts every match and returns the first `limit` of them, oldest first. */
  query(filter: MessageFilter, limit: number): { total: number; matches: StoredMessage[] } {
    const resolved = this.resolve(filter);
    const matches: StoredMessage[] = [];
    let total = 0;
    for (let index = resolved.startIndex; index < this.records.length; index += 1) {
      const message = this.records[index];
      if (message === undefined || !matchesFilter(message, resolved)) continue;
      total += 1;
      if (matches.length < limit) matches.push(message);
    }
    return { total, matches };
  }

  /**
   * One pass counting matching messages per recipient: the proof that a cycle sent exactly one
   * invitation per contact. With a recipient filter only the matching recipients of a
   * multi-recipient message are counted.
   */
  summarize(filter: MessageFilter): RecipientSummary {
    const resolved = this.resolve(filter);
    const counts = new Uint32Array(this.recipientTable.size);
    const duplicated: RecipientId[] = [];
    let uniqueRecipients = 0;
    const countRecipient = (recipient: RecipientId): void => {
      if (!isWantedRecipient(resolved, recipient)) return;
      const count = (counts[recipient] ?? 0) + 1;
      counts[recipient] = count;
      if (count === 1) uniqueRecipients += 1;
      else if (count === 2) duplicated.push(recipient);
    };
    let total = 0;
    for (let index = resolved.startIndex; index < this.records.length; index += 1) {
      const message = this.records[index];
      if (message === undefined || !matchesFilter(message, resolved)) continue;
      total += 1;
      if (typeof message.recipients === 'number') countRecipient(message.recipients);
      else message.recipients.forEach(countRecipient);
    }
    const duplicates = duplicated
      .map((recipient) => ({ to: this.recipientTable.addressOf(recipient), count: counts[recipient] ?? 0 }))
      .sort((a, b) => b.count - a.count || (a.to < b.to ? -1 : a.to > b.to ? 1 : 0));
    return {
      total,
      uniqueRecipients,
      duplicateRecipients: duplicates.length,
      duplicates: duplicates.slice(0, MAX_REPORTED_DUPLICATES),
    };
  }

  clear(): void {
    this.records = [];
    this.firstId = this.nextId;
    this.kindCounts.clear();
    this.recipientTable.clear();
  }

  private resolve(filter: MessageFilter): ResolvedFilter {
    const afterId = filter.afterId;
    return {
      kind: filter.kind,
      recipientMarks:
        filter.recipientSubstring === undefined ? undefined : this.recipientTable.containing(filter.recipientSubstring),
      startIndex: afterId === undefined ? 0 : Math.max(0, afterId + 1 - this.firstId),
    };
  }
}

/** Raw sources of the newest messages. Ids are contiguous, so `id % capacity` is a ring slot. */
class BodyRing {
  private readonly slots: ({ id: number; raw: Buffer } | undefined)[];

  constructor(readonly capacity: number) {
    this.slots = new Array<{ id: number; raw: Buffer } | undefined>(capacity).fill(undefined);
  }

  put(id: number, raw: Buffer): void {
    if (this.capacity > 0) this.slots[id % this.capacity] = { id, raw };
  }

  get(id: number): Buffer | undefined {
    if (this.capacity === 0) return undefined;
    const slot = this.slots[id % this.capacity];
    return slot?.id === id ? slot.raw : undefined;
  }

  clear(): void {
    this.slots.fill(undefined);
  }
}

interface RejectionCounts {
  temporary: number;
  permanent: number;
}

class CatcherState {
  readonly log = new MessageLog();
  readonly bodies: BodyRing;
  readonly rejected: RejectionCounts = { temporary: 0, permanent: 0 };
  // Sender, kind and templated subjects repeat across a whole cycle: store each once.
  private readonly repeatedValues = new StringInterner(INTERNED_VALUES_LIMIT);

  constructor(
    keepBodies: number,
    readonly faults: FaultRates | undefined,
  ) {
    this.bodies = new BodyRing(keepBodies);
  }

  record(session: SMTPServerSession, raw: Buffer): StoredMessage {
    const headers = parseMetronomeHeaders(raw);
    const mailFrom = session.envelope.mailFrom;
    const message = this.log.append({
      receivedAtMs: Date.now(),
      from: this.repeatedValues.intern(mailFrom ? mailFrom.address.toLowerCase() : ''),
      recipientAddresses: session.envelope.rcptTo.map((rcpt) => rcpt.address.toLowerCase()),
      subject: this.repeatedValues.intern(headers.subject),
      messageId: detachString(headers.messageId),
      kind: headers.kind === undefined ? undefined : this.repeatedValues.intern(headers.kind),
      invitationId: headers.invitationId === undefined ? undefined : detachString(headers.invitationId),
      size: raw.length,
    });
    this.bodies.put(message.id, raw);
    return message;
  }

  clear(): void {
    this.log.clear();
    this.bodies.clear();
    this.rejected.temporary = 0;
    this.rejected.permanent = 0;
    this.repeatedValues.clear();
  }
}

// ---------------------------------------------------------------------------------------------
// Header parsing (header block only)
// ---------------------------------------------------------------------------------------------

interface MetronomeHeaders {
  subject: string;
  messageId: string;
  kind: string | undefined;
  invitationId: string | undefined;
}

const WANTED_HEADERS = new Set(['subject', 'message-id', 'x-metronome-kind', 'x-metronome-invitation']);
// A header block larger than this is not a real mail; do not scan megabytes looking for its end.
const MAX_HEADER_BLOCK_BYTES = 256 * 1024;
const LF = 0x0a;
const CR = 0x0d;

function parseMetronomeHeaders(raw: Buffer): MetronomeHeaders {
  const fields = parseHeaderFields(headerBlockOf(raw));
  return {
    subject: decodeEncodedWords(fields.get('subject') ?? ''),
    messageId: fields.get('message-id') ?? '',
    kind: fields.get('x-metronome-kind') || undefined,
    invitationId: fields.get('x-metronome-invitation') || undefined,
  };
}

/** The text up to the first blank line (RFC 5322 section 2.1), tolerating bare LF line ends. */
function headerBlockOf(raw: Buffer): string {
  const scanned = raw.subarray(0, MAX_HEADER_BLOCK_BYTES);
  if (scanned[0] === LF || (scanned[0] === CR && scanned[1] === LF)) return '';
  const blankLineStarts = [scanned.indexOf('\n\r\n'), scanned.indexOf('\n\n')].filter((index) => index >= 0);
  const end = blankLineStarts.length > 0 ? Math.min(...blankLineStarts) : scanned.length;
  return scanned.toString('utf8', 0, end);
}

/** Unfolds continuation lines and returns the first value of each wanted header (lower-case name). */
function parseHeaderFields(block: string): Map<string, string> {
  const fields = new Map<string, string>();
  let current: string | undefined;
  for (const line of block.split(/\r?\n/)) {
    // Unfolding removes the line break only; the leading whitespace stays (RFC 5322 2.2.3).
    if (current !== undefined && (line.startsWith(' ') || line.startsWith('\t'))) {
      current += line;
      continue;
    }
    if (current !== undefined) keepWantedField(fields, current);
    current = line;
  }
  if (current !== undefined) keepWantedField(fields, current);
  return fields;
}

function keepWantedField(fields: Map<string, string>, line: string): void {
  const colon = line.indexOf(':');
  if (colon <= 0) return;
  const name = line.slice(0, colon).trim().toLowerCase();
  if (WANTED_HEADERS.has(name) && !fields.has(name)) fields.set(name, line.slice(colon + 1).trim());
}

const ENCODED_WORD = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g;

/**
 * Decodes RFC 2047 encoded words, which nodemailer uses for any non-ASCII Subject. Adjacent words
 * of one charset are decoded together because a multi-byte character may be split across them.
 */
function decodeEncodedWords(value: string): string {
  if (!value.includes('=?')) return value;
  // Whitespace between two encoded words is folding, not content (RFC 2047 section 6.2).
  const joined = value.replace(/\?=[ \t]+=\?/g, '?==?');
  let output = '';
  let copiedUpTo = 0;
  let run: { charset: string; parts: Buffer[]; source: string } | undefined;
  for (const match of joined.matchAll(ENCODED_WORD)) {
    const [word, charsetSpec = '', encoding = '', text = ''] = match;
    const start = match.index ?? 0;
    // RFC 2231 allows a language suffix: =?utf-8*en?Q?...?=
    const charset = charsetSpec.split('*')[0]?.toLowerCase() ?? '';
    if (run && (start !== copiedUpTo || run.charset !== charset)) {
      output += decodeRun(run);
      run = undefined;
    }
    output += joined.slice(copiedUpTo, start);
    run ??= { charset, parts: [], source: '' };
    run.parts.push(encodedWordBytes(encoding, text));
    run.source += word;
    copiedUpTo = start + word.length;
  }
  if (run) output += decodeRun(run);
  return output + joined.slice(copiedUpTo);
}

function encodedWordBytes(encoding: string, text: string): Buffer {
  if (encoding.toUpperCase() === 'B') return Buffer.from(text, 'base64');
  const latin1 = text
    .replace(/_/g, ' ')
    .replace(/=([0-9A-Fa-f]{2})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(latin1, 'latin1');
}

function decodeRun(run: { charset: string; parts: Buffer[]; source: string }): string {
  try {
    return new TextDecoder(run.charset).decode(Buffer.concat(run.parts));
  } catch {
    // Unknown charset: showing the encoded text beats dropping the subject.
    return run.source;
  }
}

// ---------------------------------------------------------------------------------------------
// SMTP side
// ---------------------------------------------------------------------------------------------

function createSmtpServer(state: CatcherState): SMTPServer {
  const server = new SMTPServer({
    name: 'mail-catcher.metronome.local',
    banner: 'Metronome mail catcher',
    authOptional: true,
    // There is no DNS on the dev machines; a PTR lookup per connection would only add latency.
    disableReverseLookup: true,
    disabledCommands: ['STARTTLS'],
    size: MAX_MESSAGE_BYTES,
    maxClients: MAX_SMTP_CLIENTS,
    closeTimeout: SMTP_CLOSE_GRACE_MS,
    logger: false,
    // Note: smtp-server 3.21 waits a hard-coded 100 ms before the greeting (early-talker
    // detection) and offers no option to skip it; pooled connections pay it once per connection.
    onAuth: acceptAnyCredentials,
    onData: (stream, session, callback) => receiveMessage(state, stream, session, callback),
  });
  // A client resetting its connection must not take the catcher down; nothing to do about it.
  server.on('error', () => undefined);
  return server;
}

/** Senders configured with SMTP credentials must work against the catcher unchanged. */
function acceptAnyCredentials(
  auth: SMTPServerAuthentication,
  _session: SMTPServerSession,
  callback: (err: Error | null | undefined, response?: SMTPServerAuthenticationResponse) => void,
): void {
  callback(null, { user: auth.username ?? auth.method });
}

type DataCallback = (err?: Error | null, message?: string) => void;

function receiveMessage(
  state: CatcherState,
  stream: SMTPServerDataStream,
  session: SMTPServerSession,
  callback: DataCallback,
): void {
  const chunks: Buffer[] = [];
  let keptBytes = 0;
  let answered = false;
  const answer = (error: Error | undefined, reply?: string): void => {
    if (answered) return;
    answered = true;
    callback(error ?? null, reply);
  };
  stream.on('data', (chunk: Buffer) => {
    // Past the size limit the message is refused anyway; stop buffering it.
    if (stream.sizeExceeded) return;
    chunks.push(chunk);
    keptBytes += chunk.length;
  });
  stream.once('error', (error: Error) => answer(error));
  stream.once('end', () => {
    if (stream.sizeExceeded) {
      answer(smtpError(552, `Message exceeds the ${MAX_MESSAGE_BYTES} byte limit of the mail catcher`));
      return;
    }
    const rejection = injectedFault(state);
    if (rejection) {
      answer(rejection);
      return;
    }
    try {
      const message = state.record(session, Buffer.concat(chunks, keptBytes));
      answer(undefined, `OK: caught as message ${message.id}`);
    } catch (error) {
      // A message the catcher cannot digest must not kill the whole dev stack: tell the sender
      // to retry and keep serving everyone else.
      answer(smtpError(451, `Mail catcher could not record the message: ${error instanceof Error ? error.message : String(error)}`));
    }
  });
}

/** Draws the chaos-test outcome for one message; undefined means accept it. */
function injectedFault(state: CatcherState): SMTPServerError | undefined {
  if (!state.faults) return undefined;
  const draw = Math.random();
  if (draw < state.faults.temporaryFailureRate) {
    state.rejected.temporary += 1;
    return smtpError(451, 'Temporary failure injected by the mail catcher, try again later');
  }
  if (draw < state.faults.temporaryFailureRate + state.faults.permanentFailureRate) {
    state.rejected.permanent += 1;
    return smtpError(550, 'Permanent failure injected by the mail catcher');
  }
  return undefined;
}

function smtpError(responseCode: number, text: string): SMTPServerError {
  return Object.assign(new Error(text), { responseCode });
}

// ---------------------------------------------------------------------------------------------
// HTTP side
// ---------------------------------------------------------------------------------------------

const INDEX_PAGE_MESSAGES = 100;
const DEFAULT_LIST_LIMIT = 100;
const MAX_LIST_LIMIT = 10_000;
const FILTER_PARAMETERS = ['to', 'kind'] as const;
const LIST_PARAMETERS = [...FILTER_PARAMETERS, 'limit', 'afterId'] as const;

/** Thrown by parameter parsing; becomes a 400 with the message as `error`. */
class BadRequestError extends Error {}

interface RequestContext {
  state: CatcherState;
  response: http.ServerResponse;
  query: URLSearchParams;
  /** Capture groups of the route pattern. */
  pathParams: string[];
}

type RouteHandler = (context: RequestContext) => void;

interface Route {
  pattern: RegExp;
  handlers: Partial<Record<'GET' | 'DELETE', RouteHandler>>;
}

const ROUTES: readonly Route[] = [
  { pattern: /^\/$/, handlers: { GET: serveIndexPage } },
  { pattern: /^\/messages\/(\d{1,15})$/, handlers: { GET: serveMessagePage } },
  { pattern: /^\/api\/messages$/, handlers: { GET: serveMessageList, DELETE: clearMessages } },
  { pattern: /^\/api\/messages\/(\d{1,15})\/raw$/, handlers: { GET: serveRawSource } },
  { pattern: /^\/api\/summary$/, handlers: { GET: serveSummary } },
  { pattern: /^\/healthz$/, handlers: { GET: serveHealth } },
];

function createRequestHandler(state: CatcherState): http.RequestListener {
  return (request, response) => {
    try {
      routeRequest(state, request, response);
    } catch (error) {
      if (error instanceof BadRequestError) {
        sendJson(response, 400, { error: error.message });
      } else {
        sendJson(response, 500, { error: `mail catcher failed: ${error instanceof Error ? error.message : String(error)}` });
      }
    }
  };
}

function routeRequest(state: CatcherState, request: http.IncomingMessage, response: http.ServerResponse): void {
  const target = request.url ?? '/';
  const queryStart = target.indexOf('?');
  // Parsed by hand: `new URL('//x/y', base)` would read "x" as a host and route "/y".
  const pathname = queryStart === -1 ? target : target.slice(0, queryStart);
  const query = new URLSearchParams(queryStart === -1 ? '' : target.slice(queryStart + 1));
  for (const route of ROUTES) {
    const match = route.pattern.exec(pathname);
    if (!match) continue;
    // Node sends no body for HEAD, so GET handlers serve it as well.
    const method = request.method === 'HEAD' ? 'GET' : request.method;
    const handler = method === 'GET' || method === 'DELETE' ? route.handlers[method] : undefined;
    if (!handler) {
      const allowed = Object.keys(route.handlers).map((name) => (name === 'GET' ? 'GET, HEAD' : name)).join(', ');
      response.setHeader('Allow', allowed);
      sendJson(response, 405, { error: `method ${String(request.method)} not allowed on ${pathname}; allowed: ${allowed}` });
      return;
    }
    handler({ state, response, query, pathParams: match.slice(1) });
    return;
  }
  sendJson(response, 404, { error: `no such endpoint: ${pathname}` });
}

function serveMessageList({ state, response, query }: RequestContext): void {
  const params = readQuery(query, LIST_PARAMETERS);
  const filter = {
    ...readFilter(params),
    afterId: readIntegerParam(params, 'afterId', { min: 0, max: Number.MAX_SAFE_INTEGER, fallback: undefined }),
  };
  const limit = readIntegerParam(params, 'limit', { min: 0, max: MAX_LIST_LIMIT, fallback: DEFAULT_LIST_LIMIT });
  const { total, matches } = state.log.query(filter, limit);
  sendJson(response, 200, { total, messages: matches.map((message) => state.log.toCaughtMessage(message)) });
}

function serveSummary({ state, response, query }: RequestContext): void {
  const filter = readFilter(readQuery(query, FILTER_PARAMETERS));
  const summary = state.log.summarize(filter);
  sendJson(response, 200, { ...summary, rejected: { ...state.rejected } });
}

function clearMessages({ state, response }: RequestContext): void {
  state.clear();
  response.writeHead(204).end();
}

function serveRawSource({ state, response, pathParams }: RequestContext): void {
  const id = Number(pathParams[0]);
  const raw = state.bodies.get(id);
  if (!raw) {
    const reason = state.log.find(id) ? `only the newest ${state.bodies.capacity} bodies are kept` : 'no such message';
    sendJson(response, 404, { error: `raw source of message ${id} is not available: ${reason}` });
    return;
  }
  response.writeHead(200, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': raw.length,
    ...SAFE_CONTENT_HEADERS,
  });
  response.end(raw);
}

function serveHealth({ state, response }: RequestContext): void {
  sendJson(response, 200, { status: 'ok', messages: state.log.size });
}

function serveIndexPage({ state, response }: RequestContext): void {
  sendHtml(response, 200, renderIndexPage(state));
}

function serveMessagePage({ state, response, pathParams }: RequestContext): void {
  const message = state.log.find(Number(pathParams[0]));
  if (!message) {
    sendHtml(response, 404, renderPage('Message not found', `<p>No message #${escapeHtml(pathParams[0] ?? '')}. <a href="/">Back to the list</a></p>`));
    return;
  }
  sendHtml(response, 200, renderMessagePage(state.log.toCaughtMessage(message), state.bodies.get(message.id), state.bodies.capacity));
}

// --- query parameters ------------------------------------------------------------------------

/** Rejects unknown or repeated parameters: a typo like `?recipient=` must not silently match all. */
function readQuery(query: URLSearchParams, allowed: readonly string[]): Map<string, string> {
  const params = new Map<string, string>();
  for (const [name, value] of query) {
    if (!allowed.includes(name)) {
      throw new BadRequestError(`unknown query parameter ${quote(name)}; allowed: ${allowed.join(', ')}`);
    }
    if (params.has(name)) throw new BadRequestError(`query parameter ${quote(name)} may be given only once`);
    params.set(name, value);
  }
  return params;
}

/** `to` matches recipients case-insensitively as a substring; `kind` is exact. Empty means absent. */
function readFilter(params: Map<string, string>): MessageFilter {
  return {
    recipientSubstring: params.get('to')?.toLowerCase() || undefined,
    kind: params.get('kind') || undefined,
  };
}

function readIntegerParam<Fallback extends number | undefined>(
  params: Map<string, string>,
  name: string,
  range: { min: number; max: number; fallback: Fallback },
): number | Fallback {
  const raw = params.get(name);
  if (raw === undefined) return range.fallback;
  const value = /^\d{1,16}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < range.min || value > range.max) {
    const upper = range.max === Number.MAX_SAFE_INTEGER ? '' : ` to ${range.max}`;
    throw new BadRequestError(`${name} must be an integer from ${range.min}${upper}, got ${quote(raw)}`);
  }
  return value;
}

function quote(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
}

// --- responses -------------------------------------------------------------------------------

// Caught mail is untrusted content: forbid scripts and content sniffing as a second line of
// defence behind escaping.
const SAFE_CONTENT_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
  'Cache-Control': 'no-store',
};

function sendJson(response: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...SAFE_CONTENT_HEADERS,
  });
  response.end(text);
}

function sendHtml(response: http.ServerResponse, status: number, html: string): void {
  response.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
    ...SAFE_CONTENT_HEADERS,
  });
  response.end(html);
}

// --- HTML ------------------------------------------------------------------------------------

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character] ?? character);
}

function renderPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}
pre{background:#f6f6f6;padding:1rem;overflow:auto;white-space:pre-wrap;word-break:break-all}
.muted{color:#777}
</style></head>
<body>${body}</body></html>
`;
}

function renderIndexPage(state: CatcherState): string {
  const kinds = [...state.log.countsByKind()].map(([kind, count]) => `${escapeHtml(kind)}: ${count}`).join(' · ');
  const rows = state.log
    .newest(INDEX_PAGE_MESSAGES)
    .map(
      (message) =>
        `<tr><td><a href="/messages/${message.id}">${message.id}</a></td>` +
        `<td>${escapeHtml(new Date(message.receivedAtMs).toISOString())}</td>` +
        `<td>${escapeHtml(state.log.recipientsOf(message).join(', '))}</td>` +
        `<td><a href="/messages/${message.id}">${escapeHtml(message.subject || '(no subject)')}</a></td>` +
        `<td>${escapeHtml(message.kind ?? '')}</td></tr>`,
    )
    .join('\n');
  const body = `<h1>Metronome mail catcher</h1>
<p><strong>${state.log.size}</strong> messages caught${kinds ? ` (${kinds})` : ''}.
Rejected by fault injection: ${state.rejected.temporary} temporary, ${state.rejected.permanent} permanent.
<span class="muted">Showing the newest ${INDEX_PAGE_MESSAGES}; raw sources are kept for the newest ${state.bodies.capacity}.</span></p>
<table><thead><tr><th>#</th><th>Received</th><th>To</th><th>Subject</th><th>Kind</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="5" class="muted">No messages yet.</td></tr>'}
</tbody></table>`;
  return renderPage('Metronome mail catcher', body);
}

function renderMessagePage(message: CaughtMessage, raw: Buffer | undefined, keptBodies: number): string {
  const fields: [string, string][] = [
    ['Received', message.receivedAt],
    ['From (envelope)', message.from],
    ['To (envelope)', message.to.join(', ')],
    ['Subject', message.subject],
    ['Message-ID', message.messageId],
    ['X-Metronome-Kind', message.kind ?? ''],
    ['X-Metronome-Invitation', message.invitationId ?? ''],
    ['Size', `${message.size} bytes`],
  ];
  const table = fields.map(([name, value]) => `<tr><th>${escapeHtml(name)}</th><td>${escapeHtml(value)}</td></tr>`).join('\n');
  const source = raw
    ? `<h2>Raw source</h2><p><a href="/api/messages/${message.id}/raw">as plain text</a></p><pre>${escapeHtml(raw.toString('utf8'))}</pre>`
    : `<p class="muted">The raw source is no longer available: only the newest ${keptBodies} message bodies are kept.</p>`;
  const body = `<p><a href="/">← all messages</a></p>
<h1>Message ${message.id}</h1>
<table>${table}</table>
${source}`;
  return renderPage(`Message ${message.id} – Metronome mail catcher`, body);
}

// ---------------------------------------------------------------------------------------------
// Listening and closing
// ---------------------------------------------------------------------------------------------

function listen(server: NetServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeSmtpServer(server: SMTPServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function closeWebServer(server: http.Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // Keep-alive sockets (fetch keeps them) would otherwise hold close() for seconds.
    server.closeAllConnections();
  });
}

// Integration tests run against a real MongoDB-protocol server (FerretDB or mongod), each test file
// in a database of its own so files can run in parallel and leave nothing behind.
import { randomBytes } from 'node:crypto';

export const DEFAULT_TEST_MONGODB_URI = 'mongodb://127.0.0.1:27017';

export function testServerUri(): string {
  return process.env.METRONOME_TEST_MONGODB_URI?.trim() || DEFAULT_TEST_MONGODB_URI;
}

/** `metronome_test_<label>_<random>`: letters, digits and underscores only, well under the 63-character limit. */
export function uniqueTestDbName(label: string): string {
  const safeLabel = label.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 20);
  return `metronome_test_${safeLabel}_${randomBytes(4).toString('hex')}`;
}

/** The server URI with its database path replaced by `dbName`, keeping credentials and ?options. */
export function testDbUri(dbName: string, serverUri: string = testServerUri()): string {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(?:\/[^?]*)?(\?.*)?$/.exec(serverUri);
  if (!match?.[1]) throw new Error(`METRONOME_TEST_MONGODB_URI is not a mongodb:// URI: ${serverUri}`);
  return `${match[1]}/${dbName}${match[2] ?? ''}`;
}

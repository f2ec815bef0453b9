// Streams the records of a CSV file from a byte offset, with bounded memory whatever the file's
// size: csv-parse reads chunks of the file and refuses a record over MAX_RECORD_BYTES. A record the
// parser refuses (too big, a stray quote) becomes one `bad` entry and reading goes on after it:
// csv-parse stops at its first error, so this module finds the end of the bad record itself (the
// next line break outside quotes, RFC 4180) and starts a new parser there.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { CsvError, parse, type Options, type Parser } from 'csv-parse';

export type CsvEntry =
  | { kind: 'record'; fields: string[]; endByte: number }
  | { kind: 'bad'; reason: string; endByte: number };

export interface ReadOptions { start: number; maxRecordBytes: number }

interface ParsedRecord { record: string[]; info: { bytes: number } }

/** Encoding problems that reject the whole file (UTF-8, with or without BOM, is the only encoding accepted). */
export async function sniffEncoding(path: string): Promise<string | undefined> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const head = buffer.subarray(0, bytesRead);
    if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
      return 'the file is UTF-16 (it starts with a UTF-16 byte-order mark); save it as UTF-8';
    }
    if (head.includes(0)) return 'the file contains NUL bytes (UTF-16 without a byte-order mark, or not text); save it as UTF-8';
    return undefined;
  } finally {
    await handle.close();
  }
}

/** The byte after the end of the record that starts at `start` (a line break outside quotes), or the file's end. */
export async function endOfRecord(path: string, start: number): Promise<number> {
  let inQuotes = false;
  let position = start;
  for await (const chunk of createReadStream(path, { start, highWaterMark: 64 * 1024 }) as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i += 1) {
      const byte = chunk[i];
      if (byte === 0x22) inQuotes = !inQuotes; // a doubled quote toggles twice
      else if (byte === 0x0a && !inQuotes) return position + i + 1;
    }
    position += chunk.length;
  }
  return position;
}

function describe(error: CsvError): string {
  if (error.code === 'CSV_MAX_RECORD_SIZE') return 'is larger than the limit of one record (64 KiB)';
  return `cannot be parsed: ${error.message.replace(/ at line \d+.*$/s, '')}`;
}

/** Feeds one chunk (or the end, with `chunk` undefined) to the parser; resolves with its error, if any. */
function feed(parser: Parser, chunk: Buffer | undefined): Promise<unknown> {
  return new Promise((resolve) => {
    // A failed end() emits 'error' instead of calling back.
    const onError = (error: unknown) => finish(error);
    const finish = (error?: unknown) => {
      parser.off('error', onError);
      resolve(error ?? undefined);
    };
    parser.once('error', onError);
    if (chunk) parser.write(chunk, (error) => finish(error));
    else parser.end(() => finish());
  });
}

/**
 * Yields every record from `start` (the header too when start is 0), and a `bad` entry per
 * refused record. Records are taken from csv-parse's on_record hook as each chunk is parsed, so
 * the records before a refused one are never lost with the stream; at most one chunk's records
 * are held at a time.
 */
export async function* readCsv(path: string, { start, maxRecordBytes }: ReadOptions): AsyncGenerator<CsvEntry> {
  let position = start;
  for (;;) {
    const base = position;
    const pending: CsvEntry[] = [];
    const options: Options = {
      bom: base === 0,
      info: true,
      max_record_size: maxRecordBytes,
      relax_column_count: true,
      skip_empty_lines: true,
      // With `info`, csv-parse hands on_record the record wrapped with its info.
      on_record: (wrapped: unknown) => {
        const { record, info } = wrapped as ParsedRecord;
        pending.push({ kind: 'record', fields: record, endByte: base + info.bytes });
        return null; // nothing goes through the stream: the records are taken here
      },
    };
    const parser = parse(options);
    parser.on('error', () => undefined); // errors are taken from the write callbacks (feed)
    const source = createReadStream(path, { start: base, highWaterMark: 64 * 1024 });
    let failure: unknown;
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        failure = await feed(parser, chunk);
        for (const entry of pending.splice(0)) { position = entry.endByte; yield entry; }
        if (failure) break;
      }
      if (!failure) {
        failure = await feed(parser, undefined);
        for (const entry of pending.splice(0)) { position = entry.endByte; yield entry; }
      }
    } finally {
      source.destroy();
      parser.destroy();
    }
    if (!failure) return;
    if (!(failure instanceof CsvError)) throw failure instanceof Error ? failure : new Error('the CSV parser failed', { cause: failure });
    // The refused record starts where the last good one ended.
    const end = await endOfRecord(path, position);
    yield { kind: 'bad', reason: describe(failure), endByte: end };
    if (end <= position) return;
    position = end;
  }
}

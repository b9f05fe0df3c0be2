import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { createInterface } from 'node:readline';
import { parse as csvParser, type CsvError } from 'csv-parse';
import { AppError, type FieldErrors } from '../../errors/index.js';
import { csvBody, csvLayout } from './csv-columns.js';

// Streams an uploaded file into staged rows, one at a time (memory flat in file size): the bytes
// are checked as UTF-8 text, CSV goes through csv-parse (quotes, embedded newlines and commas,
// BOM, CRLF), NDJSON through readline. A row that cannot be read becomes a failed row naming what
// is wrong; only a file that is not text at all, is empty, or has a bad CSV header fails whole.

export type ImportFormat = 'csv' | 'ndjson';

export interface StagedRow {
  row: number;
  line: number;
  /** The body the row stands for, or null when the row could not be read (then `errors`). */
  data: Record<string, unknown> | null;
  errors: FieldErrors | null;
}

/** A row longer than this is reported, not kept (CONTRACT §10: "10 MB in one cell"). */
export const MAX_ROW_BYTES = 64 * 1024;

/** Thrown when the file exceeds IMPORT_MAX_BYTES. */
export class FileTooLargeError extends AppError {
  constructor(limit: number) {
    super('payload_too_large', `The file is larger than IMPORT_MAX_BYTES (${limit} bytes).`);
  }
}

const notText = (detail: string) => new AppError('validation_error', detail, { errors: { file: [detail] } });

/** Bytes → UTF-8 text; fails on invalid UTF-8, NUL bytes (a binary file) or more than `limit` bytes. */
class Utf8Text extends Transform {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private bytes = 0;
  constructor(private readonly limit: number) {
    super({ readableObjectMode: false, decodeStrings: true, encoding: 'utf8' });
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) return done(new FileTooLargeError(this.limit));
    if (chunk.includes(0)) return done(notText('The file contains NUL bytes: it is not a text file (CSV or NDJSON in UTF-8 expected).'));
    try {
      done(null, this.decoder.decode(chunk, { stream: true }));
    } catch {
      done(notText(`The file is not valid UTF-8 (near byte ${this.bytes - chunk.length}); save it as UTF-8.`));
    }
  }
  override _flush(done: TransformCallback): void {
    try {
      done(null, this.decoder.decode());
    } catch {
      done(notText('The file ends inside a UTF-8 character; save it as UTF-8.'));
    }
  }
  get size(): number {
    return this.bytes;
  }
}

const rowError = (field: string, message: string): FieldErrors => ({ [field]: [message] });

async function* csvRows(text: Readable): AsyncGenerator<StagedRow> {
  const parser = csvParser({
    bom: true,
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    record_delimiter: ['\r\n', '\n', '\r'],
  });
  // Malformed quoting is reported by csv-parse as a skipped record; it becomes a failed row.
  const skipped: CsvError[] = [];
  parser.on('skip', (err: CsvError) => skipped.push(err));
  text.on('error', (err) => parser.destroy(err));
  text.pipe(parser);

  let layout: ReturnType<typeof csvLayout> | null = null;
  let row = 0;
  let lastLine = 0;
  const failedFromSkips = function* (): Generator<StagedRow> {
    for (const err of skipped.splice(0)) {
      const line = Number(err.lines ?? lastLine + 1);
      lastLine = line;
      yield { row: ++row, line, data: null, errors: rowError('non_field_errors', `Malformed CSV at line ${line}: ${err.message}`) };
    }
  };
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number; bytes_records?: number } }>) {
    const startLine = lastLine + 1;
    if (layout === null) {
      layout = csvLayout(record);
      lastLine = info.lines;
      continue;
    }
    yield* failedFromSkips();
    lastLine = info.lines;
    const size = record.reduce((n, c) => n + c.length, 0);
    if (size > MAX_ROW_BYTES) {
      yield { row: ++row, line: startLine, data: null, errors: rowError('non_field_errors', `The row has ${size} characters; at most ${MAX_ROW_BYTES} are accepted.`) };
    } else if (record.length !== layout.columns.length) {
      yield { row: ++row, line: startLine, data: null, errors: rowError('non_field_errors', `Expected ${layout.columns.length} columns (as in the header), got ${record.length}.`) };
    } else {
      yield { row: ++row, line: startLine, data: csvBody(layout, record), errors: null };
    }
  }
  if (layout === null && skipped.length === 0) throw notText('The file is empty: a CSV import needs a header row.');
  if (layout === null) throw new AppError('validation_error', 'The CSV header cannot be read.', { errors: { header: skipped.map((e) => e.message) } });
  yield* failedFromSkips();
}

async function* ndjsonRows(text: Readable): AsyncGenerator<StagedRow> {
  const lines = createInterface({ input: text, crlfDelay: Infinity });
  let line = 0;
  let row = 0;
  for await (const raw of lines) {
    line++;
    const s = line === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (s.trim() === '') continue;
    row++;
    if (s.length > MAX_ROW_BYTES) {
      yield { row, line, data: null, errors: rowError('non_field_errors', `The line has ${s.length} characters; at most ${MAX_ROW_BYTES} are accepted.`) };
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(s);
    } catch (err) {
      yield { row, line, data: null, errors: rowError('non_field_errors', `Not valid JSON: ${(err as Error).message}`) };
      continue;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      yield { row, line, data: null, errors: rowError('non_field_errors', 'Each line must be a JSON object (a contact body).') };
      continue;
    }
    yield { row, line, data: parsed as Record<string, unknown>, errors: null };
  }
  if (row === 0 && line === 0) throw notText('The file is empty.');
}

/** The staged rows of an uploaded file, in order. Throws (before any row) on a file that is not usable at all. */
export function stagedRows(input: Readable, format: ImportFormat, maxBytes: number): AsyncGenerator<StagedRow> {
  const text = new Utf8Text(maxBytes);
  input.on('error', (err) => text.destroy(err));
  input.pipe(text);
  return format === 'csv' ? csvRows(text) : ndjsonRows(text);
}

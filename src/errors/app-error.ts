import { ERROR_STATUS, type ErrorCode } from './codes.js';

/** Field path (e.g. `props.0.key`) → messages, DRF-style. */
export type FieldErrors = Record<string, string[]>;

export interface AppErrorOptions {
  errors?: FieldErrors;
  /** Extra members of the problem document (e.g. `duplicate_of`). */
  extra?: Record<string, unknown>;
  headers?: Record<string, string>;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly errors?: FieldErrors;
  readonly extra?: Record<string, unknown>;
  readonly headers?: Record<string, string>;

  constructor(code: ErrorCode, detail: string, options: AppErrorOptions = {}) {
    super(detail, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.errors = options.errors;
    this.extra = options.extra;
    this.headers = options.headers;
  }
}

export const notFound = (what: string): AppError => new AppError('not_found', `${what} not found.`);

/** A 400 for one field, keyed the way validation errors are (`errors.<field>`). */
export function fieldError(field: string, message: string): AppError {
  return new AppError('validation_error', `${field}: ${message}`, { errors: { [field]: [message] } });
}

/** Collects field errors so a handler can report all of them at once. */
export class FieldErrorCollector {
  /** No prototype: a field path such as `constructor` must start an empty list, not hit Object's. */
  readonly errors: FieldErrors = Object.create(null);
  private count = 0;
  add(field: string, message: string): void {
    (this.errors[field] ??= []).push(message);
    this.count++;
  }
  get empty(): boolean {
    return this.count === 0;
  }
  throwIfAny(): void {
    if (!this.empty) {
      const fields = Object.keys(this.errors);
      throw new AppError('validation_error', `Invalid fields: ${fields.join(', ')}.`, { errors: this.errors });
    }
  }
}

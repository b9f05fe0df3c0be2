import { ERROR_TITLE, type ErrorCode } from './codes.js';
import type { FieldErrors } from './app-error.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance: string;
  errors?: FieldErrors;
  [extra: string]: unknown;
}

export const PROBLEM_TYPE_BASE = 'urn:contact-registry:problem:';

export function problem(
  code: ErrorCode,
  status: number,
  detail: string,
  instance: string,
  errors?: FieldErrors,
  extra?: Record<string, unknown>,
): Problem {
  const doc: Problem = { type: PROBLEM_TYPE_BASE + code, title: ERROR_TITLE[code], status, detail, code, instance };
  if (errors) doc.errors = errors;
  if (extra) Object.assign(doc, extra);
  return doc;
}

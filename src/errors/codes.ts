// The closed error vocabulary: every problem the service can answer with has one code here,
// and the HTTP status comes from this table only (never from message text).
export const ERROR_STATUS = {
  validation_error: 400,
  bad_request: 400,
  unauthorized: 401,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  duplicate: 409,
  invalid_state: 409,
  idempotency_in_progress: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_mismatch: 422,
  rate_limited: 429,
  internal: 500,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export const ERROR_TITLE: Record<ErrorCode, string> = {
  validation_error: 'Validation failed',
  bad_request: 'Bad request',
  unauthorized: 'Unauthorized',
  not_found: 'Not found',
  method_not_allowed: 'Method not allowed',
  conflict: 'Conflict',
  duplicate: 'Duplicate contact',
  invalid_state: 'Transition not allowed',
  idempotency_in_progress: 'Request with this idempotency key is in progress',
  precondition_failed: 'Precondition failed',
  payload_too_large: 'Payload too large',
  unsupported_media_type: 'Unsupported media type',
  idempotency_mismatch: 'Idempotency key reused with a different request',
  rate_limited: 'Too many requests',
  internal: 'Internal server error',
  service_unavailable: 'Service unavailable',
};

// What a token's claims must look like for the service to accept it. The verifier rejects a token
// that breaks these rules, and `contact-registry token` refuses to mint one, from the same rules.

/** Tenant ids are written into every row and log line: a short, shell- and URL-safe token. */
export const TENANT_ID_PATTERN = /^[A-Za-z0-9._:-]{1,100}$/;
export const SUBJECT_MAX_LENGTH = 100;

/** Why `value` is not an acceptable tenant id, or null when it is. */
export function tenantIdProblem(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0) return 'a tenant id is required';
  if (!TENANT_ID_PATTERN.test(value)) return 'a tenant id is 1–100 characters of A–Z, a–z, 0–9, ".", "_", ":" and "-"';
  return null;
}

/** Why `value` is not an acceptable subject (user id), or null when it is. */
export function subjectProblem(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0) return 'a subject (user id) is required';
  if (value.length > SUBJECT_MAX_LENGTH) return `a subject (user id) is at most ${SUBJECT_MAX_LENGTH} characters`;
  return null;
}

import { AppError } from '../errors/index.js';
import { normalizeId } from '../validation/ids.js';

export { normalizeId };

/** A path id: malformed means the object cannot exist → 404. */
export function pathId(raw: string, what: string): string {
  const id = normalizeId(raw);
  if (!id) throw new AppError('not_found', `${what} not found.`);
  return id;
}

import { AppError } from '../errors/index.js';

/**
 * Constraint name → the problem its violation means to a client. Resources register the
 * constraints they expect (next to the statements that can violate them); fromDbError
 * (sqlstate.ts) turns a violation of a registered constraint into a 409 naming the field. Nothing
 * else inspects database errors.
 */
export interface ConstraintProblem {
  /** The request field the violation is about (`errors.<field>`). */
  field: string;
  message: string;
}

const registered = new Map<string, ConstraintProblem>();

export function registerConstraints(problems: Record<string, ConstraintProblem>): void {
  for (const [name, problem] of Object.entries(problems)) registered.set(name, problem);
}

/** The problem for a violated constraint, or undefined for one nobody registered (a bug: 500). */
export function constraintProblem(constraint: string | undefined, cause: unknown): AppError | undefined {
  const p = constraint === undefined ? undefined : registered.get(constraint);
  if (!p) return undefined;
  return new AppError('conflict', p.message, { errors: { [p.field]: [p.message] }, cause });
}

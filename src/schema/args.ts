/** Argument checks shared by resolvers; each names the argument it rejects (BAD_USER_INPUT). */
import { InputError } from '../errors.js';

export function positiveId(argument: string, id: number): void {
  if (!Number.isInteger(id) || id < 1) throw new InputError(argument, 'must be a positive integer');
}

/** A list argument must be non-empty and bounded (its Marketo cost grows with its length). */
export function boundedList(argument: string, values: readonly unknown[], max: number): void {
  if (values.length === 0) throw new InputError(argument, 'must not be empty');
  if (values.length > max) {
    throw new InputError(argument, `has ${values.length} items; at most ${max} are allowed`);
  }
}

export function positiveIds(argument: string, ids: readonly number[], max: number): void {
  boundedList(argument, ids, max);
  ids.forEach((id, index) => {
    positiveId(`${argument}[${index}]`, id);
  });
}

/** Throws the first Error of a DataLoader `loadMany` result (a failed batch fails the field). */
export function unwrapMany<T>(results: ReadonlyArray<T | Error>): T[] {
  const failed = results.find((result): result is Error => result instanceof Error);
  if (failed) throw failed;
  return results as T[];
}

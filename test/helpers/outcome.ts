/**
 * A mutation answers `<Payload> | <typed error>` (src/schema/errors.ts). Documents select
 * `... on Error { code message }`; these narrow the answer to the member a test expects and fail
 * with the other one's code and message otherwise.
 */
interface Failure {
  code: string;
  message: string;
}

const isFailure = (value: unknown): value is Failure =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Partial<Failure>).code === 'string' &&
  typeof (value as Partial<Failure>).message === 'string';

/** The payload of a mutation that did not fail as a whole. */
export function payload<T extends object>(value: T | null | undefined): Exclude<T, Failure> {
  if (value == null) throw new Error('the mutation answered null (refused by its scope?)');
  if (isFailure(value)) throw new Error(`the mutation failed: ${value.code}: ${value.message}`);
  return value as Exclude<T, Failure>;
}

/** The typed error of a mutation that failed as a whole. */
export function failure<T extends object>(value: T | null | undefined): Extract<T, Failure> {
  if (!isFailure(value)) throw new Error(`expected a typed error, got ${JSON.stringify(value)}`);
  return value as Extract<T, Failure>;
}

/**
 * A typed error as the `extensions` of a GraphQL error carried it: `code`, `argument`, `field`
 * and `details` flattened (documents select `... on InputError { argument field details }`).
 */
export function errorFields(value: unknown): Record<string, unknown> {
  const { details, ...fields } = failure(value as object) as Failure & {
    details?: Record<string, unknown> | null;
  };
  return { ...fields, ...details };
}

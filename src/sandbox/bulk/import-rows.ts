/**
 * Applies one row of an import file through the store's sync rules and words the outcome like
 * Marketo's import (§9.3): a type error fails the row as `Invalid data type in field <Display Name>`;
 * an invalid address in an email field imports the row and records the warning `Invalid email
 * address`. In the lookup column the address is kept as given (it is the row's dedupe key, and
 * Adobe's example imports such a row); in any other email column the invalid value is left out.
 * Other skips keep the store's reason text.
 *
 * Decisions where Marketo is silent: empty cells are not sent (they never clear a value); a header
 * column that is not a lead field fails every row with `Field '<name>' not found`; a row whose
 * cell count differs from the header fails with a message giving both counts.
 */
import type { SandboxStore, SyncAction, SyncOptions } from '../types.js';
import { coerceValue } from '../values.js';

export type RowResult =
  { kind: 'imported'; leadId: number; warnings: string[] } | { kind: 'failed'; reason: string };

export interface ImportTarget {
  store: SandboxStore;
  header: readonly string[];
  lookupField: string;
  partitionName?: string;
}

const INVALID_VALUE = /^Invalid value for field '([^']+)'/;

/** The reason every row fails with when the header names a non-field, else undefined. */
export function headerProblem(store: SandboxStore, header: readonly string[]): string | undefined {
  const unknown = header.find((name) => !store.field(name));
  return unknown === undefined ? undefined : `Field '${unknown}' not found`;
}

export function importRow(target: ImportTarget, values: readonly string[]): RowResult {
  const { store, header, lookupField, partitionName } = target;
  if (values.length !== header.length) {
    return {
      kind: 'failed',
      reason: `Row has ${values.length} fields but the header has ${header.length}`,
    };
  }
  const input: Record<string, unknown> = {};
  header.forEach((name, i) => {
    const value = values[i];
    if (value !== undefined && value !== '') input[name] = value;
  });
  // Marketo's import is insert-or-update; by `id` it can only update.
  const action: SyncAction = lookupField === 'id' ? 'updateOnly' : 'createOrUpdate';
  const options: SyncOptions = { action, lookupField, keepInvalidLookupEmail: true };
  if (partitionName !== undefined) options.partitionName = partitionName;
  const warnings: string[] = [];
  const lookup = store.field(lookupField);
  if (lookup?.dataType === 'email' && lookupField in input) {
    if (!coerceValue(lookup, input[lookupField]).ok) warnings.push('Invalid email address');
  }
  for (;;) {
    const outcome = store.syncLead(input, options);
    if (outcome.status !== 'skipped' && outcome.id !== undefined) {
      return { kind: 'imported', leadId: outcome.id, warnings };
    }
    const reason = outcome.reasons?.[0];
    const badField = reason?.code === '1003' ? INVALID_VALUE.exec(reason.message)?.[1] : undefined;
    const field = badField === undefined ? undefined : store.field(badField);
    if (field?.dataType === 'email' && field.name !== lookupField && field.name in input) {
      delete input[field.name];
      warnings.push('Invalid email address');
      continue;
    }
    if (field) {
      return {
        kind: 'failed',
        reason:
          field.dataType === 'email'
            ? 'Invalid email address'
            : `Invalid data type in field ${field.displayName}`,
      };
    }
    return { kind: 'failed', reason: reason?.message ?? 'Lead was skipped' };
  }
}

/**
 * The standard Marketo lead fields the `Lead` type exposes as typed GraphQL fields. GraphQL field
 * name = REST API name, so the selection collector can map a selection straight to `fields=`.
 * Any other REST field (custom ones included) is reachable through `Lead.field(name)` / `fields(names)`.
 */
export type LeadFieldKind = 'string' | 'int' | 'float' | 'boolean' | 'datetime' | 'date';

export interface StandardLeadField {
  name: string;
  kind: LeadFieldKind;
  description?: string;
}

export const STANDARD_LEAD_FIELDS: readonly StandardLeadField[] = [
  {
    name: 'email',
    kind: 'string',
    description: 'Email address (as stored; Marketo may hold invalid ones).',
  },
  { name: 'firstName', kind: 'string' },
  { name: 'middleName', kind: 'string' },
  { name: 'lastName', kind: 'string' },
  { name: 'salutation', kind: 'string' },
  { name: 'title', kind: 'string' },
  { name: 'company', kind: 'string' },
  { name: 'department', kind: 'string' },
  { name: 'phone', kind: 'string' },
  { name: 'mobilePhone', kind: 'string' },
  { name: 'fax', kind: 'string' },
  { name: 'website', kind: 'string' },
  { name: 'address', kind: 'string' },
  { name: 'city', kind: 'string' },
  { name: 'state', kind: 'string' },
  { name: 'postalCode', kind: 'string' },
  { name: 'country', kind: 'string' },
  { name: 'industry', kind: 'string' },
  { name: 'annualRevenue', kind: 'float' },
  { name: 'numberOfEmployees', kind: 'int' },
  { name: 'leadSource', kind: 'string' },
  { name: 'leadStatus', kind: 'string' },
  { name: 'leadRole', kind: 'string' },
  { name: 'leadScore', kind: 'int' },
  { name: 'dateOfBirth', kind: 'date' },
  { name: 'unsubscribed', kind: 'boolean' },
  { name: 'emailInvalid', kind: 'boolean' },
  { name: 'doNotCall', kind: 'boolean' },
  { name: 'leadPartitionId', kind: 'int' },
  { name: 'createdAt', kind: 'datetime' },
  { name: 'updatedAt', kind: 'datetime' },
];

export const STANDARD_LEAD_FIELD_NAMES: ReadonlySet<string> = new Set(
  STANDARD_LEAD_FIELDS.map((field) => field.name),
);

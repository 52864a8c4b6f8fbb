/**
 * One typed lead field (a standard field's GraphQL scalar from its kind), for any object type that
 * carries lead values: `Lead` (read from Marketo) and `LeadRow` (a row of a lead export). Marketo's
 * loosely typed values are coerced on the way out (lead-values.ts).
 */
import {
  parseMarketoDateTime,
  toBoolean,
  toDateOnly,
  toFloat,
  toInt,
  toText,
} from '../lead-values.js';
import type { StandardLeadField } from '../loaders/lead-fields.js';
import type { GatewaySchemaTypes } from './builder.js';

export type LeadFieldBuilder<Parent> = PothosSchemaTypes.ObjectFieldBuilder<
  PothosSchemaTypes.ExtendDefaultTypes<GatewaySchemaTypes>,
  Parent
>;

/** The field `field.name` of an object type, its value read from the parent by `value`. */
export function typedLeadField<Parent>(
  t: LeadFieldBuilder<Parent>,
  field: StandardLeadField,
  value: (parent: Parent) => unknown,
) {
  const description = field.description ?? `Marketo REST field \`${field.name}\`.`;
  switch (field.kind) {
    case 'int':
      return t.int({ nullable: true, description, resolve: (p) => toInt(value(p)) });
    case 'float':
      return t.float({ nullable: true, description, resolve: (p) => toFloat(value(p)) });
    case 'boolean':
      return t.boolean({ nullable: true, description, resolve: (p) => toBoolean(value(p)) });
    case 'datetime':
      return t.field({
        type: 'DateTime',
        nullable: true,
        description,
        resolve: (p) => parseMarketoDateTime(value(p)),
      });
    case 'date':
      return t.field({
        type: 'Date',
        nullable: true,
        description,
        resolve: (p) => toDateOnly(value(p)),
      });
    default:
      return t.string({ nullable: true, description, resolve: (p) => toText(value(p)) });
  }
}

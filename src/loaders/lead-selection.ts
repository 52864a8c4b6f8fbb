/**
 * Which lead fields an operation reads, so Marketo is asked for exactly their union (`fields=`),
 * once per operation. Walks the whole operation (fragments included) with the schema's types and
 * collects, wherever the parent type is `Lead`: typed standard fields, `field(name:)` and
 * `fields(names:)` arguments. `@skip`/`@include` are ignored (a superset is harmless).
 */
import {
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  getArgumentValues,
  getNamedType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { STANDARD_LEAD_FIELD_NAMES } from './lead-fields.js';

export const LEAD_TYPE_NAME = 'Lead';

/** A REST field name asked for through `field(name:)` / `fields(names:)`, with where it was asked. */
export interface NamedFieldRequest {
  name: string;
  /** `Lead.field(name:)` or `Lead.fields(names:)`. */
  argument: string;
}

export interface LeadSelection {
  /** Standard fields selected as typed GraphQL fields. */
  readonly standard: ReadonlySet<string>;
  /** Names from `field(name:)` / `fields(names:)`; validated against describe before use. */
  readonly named: readonly NamedFieldRequest[];
}

/**
 * Selections without `field(name:)`/`fields(names:)` (no variable can change them), per schema and
 * operation: yoga's parse cache gives every request sending the same text the same operation node.
 */
const fixedSelections = new WeakMap<
  GraphQLSchema,
  WeakMap<OperationDefinitionNode, LeadSelection>
>();

export function collectLeadSelection(info: GraphQLResolveInfo): LeadSelection {
  let bySchema = fixedSelections.get(info.schema);
  const fixed = bySchema?.get(info.operation);
  if (fixed) return fixed;
  const selection = walkLeadSelection(info);
  if (selection.named.length === 0 && !selection.argumentsRead) {
    if (!bySchema) fixedSelections.set(info.schema, (bySchema = new WeakMap()));
    bySchema.set(info.operation, selection);
  }
  return selection;
}

function walkLeadSelection(info: GraphQLResolveInfo): LeadSelection & { argumentsRead: boolean } {
  const selection = {
    standard: new Set<string>(),
    named: [] as NamedFieldRequest[],
    argumentsRead: false,
  };
  const rootType = info.schema.getRootType(info.operation.operation);
  if (!rootType) return selection;
  const visitedFragments = new Set<string>();

  const visit = (set: SelectionSetNode, parent: GraphQLCompositeType): void => {
    for (const node of set.selections) {
      if (node.kind === Kind.FIELD) {
        visitField(node, parent);
      } else if (node.kind === Kind.INLINE_FRAGMENT) {
        const condition = node.typeCondition
          ? info.schema.getType(node.typeCondition.name.value)
          : parent;
        if (condition && isCompositeType(condition)) visit(node.selectionSet, condition);
      } else {
        const name = node.name.value;
        if (visitedFragments.has(`${name}@${parent.name}`)) continue;
        visitedFragments.add(`${name}@${parent.name}`);
        const fragment = info.fragments[name];
        if (!fragment) continue;
        const condition = info.schema.getType(fragment.typeCondition.name.value);
        if (condition && isCompositeType(condition)) visit(fragment.selectionSet, condition);
      }
    }
  };

  const visitField = (node: FieldNode, parent: GraphQLCompositeType): void => {
    const name = node.name.value;
    if (name.startsWith('__')) return;
    if (!isObjectType(parent) && !isInterfaceType(parent)) return;
    const fieldDef = parent.getFields()[name];
    if (!fieldDef) return;
    if (parent.name === LEAD_TYPE_NAME) {
      if (STANDARD_LEAD_FIELD_NAMES.has(name)) selection.standard.add(name);
      if (name === 'field' || name === 'fields') {
        selection.argumentsRead = true;
        const args = getArgumentValues(fieldDef, node, info.variableValues);
        const values = name === 'field' ? [args.name] : (args.names as unknown[]);
        for (const value of values ?? []) {
          if (typeof value === 'string') {
            selection.named.push({
              name: value,
              argument: `Lead.${name}(${name === 'field' ? 'name' : 'names'}:)`,
            });
          }
        }
      }
    }
    const named = getNamedType(fieldDef.type);
    if (node.selectionSet && isCompositeType(named)) visit(node.selectionSet, named);
  };

  visit(info.operation.selectionSet, rootType);
  return selection;
}

/**
 * The scope an operation's root fields need, read from the schema before execution: the
 * multipart parser asks it once `operations` is read, so a key without the scope its mutation
 * needs gets 403 before a byte of its files is stored. Scope-auth still checks every field when
 * the operation runs; this is the early, coarse check (root fields, their static scopes, or the
 * scopes a field with dynamic ones always needs: `extensions.baseScopes`).
 */
import {
  type DocumentNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  parse,
  type SelectionSetNode,
} from 'graphql';
import { type Principal, grantedScopes, isScope, type Scope } from '../auth/scopes.js';
import { GatewayError } from '../errors.js';

type ScopeMap = Partial<Record<Scope | '$any' | '$all', unknown>>;

function satisfied(required: ScopeMap, granted: Record<Scope, boolean>, all = false): boolean {
  const checks = Object.entries(required).map(([name, value]) => {
    if (name === '$all') return satisfied(value as ScopeMap, granted, true);
    if (name === '$any') return satisfied(value as ScopeMap, granted, false);
    return isScope(name) && value === true && granted[name];
  });
  return all ? checks.every(Boolean) : checks.some(Boolean);
}

/** A field's scopes when they are known without running it. */
function staticScopes(type: GraphQLObjectType, fieldName: string): ScopeMap | undefined {
  const field = type.getFields()[fieldName];
  if (!field) return undefined;
  const extensions = field.extensions as {
    pothosOptions?: { authScopes?: unknown };
    baseScopes?: ScopeMap;
  };
  const own = extensions.pothosOptions?.authScopes;
  if (own && typeof own === 'object') return own as ScopeMap;
  if (typeof own === 'function') return extensions.baseScopes;
  const typeScopes = (type.extensions as { pothosOptions?: { authScopes?: unknown } }).pothosOptions
    ?.authScopes;
  return typeScopes && typeof typeScopes === 'object' ? (typeScopes as ScopeMap) : undefined;
}

function rootFieldNames(selections: SelectionSetNode, document: DocumentNode): string[] {
  return selections.selections.flatMap((selection) => {
    if (selection.kind === Kind.FIELD) return [selection.name.value];
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      return rootFieldNames(selection.selectionSet, document);
    }
    const fragment = document.definitions.find(
      (d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === selection.name.value,
    );
    return fragment?.kind === Kind.FRAGMENT_DEFINITION
      ? rootFieldNames(fragment.selectionSet, document)
      : [];
  });
}

/**
 * FORBIDDEN (403) when the operation in `params` uses a root field the principal's scopes cannot
 * reach; undefined when it may run, or when it cannot be read (yoga reports that, 400).
 */
export function scopeRefusal(
  schema: GraphQLSchema,
  principal: Principal,
  params: unknown,
  maxTokens: number,
): GatewayError | undefined {
  const { query, operationName } = (params ?? {}) as { query?: unknown; operationName?: unknown };
  if (typeof query !== 'string') return undefined;
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens });
  } catch {
    return undefined;
  }
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const operation =
    typeof operationName === 'string'
      ? operations.find((o) => o.name?.value === operationName)
      : operations.length === 1
        ? operations[0]
        : undefined;
  if (!operation) return undefined;
  const root = schema.getRootType(operation.operation);
  if (!root) return undefined;
  const granted = grantedScopes(principal);
  for (const name of rootFieldNames(operation.selectionSet, document)) {
    const required = staticScopes(root, name);
    if (required && !satisfied(required, granted)) {
      return new GatewayError(
        'FORBIDDEN',
        `API key "${principal.name}" may not use ${root.name}.${name}`,
        { extensions: { http: { status: 403 } } },
      );
    }
  }
  return undefined;
}

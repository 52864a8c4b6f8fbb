/**
 * What an operation may cost in Marketo calls, bounded before it runs. Every field that costs
 * calls declares it where it is defined (`extensions: marketoCost({...})`): calls per resolution
 * from its arguments, how many items it resolves to (what is selected under it runs once per
 * item), and whether it reads the lead field describe. The estimate multiplies down the
 * selection: `leads(ids: 10000) { lists { id } }` is 34 + 10,000 × 2 + 2 calls, not 34.
 *
 * The estimate is then the operation's cap: a call beyond it is refused before it is sent
 * (`CostTracker.admit`), so what an operation spends never exceeds what was estimated, even
 * where a declaration's assumption (one page of memberships per lead) does not hold.
 */
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  getNamedType,
  getOperationAST,
  GraphQLError,
  type GraphQLNamedType,
  type GraphQLSchema,
  isInterfaceType,
  isObjectType,
  Kind,
  type SelectionSetNode,
  type ValueNode,
  valueFromASTUntyped,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from '../context.js';

/** Marketo's records per call. */
export const RECORDS_PER_CALL = 300;
/** A cold describe: describe.json and describe2.json. */
const DESCRIBE_CALLS = 2;

type Args = Readonly<Record<string, unknown>>;
type Variables = Readonly<Record<string, unknown>> | null | undefined;

export interface FieldCost {
  /** Calls each time the field resolves (once per item of what it is selected under). */
  calls: number | ((args: Args) => number);
  /** Items it resolves to: what is selected under it is counted once per item. */
  items?: number | ((args: Args) => number);
  /** Reads the (cached) lead field describe: up to two calls once per operation. */
  describe?: boolean;
}

/** The declaration a field carries in `extensions`. */
export const marketoCost = (cost: FieldCost) => ({ marketoCost: cost });

/** Calls for a list of `size` per call (0 for no list). */
export function chunks(value: unknown, size = RECORDS_PER_CALL): number {
  return Array.isArray(value) ? Math.ceil(value.length / size) : 0;
}

/** Items of a list argument (0 when absent). */
export const lengthOf = (value: unknown): number => (Array.isArray(value) ? value.length : 0);

/** The value at a dotted path of the arguments. */
export function argAt(args: Args, path: string): unknown {
  let current: unknown = args;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/**
 * A field without a declaration: every list in its arguments of n items costs ⌈n/300⌉ (a
 * fallback; the schema declares every field that calls Marketo).
 */
function undeclaredCalls(args: Args): number {
  const walk = (value: unknown): number => {
    if (Array.isArray(value)) {
      return Math.max(1, chunks(value)) + value.reduce<number>((sum, item) => sum + walk(item), 0);
    }
    if (value !== null && typeof value === 'object' && !(value instanceof Blob)) {
      return Object.values(value).reduce<number>((sum, item) => sum + walk(item), 0);
    }
    return 0;
  };
  return walk(args);
}

function argumentValues(
  nodes: readonly { name: { value: string }; value: ValueNode }[] | undefined,
  variables: Variables,
): Args {
  const args: Record<string, unknown> = {};
  for (const node of nodes ?? []) {
    // Variables keep their runtime values (an upload's DiskFile included).
    args[node.name.value] =
      node.value.kind === Kind.VARIABLE
        ? variables?.[node.value.name.value]
        : valueFromASTUntyped(node.value, variables ?? undefined);
  }
  return args;
}

/**
 * Estimates that no variable can change (every field met has a fixed cost, or none and no
 * arguments), per schema and parsed document: yoga's parse cache hands the same document to every
 * request sending the same text, so these are computed once.
 */
const fixedEstimates = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, number>>();

/** Upper bound of the Marketo calls of every operation in `document`. */
export function estimateMarketoCalls(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Variables,
): number {
  let bySchema = fixedEstimates.get(schema);
  const fixed = bySchema?.get(document);
  if (fixed !== undefined) return fixed;
  const { calls, dependsOnArguments } = estimate(schema, document, variables);
  if (!dependsOnArguments) {
    if (!bySchema) fixedEstimates.set(schema, (bySchema = new WeakMap()));
    bySchema.set(document, calls);
  }
  return calls;
}

function estimate(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Variables,
): { calls: number; dependsOnArguments: boolean } {
  /** Whether a cost read an argument's value (a variable's, or a literal's: both are looked at). */
  let dependsOnArguments = false;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      fragments.set(definition.name.value, definition);
    }
  }
  let describes = false;

  const selectionCost = (
    selectionSet: SelectionSetNode,
    type: GraphQLNamedType | undefined,
    multiplier: number,
    spreading: ReadonlySet<string>,
  ): number => {
    let calls = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const on = selection.typeCondition
          ? schema.getType(selection.typeCondition.name.value)
          : type;
        calls += selectionCost(selection.selectionSet, on, multiplier, spreading);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || spreading.has(fragment.name.value)) continue;
        const on = schema.getType(fragment.typeCondition.name.value);
        const next = new Set(spreading).add(fragment.name.value);
        calls += selectionCost(fragment.selectionSet, on, multiplier, next);
        continue;
      }
      const field =
        type && (isObjectType(type) || isInterfaceType(type))
          ? type.getFields()[selection.name.value]
          : undefined;
      const declared = (field?.extensions as { marketoCost?: FieldCost } | undefined)?.marketoCost;
      // Arguments are read only by a cost that depends on them.
      let args: Args | undefined;
      const argumentsOf = (): Args => {
        dependsOnArguments = true;
        return (args ??= argumentValues(selection.arguments, variables));
      };
      const cost = (spec: number | ((args: Args) => number)) =>
        typeof spec === 'number' ? spec : spec(argumentsOf());
      calls +=
        multiplier *
        (declared
          ? cost(declared.calls)
          : selection.arguments?.length
            ? undeclaredCalls(argumentsOf())
            : 0);
      if (declared?.describe) describes = true;
      if (selection.selectionSet) {
        const items = declared?.items === undefined ? 1 : cost(declared.items);
        calls += selectionCost(
          selection.selectionSet,
          field && getNamedType(field.type),
          multiplier * items,
          spreading,
        );
      }
    }
    return calls;
  };

  let calls = 0;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const root = schema.getRootType(definition.operation) ?? undefined;
    calls += selectionCost(definition.selectionSet, root, 1, new Set());
  }
  return { calls: calls + (describes ? DESCRIBE_CALLS : 0), dependsOnArguments };
}

function costError(calls: number, limit: number): GraphQLError {
  return new GraphQLError(
    `Operation would cost up to ${calls} Marketo calls; the limit is ${limit} per operation. Split it.`,
    { extensions: { code: 'MARKETO_COST_LIMIT', marketoCalls: calls, limit } },
  );
}

/**
 * Refuses operations over `limit` estimated Marketo calls before they execute, and caps the
 * others at their estimate.
 */
export function useMarketoCallLimit(limit: number): Plugin {
  const check = (
    args: {
      schema: GraphQLSchema;
      document: DocumentNode;
      variableValues?: unknown;
      contextValue: unknown;
      operationName?: string | null | undefined;
    },
    stop: (result: { errors: GraphQLError[] }) => void,
  ) => {
    const calls = estimateMarketoCalls(
      args.schema,
      args.document,
      args.variableValues as Variables,
    );
    if (calls > limit) {
      stop({ errors: [costError(calls, limit)] });
      return;
    }
    // A query is capped at its estimate. Not a mutation: an import waiting in Marketo's queue
    // (1016) retries its submission, and a cut-off write would be worse than a late refusal.
    if (getOperationAST(args.document, args.operationName)?.operation === 'query') {
      (args.contextValue as Partial<Pick<GraphQLContext, 'cost'>>).cost?.capAt(calls);
    }
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      check(args, setResultAndStopExecution);
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      check(args, setResultAndStopExecution);
    },
  };
}

/**
 * What an operation will cost in Marketo calls, estimated before it runs: every list in a
 * field's arguments (literal or from variables, also inside input objects) of n items costs
 * ⌈n/300⌉ calls, Marketo's records per call. So `leads(ids:)` of 1,000 costs 4 and an upsert of
 * 50,000 rows 167, whatever the query text looks like; aliases repeating a field add up.
 */
import { type DocumentNode, GraphQLError, Kind, type ValueNode, visit } from 'graphql';
import type { Plugin } from 'graphql-yoga';

const RECORDS_PER_CALL = 300;

type Variables = Readonly<Record<string, unknown>> | null | undefined;

function listCallsInValue(value: unknown): number {
  if (Array.isArray(value)) {
    const nested = value.reduce<number>((sum, item) => sum + listCallsInValue(item), 0);
    return Math.max(1, Math.ceil(value.length / RECORDS_PER_CALL)) + nested;
  }
  if (value !== null && typeof value === 'object') {
    return Object.values(value).reduce<number>((sum, item) => sum + listCallsInValue(item), 0);
  }
  return 0;
}

function listCallsInNode(node: ValueNode, variables: Variables): number {
  switch (node.kind) {
    case Kind.VARIABLE:
      return listCallsInValue(variables?.[node.name.value]);
    case Kind.LIST: {
      const nested = node.values.reduce((sum, item) => sum + listCallsInNode(item, variables), 0);
      return Math.max(1, Math.ceil(node.values.length / RECORDS_PER_CALL)) + nested;
    }
    case Kind.OBJECT:
      return node.fields.reduce((sum, field) => sum + listCallsInNode(field.value, variables), 0);
    default:
      return 0;
  }
}

/** Estimated Marketo calls of every field in the document (fragments counted once). */
export function estimateMarketoCalls(document: DocumentNode, variables: Variables): number {
  let calls = 0;
  visit(document, {
    Field(field) {
      for (const argument of field.arguments ?? []) {
        calls += listCallsInNode(argument.value, variables);
      }
    },
  });
  return calls;
}

function costError(calls: number, limit: number): GraphQLError {
  return new GraphQLError(
    `Operation would cost about ${calls} Marketo calls; the limit is ${limit} per operation. Split it.`,
    { extensions: { code: 'MARKETO_COST_LIMIT', marketoCalls: calls, limit } },
  );
}

/** Refuses operations over `limit` estimated Marketo calls before they execute. */
export function useMarketoCallLimit(limit: number): Plugin {
  const check = (
    document: DocumentNode,
    variables: Variables,
    stop: (result: { errors: GraphQLError[] }) => void,
  ) => {
    const calls = estimateMarketoCalls(document, variables);
    if (calls > limit) stop({ errors: [costError(calls, limit)] });
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      check(args.document, args.variableValues as Variables, setResultAndStopExecution);
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      check(args.document, args.variableValues as Variables, setResultAndStopExecution);
    },
  };
}

/**
 * Fuzzing every query and mutation of the schema with fast-check: arguments derived from each
 * field's declared types (well-typed, hostile or simply wrong), sent over real HTTP as variables
 * and inlined as literals. Whatever the input, the gateway answers 200 or a 4xx with a GraphQL
 * error body, every error has a code or is the masked "Unexpected error.", and it still answers a
 * normal query afterwards, and what an operation spent (`extensions.marketo.calls`) never
 * exceeds the estimate the cost limit computed for it: the estimate is an upper bound. New fields
 * are covered without touching this file.
 *
 * Reproduce a failure with the seed and counterexample fast-check prints (FUZZ_SEED overrides the
 * fixed seed, FUZZ_RUNS the runs per field).
 */
import fc from 'fast-check';
import {
  parse,
  getNamedType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isRequiredArgument,
  isScalarType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.js';
import { estimateMarketoCalls } from '../../src/security/marketo-cost.js';
import { type GraphQLErrorJson, startTestGateway, type TestGateway } from '../helpers/gateway.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20_240_607);
const RUNS = Number(process.env.FUZZ_RUNS ?? 10);

/** An enum value: a bare name as a literal, a string in variables. */
class EnumValue {
  constructor(readonly name: string) {}
  toJSON(): string {
    return this.name;
  }
}

// ---- values -------------------------------------------------------------------------------

const hugeNumbers = fc.constantFrom(
  2 ** 31,
  -(2 ** 31) - 1,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 2,
  -Number.MAX_SAFE_INTEGER,
  1e21,
  1e308,
  -1e308,
  5e-324,
  -0,
  0,
  -1,
);
const nanLikeStrings = fc.constantFrom(
  'NaN',
  'Infinity',
  '-Infinity',
  '1e400',
  '0x10',
  ' 1 ',
  '-0',
  '1_000',
  '',
  '9007199254740993',
);
const ints = fc.oneof(
  { arbitrary: fc.integer({ min: -3, max: 2_100 }), weight: 4 },
  { arbitrary: fc.integer(), weight: 2 },
  { arbitrary: hugeNumbers, weight: 2 },
  { arbitrary: fc.double(), weight: 1 },
  { arbitrary: nanLikeStrings, weight: 1 },
);

/** Names the schema and Marketo know, so fuzzing also reaches past the first check. */
const knownWords = fc.constantFrom(
  'email',
  'id',
  'firstName',
  'lastName',
  'leadScore',
  'createdAt',
  'updatedAt',
  'company',
  'cookies',
  'lead1@example.com',
  'Fuzz List',
  'Default',
  'LEADS',
  '1',
  '{{my.token}}',
  'eyJpIjoxfQ',
  // Ids end up in Marketo URLs.
  '../../identity/oauth/token',
  '%2e%2e%2f',
  '1?access_token=x#',
  'a/b',
  '00000000-0000-4000-8000-000000000000',
);
const controlChars = fc
  .array(fc.integer({ min: 0, max: 31 }), { minLength: 1, maxLength: 16 })
  .map((codes) => String.fromCharCode(...codes));
const longStrings = fc
  .tuple(
    fc.constantFrom('x', 'é', '💥', '\u0000', ',', '"', '\n'),
    fc.integer({ min: 1_000, max: 60_000 }),
  )
  .map(([char, length]) => char.repeat(length));
const strings = fc.oneof(
  { arbitrary: knownWords, weight: 3 },
  { arbitrary: fc.string({ maxLength: 30 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }), weight: 2 },
  // Lone surrogates and the rest of the code space.
  { arbitrary: fc.string({ unit: 'binary', maxLength: 30 }), weight: 1 },
  { arbitrary: controlChars, weight: 1 },
  { arbitrary: longStrings, weight: 1 },
  { arbitrary: nanLikeStrings, weight: 1 },
);
const dateTimes = fc.oneof(
  fc
    .date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc.constantFrom(
    '2024-02-30T00:00:00Z',
    '2024-01-01',
    '0000-00-00T00:00:00Z',
    '9999-12-31T23:59:59Z',
    '+275760-09-13T00:00:00.000Z',
    '2024-01-01T00:00:00+14:00',
    'yesterday',
  ),
  strings,
);
const dates = fc.oneof(
  fc
    .date({ min: new Date('1900-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 10)),
  fc.constantFrom('2024-02-30', '2024-13-01', '0000-01-01'),
  strings,
);
const json = fc.jsonValue({ maxDepth: 3 });
const jsonObjects = fc.dictionary(fc.oneof(knownWords, fc.string({ maxLength: 10 })), json, {
  maxKeys: 6,
});

/** Anything at all: the wrong type for most positions. */
const wild: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    ints,
    strings,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(knownWords, fc.string({ maxLength: 8 })), tie('value'), { maxKeys: 4 }),
  ),
})).value;

function scalarArb(name: string): fc.Arbitrary<unknown> {
  switch (name) {
    case 'Int':
      return ints;
    case 'Float':
      return fc.oneof(fc.double(), ints);
    case 'Boolean':
      return fc.oneof({ arbitrary: fc.boolean(), weight: 5 }, { arbitrary: ints, weight: 1 });
    case 'ID':
      return fc.oneof(ints, strings);
    case 'DateTime':
      return dateTimes;
    case 'Date':
      return dates;
    case 'JSON':
      return fc.oneof(jsonObjects, json);
    case 'JSONObject':
      return jsonObjects;
    default:
      // String, File and any scalar added later.
      return strings;
  }
}

/** A value for `type`: mostly well-typed, sometimes null, sometimes anything at all. */
function inputArb(type: GraphQLInputType, depth = 0): fc.Arbitrary<unknown> {
  const typed = typedArb(isNonNullType(type) ? type.ofType : type, depth);
  return fc.oneof(
    { arbitrary: typed, weight: 12 },
    { arbitrary: fc.constant(null), weight: 1 },
    { arbitrary: wild, weight: 1 },
  );
}

function typedArb(type: GraphQLInputType, depth: number): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) return typedArb(type.ofType, depth);
  if (isListType(type)) {
    const item = inputArb(type.ofType, depth + 1);
    return fc.oneof(
      { arbitrary: fc.array(item, { maxLength: 5 }), weight: 6 },
      { arbitrary: fc.constant([]), weight: 1 },
      // Long lists of small items (ids, rows); values are cheap, the gateway's limits are not.
      {
        arbitrary: fc.integer({ min: 301, max: 3_000 }).chain((n) =>
          fc.array(typedArb(getNamedType(type) as GraphQLInputType, depth + 2), {
            minLength: n,
            maxLength: n,
          }),
        ),
        weight: 1,
      },
      // Nested where flat is expected, and a single value where a list is (GraphQL coerces it).
      { arbitrary: fc.array(fc.array(item, { maxLength: 2 }), { maxLength: 2 }), weight: 1 },
      { arbitrary: item, weight: 1 },
    );
  }
  if (isEnumType(type)) {
    return fc.oneof(
      {
        arbitrary: fc.constantFrom(...type.getValues().map((v) => new EnumValue(v.name))),
        weight: 6,
      },
      { arbitrary: strings.map((s) => new EnumValue(s.replace(/\W/g, '') || 'X')), weight: 1 },
      { arbitrary: strings, weight: 1 },
    );
  }
  if (isInputObjectType(type)) {
    if (depth > 4) return fc.constant(null);
    const fields = Object.values(type.getFields());
    const model = Object.fromEntries(fields.map((f) => [f.name, inputArb(f.type, depth + 1)]));
    const required = fields.filter((f) => isNonNullType(f.type) && f.defaultValue === undefined);
    const record = fc.record(model, { requiredKeys: required.map((f) => f.name) });
    return fc.oneof(
      { arbitrary: record, weight: 6 },
      // Unknown members and missing required ones.
      {
        arbitrary: fc.tuple(record, jsonObjects).map(([r, extra]) => ({ ...extra, ...r })),
        weight: 1,
      },
      { arbitrary: fc.record(model, { requiredKeys: [] }), weight: 1 },
    );
  }
  if (isScalarType(type)) return scalarArb(type.name);
  return wild;
}

// ---- operations ---------------------------------------------------------------------------

const OMITTED = Symbol('omitted');

interface PlannedField {
  field: GraphQLField<unknown, unknown>;
  args: Record<string, unknown>;
  children: PlannedField[] | undefined;
}

function argsArb(args: readonly GraphQLArgument[]): fc.Arbitrary<Record<string, unknown>> {
  if (args.length === 0) return fc.constant({});
  const entries = args.map((arg) =>
    // Required arguments are occasionally left out, optional ones often.
    fc.option(inputArb(arg.type), { nil: OMITTED, freq: isRequiredArgument(arg) ? 12 : 2 }),
  );
  return fc
    .tuple(...entries)
    .map((values) =>
      Object.fromEntries(
        values.flatMap((value, i) => (value === OMITTED ? [] : [[args[i]!.name, value]])),
      ),
    );
}

function fieldsOf(type: GraphQLNamedType): GraphQLField<unknown, unknown>[] {
  return isObjectType(type) || isInterfaceType(type) ? Object.values(type.getFields()) : [];
}

const isPlainLeaf = (f: GraphQLField<unknown, unknown>) =>
  isLeafType(getNamedType(f.type)) && !f.args.some(isRequiredArgument);

/**
 * Every leaf field of the result, plus up to three of the fields that take arguments or return
 * objects (themselves fuzzed one level down), so nested arguments are fuzzed too.
 */
function fieldArb(
  field: GraphQLField<unknown, unknown>,
  depth: number,
): fc.Arbitrary<PlannedField> {
  const type = getNamedType(field.type);
  if (isLeafType(type)) {
    return argsArb(field.args).map((args) => ({ field, args, children: undefined }));
  }
  const fields = fieldsOf(type);
  const leaves = fields.filter(isPlainLeaf);
  const complex = depth < 1 ? fields.filter((f) => !isPlainLeaf(f)) : [];
  const children = fc
    .subarray(complex, { maxLength: Math.min(3, complex.length) })
    .chain((chosen) => fc.tuple(...chosen.map((f) => fieldArb(f, depth + 1))));
  return fc.record({ args: argsArb(field.args), nested: children }).map(({ args, nested }) => ({
    field,
    args,
    children: [...leaves.map((f) => ({ field: f, args: {}, children: undefined })), ...nested],
  }));
}

/** A GraphQL literal for any value (NaN and Infinity come out as enum-like names: invalid). */
function literal(value: unknown): string {
  if (value instanceof EnumValue) return value.name;
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  const members = Object.entries(value as Record<string, unknown>).map(
    ([key, v], i) => `${/^[_A-Za-z]\w*$/.test(key) ? key : `k${i}`}: ${literal(v)}`,
  );
  return `{${members.join(', ')}}`;
}

function render(
  operation: 'query' | 'mutation',
  planned: PlannedField,
  mode: 'variables' | 'inline',
): { query: string; variables: Record<string, unknown> } {
  const definitions: string[] = [];
  const variables: Record<string, unknown> = {};
  const field = (p: PlannedField): string => {
    const args = Object.entries(p.args).map(([name, value]) => {
      if (mode === 'inline') return `${name}: ${literal(value)}`;
      const variable = `v${definitions.length}`;
      const declared = p.field.args.find((a) => a.name === name)!.type;
      definitions.push(`$${variable}: ${String(declared)}`);
      variables[variable] = value;
      return `${name}: $${variable}`;
    });
    const head = args.length > 0 ? `${p.field.name}(${args.join(', ')})` : p.field.name;
    return p.children ? `${head} { __typename ${p.children.map(field).join(' ')} }` : head;
  };
  const body = field(planned);
  const name = `Fuzz_${planned.field.name}`;
  const signature = definitions.length > 0 ? `(${definitions.join(', ')})` : '';
  return { query: `${operation} ${name}${signature} { ${body} }`, variables };
}

/** The same operation with its arguments as variables, then inlined as literals. */
function requestsArb(operation: 'query' | 'mutation', field: GraphQLField<unknown, unknown>) {
  return fieldArb(field, 0).map((planned) => [
    render(operation, planned, 'variables'),
    render(operation, planned, 'inline'),
  ]);
}

// ---- the property -------------------------------------------------------------------------

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({ timeScale: 200, sandbox: { leads: 300 } });
});
afterAll(async () => {
  await gw?.stop();
});

interface Answer {
  status: number;
  text: string;
}

async function send(body: { query: string; variables: Record<string, unknown> }): Promise<Answer> {
  const response = await fetch(`${gw.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: response.status, text: await response.text() };
}

/** Spent more Marketo calls than the cost limit's estimate for the request. */
function overspent(
  { text }: Answer,
  request: { query: string; variables: Record<string, unknown> },
): string | undefined {
  let spent: number | undefined;
  try {
    spent = (JSON.parse(text) as { extensions?: { marketo?: { calls?: number } } }).extensions
      ?.marketo?.calls;
  } catch {
    return undefined;
  }
  if (spent === undefined) return undefined;
  // The request reached execution, so it parses; the variables are the JSON that was sent.
  const variables = JSON.parse(JSON.stringify(request.variables)) as Record<string, unknown>;
  const estimate = estimateMarketoCalls(schema, parse(request.query), variables);
  return spent > estimate ? `spent ${spent} Marketo calls, estimated ${estimate}` : undefined;
}

/** The contract for any input; the message says what broke it. */
function violation({ status, text }: Answer): string | undefined {
  if (status !== 200 && (status < 400 || status > 499))
    return `HTTP ${status}: ${text.slice(0, 500)}`;
  let body: { data?: unknown; errors?: GraphQLErrorJson[] };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return `HTTP ${status} without a JSON body: ${text.slice(0, 200)}`;
  }
  if (status !== 200 && !(body.errors && body.errors.length > 0)) {
    return `HTTP ${status} without GraphQL errors`;
  }
  for (const error of body.errors ?? []) {
    if (typeof error.message !== 'string' || error.message === '')
      return 'an error without a message';
    // `[ \t]+`, not `\s+`: over a message echoing 100k newlines `\n\s+at ` backtracks for
    // seconds, long enough for the gateway to close the idle keep-alive socket (ECONNRESET).
    if (/\n[ \t]+at |node_modules|\/src\//.test(error.message))
      return `a stack or path leaked: ${error.message}`;
    const masked = error.message === 'Unexpected error.';
    const code = error.extensions?.code;
    if (!masked && (typeof code !== 'string' || code === 'INTERNAL_SERVER_ERROR')) {
      return `an unexpected error reached the response unmasked: ${JSON.stringify(error).slice(0, 500)}`;
    }
  }
  return undefined;
}

const roots = [
  ['query', schema.getQueryType()],
  ['mutation', schema.getMutationType()],
] as const satisfies readonly (readonly [
  'query' | 'mutation',
  GraphQLObjectType | null | undefined,
])[];

for (const [operation, type] of roots) {
  describe(`every ${operation} field, fuzzed over HTTP`, () => {
    for (const field of Object.values(type?.getFields() ?? {})) {
      it(`${field.name}: 200 or a 4xx with GraphQL errors, codes or masked, within its estimate`, async () => {
        await fc.assert(
          fc.asyncProperty(requestsArb(operation, field), async (requests) => {
            for (const request of requests) {
              const answer = await send(request);
              const problem = violation(answer) ?? overspent(answer, request);
              if (problem) throw new Error(`${problem}\n${request.query.slice(0, 2_000)}`);
            }
          }),
          // Shrinking sends requests too: bounded so a failure is reported within the timeout.
          { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: 40_000 },
        );
      });
    }
  });
}

describe('request errors of graphql-js itself', () => {
  it('carry BAD_USER_INPUT: a variable of the wrong type, a missing one', async () => {
    const query = 'query FuzzVariableErrors($id: Int!) { lead(id: $id) { id } }';
    for (const variables of [{ id: 'one' }, { id: 2 ** 31 }, {}]) {
      const answer = await send({ query, variables });
      expect(answer.status).toBe(400);
      const body = JSON.parse(answer.text) as { errors: GraphQLErrorJson[] };
      expect(body.errors.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    }
  });
});

describe('after the fuzzing', () => {
  it('the gateway still answers a normal query', async () => {
    const answer = await send({
      query: 'query FuzzAfterwards { leads(ids: [1, 2]) { id } }',
      variables: {},
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toMatchObject({ data: { leads: [{ id: 1 }, { id: 2 }] } });
  });
});

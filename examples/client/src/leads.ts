/** An app's operations: `graphql(...)` gives each a typed document once codegen has run. */
import { graphql } from './gql/index.js';

export const LeadsByIds = graphql(`
  query LeadsByIds($ids: [Int!]!) {
    leads(ids: $ids) {
      id
      email
      firstName
      updatedAt
    }
  }
`);

export const UpsertLeads = graphql(`
  mutation UpsertLeads($leads: [JSON!]!) {
    upsertLeads(input: { leads: $leads }) {
      created
      updated
      failed
      results(status: [SKIPPED, FAILED]) {
        index
        status
        reasons {
          code
          message
        }
      }
    }
  }
`);

/** Sends a typed document as a persisted operation: its hash, never its text. */
export async function send<TResult, TVariables>(
  url: string,
  key: string,
  document: { __meta__?: { hash?: string } } & { toString(): string } & {
    __apiType?: (variables: TVariables) => TResult;
  },
  variables: TVariables,
): Promise<{ data?: TResult; errors?: Array<{ message: string }> }> {
  const hash = document.__meta__?.hash;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({
      variables,
      extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
    }),
  });
  return (await response.json()) as { data?: TResult; errors?: Array<{ message: string }> };
}

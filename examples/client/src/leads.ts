/** An app's operations: `graphql(...)` gives each a typed document once codegen has run. */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { graphql } from './gql';

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
      ... on UpsertLeadsResult {
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
      ... on Error {
        code
        message
      }
    }
  }
`);

/** Sends a typed document as a persisted operation: its hash, never its text. */
export async function send<TResult, TVariables>(
  url: string,
  key: string,
  document: TypedDocumentNode<TResult, TVariables> & { __meta__?: { hash?: string } },
  variables: TVariables,
): Promise<{
  data?: TResult;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({
      variables,
      extensions: { persistedQuery: { version: 1, sha256Hash: document.__meta__?.hash } },
    }),
  });
  return (await response.json()) as {
    data?: TResult;
    errors?: Array<{ message: string; extensions?: { code?: string } }>;
  };
}

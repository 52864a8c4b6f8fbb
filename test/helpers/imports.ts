/**
 * Shared by the import specs: the GraphQL documents, waiting for an import to finish, and reading
 * an `importJobStatus` subscription over SSE.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ImportJobDetailQuery } from '../gql/graphql.js';
import { graphql } from '../gql/index.js';
import type { ExecuteResult, TestGateway } from './gateway.js';

export const StartImport = graphql(`
  mutation StartImport($input: ImportLeadsInput!) {
    importLeads(input: $input) {
      ... on ImportJob {
        id
        status
        rowsTotal
      }
      ... on Error {
        code
        message
      }
      ... on InputError {
        argument
        field
        details
      }
    }
  }
`);

export const ImportJobDetail = graphql(`
  query ImportJobDetail($id: ID!) {
    importJob(id: $id) {
      id
      status
      marketoStatus
      batchIds
      rowsTotal
      rowsProcessed
      rowsFailed
      rowsWithWarning
      message
      error {
        code
        message
      }
      parts {
        batchId
        marketoStatus
        firstRow
        rows
        bytes
        rowsFailed
        rowsWithWarning
      }
      failures {
        rowNumber
        batchId
        row
        reason
      }
      warnings {
        rowNumber
        batchId
        row
        reason
      }
    }
  }
`);

export type ImportJobView = NonNullable<ImportJobDetailQuery['importJob']>;

const FINISHED = new Set(['COMPLETE', 'PARTIAL', 'FAILED']);

export async function waitForImport(gw: TestGateway, id: string): Promise<ImportJobView> {
  for (let attempt = 0; attempt < 1200; attempt++) {
    const result: ExecuteResult<ImportJobDetailQuery> = await gw.execute(ImportJobDetail, { id });
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    const job = result.data?.importJob;
    if (job && FINISHED.has(job.status)) return job;
    await sleep(50);
  }
  throw new Error(`import ${id} did not finish`);
}

/** Every event of a subscription over SSE, until the server completes it. */
export async function subscribeSse<T>(
  gw: TestGateway,
  query: string,
  variables: Record<string, unknown>,
): Promise<T[]> {
  const res = await fetch(`${gw.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query, variables }),
  });
  const events: T[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (/^event: complete$/m.test(block)) return events;
      const data = block
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trim())
        .join('\n');
      if (data) events.push(JSON.parse(data) as T);
    }
  }
  return events;
}

/**
 * `npx tsx bench/client-recovery.ts`: two figures of the Marketo client at real speed (timeScale 1)
 * against the sandbox, Marketo's connection behaviour (`Connection: close`) included.
 *
 *   615 recovery   three 615s in a row on one read: time from the call to its answer
 *                  (target < 1 s; the 606 rate-window backoff used to cost ~15 s)
 *   token renewal  100 reads, one every 140 ms (14 s) across a 4 s token lifetime: identity calls
 *                  counted by the sandbox (target ≤ 5; four tokens are needed)
 */
import { createMarketoClient } from '../src/marketo/client.js';
import { startSandbox } from '../src/sandbox/server.js';

async function stats(url: string): Promise<{ calls: { byEndpoint: Record<string, number> } }> {
  return (await (await fetch(`${url}/__sandbox/stats`)).json()) as {
    calls: { byEndpoint: Record<string, number> };
  };
}

async function recovery615(): Promise<number[]> {
  const sandbox = await startSandbox({ leads: 100 });
  const client = createMarketoClient({
    baseUrl: sandbox.url,
    clientId: sandbox.clientId,
    clientSecret: sandbox.clientSecret,
  });
  const times: number[] = [];
  try {
    await client.getLeadsByIds([1]);
    for (let run = 0; run < 5; run++) {
      await fetch(`${sandbox.url}/__sandbox/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          faults: [{ error: '615', next: 3, endpoint: 'GET /rest/v1/leads.json' }],
        }),
      });
      const started = performance.now();
      await client.getLeadsByIds([run + 1]);
      times.push(Math.round(performance.now() - started));
    }
  } finally {
    await client.close();
    await sandbox.close();
  }
  return times;
}

async function tokenRenewal(): Promise<{
  identityCalls: number;
  seconds: number;
  errors602: number;
}> {
  const sandbox = await startSandbox({ leads: 200, tokenLifetimeSec: 4 });
  const client = createMarketoClient({
    baseUrl: sandbox.url,
    clientId: sandbox.clientId,
    clientSecret: sandbox.clientSecret,
  });
  const started = performance.now();
  try {
    for (let i = 0; i < 100; i++) {
      const due = started + i * 140;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await client.getLeadsByIds([i + 1]);
    }
    const s = (await stats(sandbox.url)) as {
      calls: { byEndpoint: Record<string, number> };
      errors?: Record<string, number>;
    };
    return {
      identityCalls:
        (s.calls.byEndpoint['POST /identity/oauth/token'] ?? 0) +
        (s.calls.byEndpoint['GET /identity/oauth/token'] ?? 0),
      seconds: Math.round((performance.now() - started) / 100) / 10,
      errors602: s.errors?.['602'] ?? 0,
    };
  } finally {
    await client.close();
    await sandbox.close();
  }
}

const times = await recovery615();
console.log(`615 ×3 recovery (ms, 5 runs): ${times.join(', ')} — target < 1000`);
const renewal = await tokenRenewal();
console.log(
  `100 reads over ${renewal.seconds} s, 4 s tokens: ${renewal.identityCalls} identity calls, ${renewal.errors602} × 602 — target ≤ 5`,
);

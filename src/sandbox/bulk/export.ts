// Placeholder until bulk export lands (owned by the sandbox-bulk work): no routes yet.
import type { BulkDeps, Route } from '../types.js';

export function createBulkExport(_deps: BulkDeps): { routes: Route[]; close(): Promise<void> } {
  return { routes: [], close: async () => {} };
}

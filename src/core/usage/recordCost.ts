// What one request cost, as the spend meter and the weekly summary price it: the agent's own figure
// when it reported one (Cline's `cost`), else the agent's own prices (Copilot's AI credits), else the
// catalog's, web searches included. Null when nothing prices the model (never shown as free).
import type { Catalog } from '../catalog';
import { requestCost } from '../cost';
import { adapterOf, isAgentId } from '../agents/index';
import type { UsageRecord } from '../agents/records';

export function recordCost(r: UsageRecord, catalog: Catalog): number | null {
  if (r.cost !== undefined) return r.cost;
  const own = isAgentId(r.agent) ? adapterOf(r.agent).prices?.(r.model) : undefined;
  return requestCost(own ?? catalog.resolve(r.model), r.usage, r.webSearches);
}

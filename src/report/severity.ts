/**
 * Severity per anomaly code, for colouring codes that appear without an instance at hand (the
 * summary's counts): the catalog's value, overridden by what the report's instances say (a
 * report read back from an older or newer version may know codes this build does not).
 */
import { ANOMALIES } from '../analysis/catalog.js';
import type { RunReport, Severity } from './model.js';

export function severityIndex(report: Pick<RunReport, 'connections'>): Map<string, Severity> {
  const m = new Map<string, Severity>(Object.entries(ANOMALIES).map(([code, info]) => [code, info.severity]));
  for (const c of report.connections) for (const a of c.anomalies) m.set(a.code, a.severity);
  return m;
}

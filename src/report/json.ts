/**
 * `--format json`: the versioned contract (report/model.ts), one document. Keys come out in the
 * order the model declares them (the core builds its objects in that order, and
 * test/report/schema.test.ts checks real output against the schema's property order), so the
 * same capture always gives the same bytes and golden files diff cleanly.
 */
import type { RunReport } from './model.js';
import type { RenderContext } from './context.js';

export function renderJson(report: RunReport, _ctx?: RenderContext): string {
  return JSON.stringify(report, null, 2) + '\n';
}

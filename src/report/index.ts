/**
 * Renderers keyed by `--format` (knip's reporters map). Each is a pure `(report, ctx) => string`.
 * The ladder is not a format of its own: `--ladder` swaps the table for ladder diagrams, and the
 * machine formats carry the same rows in `connections[].ladder`.
 */
import type { Renderer } from './context.js';
import { renderTable } from './table.js';
import { renderJson } from './json.js';
import { renderNdjson } from './ndjson.js';
import { renderZeekTsv } from './zeek-tsv.js';

export const FORMATS = ['table', 'json', 'ndjson', 'zeek'] as const;
export type Format = (typeof FORMATS)[number];

export const renderers: Record<Format, Renderer> = {
  table: renderTable,
  json: renderJson,
  ndjson: renderNdjson,
  zeek: renderZeekTsv,
};

export { ladderDigits, renderLadder, renderConnectionLadder } from './ladder.js';
export { ndjsonConnectionLine, ndjsonSummaryLine } from './ndjson.js';
export { renderTable, renderJson, renderNdjson, renderZeekTsv };
export { defaultRenderContext, type RenderContext, type Renderer } from './context.js';

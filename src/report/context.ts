/**
 * What a renderer is given besides the report. Built by the CLI (or a library user); renderers
 * never look at process.stdout, the environment or the global chalk (STYLE §8).
 */
import { Chalk, type ChalkInstance } from 'chalk';
import type { RunReport, Severity } from './model.js';

export interface RenderContext {
  /** `new Chalk({ level })`: level 0 gives plain text. */
  chalk: ChalkInstance;
  /** Columns available for the table and the ladder. */
  width: number;
  /** Draw the ladder with `-->` / `<--` instead of box-drawing arrows (terminals without UTF-8). */
  ascii: boolean;
  /** Ladders: draw every row (by default a long run of rows that change nothing is shortened). */
  everyRow?: boolean;
}

/** A renderer turns a whole report into the text printed on stdout (knip's reporters map). */
export type Renderer = (report: RunReport, ctx: RenderContext) => string;

/** Plain, 100 columns, Unicode: what a library user gets without asking. */
export function defaultRenderContext(overrides: Partial<RenderContext> = {}): RenderContext {
  return { chalk: new Chalk({ level: 0 }), width: 100, ascii: false, ...overrides };
}

/** Colour for a severity: errors red, warnings yellow, info cyan, so a glance finds the red rows. */
export function paintSeverity(chalk: ChalkInstance, severity: Severity | string, text: string): string {
  switch (severity) {
    case 'error':
      return chalk.red.bold(text);
    case 'warn':
      return chalk.yellow(text);
    case 'info':
      return chalk.cyan(text);
    default:
      return text;
  }
}

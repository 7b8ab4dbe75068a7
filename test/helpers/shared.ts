/**
 * Where ../shared (the team's corpus and bench tools) lives: beside the repository, as on every
 * developer machine and in CI's fresh clone. TCPFLOW_SHARED overrides it.
 *
 * Missing shared data fails the suite instead of skipping it: a skipped conformance or robustness
 * suite would let CI go green without checking anything.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SHARED_DIR = process.env.TCPFLOW_SHARED ?? path.resolve(REPO_ROOT, '../shared');

/** Absolute path of a folder under ../shared; throws (failing the test file) when it is absent. */
export function sharedPath(...parts: string[]): string {
  const p = path.join(SHARED_DIR, ...parts);
  if (!existsSync(p)) {
    throw new Error(`shared data not found: ${p} (expected ../shared beside the repository, or set TCPFLOW_SHARED)`);
  }
  return p;
}

/**
 * Worker scripts exist only in the build (dist/): run from the TypeScript sources (the tests,
 * `tsx`), `new URL('./x-worker.js', import.meta.url)` names a file that is not there, and the
 * work stays on the calling thread.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function workerScriptBuilt(url: URL): boolean {
  return url.protocol === 'file:' && existsSync(fileURLToPath(url));
}

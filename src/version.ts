import { existsSync, readFileSync } from 'node:fs';

/**
 * Read from package.json at run time so the version has one source of truth. The nearest one above
 * this module: the compiled library (dist/version.js) and the CLI's bundle (dist/bundle/main.js)
 * sit at different depths, and the tests run this file from src/.
 */
function packageVersion(): string {
  let dir = new URL('./', import.meta.url);
  for (let up = 0; up < 4; up++) {
    const file = new URL('package.json', dir);
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
    dir = new URL('../', dir);
  }
  return '0.0.0';
}

export const TOOL_VERSION: string = packageVersion();

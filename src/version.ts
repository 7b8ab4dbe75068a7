import { createRequire } from 'node:module';

// Read from package.json at run time so the version has one source of truth.
const require = createRequire(import.meta.url);
const pkg = require('../package.json') as { version: string };
export const TOOL_VERSION: string = pkg.version;

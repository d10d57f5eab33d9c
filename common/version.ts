import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * This release's version, read from the package.json one folder above common/: the repository's for the server
 * and `npm run agent`, the agent package's own once built (dist/agent-package keeps the same layout), so both
 * report what was actually installed. Read at run time rather than imported, which would make tsc copy the
 * repository's package.json into the agent package.
 */
export const LATCHKEY_VERSION: string = (
  JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }
).version;

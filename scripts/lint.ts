import { join } from 'node:path';
import { runStaticChecks } from './lib/static-checks';

/** `npm run lint`: the formatter, the linter, the layer rules and the type check, without starting any service. */
process.exit(runStaticChecks(join(__dirname, '..')) ? 0 : 1);

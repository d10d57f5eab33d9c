import assert from 'node:assert/strict';
import { ConfigError } from '../../common/errors';

/** What a config parser refuses: the problems of the ConfigError it throws, or none when it accepts. */
export function configProblems(parse: () => unknown): string[] {
  try {
    parse();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.problems;
  }
  return [];
}

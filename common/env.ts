import { z } from 'zod';
import { parseDuration } from './duration';
import { LOG_LEVELS, type LogLevel } from './logger';

/**
 * Building blocks for reading settings from environment variables, shared by every process's config and every
 * provider's. A process reads its environment once, at start-up, collects every problem it finds, and stops
 * with all of them in one message rather than one per restart.
 */
export type Env = Record<string, string | undefined>;

/** "true"/"false", and the 1/0 and yes/no that operators also write; anything else is named, never echoed. */
export const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], {
      errorMap: () => ({ message: 'must be true or false (1/0 and yes/no also work)' }),
    })
    .default(fallback ? 'true' : 'false')
    .transform((value) => ['true', '1', 'yes'].includes(value));

/** A duration written for humans ("90s", "5m", "72h"), read as milliseconds. */
export const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      try {
        return parseDuration(text);
      } catch {
        // parseDuration quotes what it got; a value in the wrong variable may be a secret, so say only the form.
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be a duration such as "90s", "5m" or "72h"' });
        return z.NEVER;
      }
    });

/** The logger's levels; zod's own enum message would quote the value it received. */
export const logLevel = (fallback: LogLevel) =>
  z.enum(LOG_LEVELS, { errorMap: () => ({ message: `must be one of ${LOG_LEVELS.join(', ')}` }) }).default(fallback);

export const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/**
 * The problems found so far, each naming the variable to fix. Messages carry no values: a secret set in the
 * wrong variable must not end up in a start-up log. The same problem found twice is reported once.
 */
export class Problems {
  private readonly found = new Set<string>();

  add(problem: string): void {
    this.found.add(problem);
  }

  /** zod issues, named by `nameOf` (default: the issue's path, which for variables is the variable's name). */
  addIssues(issues: readonly z.ZodIssue[], nameOf: (path: (string | number)[]) => string = (path) => path.join('.')) {
    for (const issue of issues) this.add(`${nameOf(issue.path) || 'config'}: ${issue.message}`);
  }

  get list(): string[] {
    return [...this.found];
  }

  get any(): boolean {
    return this.found.size > 0;
  }
}

/** Parses the variables in `shape` from `env`; on failure records the problems and returns undefined. */
export function readVariables<Shape extends z.ZodRawShape>(
  shape: Shape,
  env: Env,
  problems: Problems,
): z.output<z.ZodObject<Shape>> | undefined {
  const parsed = z.object(shape).safeParse(env);
  if (parsed.success) return parsed.data;
  problems.addIssues(parsed.error.issues);
  return undefined;
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { parseDuration } from '../duration';

const durationText = z.string().refine((text) => {
  try {
    parseDuration(text);
    return true;
  } catch {
    return false;
  }
}, 'must be a duration such as "30d" or "12h"');

const settingsSchema = z
  .object({
    namespace: z.string().regex(/^[a-z0-9][a-z0-9._-]{1,62}$/, 'must be a Temporal namespace name'),
    retention: durationText,
    taskQueues: z.object({ central: z.string().min(1), agentPrefix: z.string().min(1) }).strict(),
    cli: z.object({ module: z.string().min(1), version: z.string().regex(/^v\d+\.\d+\.\d+$/) }).strict(),
    server: z.object({ module: z.string().min(1), version: z.string().regex(/^v\d+\.\d+\.\d+$/) }).strict(),
    devServer: z
      .object({
        ip: z.string().min(1),
        grpcPort: z.number().int().positive(),
        uiPort: z.number().int().positive(),
        dbFile: z.string().min(1),
        logLevel: z.enum(['debug', 'info', 'warn', 'error']),
        dynamicConfig: z.record(z.union([z.string(), z.number(), z.boolean()])),
      })
      .strict(),
  })
  .strict();

export type TemporalSettings = z.infer<typeof settingsSchema> & { retentionMs: number };

export const TEMPORAL_YAML_PATH = join(__dirname, '..', '..', 'temporal.yaml');

export function loadTemporalSettings(path = TEMPORAL_YAML_PATH): TemporalSettings {
  const parsed = settingsSchema.safeParse(parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new Error(`${path} is not valid:\n  - ${problems.join('\n  - ')}`);
  }
  return { ...parsed.data, retentionMs: parseDuration(parsed.data.retention) };
}

export function agentTaskQueue(settings: Pick<TemporalSettings, 'taskQueues'>, clientId: string): string {
  return `${settings.taskQueues.agentPrefix}${clientId}`;
}

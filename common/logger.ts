/**
 * A small structured logger: one JSON object per line on stdout. Callers pass identifiers, never secrets or
 * personal data; the redaction below is a second line of defence for fields whose names say they are secret.
 */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFields = Record<string, unknown>;

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };
const SECRET_FIELD = /pass(word)?|secret|token|code|pin|phone|authorization|cookie|key\b|api_?key/i;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export type LogSink = (line: string) => void;

function redact(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = SECRET_FIELD.test(key) && key !== 'statusCode' ? '[redacted]' : value;
  }
  return out;
}

export function createLogger(
  level: LogLevel,
  base: LogFields = {},
  sink: LogSink = (line) => process.stdout.write(line),
): Logger {
  const write = (at: Exclude<LogLevel, 'silent'>, message: string, fields?: LogFields) => {
    if (ORDER[at] < ORDER[level]) return;
    const entry = {
      time: new Date().toISOString(),
      level: at,
      msg: message,
      ...base,
      ...(fields ? redact(fields) : {}),
    };
    sink(`${JSON.stringify(entry)}\n`);
  };
  return {
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
    child: (fields) => createLogger(level, { ...base, ...fields }, sink),
  };
}

export function errorFields(error: unknown): LogFields {
  if (error instanceof Error) return { error: error.message, errorName: error.name };
  return { error: String(error) };
}

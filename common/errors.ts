/**
 * Errors that cross module boundaries. HTTP handlers throw these; one middleware maps them to status codes,
 * so a handler never has to decide how a failure looks on the wire.
 */
export class LatchkeyError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class InputError extends LatchkeyError {
  constructor(message: string, details?: unknown) {
    super(message, 'invalid_input', 400, details);
  }
}

export class AuthenticationError extends LatchkeyError {
  constructor(message = 'A valid API key is required: send "Authorization: Bearer <key>"') {
    super(message, 'unauthenticated', 401);
  }
}

export class ForbiddenError extends LatchkeyError {
  constructor(message: string) {
    super(message, 'forbidden', 403);
  }
}

/** Also used when a resource exists but belongs to another tenant, so that its existence is not revealed. */
export class NotFoundError extends LatchkeyError {
  constructor(what: string) {
    super(`${what} was not found`, 'not_found', 404);
  }
}

export class ConflictError extends LatchkeyError {
  constructor(message: string, details?: unknown) {
    super(message, 'conflict', 409, details);
  }
}

export class GoneError extends LatchkeyError {
  constructor(message: string) {
    super(message, 'gone', 410);
  }
}

export class RateLimitedError extends LatchkeyError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message, 'rate_limited', 429, { retryAfterSeconds });
  }
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Latchkey cannot start: its configuration has ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`,
    );
    this.name = 'ConfigError';
  }
}

/**
 * Every code a domain error may carry. Services and handlers throw errors with one of these codes and no notion
 * of a wire format; `server/http/error-response.ts` is the one place that turns a code into an HTTP status (its
 * table is typed over this list, so a new code does not compile until it has one).
 */
export const ERROR_CODES = [
  'invalid_input',
  'unauthenticated',
  // An API key whose expiry has passed: told apart from a wrong key, so that its owner knows to issue a new one.
  'api_key_expired',
  'forbidden',
  // The API key's role, or its scope to one client, does not allow the action (server/http/api-permissions.ts).
  'role_required',
  'msp_wide_key_required',
  'not_found',
  'conflict',
  'rate_limited',
  'service_unavailable',
  // A workflow refused an update (its validators' failure types, translated in server/services/temporal-calls.ts).
  'enrollment_blocked',
  'enrollment_closed',
  'wrong_step',
  'busy',
  'phone_required',
  'resend_too_soon',
  'invalid_method',
  'invalid_pin_hash',
  'email_unavailable',
  // The app's device API (docs/app.md): a pairing token that is unknown, used or expired (one answer for all
  // three); a device that is revoked; an action whose signature, WebAuthn assertion or PIN did not check out.
  'pairing_token_invalid',
  'device_revoked',
  'verification_failed',
  // A directory operation for a client none of whose agents is live: answered at once, not after the retries.
  'agent_offline',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * Errors that cross module boundaries: a code and a message meant for the caller, and optional details. They say
 * what went wrong, never how it looks on the wire, so that pages, the JSON API and the console can share them.
 */
export class LatchkeyError extends Error {
  constructor(
    message: string,
    readonly code: ErrorCode,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class InputError extends LatchkeyError {
  constructor(message: string, details?: unknown) {
    super(message, 'invalid_input', details);
  }
}

export class AuthenticationError extends LatchkeyError {
  constructor(
    message = 'A valid API key is required: send "Authorization: Bearer <key>"',
    code: Extract<ErrorCode, 'unauthenticated' | 'api_key_expired'> = 'unauthenticated',
  ) {
    super(message, code);
  }
}

export class ForbiddenError extends LatchkeyError {
  constructor(
    message: string,
    code: Extract<ErrorCode, 'forbidden' | 'role_required' | 'msp_wide_key_required'> = 'forbidden',
  ) {
    super(message, code);
  }
}

/** Also used when a resource exists but belongs to another tenant, so that its existence is not revealed. */
export class NotFoundError extends LatchkeyError {
  constructor(what: string) {
    super(`${what} was not found`, 'not_found');
  }
}

export class ConflictError extends LatchkeyError {
  constructor(message: string, details?: unknown) {
    super(message, 'conflict', details);
  }
}

export class RateLimitedError extends LatchkeyError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message, 'rate_limited', { retryAfterSeconds });
  }
}

/** A service Latchkey depends on (Temporal, a mail relay) cannot be reached; the caller may try again later. */
export class ServiceUnavailableError extends LatchkeyError {
  constructor(message: string) {
    super(message, 'service_unavailable');
  }
}

/** The client has no live agent, so nothing can reach its directory now; told at once rather than after retries. */
export class AgentOfflineError extends LatchkeyError {
  /** In the words of the person whose account it is (the app, the web pages). */
  constructor(
    message = "Your company's password reset service is offline, so your account cannot be changed right now. Contact your IT provider.",
  ) {
    super(message, 'agent_offline');
  }

  /** The same refusal as a technician reads it: what is wrong, and where to look. */
  static forTechnician(): AgentOfflineError {
    return new AgentOfflineError(
      "The client's reset service is offline: every one of its Latchkey agents has missed two heartbeats, so nothing " +
        "can reach its directory. Nothing was changed. Check the agent's service on the client's server; " +
        'GET /clients/{clientId}/agents shows when each agent was last seen.',
    );
  }
}

/** Rethrows an AgentOfflineError in a technician's words; any other error as it is. */
export function asTechnicianRefusal(error: unknown): never {
  throw error instanceof AgentOfflineError ? AgentOfflineError.forTechnician() : error;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Latchkey cannot start: its configuration has ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`,
    );
    this.name = 'ConfigError';
  }
}

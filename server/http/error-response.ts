import type { ErrorRequestHandler } from 'express';
import { LatchkeyError, RateLimitedError, type ErrorCode } from '../../common/errors';
import { errorFields, type LogFields, type Logger } from '../../common/logger';

export interface ErrorDescription {
  status: number;
  code: string;
  message: string;
  details?: unknown;
}

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
}

/**
 * The one table from domain error codes to HTTP statuses. Typed over every code, so a new code must be given
 * its status here before anything compiles.
 */
export const HTTP_STATUS_OF: Readonly<Record<ErrorCode, number>> = {
  invalid_input: 400,
  unauthenticated: 401,
  api_key_expired: 401,
  forbidden: 403,
  role_required: 403,
  msp_wide_key_required: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  service_unavailable: 503,
  // What the enrollment workflow's update validators refuse: the caller's mistake or timing, so 4xx, except that
  // an activation email the relay would not take is the relay's fault.
  enrollment_blocked: 423,
  enrollment_closed: 410,
  wrong_step: 409,
  busy: 409,
  phone_required: 400,
  resend_too_soon: 429,
  invalid_method: 400,
  invalid_pin_hash: 400,
  email_unavailable: 503,
  pairing_token_invalid: 410,
  device_revoked: 403,
  verification_failed: 401,
  agent_offline: 503,
};

/**
 * Decides how any thrown value looks to a caller. Only our own errors carry their message out; anything
 * unexpected becomes a bare 500 whose detail stays in the log, so no stack trace ever reaches a browser.
 */
export function describeError(thrown: unknown): ErrorDescription {
  if (thrown instanceof LatchkeyError) {
    return { status: HTTP_STATUS_OF[thrown.code], code: thrown.code, message: thrown.message, details: thrown.details };
  }
  const parser = (thrown ?? {}) as BodyParserError;
  switch (parser.type) {
    case 'entity.too.large':
      return {
        status: 413,
        code: 'body_too_large',
        message: `The request body is larger than the ${parser.limit ?? ''} bytes allowed`,
      };
    case 'entity.parse.failed':
      return { status: 400, code: 'malformed_body', message: 'The request body is not valid JSON' };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { status: 415, code: 'unsupported_encoding', message: 'Send the body as UTF-8' };
    case 'parameters.too.many':
      return { status: 413, code: 'too_many_fields', message: 'The form has too many fields' };
  }
  if (parser.status && parser.status >= 400 && parser.status < 500) {
    return { status: parser.status, code: 'bad_request', message: 'The request could not be read' };
  }
  return { status: 500, code: 'internal_error', message: 'Something went wrong on our side; it has been logged' };
}

/**
 * Logs a request that failed on our side (5xx), for every error handler alike: a refusal we could describe (an
 * agent offline, the mail server or Temporal unavailable) is an outage, not a fault of ours, so a warning; anything
 * undescribed is an error. A refusal of the caller (4xx) is not logged.
 */
export function logServerFailure(
  logger: Logger,
  message: string,
  thrown: unknown,
  status: number,
  fields: LogFields = {},
): void {
  if (status < 500) return;
  logger[thrown instanceof LatchkeyError ? 'warn' : 'error'](message, { ...fields, ...errorFields(thrown) });
}

export function jsonErrorHandler(logger: Logger): ErrorRequestHandler {
  return (thrown, request, response, _next) => {
    const described = describeError(thrown);
    logServerFailure(logger, 'Request failed', thrown, described.status, {
      method: request.method,
      route: request.route?.path,
    });
    if (response.headersSent) return;
    if (thrown instanceof RateLimitedError) response.setHeader('Retry-After', String(thrown.retryAfterSeconds));
    response
      .status(described.status)
      .json({ error: { code: described.code, message: described.message, details: described.details } });
  };
}

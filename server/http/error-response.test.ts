import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { AgentOfflineError, ERROR_CODES, InputError, LatchkeyError, RateLimitedError } from '../../common/errors';
import { createLogger } from '../../common/logger';
import { describeError, HTTP_STATUS_OF, jsonErrorHandler, logServerFailure } from './error-response';

describe('describeError: domain errors to HTTP', () => {
  it('gives every domain error code a 4xx or 5xx status, and keeps its message and details', () => {
    assert.deepEqual(Object.keys(HTTP_STATUS_OF).sort(), [...ERROR_CODES].sort());
    for (const code of ERROR_CODES) {
      const described = describeError(new LatchkeyError(`because ${code}`, code, { code }));
      assert.ok(described.status >= 400 && described.status < 600, `${code} maps to ${described.status}`);
      assert.deepEqual(described, {
        status: HTTP_STATUS_OF[code],
        code,
        message: `because ${code}`,
        details: { code },
      });
    }
  });

  it('maps the common kinds to the statuses callers rely on', () => {
    assert.equal(describeError(new InputError('bad')).status, 400);
    assert.equal(describeError(new RateLimitedError('slow down', 7)).status, 429);
    assert.deepEqual(describeError(new RateLimitedError('slow down', 7)).details, { retryAfterSeconds: 7 });
    assert.equal(HTTP_STATUS_OF.unauthenticated, 401);
    assert.equal(HTTP_STATUS_OF.not_found, 404);
    assert.equal(HTTP_STATUS_OF.enrollment_blocked, 423);
    assert.equal(HTTP_STATUS_OF.resend_too_soon, 429);
    assert.equal(HTTP_STATUS_OF.service_unavailable, 503);
  });

  it('turns anything unexpected into a bare 500 that leaks nothing of the error', () => {
    const secret = 'password=hunter2 at /srv/latchkey/server/db/users.store.ts:42';
    const thrown: unknown[] = [
      new Error(secret),
      new TypeError(secret),
      Object.assign(new Error(secret), { status: 500 }),
      // A Temporal error that no service translated is a bug, not the caller's business.
      new WorkflowUpdateFailedError(secret, ApplicationFailure.create({ type: 'WrongStep', message: secret })),
      secret,
      undefined,
      null,
    ];
    for (const error of thrown) {
      const described = describeError(error);
      assert.deepEqual(described, {
        status: 500,
        code: 'internal_error',
        message: 'Something went wrong on our side; it has been logged',
      });
      assert.doesNotMatch(JSON.stringify(described), /hunter2|users\.store/);
    }
  });

  it("describes the body parser's refusals as the client's 4xx", () => {
    const parser = (fields: object) => Object.assign(new Error('raw parser text'), fields);
    assert.equal(describeError(parser({ type: 'entity.too.large', status: 413, limit: 4096 })).status, 413);
    assert.equal(describeError(parser({ type: 'entity.parse.failed', status: 400 })).code, 'malformed_body');
    assert.equal(describeError(parser({ type: 'charset.unsupported', status: 415 })).status, 415);
    assert.equal(describeError(parser({ type: 'parameters.too.many', status: 413 })).status, 413);
    const other = describeError(parser({ type: 'request.aborted', status: 400 }));
    assert.deepEqual(other, { status: 400, code: 'bad_request', message: 'The request could not be read' });
  });
});

describe('what a failed request logs', () => {
  const logged = (log: (logger: ReturnType<typeof createLogger>) => void) => {
    const lines: Array<{ level: string; msg: string }> = [];
    log(createLogger('debug', {}, (line) => void lines.push(JSON.parse(line))));
    return lines.map((line) => [line.level, line.msg]);
  };

  it('logs an outage it can describe (an agent offline) as a warning, and a fault of ours as an error', () => {
    const failure = (thrown: unknown) => (logger: ReturnType<typeof createLogger>) =>
      logServerFailure(logger, 'Page request failed', thrown, describeError(thrown).status);
    assert.deepEqual(logged(failure(new AgentOfflineError())), [['warn', 'Page request failed']]);
    assert.deepEqual(logged(failure(new Error('a bug'))), [['error', 'Page request failed']]);
    assert.deepEqual(logged(failure(new InputError('bad phone'))), [], 'a refusal of the caller (4xx) is not logged');
  });

  it('is what the API error handler logs with', () => {
    const response = { headersSent: false, setHeader: () => response, status: () => response, json: () => response };
    const request = { method: 'POST', route: { path: '/clients/:clientId/users/:userId/reset-password' } };
    const handle = (thrown: unknown) => (logger: ReturnType<typeof createLogger>) =>
      jsonErrorHandler(logger)(thrown, request as never, response as never, () => undefined);
    assert.deepEqual(logged(handle(new AgentOfflineError())), [['warn', 'Request failed']]);
    assert.deepEqual(logged(handle(new Error('a bug'))), [['error', 'Request failed']]);
  });
});

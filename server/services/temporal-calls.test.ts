import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status as grpcStatus } from '@grpc/grpc-js';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { LatchkeyError } from '../../common/errors';
import { callTemporal, TemporalUnavailableError, toDomainError } from './temporal-calls';

const rejected = (type: string, message = `refused: ${type}`) =>
  new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.create({ type, message }));

describe('toDomainError: what the Temporal client throws, as domain errors', () => {
  it("keeps an update validator's message under the code of its failure type, with no HTTP status", () => {
    const expected = {
      EnrollmentBlocked: 'enrollment_blocked',
      EnrollmentClosed: 'enrollment_closed',
      WrongStep: 'wrong_step',
      Busy: 'busy',
      PhoneRequired: 'phone_required',
      ResendTooSoon: 'resend_too_soon',
      InvalidMethod: 'invalid_method',
      InvalidPinHash: 'invalid_pin_hash',
      ActivationEmailFailed: 'email_unavailable',
    } as const;
    for (const [type, code] of Object.entries(expected)) {
      const error = toDomainError(rejected(type));
      assert.ok(error instanceof LatchkeyError, type);
      assert.equal(error.code, code);
      assert.equal(error.message, `refused: ${type}`);
    }
  });

  it('makes an unknown rejection a conflict, a vanished workflow a closed enrollment, and a down server 503-able', () => {
    assert.equal((toDomainError(rejected('SomethingNew')) as LatchkeyError).code, 'conflict');
    const gone = toDomainError(new WorkflowNotFoundError('not found', 'enrollment-x', undefined));
    assert.equal((gone as LatchkeyError).code, 'enrollment_closed');
    for (const code of [grpcStatus.UNAVAILABLE, grpcStatus.DEADLINE_EXCEEDED]) {
      const down = toDomainError(Object.assign(new Error('14 UNAVAILABLE: connect ECONNREFUSED'), { code }));
      assert.ok(down instanceof TemporalUnavailableError);
      assert.equal(down.code, 'service_unavailable');
      assert.doesNotMatch(down.message, /ECONNREFUSED/);
    }
  });

  it('passes anything else through untouched, for the caller to treat as unexpected', async () => {
    const bug = new TypeError('x is undefined');
    assert.equal(toDomainError(bug), bug);
    assert.equal(toDomainError(undefined), undefined);
    await assert.rejects(
      callTemporal(() => Promise.reject(bug)),
      (error) => error === bug,
    );
    await assert.rejects(
      callTemporal(() => Promise.reject(rejected('WrongStep'))),
      (error) => error instanceof LatchkeyError && error.code === 'wrong_step',
    );
    assert.equal(await callTemporal(async () => 42), 42);
  });
});

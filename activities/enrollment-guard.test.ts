import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EnrollmentMethod } from '../common/domain/enrollment';
import { makeEnrollmentWorkflowId } from '../common/domain/workflow-ids';
import { completionVerdict, foreignEnrollment } from './enrollment-guard';
import type { EnrollmentRecord } from './ports';

const USER = '11111111-1111-4111-8111-111111111111';
const ENROLLMENT = '22222222-2222-4222-8222-222222222222';
const RUN = 'run-that-opened-it';
const PHONE = 'lookup-of-the-verified-phone';

/** An enrollment at the method step: the code to PHONE verified, user and enrollment enrolling. */
const record = (changes: Partial<EnrollmentRecord> = {}): EnrollmentRecord => ({
  enrollmentId: ENROLLMENT,
  userId: USER,
  workflowId: makeEnrollmentWorkflowId(USER),
  runId: RUN,
  status: 'enrolling',
  ended: false,
  codePhoneLookup: PHONE,
  codeVerified: true,
  userStatus: 'enrolling',
  userPhoneLookup: null,
  ...changes,
});
const ref = { enrollmentId: ENROLLMENT, userId: USER };
const origin = { workflowId: makeEnrollmentWorkflowId(USER), runId: RUN };

describe('enrollment guard: who may act on an enrollment', () => {
  it('lets the run that opened the enrollment act on it', () => {
    assert.equal(foreignEnrollment(record(), ref, origin), undefined);
  });

  it('refuses a task from any other workflow, another run of the same id, or for a row that is not that one', () => {
    const refusals = [
      foreignEnrollment(record(), ref, { ...origin, workflowId: 'rogue' }),
      foreignEnrollment(record(), ref, { workflowId: '', runId: '' }),
      foreignEnrollment(record(), ref, { ...origin, runId: 'a-replacement-run' }),
      foreignEnrollment(undefined, ref, origin),
      foreignEnrollment(record({ userId: 'someone-else' }), ref, origin),
      foreignEnrollment(record({ workflowId: 'enrollment-someone-else' }), ref, origin),
      // The user in the input must be the one the workflow id names, whatever the row says.
      foreignEnrollment(record(), { ...ref, userId: 'someone-else' }, origin),
    ];
    assert.ok(
      refusals.every((reason) => typeof reason === 'string' && reason.length > 0),
      String(refusals),
    );
  });

  it('matches a row opened before runs were recorded on the workflow id alone', () => {
    assert.equal(foreignEnrollment(record({ runId: null }), ref, { ...origin, runId: 'any' }), undefined);
    assert.ok(foreignEnrollment(record({ runId: null }), ref, { ...origin, workflowId: 'rogue' }));
  });
});

describe('enrollment guard: when an enrollment may be completed', () => {
  const claim: { method: EnrollmentMethod; phoneLookup: string } = { method: 'sms', phoneLookup: PHONE };
  const refused = (changes: Partial<EnrollmentRecord>, asked = claim) =>
    'refused' in completionVerdict(record(changes), asked);

  it('completes with the phone whose code the API saw typed, on an enrolling user and enrollment', () => {
    assert.deepEqual(completionVerdict(record(), claim), { outcome: 'complete' });
  });

  it('refuses another phone, an unverified code, or any step but enrolling', () => {
    assert.ok(refused({}, { ...claim, phoneLookup: 'lookup-of-the-attackers-phone' }));
    assert.ok(refused({ codeVerified: false }));
    assert.ok(refused({ codePhoneLookup: null, codeVerified: false }));
    for (const status of ['invited', 'blocked'] as const) assert.ok(refused({ status }), status);
    for (const userStatus of ['invited', 'blocked', 'deactivated', 'expired', 'enrolled_sms'] as const)
      assert.ok(refused({ userStatus }), userStatus);
    assert.ok(refused({ status: 'cancelled', ended: true }));
    assert.ok(refused({ status: 'expired', ended: true, userStatus: 'expired' }));
  });

  it('tells a retry of a committed completion that it is done, and nothing else that ended', () => {
    const committed = { status: 'enrolled_sms' as const, ended: true, userStatus: 'enrolled_sms' as const };
    assert.deepEqual(completionVerdict(record({ ...committed, userPhoneLookup: PHONE }), claim), {
      outcome: 'already_complete',
    });
    assert.ok(refused({ ...committed, userPhoneLookup: 'another-phone' }), 'the user was re-enrolled since');
    assert.ok(refused({ ...committed, userPhoneLookup: PHONE }, { ...claim, method: 'app' }), 'another method');
    assert.ok(refused({ ...committed, userStatus: 'deactivated', userPhoneLookup: null }), 'deactivated since');
  });
});

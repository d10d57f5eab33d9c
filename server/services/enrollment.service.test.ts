import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LatchkeyError } from '../../common/errors';
import { activateNewUser, codeIn } from '../../test/support/enrollment-flow';
import { apiClient } from '../../test/support/http';
import { createTenant, startTestStack, type TestStack } from '../../test/support/stack';
import { EnrollmentStep } from '../../common/domain/enrollment';
import { EnrollmentService, type EnrollmentParticipant } from './enrollment.service';

/** Rejects with a domain error of this code, which carries no HTTP status of its own. */
const refusedWith = (code: string) => (error: unknown) => error instanceof LatchkeyError && error.code === code;

describe('EnrollmentService, on the real workflow', () => {
  let stack: TestStack;
  let service: EnrollmentService;
  before(async () => {
    stack = await startTestStack();
    const { runtime } = stack;
    // Built from the runtime's own parts, as the composition root builds it for the pages.
    service = new EnrollmentService({
      temporal: runtime.temporal,
      secrets: runtime.secrets,
      enrollments: runtime.stores.enrollments,
      tenants: runtime.stores.tenants,
      defaultPhoneRegion: stack.config.defaultPhoneRegion,
    });
  });
  after(async () => {
    await stack?.stop();
  });

  const tokenOf = (link: string) => link.split('/').pop()!;

  async function openNewLink(tenant?: Awaited<ReturnType<typeof createTenant>>) {
    const activated = await activateNewUser(stack, tenant);
    const opened = await service.openLink(tokenOf(activated.link));
    assert.equal(opened.outcome, 'valid');
    return { ...activated, participant: (opened as { participant: EnrollmentParticipant }).participant };
  }

  async function reachCode(participant: EnrollmentParticipant, phone: string) {
    const seen = new Set(stack.outbox.list().map((m) => m.id));
    const sent = await service.submitPhone(participant, phone);
    assert.equal(sent.outcome, 'sent');
    return codeIn(await stack.outbox.waitFor((m) => m.channel === 'sms' && m.to === phone && !seen.has(m.id)));
  }

  it('inspects and spends a link once, and tells an unknown or malformed one apart from a used one', async () => {
    const { link, userId } = await activateNewUser(stack);
    const token = tokenOf(link);
    assert.deepEqual(await service.inspectLink('<script>'), { outcome: 'unknown' });
    assert.deepEqual(await service.inspectLink('A'.repeat(43)), { outcome: 'unknown' });
    const inspected = await service.inspectLink(token);
    assert.equal(inspected.outcome, 'valid');
    assert.match((inspected as { mspName: string }).mspName, /MSP/);
    const opened = await service.openLink(token);
    assert.equal(opened.outcome, 'valid');
    const { participant } = opened as { participant: EnrollmentParticipant };
    assert.equal(participant.userId, userId);
    assert.equal((await service.view(participant)).step, EnrollmentStep.AwaitingPhone);
    assert.deepEqual(await service.openLink(token), { outcome: 'used' });
    assert.deepEqual(await service.inspectLink(token), { outcome: 'used' });
  });

  it('walks phone, code and method, returning what the user can correct as outcomes', async () => {
    const { participant } = await openNewLink();
    const before = stack.outbox.count('sms');
    assert.equal((await service.submitPhone(participant, 'call me maybe')).outcome, 'invalid_phone');
    assert.equal(stack.outbox.count('sms'), before, 'a refused number is never texted');
    await assert.rejects(service.chooseMethod(participant, { method: 'app' }), refusedWith('wrong_step'));

    const code = await reachCode(participant, '+14155552672');
    await assert.rejects(service.resendCode(participant), refusedWith('resend_too_soon'));
    assert.deepEqual(await service.submitCode(participant, '12ab'), { outcome: 'malformed_code' });
    const wrong = await service.submitCode(participant, code === '000000' ? '111111' : '000000');
    assert.equal(wrong.outcome, 'wrong_code');
    assert.equal((wrong as { triesLeft: number }).triesLeft, 4);
    const verified = await service.submitCode(participant, `${code.slice(0, 3)} ${code.slice(3)}`);
    assert.equal(verified.outcome, 'verified');
    assert.equal(verified.view.step, EnrollmentStep.AwaitingMethod);

    assert.deepEqual(await service.chooseMethod(participant, { method: 'fax' }), { outcome: 'invalid_method' });
    const chosen = await service.chooseMethod(participant, { method: 'app' });
    assert.equal(chosen.outcome, 'chosen');
    // The app branch waits for a phone to pair; the code step is behind it.
    assert.equal((chosen as { view: { step: string } }).view.step, EnrollmentStep.PairingApp);
    await assert.rejects(service.submitCode(participant, code), refusedWith('wrong_step'));
  });

  it("asks for a PIN with SMS when the user's client requires one, and refuses a guessable one", async () => {
    const tenant = await createTenant(stack, 'PIN MSP');
    const patched = await apiClient(stack.url, tenant.apiKey)('PATCH', `/clients/${tenant.clientId}`, {
      settings: { requireSmsPin: true },
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    const { participant } = await openNewLink(tenant);
    assert.equal(await service.smsPinRequired(participant.userId), true);
    const code = await reachCode(participant, '+14155552673');
    assert.equal((await service.submitCode(participant, code)).outcome, 'verified');

    const missing = await service.chooseMethod(participant, { method: 'sms' });
    assert.equal(missing.outcome, 'invalid_pin');
    const guessable = await service.chooseMethod(participant, { method: 'sms', pin: '1234', pinConfirm: '1234' });
    assert.equal(guessable.outcome, 'invalid_pin');
    assert.match((guessable as { message: string }).message, /too easy/);
    const chosen = await service.chooseMethod(participant, { method: 'sms', pin: '4821', pinConfirm: '4821' });
    assert.equal(chosen.outcome, 'chosen');
    assert.equal((chosen as { view: { step: string } }).view.step, EnrollmentStep.EnrolledSms);
  });
});

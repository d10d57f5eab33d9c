import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { hashVerificationCode } from '../../common/secrets/verification-code';
import { allowedSmsCountries, resolveClientPolicy } from '../../common/domain/client-policy';
import { countryOfPhone } from '../../common/phone-country';
import type { Secrets } from '../../common/crypto/secrets';
import { ConflictError, InputError, LatchkeyError } from '../../common/errors';
import { FailureType } from '../../common/domain/failure-types';
import {
  chooseMethodUpdate,
  getEnrollmentQuery,
  openLinkUpdate,
  requestCodeUpdate,
  verifyCodeUpdate,
} from '../../workflows/enrollment/enrollment.messages';
import type {
  EnrollmentMethod,
  EnrollmentView,
  RequestCodeResult,
  VerifyCodeResult,
} from '../../common/domain/enrollment';
import type { EnrollmentsStore } from '../db/enrollments.store';
import type { TenantsStore } from '../db/tenants.store';
import { normalisePhoneNumber } from './phone-number';
import { checkNewPin, hashSmsPin } from '../../common/secrets/sms-pin';
import { callTemporal } from './temporal-calls';

export interface EnrollmentServiceDeps {
  temporal: Client;
  secrets: Secrets;
  enrollments: EnrollmentsStore;
  tenants: TenantsStore;
  defaultPhoneRegion: string;
  /** SMS_ALLOWED_COUNTRIES: where codes may go for clients without a list of their own; undefined: anywhere. */
  smsCountries?: readonly string[];
}

/** The enrollment a caller acts on, once it has spent the activation link (pages keep it in a signed cookie). */
export interface EnrollmentParticipant {
  enrollmentId: string;
  userId: string;
}

/** Why a link cannot be used. Each is the user's to act on, so it is an outcome rather than an error. */
export type LinkProblem = 'unknown' | 'used' | 'revoked' | 'expired';

export type LinkInspection = { outcome: 'valid'; mspName: string } | { outcome: LinkProblem };

export type LinkOpening =
  { outcome: 'valid'; participant: EnrollmentParticipant; view: EnrollmentView } | { outcome: LinkProblem };

export type PhoneSubmission = RequestCodeResult | { outcome: 'invalid_phone'; message: string };

export type CodeSubmission = VerifyCodeResult | { outcome: 'malformed_code' };

export type MethodChoice =
  | { outcome: 'chosen'; view: EnrollmentView }
  | { outcome: 'invalid_method' }
  | { outcome: 'invalid_pin'; message: string };

export interface MethodForm {
  method: unknown;
  pin?: unknown;
  pinConfirm?: unknown;
}

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const CODE_PATTERN = /^\d{6}$/;

/**
 * What an end user does to enroll, whatever the surface (the pages today; the app's JSON API and the console
 * next). Each step is a Workflow Update on the user's enrollment workflow, whose answer is returned as an outcome;
 * input the user can correct comes back as an outcome too, and everything else is a domain error. Codes and PINs
 * are hashed here, before the workflow, so that only their hashes reach its history.
 */
export class EnrollmentService {
  constructor(private readonly deps: EnrollmentServiceDeps) {}

  /**
   * The workflow run of the very enrollment a cookie or link names (F4), never whichever run holds the user's
   * workflow id now: after a deactivation and a new activation, an old session reaches only its own, closed run.
   * To act, the enrollment must also still be open in the database, which a deactivation ends at once. Rows
   * opened before runs were recorded fall back to the workflow id, and only while they are open.
   */
  private async handle(participant: EnrollmentParticipant, purpose: 'view' | 'act' = 'act') {
    const record = await this.deps.enrollments.find(participant.enrollmentId);
    if (!record || record.userId !== participant.userId) throw enrollmentEnded();
    if (record.ended && (purpose === 'act' || record.runId === null)) throw enrollmentEnded();
    return this.deps.temporal.workflow.getHandle(record.workflowId, record.runId ?? undefined);
  }

  private linkHash(token: string): string | undefined {
    return TOKEN_PATTERN.test(token) ? this.deps.secrets.hash('link-token-hash', token) : undefined;
  }

  /** Whether an activation link can be used, without spending it (the landing page's GET). */
  async inspectLink(token: string): Promise<LinkInspection> {
    const hash = this.linkHash(token);
    const lookup = hash ? await this.deps.enrollments.lookupLink(hash) : { outcome: 'unknown' as const };
    if (lookup.outcome !== 'valid') return { outcome: lookup.outcome };
    return { outcome: 'valid', mspName: await this.mspName(lookup.userId) };
  }

  /** Spends the single-use link and tells the workflow it was opened. */
  async openLink(token: string): Promise<LinkOpening> {
    const hash = this.linkHash(token);
    const consumed = hash ? await this.deps.enrollments.consumeLink(hash) : { outcome: 'unknown' as const };
    if (consumed.outcome !== 'valid') return { outcome: consumed.outcome };
    const participant = { enrollmentId: consumed.enrollmentId, userId: consumed.userId };
    const handle = await this.handle(participant);
    const view = await callTemporal(() => handle.executeUpdate(openLinkUpdate));
    return { outcome: 'valid', participant, view };
  }

  /** Where the user is now. */
  async view(participant: EnrollmentParticipant): Promise<EnrollmentView> {
    const handle = await this.handle(participant, 'view');
    return callTemporal(() => handle.query(getEnrollmentQuery));
  }

  /** Read on every call, so a client that turns the PIN on mid-enrollment gets it from the next step. */
  async smsPinRequired(userId: string): Promise<boolean> {
    return resolveClientPolicy((await this.deps.tenants.userWithOrg(userId))?.clientSettings).requireSmsPin;
  }

  /** Whose client a pairing token is for, and the MSP name the done page shows. */
  async pairingTarget(userId: string): Promise<{ clientId: string; mspName: string }> {
    const context = await this.deps.tenants.userWithOrg(userId);
    if (!context) throw enrollmentEnded();
    return { clientId: context.user.clientId, mspName: context.mspName };
  }

  async mspName(userId: string): Promise<string> {
    return (await this.deps.tenants.userWithOrg(userId))?.mspName ?? 'Your IT provider';
  }

  /** Sets (or changes) the phone number and texts a code to it. */
  async submitPhone(participant: EnrollmentParticipant, typed: string): Promise<PhoneSubmission> {
    let phone: string;
    try {
      phone = normalisePhoneNumber(typed, this.deps.defaultPhoneRegion);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      return { outcome: 'invalid_phone', message: error.message };
    }
    const policy = resolveClientPolicy((await this.deps.tenants.userWithOrg(participant.userId))?.clientSettings);
    const countries = allowedSmsCountries(policy, this.deps.smsCountries);
    if (countries && !countries.includes(countryOfPhone(phone) ?? '')) {
      return {
        outcome: 'invalid_phone',
        message: `Texts can be sent only to cell numbers from ${listOfCountries(countries)}. Enter such a number, or ask your IT provider.`,
      };
    }
    const handle = await this.handle(participant);
    return callTemporal(() => handle.executeUpdate(requestCodeUpdate, { args: [{ phone }] }));
  }

  /** Texts a new code to the number already given; the workflow decides whether it is too soon. */
  async resendCode(participant: EnrollmentParticipant): Promise<RequestCodeResult> {
    const handle = await this.handle(participant);
    return callTemporal(() => handle.executeUpdate(requestCodeUpdate, { args: [{}] }));
  }

  /**
   * Checks a typed code; spaces are ignored, as people copy codes with them. Once the workflow says `verified`,
   * this process, which anyone reaching Temporal cannot impersonate, records that on the enrollment, and only
   * if the hash of what the user typed is the one sendVerificationCode stored: completeEnrollment binds a phone
   * only with that record, so a workflow that says `verified` is not enough.
   */
  async submitCode(participant: EnrollmentParticipant, typed: string): Promise<CodeSubmission> {
    const code = typed.replace(/\s/g, '');
    if (!CODE_PATTERN.test(code)) return { outcome: 'malformed_code' };
    const codeHash = hashVerificationCode(this.deps.secrets, participant.enrollmentId, code);
    const handle = await this.handle(participant);
    const result = await callTemporal(() => handle.executeUpdate(verifyCodeUpdate, { args: [{ codeHash }] }));
    if (result.outcome === 'verified' && !(await this.deps.enrollments.recordCodeVerified(participant, codeHash))) {
      // A genuine workflow stores the code before it can accept it; this one accepted a code never sent.
      throw new ConflictError(NOT_VERIFIED);
    }
    return result;
  }

  /** Finishes enrollment with the app or with SMS; SMS takes a PIN when the user's client requires one. */
  async chooseMethod(participant: EnrollmentParticipant, form: MethodForm): Promise<MethodChoice> {
    const method: EnrollmentMethod | undefined =
      form.method === 'app' || form.method === 'sms' ? form.method : undefined;
    if (!method) return { outcome: 'invalid_method' };
    let pinHash: string | undefined;
    if (method === 'sms' && (await this.smsPinRequired(participant.userId))) {
      const chosen = checkNewPin(form.pin, form.pinConfirm);
      if (!chosen.ok) return { outcome: 'invalid_pin', message: chosen.error };
      // Only the hash goes into the update, and so into history.
      pinHash = hashSmsPin(this.deps.secrets, participant.userId, chosen.pin);
    }
    const handle = await this.handle(participant);
    const view = await callTemporal(async () => {
      try {
        return await handle.executeUpdate(chooseMethodUpdate, { args: [{ method, pinHash }] });
      } catch (error) {
        if (refusedAsUnverified(error)) throw new ConflictError(NOT_VERIFIED);
        throw error;
      }
    });
    return { outcome: 'chosen', view };
  }
}

/** What a session or link of an enrollment that has ended gets: a 410 page that says what to do. */
const enrollmentEnded = () =>
  new LatchkeyError('This enrollment has ended; ask your IT provider for a new activation email', 'enrollment_closed');

const NOT_VERIFIED =
  'Your phone number could not be confirmed for this enrollment. Ask your IT provider for a new activation email.';

/** completeEnrollment found no verified code for the phone in the database, so it bound nothing. */
function refusedAsUnverified(error: unknown): boolean {
  if (!(error instanceof WorkflowUpdateFailedError) || !(error.cause instanceof ActivityFailure)) return false;
  const failure = error.cause.cause;
  return failure instanceof ApplicationFailure && failure.type === FailureType.EnrollmentNotVerified;
}

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });

/** "the United States or Canada" style: names where the runtime knows them, the codes otherwise. */
function listOfCountries(codes: readonly string[]): string {
  const names = codes.map((code) => regionNames.of(code) ?? code);
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} or ${names.at(-1)!}`;
}

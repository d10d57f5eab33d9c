import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  AppPairedArgs,
  ChooseMethodArgs,
  EnrollmentView,
  RequestCodeArgs,
  RequestCodeResult,
  VerifyCodeArgs,
  VerifyCodeResult,
} from '../../common/domain/enrollment';

// The enrollment workflow's messages, shared by the workflow and its callers (the pages and the API). The names are
// part of every recorded history: renaming one breaks replay of running enrollments.

// A user is waiting on each page for the new step, and a refusal (wrong step, blocked) must reach them without
// entering history: so every user action is an Update with a validator, never a Signal.
export const openLinkUpdate = defineUpdate<EnrollmentView>('openLink');
export const requestCodeUpdate = defineUpdate<RequestCodeResult, [RequestCodeArgs]>('requestCode');
export const verifyCodeUpdate = defineUpdate<VerifyCodeResult, [VerifyCodeArgs]>('verifyCode');
export const chooseMethodUpdate = defineUpdate<EnrollmentView, [ChooseMethodArgs]>('chooseMethod');
/**
 * The server's word that a device of this user's redeemed one of this enrollment's pairing tokens and, for a QR
 * code, passed the number match (server/services/temporal-calls.ts sends it). Refused outside the pairing step.
 */
export const appPairedUpdate = defineUpdate<EnrollmentView, [AppPairedArgs]>('appPaired');
/** A technician's resend: an Update, so the API can say whether the email went out. */
export const resendActivationUpdate = defineUpdate<EnrollmentView>('resendActivation');
/** Deactivation must win whatever step the user is on, and nobody waits for an answer: a Signal. */
export const cancelEnrollmentSignal = defineSignal('cancelEnrollment');
/** What each page renders: read-only, answered from the workflow's state without touching history. */
export const getEnrollmentQuery = defineQuery<EnrollmentView>('getEnrollment');

import type { Request } from 'express';
import type { DeviceAction } from '../../../../common/domain/device';
import { ConflictError, RateLimitedError } from '../../../../common/errors';
import type { DeviceRow } from '../../../db/devices.store';
import { deviceOf } from '../../../http/device-auth';
import { parseInput } from '../../../http/validate';
import type { ResetStart } from '../../../services/reset.service';
import type { DeviceApiRoutesDeps } from './deps';
import { resetBody } from './device-schemas';

/** Who asked, as resets and lockouts record it. */
export const requester = (device: DeviceRow) => `device:${device.id}`;

export function requireActiveDevice(device: DeviceRow): void {
  if (device.status !== 'active') throw new ConflictError('This phone is not active yet: finish pairing first');
}

/**
 * The one gate in front of every action the app takes (a reset, an unlock): an active device, and the body's
 * single-use challenge for this action and subject, signed by the device's key and approved by fingerprint, face
 * or PIN. Answers the device, for the action to run as, and the subject the challenge was bound to.
 */
export async function verifiedDevice(
  deps: Pick<DeviceApiRoutesDeps, 'actions'>,
  request: Request,
  action: DeviceAction,
  /** What the challenge must be bound to (a lockout's id), looked up once the device and body are known good. */
  subjectOf: (device: DeviceRow) => Promise<string | null> = async () => null,
): Promise<{ device: DeviceRow; subject: string | null }> {
  const device = deviceOf(request);
  requireActiveDevice(device);
  const body = parseInput(resetBody, request.body ?? {});
  const subject = await subjectOf(device);
  await deps.actions.verifyDeviceAction({
    device,
    challengeId: body.challengeId,
    action,
    subject,
    signature: body.signature,
    webauthn: body.webauthn as never,
    pin: body.pin,
  });
  return { device, subject };
}

/** A reset the service refused before it started, as the app is told: retry later, or ask IT. */
export function throwIfRefused(started: ResetStart): asserts started is Extract<ResetStart, { outcome: 'started' }> {
  if (started.outcome !== 'refused') return;
  if (started.result.reason === 'rate_limited') {
    throw new RateLimitedError('Too many resets were asked for this account.', started.retryAfterSeconds ?? 3600);
  }
  throw new ConflictError('This account is no longer set up for resets. Contact your IT provider.');
}

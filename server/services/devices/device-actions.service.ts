import { createPublicKey, randomUUID, verify } from 'node:crypto';
import {
  verifyAuthenticationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { constantTimeEqual } from '../../../common/crypto/keys';
import type { Secrets } from '../../../common/crypto/secrets';
import {
  ACTION_CHALLENGE_TTL_MS,
  PIN_FAILURES_BEFORE_REVOKE,
  deviceActionMessage,
  type DeviceAction,
} from '../../../common/domain/device';
import { ConflictError, LatchkeyError } from '../../../common/errors';
import { isPinFormat } from '../../../common/secrets/sms-pin';
import type { AuditStore } from '../../db/audit.store';
import type { DeviceChallengesStore } from '../../db/device-challenges.store';
import type { DeviceRow, DevicesStore } from '../../db/devices.store';
import { DeviceRevokedError } from './device-auth.service';
import type { DeviceNotices } from './device-notices';
import { actionChallenge, hashActionChallenge, hashDevicePin } from './device-secrets';
import { requestOptions, type WebAuthnSite } from './webauthn';

export interface DeviceActionsDeps {
  devices: DevicesStore;
  challenges: DeviceChallengesStore;
  audit: Pick<AuditStore, 'recordForUser'>;
  notices: DeviceNotices;
  secrets: Secrets;
  webauthn: WebAuthnSite;
}

export interface IssuedChallenge {
  challengeId: string;
  challenge: string;
  expiresAt: string;
  webauthn?: PublicKeyCredentialRequestOptionsJSON;
}

export interface DeviceActionProof {
  /** The device the request authenticated as (device auth middleware). */
  device: DeviceRow;
  challengeId: string;
  action: DeviceAction;
  /** What the action is about (a lockout id, say); null or absent for none. It must be the challenge's own. */
  subject?: string | null;
  /** ECDSA P-256, SHA-256, IEEE P1363, base64url, over deviceActionMessage(). */
  signature: string;
  /** For a biometric device: the assertion over this very challenge, with user verification. */
  webauthn?: AuthenticationResponseJSON;
  /** For a PIN device: the PIN, checked here and never kept. */
  pin?: string;
}

/** A refused action: 401, with the PIN tries left when a PIN was wrong. */
export class VerificationFailedError extends LatchkeyError {
  constructor(message: string, pinTriesLeft?: number) {
    super(message, 'verification_failed', pinTriesLeft === undefined ? undefined : { pinTriesLeft });
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Every action the app takes is approved three ways at once: the device secret says which device calls, a
 * signature by its non-extractable key over a single-use challenge says this phone asks for this action, and a
 * WebAuthn assertion with user verification, or a PIN checked here, says its owner is holding it.
 */
export class DeviceActionsService {
  constructor(private readonly deps: DeviceActionsDeps) {}

  async createChallenge(device: DeviceRow, action: DeviceAction, subject: string | null): Promise<IssuedChallenge> {
    if (device.status !== 'active') throw new ConflictError('This phone is not active yet: finish pairing first');
    const challengeId = randomUUID();
    const challenge = actionChallenge(this.deps.secrets, device.id, challengeId);
    const expiresAt = new Date(Date.now() + ACTION_CHALLENGE_TTL_MS);
    await this.deps.challenges.create({
      id: challengeId,
      deviceId: device.id,
      action,
      subject,
      challengeHash: hashActionChallenge(this.deps.secrets, challenge),
      expiresAt,
    });
    const issued: IssuedChallenge = { challengeId, challenge, expiresAt: expiresAt.toISOString() };
    if (device.protection === 'biometric' && device.webauthn_credential_id) {
      issued.webauthn = await requestOptions(this.deps.webauthn, {
        challenge,
        credentialId: device.webauthn_credential_id,
        transports: device.webauthn_transports ?? [],
      });
    }
    return issued;
  }

  /**
   * Spends the challenge first, whatever follows, so that it is answered once, right or wrong; then checks the
   * signature, then the WebAuthn assertion or the PIN. Five wrong PINs in a row revoke the device. Returns when
   * the action may go ahead; throws VerificationFailedError (401) or DeviceRevokedError (403) otherwise.
   */
  async verifyDeviceAction(proof: DeviceActionProof): Promise<{ deviceId: string; challengeId: string }> {
    const { secrets } = this.deps;
    const failed = () => new VerificationFailedError('The request could not be verified. Try again.');
    if (typeof proof.challengeId !== 'string' || !UUID.test(proof.challengeId)) throw failed();
    const used = await this.deps.challenges.consume(proof.challengeId, proof.device.id);
    if (!used) throw new VerificationFailedError('This request has expired or was already answered. Try again.');
    const device = await this.deps.devices.row(proof.device.id);
    if (!device || device.status === 'revoked') throw new DeviceRevokedError();
    if (device.status !== 'active') throw failed();
    const challenge = actionChallenge(secrets, device.id, used.id);
    if (!constantTimeEqual(hashActionChallenge(secrets, challenge), used.challenge_hash)) throw failed();
    if (used.action !== proof.action || used.subject !== (proof.subject ?? null)) throw failed();
    const message = deviceActionMessage({
      action: used.action,
      challengeId: used.id,
      challenge,
      subject: used.subject,
    });
    if (!signatureValid(device.signing_key, message, proof.signature)) throw failed();
    if (device.protection === 'biometric') await this.checkAssertion(device, challenge, proof.webauthn);
    else await this.checkPin(device, proof.pin);
    return { deviceId: device.id, challengeId: used.id };
  }

  private async checkAssertion(
    device: DeviceRow,
    challenge: string,
    response: AuthenticationResponseJSON | undefined,
  ): Promise<void> {
    const refused = () => new VerificationFailedError('Your fingerprint or face was not confirmed. Try again.');
    if (!response || !device.webauthn_credential_id || !device.webauthn_public_key) throw refused();
    if (response.id !== device.webauthn_credential_id) throw refused();
    let verified;
    try {
      verified = await verifyAuthenticationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: this.deps.webauthn.origin,
        expectedRPID: this.deps.webauthn.rpId,
        requireUserVerification: true,
        credential: {
          id: device.webauthn_credential_id,
          publicKey: new Uint8Array(Buffer.from(device.webauthn_public_key, 'base64url')),
          counter: Number(device.webauthn_counter),
          transports: (device.webauthn_transports ?? []) as never,
        },
      });
    } catch {
      throw refused();
    }
    if (!verified.verified || !verified.authenticationInfo.userVerified) throw refused();
    await this.deps.devices.setWebauthnCounter(device.id, verified.authenticationInfo.newCounter);
  }

  private async checkPin(device: DeviceRow, pin: string | undefined): Promise<void> {
    const { secrets } = this.deps;
    const right =
      typeof pin === 'string' &&
      isPinFormat(pin) &&
      device.pin_hash !== null &&
      constantTimeEqual(hashDevicePin(secrets, device.id, pin), device.pin_hash);
    if (right) {
      await this.deps.devices.clearPinFailures(device.id);
      return;
    }
    const counted = await this.deps.devices.recordPinFailure(device.id, PIN_FAILURES_BEFORE_REVOKE);
    if (!counted) throw new DeviceRevokedError();
    const { failures, revoked } = counted;
    await this.deps.audit.recordForUser({
      userId: device.user_id,
      actor: 'user',
      action: 'device.pin_failed',
      detail: { deviceId: device.id, failures },
    });
    if (revoked) {
      await this.deps.audit.recordForUser({
        userId: device.user_id,
        actor: 'system',
        action: 'device.revoked',
        detail: { deviceId: device.id, reason: 'pin_failures' },
      });
      await this.deps.notices.removed(device.user_id, device.label, 'pin_failures');
      throw new DeviceRevokedError();
    }
    const left = PIN_FAILURES_BEFORE_REVOKE - failures;
    throw new VerificationFailedError(
      `That PIN is not right. ${left} ${left === 1 ? 'try' : 'tries'} left before this phone is removed.`,
      left,
    );
  }
}

function signatureValid(signingKey: string, message: string, signature: unknown): boolean {
  if (typeof signature !== 'string' || !/^[A-Za-z0-9_-]{86}$/.test(signature)) return false;
  try {
    const key = createPublicKey({ key: Buffer.from(signingKey, 'base64url'), format: 'der', type: 'spki' });
    return verify(
      'sha256',
      Buffer.from(message, 'utf8'),
      { key, dsaEncoding: 'ieee-p1363' },
      Buffer.from(signature, 'base64url'),
    );
  } catch {
    return false;
  }
}

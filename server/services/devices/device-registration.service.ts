import { createPublicKey, randomUUID } from 'node:crypto';
import { verifyRegistrationResponse, type RegistrationResponseJSON } from '@simplewebauthn/server';
import { assertDeviceKey } from '../../../common/crypto/device-seal';
import { constantTimeEqual, randomToken } from '../../../common/crypto/keys';
import { sealPushTarget } from '../../../common/crypto/push-target';
import type { Secrets } from '../../../common/crypto/secrets';
import type { DeviceProtection, DeviceStatus, EnrollmentPairingState, PushTarget } from '../../../common/domain/device';
import { checkNewPin } from '../../../common/secrets/sms-pin';
import { ConflictError, InputError, LatchkeyError } from '../../../common/errors';
import type { DevicesStore } from '../../db/devices.store';
import type { PairingTokenRow, PairingTokensStore } from '../../db/pairing-tokens.store';
import type { StoresInTransaction } from '../../db/transact';
import type { DeviceNotices } from './device-notices';
import {
  hashDevicePin,
  hashDeviceSecret,
  hashMatchNumber,
  matchChoices,
  matchNumber,
  registrationChallenge,
} from './device-secrets';
import type { EnrollmentPairingPort } from './enrollment-pairing';
import type { WebAuthnSite } from './webauthn';

export interface DeviceRegistrationDeps {
  devices: DevicesStore;
  pairingTokens: PairingTokensStore;
  transact: <T>(work: (stores: StoresInTransaction) => Promise<T>) => Promise<T>;
  enrollmentPairing: EnrollmentPairingPort;
  notices: DeviceNotices;
  secrets: Secrets;
  webauthn: WebAuthnSite;
}

export interface DeviceRegistration {
  label: string;
  protection: DeviceProtection;
  signingKey: string;
  sealingKey: string;
  webauthn?: RegistrationResponseJSON;
  pin?: string;
  push?: PushTarget | null;
}

export interface RegisteredDevice {
  deviceId: string;
  deviceSecret: string;
  status: DeviceStatus;
  matchNumber?: string;
}

/** Throws unless the text is the SPKI of a P-256 key, as WebCrypto exports an ECDSA P-256 public key. */
function assertSigningKey(spkiBase64url: string): void {
  const key = createPublicKey({ key: Buffer.from(spkiBase64url, 'base64url'), format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('not a P-256 key');
  }
}

function checkedKey(what: string, check: (key: string) => void, key: string): string {
  try {
    check(key);
    return key;
  } catch {
    throw new InputError(`The ${what} is not the SPKI of a P-256 public key, as base64url`);
  }
}

const isUniqueViolation = (error: unknown) => (error as { code?: string } | null)?.code === '23505';

/**
 * A redeemed pairing becomes a device: its keys, its protection (a WebAuthn platform credential, or a PIN the
 * server checks) and, optionally, where its pushes go. A pairing from a QR code waits for the number match on
 * the enrollment page; any other is activated at once, through the enrollment workflow when it has one.
 */
export class DeviceRegistrationService {
  constructor(private readonly deps: DeviceRegistrationDeps) {}

  async register(pairing: PairingTokenRow, input: DeviceRegistration): Promise<RegisteredDevice> {
    const { secrets } = this.deps;
    const signingKey = checkedKey('signing key', assertSigningKey, input.signingKey);
    const sealingKey = checkedKey('sealing key', assertDeviceKey, input.sealingKey);
    const deviceId = randomUUID();
    const deviceSecret = randomToken(32);
    const protection = await this.protection(pairing, deviceId, input);
    const matchHash = pairing.requires_match
      ? hashMatchNumber(secrets, deviceId, matchNumber(secrets, deviceId))
      : null;
    try {
      await this.deps.transact(async (stores) => {
        // One device per pairing: a second registration with the same pairing secret finds it spent.
        if (!(await stores.pairingTokens.complete(pairing.id))) {
          throw new LatchkeyError('This pairing has already registered a phone; pair again', 'pairing_token_invalid');
        }
        await stores.devices.insert({
          id: deviceId,
          userId: pairing.user_id,
          clientId: pairing.client_id,
          label: input.label,
          protection: input.protection,
          secretHash: hashDeviceSecret(secrets, deviceSecret),
          signingKey,
          sealingKey,
          webauthn: protection.webauthn,
          pinHash: protection.pinHash,
          push: input.push ? { kind: input.push.kind, encrypted: sealPushTarget(secrets, input.push) } : null,
          pairingId: pairing.id,
          matchHash,
        });
        await stores.audit.recordForUser({
          userId: pairing.user_id,
          actor: 'user',
          action: 'device.registered',
          detail: { deviceId, protection: input.protection, push: Boolean(input.push) },
        });
      });
    } catch (error) {
      if (isUniqueViolation(error))
        throw new ConflictError('This fingerprint or face credential is already registered');
      throw error;
    }
    if (pairing.requires_match) {
      return { deviceId, deviceSecret, status: 'pending_match', matchNumber: matchNumber(secrets, deviceId) };
    }
    await this.activate(pairing, deviceId, input.label);
    const device = await this.deps.devices.row(deviceId);
    return { deviceId, deviceSecret, status: device?.status ?? 'pending_match' };
  }

  private async protection(pairing: PairingTokenRow, deviceId: string, input: DeviceRegistration) {
    if (input.protection === 'pin') {
      const pin = checkNewPin(input.pin, input.pin);
      if (!pin.ok) throw new InputError(pin.error.replace(' for text message resets', ''));
      return { webauthn: null, pinHash: hashDevicePin(this.deps.secrets, deviceId, pin.pin) };
    }
    if (!input.webauthn) throw new InputError('A fingerprint or face registration (webauthn) is required');
    const refused = () =>
      new LatchkeyError(
        'The fingerprint or face check did not work. Try again, or choose a PIN.',
        'verification_failed',
      );
    let verified;
    try {
      verified = await verifyRegistrationResponse({
        response: input.webauthn,
        expectedChallenge: registrationChallenge(this.deps.secrets, pairing.id),
        expectedOrigin: this.deps.webauthn.origin,
        expectedRPID: this.deps.webauthn.rpId,
        requireUserVerification: true,
      });
    } catch {
      throw refused();
    }
    if (!verified.verified) throw refused();
    const { credential } = verified.registrationInfo;
    return {
      webauthn: {
        credentialId: credential.id,
        publicKey: Buffer.from(credential.publicKey).toString('base64url'),
        counter: credential.counter,
        transports: credential.transports ?? input.webauthn.response.transports ?? [],
      },
      pinHash: null,
    };
  }

  /**
   * For an enrollment's pairing, the workflow's appPaired update activates the device; a re-pairing (SMS PAIR)
   * has no workflow, so it is activated here, audited in the same transaction, and the owner is emailed.
   */
  private async activate(pairing: PairingTokenRow, deviceId: string, label: string): Promise<void> {
    if (pairing.enrollment_workflow_id) {
      await this.deps.enrollmentPairing.appPaired(pairing.enrollment_workflow_id, deviceId);
      return;
    }
    const activated = await this.deps.transact(async (stores) => {
      if (!(await stores.devices.activate(deviceId, pairing.user_id))) return false;
      await stores.audit.recordForUser({
        userId: pairing.user_id,
        actor: 'user',
        action: 'device.paired',
        detail: { deviceId, reenrollment: true },
      });
      return true;
    });
    if (activated) await this.deps.notices.paired(pairing.user_id, label);
  }

  /** What the enrollment page's pairing step shows (`GET /enroll/pairing`). */
  async pairingState(
    userId: string,
    enrollmentWorkflowId: string,
  ): Promise<{ state: EnrollmentPairingState; choices?: string[] }> {
    if (await this.deps.devices.activeOfEnrollment(userId, enrollmentWorkflowId)) return { state: 'paired' };
    const pending = await this.deps.devices.pendingOfEnrollment(userId, enrollmentWorkflowId);
    if (pending) return { state: 'match', choices: matchChoices(this.deps.secrets, pending.id) };
    const token = await this.deps.pairingTokens.newestForEnrollment(userId, enrollmentWorkflowId);
    if (!token) return { state: 'waiting' };
    if (!token.redeemed_at && new Date(token.expires_at).getTime() <= Date.now()) return { state: 'expired' };
    return { state: 'waiting' };
  }

  /**
   * The number the user picked on the enrollment page. Right, and the device is activated; wrong, and that
   * device is revoked (whoever photographed the QR code is shut out) and the page shows a new code.
   */
  async pickMatch(
    userId: string,
    enrollmentWorkflowId: string,
    choice: string,
  ): Promise<{ matched: boolean; state: EnrollmentPairingState }> {
    if (!/^\d{2}$/.test(choice)) throw new InputError('Pick one of the numbers shown');
    const pending = await this.deps.devices.pendingOfEnrollment(userId, enrollmentWorkflowId);
    const token = pending?.pairing_id ? await this.deps.pairingTokens.find(pending.pairing_id) : undefined;
    if (!token || !pending?.match_hash) throw new ConflictError('No phone is waiting for its number to be picked');
    const right = constantTimeEqual(pending.match_hash, hashMatchNumber(this.deps.secrets, pending.id, choice));
    if (right) {
      await this.activate(token, pending.id, pending.label);
      return { matched: true, state: (await this.pairingState(userId, enrollmentWorkflowId)).state };
    }
    await this.deps.transact(async (stores) => {
      if (!(await stores.devices.revoke(pending.id, 'wrong_match', userId))) return;
      await stores.audit.recordForUser({
        userId,
        actor: 'user',
        action: 'device.match_failed',
        detail: { deviceId: pending.id },
      });
    });
    return { matched: false, state: 'waiting' };
  }
}

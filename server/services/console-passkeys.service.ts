import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Secrets } from '../../common/crypto/secrets';
import { randomToken } from '../../common/crypto/keys';
import type { AuditStore } from '../db/audit.store';
import type { TechnicianPasskeysStore } from '../db/technician-passkeys.store';
import type { TechniciansStore } from '../db/technicians.store';
import type { WebAuthnSite } from './devices/webauthn';

const CHALLENGE_TTL_MS = 5 * 60_000;

/**
 * Passkeys for the console: any authenticator (a laptop's, a phone's, a security key), always with user
 * verification, so one passkey is both factors and signs in on its own. Registration happens while signed in;
 * its challenge is bound to the console session, so it cannot be answered for another one.
 */
export class ConsolePasskeysService {
  constructor(
    private readonly deps: {
      passkeys: TechnicianPasskeysStore;
      technicians: TechniciansStore;
      audit: AuditStore;
      secrets: Secrets;
      site: WebAuthnSite;
    },
  ) {}

  private registrationChallenge(sessionId: string): string {
    return this.deps.secrets.hash('console-session', `passkey-registration:${sessionId}`);
  }

  async registrationOptions(
    technician: { technicianId: string; email: string; displayName: string },
    sessionId: string,
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const existing = await this.deps.passkeys.list(technician.technicianId);
    return generateRegistrationOptions({
      rpName: 'Latchkey console',
      rpID: this.deps.site.rpId,
      userName: technician.email,
      userDisplayName: technician.displayName,
      userID: Buffer.from(technician.technicianId, 'utf8'),
      challenge: Buffer.from(this.registrationChallenge(sessionId), 'base64url'),
      timeout: CHALLENGE_TTL_MS,
      attestationType: 'none',
      excludeCredentials: existing.map((row) => ({ id: row.credential_id })),
      authenticatorSelection: { userVerification: 'required', residentKey: 'required' },
    });
  }

  async register(
    technician: { technicianId: string; mspId: string },
    sessionId: string,
    response: RegistrationResponseJSON,
  ): Promise<boolean> {
    let verified;
    try {
      verified = await verifyRegistrationResponse({
        response,
        expectedChallenge: this.registrationChallenge(sessionId),
        expectedOrigin: this.deps.site.origin,
        expectedRPID: this.deps.site.rpId,
        requireUserVerification: true,
      });
    } catch {
      return false;
    }
    if (!verified.verified) return false;
    const { credential } = verified.registrationInfo;
    await this.deps.passkeys.add({
      technicianId: technician.technicianId,
      credentialId: credential.id,
      publicKey: Buffer.from(credential.publicKey).toString('base64url'),
      counter: credential.counter,
      transports: credential.transports ?? [],
    });
    await this.deps.audit.record({
      mspId: technician.mspId,
      actor: `technician:${technician.technicianId}`,
      action: 'technician.passkey_added',
    });
    return true;
  }

  async signInOptions(): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const challenge = randomToken(32);
    await this.deps.passkeys.issueChallenge(
      this.deps.secrets.hash('console-session', `passkey-challenge:${challenge}`),
      new Date(Date.now() + CHALLENGE_TTL_MS),
    );
    return generateAuthenticationOptions({
      rpID: this.deps.site.rpId,
      challenge: Buffer.from(challenge, 'base64url'),
      timeout: CHALLENGE_TTL_MS,
      userVerification: 'required',
    });
  }

  /** The technician a passkey assertion signs in, or undefined; its challenge is spent either way. */
  async signIn(response: AuthenticationResponseJSON): Promise<string | undefined> {
    let challenge: string;
    try {
      const client = JSON.parse(Buffer.from(response.response.clientDataJSON, 'base64url').toString('utf8')) as {
        challenge?: unknown;
      };
      if (typeof client.challenge !== 'string') return undefined;
      challenge = client.challenge;
    } catch {
      return undefined;
    }
    const spent = await this.deps.passkeys.consumeChallenge(
      this.deps.secrets.hash('console-session', `passkey-challenge:${challenge}`),
    );
    if (!spent || typeof response.id !== 'string') return undefined;
    const passkey = await this.deps.passkeys.byCredentialId(response.id);
    if (!passkey) return undefined;
    const technician = await this.deps.technicians.getRow(passkey.technician_id);
    if (!technician || technician.disabled_at) return undefined;
    let verified;
    try {
      verified = await verifyAuthenticationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: this.deps.site.origin,
        expectedRPID: this.deps.site.rpId,
        requireUserVerification: true,
        credential: {
          id: passkey.credential_id,
          publicKey: new Uint8Array(Buffer.from(passkey.public_key, 'base64url')),
          counter: Number(passkey.counter),
          transports: passkey.transports as never,
        },
      });
    } catch {
      return undefined;
    }
    if (!verified.verified || !verified.authenticationInfo.userVerified) return undefined;
    await this.deps.passkeys.used(passkey.id, verified.authenticationInfo.newCounter);
    return technician.id;
  }
}

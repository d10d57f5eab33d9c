import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { ACTION_CHALLENGE_TTL_MS, PAIRING_TOKEN_TTL_MS } from '../../../common/domain/device';

/** Who the app's credentials belong to: the host Latchkey is served on, and the origin the app runs at. */
export interface WebAuthnSite {
  rpId: string;
  origin: string;
}

export function webAuthnSiteOf(publicUrl: string): WebAuthnSite {
  const url = new URL(publicUrl);
  return { rpId: url.hostname, origin: url.origin };
}

/**
 * A platform authenticator with user verification: the phone's fingerprint, face or passcode, never a roaming
 * key, and no attestation (a synced passkey has none anyway; binding to this phone comes from its device key).
 */
export function creationOptions(
  site: WebAuthnSite,
  input: { challenge: string; userId: string; userName: string; displayName: string; rpName: string },
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpName: input.rpName,
    rpID: site.rpId,
    userName: input.userName,
    userDisplayName: input.displayName,
    userID: Buffer.from(input.userId, 'utf8'),
    challenge: Buffer.from(input.challenge, 'base64url'),
    timeout: PAIRING_TOKEN_TTL_MS,
    attestationType: 'none',
    authenticatorSelection: {
      authenticatorAttachment: 'platform',
      userVerification: 'required',
      residentKey: 'preferred',
    },
  });
}

export function requestOptions(
  site: WebAuthnSite,
  input: { challenge: string; credentialId: string; transports: string[] },
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({
    rpID: site.rpId,
    challenge: Buffer.from(input.challenge, 'base64url'),
    timeout: ACTION_CHALLENGE_TTL_MS,
    userVerification: 'required',
    allowCredentials: [{ id: input.credentialId, transports: input.transports }],
  });
}

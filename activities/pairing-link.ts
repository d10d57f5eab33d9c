import { randomToken } from '../common/crypto/keys';
import type { Secrets } from '../common/crypto/secrets';
import { PAIRING_TOKEN_TTL_MS, pairingLink } from '../common/domain/device';
import type { PairingTokensPort } from './ports';

export interface PairingLinkRequest {
  userId: string;
  clientId: string;
  /** The enrollment whose pairing step this completes; null for a re-pairing (SMS PAIR). */
  enrollmentWorkflowId: string | null;
  /** true for a QR code on a screen (anyone who photographs it could redeem it first); false for a link on the phone. */
  requiresMatch: boolean;
}

export interface IssuedPairingLink {
  /** 32 random bytes, base64url; stored only as its `pairing-token` keyed hash. */
  token: string;
  /** `<appUrl>/pair#t=<token>`: the token in the fragment, which never reaches a server log. */
  url: string;
  expiresAt: Date;
}

/**
 * The one place a pairing token is made, for the server's pages (PairingService.issue) and for the activity that
 * texts the app link alike, so that both store it the same way. The token itself is returned to be shown or sent,
 * never kept.
 */
export async function issuePairingLink(
  deps: { pairingTokens: PairingTokensPort; secrets: Secrets; appUrl: string; now?: () => number },
  request: PairingLinkRequest,
): Promise<IssuedPairingLink> {
  const token = randomToken(32);
  const expiresAt = new Date((deps.now?.() ?? Date.now()) + PAIRING_TOKEN_TTL_MS);
  await deps.pairingTokens.issue({ ...request, tokenHash: hashPairingToken(deps.secrets, token), expiresAt });
  return { token, url: pairingLink(deps.appUrl, token), expiresAt };
}

export function hashPairingToken(secrets: Secrets, token: string): string {
  return secrets.hash('pairing-token', token);
}

import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import {
  issuePairingLink,
  hashPairingToken,
  type IssuedPairingLink,
  type PairingLinkRequest,
} from '../../../activities/pairing-link';
import { constantTimeEqual, randomToken } from '../../../common/crypto/keys';
import type { Secrets } from '../../../common/crypto/secrets';
import { PAIRING_TOKEN_TTL_MS } from '../../../common/domain/device';
import { AuthenticationError, LatchkeyError } from '../../../common/errors';
import type { AuditStore } from '../../db/audit.store';
import type { PairingTokenRow, PairingTokensStore } from '../../db/pairing-tokens.store';
import type { TenantsStore } from '../../db/tenants.store';
import { hashPairingSecret, registrationChallenge } from './device-secrets';
import { creationOptions, type WebAuthnSite } from './webauthn';

export interface PairingServiceDeps {
  pairingTokens: PairingTokensStore;
  tenants: Pick<TenantsStore, 'userWithOrg'>;
  audit: Pick<AuditStore, 'recordForUser'>;
  secrets: Secrets;
  appUrl: string;
  webauthn: WebAuthnSite;
}

/** What the app is told about the pairing it holds: whose it is, and what to register. */
export interface PairingView {
  pairingId: string;
  expiresAt: string;
  requiresMatch: boolean;
  mspName: string;
  clientName: string;
  displayName: string;
  webauthn: PublicKeyCredentialCreationOptionsJSON;
}

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const PAIRING_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class PairingTokenInvalidError extends LatchkeyError {
  constructor() {
    // One message for unknown, used and expired, so that a guesser learns nothing from which it was.
    super(
      'This pairing code is not valid any more. Show a new QR code on the enrollment page, or text PAIR to get a new link.',
      'pairing_token_invalid',
    );
  }
}

const pairingExpiry = (row: PairingTokenRow) => new Date(new Date(row.redeemed_at!).getTime() + PAIRING_TOKEN_TTL_MS);

/**
 * Pairing tokens, from issue to the pairing a redeemed token becomes. A token lives 10 minutes and is redeemed
 * once; the pairing it turns into lives 10 minutes from then and registers one device.
 */
export class PairingService {
  constructor(private readonly deps: PairingServiceDeps) {}

  /**
   * For the done page (a QR code: requiresMatch true; "open on this phone": false) and, through the same
   * issuePairingLink, the activity that texts the app link. Older unredeemed tokens for the same step stop working.
   */
  issue(request: PairingLinkRequest): Promise<IssuedPairingLink> {
    return issuePairingLink(
      { pairingTokens: this.deps.pairingTokens, secrets: this.deps.secrets, appUrl: this.deps.appUrl },
      request,
    );
  }

  async redeem(token: unknown): Promise<{ view: PairingView; pairingSecret: string }> {
    if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) throw new PairingTokenInvalidError();
    const pairingSecret = randomToken(32);
    const row = await this.deps.pairingTokens.redeem(
      hashPairingToken(this.deps.secrets, token),
      hashPairingSecret(this.deps.secrets, pairingSecret),
    );
    if (!row) throw new PairingTokenInvalidError();
    await this.deps.audit.recordForUser({
      userId: row.user_id,
      actor: 'user',
      action: 'pairing.redeemed',
      detail: {
        pairingId: row.id,
        requiresMatch: row.requires_match,
        reenrollment: row.enrollment_workflow_id === null,
      },
    });
    return { view: await this.view(row), pairingSecret };
  }

  /** The pairing a `Pairing <id>.<secret>` header or the pairing cookie names, while it can still register. */
  async authenticate(credential: string | undefined): Promise<PairingTokenRow> {
    const refused = new AuthenticationError('Pair again: scan the QR code or open the link from your text message');
    const [pairingId, secret, extra] = (credential ?? '').split('.');
    if (!pairingId || !secret || extra !== undefined || !PAIRING_ID_PATTERN.test(pairingId)) throw refused;
    const row = await this.deps.pairingTokens.find(pairingId);
    if (!row?.secret_hash || !row.redeemed_at || row.completed_at) throw refused;
    if (!constantTimeEqual(row.secret_hash, hashPairingSecret(this.deps.secrets, secret))) throw refused;
    if (pairingExpiry(row).getTime() <= Date.now()) throw refused;
    return row;
  }

  async view(row: PairingTokenRow): Promise<PairingView> {
    const found = await this.deps.tenants.userWithOrg(row.user_id);
    if (!found) throw new PairingTokenInvalidError();
    const displayName = found.user.displayName ?? found.user.username;
    return {
      pairingId: row.id,
      expiresAt: pairingExpiry(row).toISOString(),
      requiresMatch: row.requires_match,
      mspName: found.mspName,
      clientName: found.clientName,
      displayName,
      webauthn: await creationOptions(this.deps.webauthn, {
        challenge: registrationChallenge(this.deps.secrets, row.id),
        userId: row.user_id,
        userName: found.user.username,
        displayName,
        rpName: found.mspName,
      }),
    };
  }
}

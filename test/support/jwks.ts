import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer } from 'node:http';

/** Claims the Temporal server's default JWT claim mapper reads: `sub`, `permissions` and the standard times. */
export interface TemporalJwtClaims {
  sub: string;
  /** `<namespace>:<read|write|worker|admin>`; the namespace `temporal-system` means the whole cluster. */
  permissions: string[];
  /** Seconds from now (600 unless given); negative makes a token that has already expired, null one without `exp`. */
  expiresIn?: number | null;
}

export interface JwtSigner {
  kid: string;
  /** The public half, as the JWKS lists it. */
  jwk: Record<string, unknown>;
  token(claims: TemporalJwtClaims): string;
}

const base64url = (value: Buffer | string) => Buffer.from(value).toString('base64url');

function signed(header: object, payload: object, key: KeyObject | undefined): string {
  const body = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  // JWS wants the raw r||s form of an ECDSA signature (RFC 7518 §3.4), not DER.
  const signature = key ? sign('sha256', Buffer.from(body), { key, dsaEncoding: 'ieee-p1363' }) : Buffer.alloc(0);
  return `${body}.${base64url(signature)}`;
}

function payloadOf(claims: TemporalJwtClaims): object {
  const now = Math.floor(Date.now() / 1000);
  const expiry = claims.expiresIn === null ? {} : { exp: now + (claims.expiresIn ?? 600) };
  return { sub: claims.sub, permissions: claims.permissions, iat: now, ...expiry };
}

/**
 * An ES256 signer, as an IdP or a small token service would run it. A few lines of node:crypto are enough for
 * the one algorithm the test needs; a JWT library would add a dependency for nothing.
 */
export function createJwtSigner(kid: string): JwtSigner {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    kid,
    jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' },
    token: (claims) => signed({ alg: 'ES256', typ: 'JWT', kid }, payloadOf(claims), privateKey),
  };
}

/** A token with no signature at all (`alg: none`), which a verifier must never accept. */
export function unsignedToken(kid: string, claims: TemporalJwtClaims): string {
  return signed({ alg: 'none', typ: 'JWT', kid }, payloadOf(claims), undefined);
}

export interface JwksServer {
  url: string;
  stop(): Promise<void>;
}

/** Serves `{ keys }` over plain HTTP on loopback, where the Temporal server fetches it at start. */
export async function serveJwks(keys: Array<Record<string, unknown>>): Promise<JwksServer> {
  const body = JSON.stringify({ keys });
  const server = createServer((request, response) => {
    if (request.url !== '/jwks.json') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

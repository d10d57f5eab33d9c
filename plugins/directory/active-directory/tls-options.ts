import { isIP } from 'node:net';
import { checkServerIdentity, type ConnectionOptions, type PeerCertificate } from 'node:tls';
import type { ActiveDirectoryConfig } from './active-directory.config';

export const PIN_MISMATCH_CODE = 'ERR_LATCHKEY_CERT_PIN_MISMATCH';

/**
 * A fresh object on every call: ldapts' startTLS() writes the plain socket into the options it is given, and
 * a shared object would make the next connection wrap that old, closed socket.
 */
export function tlsOptionsFor(config: ActiveDirectoryConfig): ConnectionOptions {
  const host = new URL(config.url).hostname.replace(/^\[|\]$/g, '');
  const expectedName = config.tlsServerName ?? host;
  const pin = config.pinnedCertificateSha256 ? normaliseFingerprint(config.pinnedCertificateSha256) : undefined;
  return {
    ca: config.caPem,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
    // SNI may not carry an IP address (RFC 6066); the name check below still runs against expectedName.
    ...(isIP(expectedName) ? {} : { servername: expectedName }),
    checkServerIdentity: (_hostname: string, cert: PeerCertificate) => {
      const mismatch = checkServerIdentity(expectedName, cert);
      if (mismatch) return mismatch;
      if (pin && normaliseFingerprint(cert.fingerprint256) !== pin) {
        return Object.assign(
          new Error(`the server's certificate (SHA-256 ${cert.fingerprint256}) is not the pinned one`),
          { code: PIN_MISMATCH_CODE },
        );
      }
      return undefined;
    },
  };
}

function normaliseFingerprint(text: string): string {
  return text.replace(/:/g, '').toLowerCase();
}

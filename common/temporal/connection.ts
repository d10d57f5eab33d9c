import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import { z } from 'zod';
import { ConfigError } from '../errors';
import { flag, type Env, type Problems, readVariables } from '../env';
import { isLoopbackHost } from '../loopback-host';

/**
 * How every Latchkey process reaches Temporal: the server, the central worker and the agent read the same
 * variables. Anyone who can talk to the frontend can start and signal workflows, so off this machine the
 * connection is encrypted and authenticated, and plain gRPC must be asked for by name.
 */
export const temporalTransportVariables = {
  /** Turns TLS on with the system's CAs; any of the TLS file settings below turns it on as well. */
  TEMPORAL_TLS: flag(false),
  TEMPORAL_TLS_CA_FILE: z.string().min(1).optional(),
  /** The name to check the server's certificate against, when it differs from the address's host. */
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  /** A client certificate and its key, for a cluster that requires mTLS. */
  TEMPORAL_TLS_CERT_FILE: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY_FILE: z.string().min(1).optional(),
  /** A bearer API key, sent with every call (Temporal Cloud, or a server with an authorizer). */
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  /** Allows plain gRPC to a non-loopback address: a private network you trust, never the default. */
  TEMPORAL_ALLOW_INSECURE: flag(false),
};

export interface TemporalTransport {
  tls?: TLSConfig;
  apiKey?: string;
  allowInsecure: boolean;
}

function readPem(variable: string, file: string, problems: Problems): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch (error) {
    // The path is configuration, not a secret; the file's contents never appear in a message.
    problems.add(`${variable}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    return undefined;
  }
}

/** Reads the TLS and API-key settings; problems name the variable to fix and never echo a key. */
export function readTemporalTransport(env: Env, problems: Problems): TemporalTransport | undefined {
  const e = readVariables(temporalTransportVariables, env, problems);
  if (!e) return undefined;
  if (Boolean(e.TEMPORAL_TLS_CERT_FILE) !== Boolean(e.TEMPORAL_TLS_KEY_FILE)) {
    problems.add('TEMPORAL_TLS_CERT_FILE: set it together with TEMPORAL_TLS_KEY_FILE, or neither');
  }
  const ca = e.TEMPORAL_TLS_CA_FILE && readPem('TEMPORAL_TLS_CA_FILE', e.TEMPORAL_TLS_CA_FILE, problems);
  const crt = e.TEMPORAL_TLS_CERT_FILE && readPem('TEMPORAL_TLS_CERT_FILE', e.TEMPORAL_TLS_CERT_FILE, problems);
  const key = e.TEMPORAL_TLS_KEY_FILE && readPem('TEMPORAL_TLS_KEY_FILE', e.TEMPORAL_TLS_KEY_FILE, problems);
  const wantsTls = e.TEMPORAL_TLS || Boolean(e.TEMPORAL_TLS_CA_FILE || e.TEMPORAL_TLS_SERVER_NAME || crt);
  const tls: TLSConfig | undefined = wantsTls
    ? {
        ...(ca ? { serverRootCACertificate: ca } : {}),
        ...(e.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: e.TEMPORAL_TLS_SERVER_NAME } : {}),
        ...(crt && key ? { clientCertPair: { crt, key } } : {}),
      }
    : undefined;
  return { tls, apiKey: e.TEMPORAL_API_KEY, allowInsecure: e.TEMPORAL_ALLOW_INSECURE };
}

/** The host of a gRPC address: "host:port", "[v6]:port" or a bare host. */
export function hostOfAddress(address: string): string {
  const bracketed = /^\[([^\]]+)\]/.exec(address);
  if (bracketed) return bracketed[1]!;
  const colons = address.split(':').length - 1;
  return colons === 1 ? address.slice(0, address.indexOf(':')) : address;
}

/** Why this transport may not carry calls to `address`, or undefined when it may. */
export function transportProblem(address: string, transport: TemporalTransport): string | undefined {
  if (transport.tls || transport.allowInsecure || isLoopbackHost(hostOfAddress(address))) return undefined;
  return (
    `Temporal at ${hostOfAddress(address)} is not on this machine, and the connection would be plain gRPC: ` +
    'set TEMPORAL_TLS=true (with TEMPORAL_TLS_CA_FILE, and TEMPORAL_TLS_CERT_FILE/TEMPORAL_TLS_KEY_FILE for mTLS), ' +
    'or TEMPORAL_ALLOW_INSECURE=true on a network you trust'
  );
}

/** Options for `Connection.connect` and `NativeConnection.connect`; refuses an unencrypted remote address. */
export function temporalConnectionOptions(
  address: string,
  transport: TemporalTransport,
): { address: string; tls?: TLSConfig; apiKey?: string } {
  const problem = transportProblem(address, transport);
  if (problem) throw new ConfigError([problem]);
  return {
    address,
    ...(transport.tls ? { tls: transport.tls } : {}),
    ...(transport.apiKey ? { apiKey: transport.apiKey } : {}),
  };
}

/**
 * The same for `NativeConnection.connect` (workers and agents), without Core's default gzip: nearly every byte it
 * would compress is an AES-GCM payload, which does not compress, so gzip only spent CPU at both ends.
 */
export function nativeConnectionOptions(address: string, transport: TemporalTransport) {
  return { ...temporalConnectionOptions(address, transport), grpcCompression: { codec: 'none' as const } };
}

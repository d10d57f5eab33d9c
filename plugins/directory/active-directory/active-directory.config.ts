import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { flag } from '../../../common/env';
import { ConfigError } from '../../../common/errors';
import { providerEnv } from '../../provider-config';

const SHA256_FINGERPRINT = /^([0-9a-f]{2}:?){31}[0-9a-f]{2}$/i;

export const activeDirectoryConfigSchema = z
  .object({
    provider: z.literal('active-directory').default('active-directory'),
    /** Names this directory in errors and logs; one provider instance serves one domain. */
    id: z.string().min(1).default('active-directory'),
    /** ldaps://dc.example.com (port 636) or ldap://dc.example.com with startTls. */
    url: z
      .string()
      .url()
      .refine((url) => /^ldaps?:\/\//i.test(url), 'must start with ldaps:// or ldap://'),
    startTls: z.boolean().default(false),
    bindDn: z.string().min(1),
    bindPassword: z.string().min(1),
    /** Only users under this DN can be found, reset or unlocked. */
    baseDn: z.string().min(1),
    /** PEM of the CA that issued the DC's certificate; the certificate is always verified against it. */
    caPem: z
      .string({ required_error: 'is required: the directory certificate is always verified' })
      .includes('-----BEGIN CERTIFICATE-----', { message: 'must be a PEM certificate' }),
    /**
     * The name to verify in the DC's certificate when it differs from the URL's host, e.g. when connecting
     * by IP address. Samba's self-made certificate carries only CN=<DC FQDN> and no subjectAltName.
     */
    tlsServerName: z.string().min(1).optional(),
    /** SHA-256 of the DC's own certificate (hex, colons optional), checked in addition to the CA. */
    pinnedCertificateSha256: z
      .string()
      .regex(SHA256_FINGERPRINT, 'must be a SHA-256 fingerprint: 64 hex digits, colons optional')
      .optional(),
    /**
     * adminCount=1 accounts are refused unless this is set. It lifts only that rule (for accounts whose
     * adminCount outlived their privilege): members of the built-in privileged groups or of denyGroupDn are
     * refused regardless.
     */
    allowProtectedAccounts: z.boolean().default(false),
    /**
     * A security group whose members (direct or nested) are never reset or unlocked, e.g. service accounts and
     * custom admin groups. Resolved to its objectSid on every write; if it cannot be, every write is refused.
     */
    denyGroupDn: z
      .string()
      .regex(/^[^=,]+=[^,]/, 'must be the DN of a group, e.g. CN=No Self-Service,OU=Groups,DC=corp,DC=example')
      .optional(),
    connectTimeoutMs: z.number().int().positive().default(5_000),
    operationTimeoutMs: z.number().int().positive().default(10_000),
  })
  .superRefine((config, ctx) => {
    const secure = /^ldaps:/i.test(config.url);
    // A password reset must never cross the network in clear, and AD refuses unicodePwd writes without TLS.
    if (!secure && !config.startTls) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['startTls'], message: 'an ldap:// URL needs startTls: true' });
    }
    if (secure && config.startTls) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['startTls'],
        message: 'ldaps:// is already TLS; leave startTls off',
      });
    }
  });

export type ActiveDirectoryConfigInput = z.input<typeof activeDirectoryConfigSchema>;
export type ActiveDirectoryConfig = z.output<typeof activeDirectoryConfigSchema>;

export function parseActiveDirectoryConfig(input: ActiveDirectoryConfigInput): ActiveDirectoryConfig {
  const result = activeDirectoryConfigSchema.safeParse(input);
  if (result.success) return result.data;
  // Values are left out of the problems: bindPassword would otherwise end up in a start-up log.
  throw new ConfigError(
    result.error.issues.map((issue) => `active directory ${issue.path.join('.') || 'config'}: ${issue.message}`),
  );
}

/** How an agent reads its directory from its environment (see agent/package/README.md). */
export const activeDirectoryEnv = providerEnv({
  provider: 'active-directory',
  variables: {
    AD_URL: z.string().optional(),
    AD_START_TLS: flag(false),
    AD_BIND_DN: z.string().optional(),
    AD_BIND_PASSWORD: z.string().optional(),
    AD_BASE_DN: z.string().optional(),
    AD_CA_FILE: z.string().optional(),
    AD_CA_PEM: z.string().optional(),
    AD_TLS_SERVER_NAME: z.string().optional(),
    AD_CERT_SHA256: z.string().optional(),
    AD_ALLOW_PROTECTED_ACCOUNTS: flag(false),
    AD_DENY_GROUP_DN: z.string().optional(),
  },
  detectedBy: 'AD_URL',
  schema: activeDirectoryConfigSchema,
  sources: {
    url: 'AD_URL',
    startTls: 'AD_START_TLS',
    bindDn: 'AD_BIND_DN',
    bindPassword: 'AD_BIND_PASSWORD',
    baseDn: 'AD_BASE_DN',
    caPem: 'AD_CA_FILE (or AD_CA_PEM)',
    tlsServerName: 'AD_TLS_SERVER_NAME',
    pinnedCertificateSha256: 'AD_CERT_SHA256',
    allowProtectedAccounts: 'AD_ALLOW_PROTECTED_ACCOUNTS',
    denyGroupDn: 'AD_DENY_GROUP_DN',
  },
  toInput: (vars, _shared: object, problems) => ({
    url: vars.AD_URL,
    startTls: vars.AD_START_TLS,
    bindDn: vars.AD_BIND_DN,
    bindPassword: vars.AD_BIND_PASSWORD,
    baseDn: vars.AD_BASE_DN,
    caPem: vars.AD_CA_PEM ?? readCaFile(vars.AD_CA_FILE, problems),
    tlsServerName: vars.AD_TLS_SERVER_NAME,
    pinnedCertificateSha256: vars.AD_CERT_SHA256,
    allowProtectedAccounts: vars.AD_ALLOW_PROTECTED_ACCOUNTS,
    // An empty variable means "no deny group", as an unset one does.
    denyGroupDn: vars.AD_DENY_GROUP_DN || undefined,
  }),
});

function readCaFile(path: string | undefined, problems: { add(problem: string): void }): string | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    problems.add(`AD_CA_FILE: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return '';
  }
}

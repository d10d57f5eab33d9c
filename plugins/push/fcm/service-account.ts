import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../../common/errors';

/** The three fields of a Google service account's JSON key that FCM's HTTP v1 API needs. */
export interface ServiceAccount {
  projectId: string;
  clientEmail: string;
  privateKey: string;
}

const VARIABLE = 'LATCHKEY_FCM_SERVICE_ACCOUNT_FILE';

/**
 * Reads and checks the key file, at start-up, so a wrong path or a truncated download stops the start with a
 * clear problem instead of failing the first push. Problems never quote the file's contents: it is a private key.
 */
export function readServiceAccount(file: string): ServiceAccount {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError([`${VARIABLE}: cannot read ${file} (${code})`]);
  }
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new ConfigError([`${VARIABLE}: ${file} is not JSON (download the key from the Firebase console)`]);
  }
  const missing = ['project_id', 'client_email', 'private_key'].filter(
    (field) => typeof json[field] !== 'string' || json[field] === '',
  );
  if (json.type !== undefined && json.type !== 'service_account')
    throw new ConfigError([`${VARIABLE}: ${file} is not a service account key (type must be service_account)`]);
  if (missing.length)
    throw new ConfigError([`${VARIABLE}: ${file} lacks ${missing.join(', ')} (is it a service account key?)`]);
  const account = {
    projectId: json.project_id as string,
    clientEmail: json.client_email as string,
    privateKey: json.private_key as string,
  };
  try {
    createPrivateKey(account.privateKey);
  } catch {
    throw new ConfigError([`${VARIABLE}: the private_key in ${file} is not a PEM private key`]);
  }
  return account;
}

import { isIP } from 'node:net';

/** Express's "trust proxy" in the forms whose meaning is not in doubt: a hop count, all or nothing, or addresses. */
export type TrustProxy = number | boolean | string[];

/** The names proxy-addr knows for address ranges. */
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function addressProblem(entry: string): string | undefined {
  if (RANGE_NAMES.has(entry)) return undefined;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (!family || rest.length > 0)
    return `"${entry}" is not an IP address, a subnet, or one of ${[...RANGE_NAMES].join(', ')}`;
  if (prefix === undefined) return undefined;
  const bits = family === 4 ? 32 : 128;
  if (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits) return undefined;
  if (family === 4 && isIP(prefix) === 4) return undefined;
  return `"${entry}" has a prefix that is not 0-${bits}`;
}

/**
 * Reads LATCHKEY_TRUST_PROXY. Express passes a string to proxy-addr as an address list, where "1" is the address
 * 0.0.0.1 and "true" fails to start (F12), so each form is told apart here: digits are a hop count, true/false
 * trust every or no proxy, anything else is a comma-separated list of addresses, subnets and range names.
 */
export function parseTrustProxy(text: string): TrustProxy | { problem: string } {
  const value = text.trim();
  if (/^\d+$/.test(value)) return Number(value);
  if (value === 'true') return true;
  if (value === 'false') return false;
  const entries = value.split(',').map((entry) => entry.trim());
  if (entries.some((entry) => entry === ''))
    return { problem: 'must be a hop count, true, false, or a comma-separated list of addresses' };
  for (const entry of entries) {
    const problem = addressProblem(entry);
    if (problem) return { problem: `${problem} (use a hop count such as 1, true, false, or addresses)` };
  }
  return entries;
}

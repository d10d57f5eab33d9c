const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;

/** A domain as stored and compared: lower-case, no trailing dot; undefined if it is not a host name. */
export function normaliseDomain(input: string): string | undefined {
  const domain = input.trim().toLowerCase().replace(/\.$/, '');
  return DOMAIN.test(domain) ? domain : undefined;
}

/** The domain of an email address, or the domain itself when that is what was typed. */
export function domainOfEmailOrDomain(input: string): string | undefined {
  const trimmed = input.trim();
  const at = trimmed.lastIndexOf('@');
  return normaliseDomain(at >= 0 ? trimmed.slice(at + 1) : trimmed);
}

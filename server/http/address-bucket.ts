import { isIP } from 'node:net';

/** The eight 16-bit groups of an IPv6 address, "::" expanded and an embedded IPv4 tail turned into two groups. */
function groupsOf(address: string): number[] {
  const [head = '', tail] = address.split('::') as [string, string | undefined];
  const parse = (part: string) =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (!group.includes('.')) return [parseInt(group, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/**
 * What a per-IP limit counts by. An IPv4 address is one subscriber; an IPv6 subscriber is routed a whole /64
 * (often more), and picking a fresh address in it is free, so IPv6 addresses count by their /64 (F12). An
 * IPv4-mapped IPv6 address (::ffff:192.0.2.1, as a dual-stack socket reports IPv4 peers) is its IPv4 address.
 */
export function addressBucketOf(ip: string | undefined): string {
  if (!ip) return 'unknown';
  const address = ip.split('%')[0]!.toLowerCase();
  if (isIP(address) === 4) return address;
  if (isIP(address) !== 6) return address;
  const groups = groupsOf(address);
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff)
    return [groups[6]! >> 8, groups[6]! & 255, groups[7]! >> 8, groups[7]! & 255].join('.');
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}

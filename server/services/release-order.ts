/** A release number as the agent reports it: major.minor.patch, an optional pre-release, build metadata ignored. */
const RELEASE = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

type Release = { core: [number, number, number]; pre: string[] };

function parse(version: string): Release | undefined {
  const match = RELEASE.exec(version.trim());
  if (!match) return undefined;
  return { core: [Number(match[1]), Number(match[2]), Number(match[3])], pre: match[4]?.split('.') ?? [] };
}

/** Semver's pre-release order: numeric identifiers below alphanumeric ones, a shorter list below a longer one. */
function comparePre(a: string[], b: string[]): number {
  // A release sorts after every pre-release of the same number (0.2.0-rc.1 < 0.2.0).
  if (a.length === 0 || b.length === 0) return b.length - a.length;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const [x, y] = [a[i]!, b[i]!];
    if (x === y) continue;
    const [xn, yn] = [/^\d+$/.test(x), /^\d+$/.test(y)];
    if (xn && yn) return Number(x) - Number(y);
    if (xn !== yn) return xn ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/**
 * Whether an agent runs an older release than the server: true or false, or null when the agent has not reported
 * a version yet or reported one that is not a release number (a build of one's own), since then nobody can tell.
 */
export function isOlderRelease(agentVersion: string | null, serverVersion: string): boolean | null {
  const agent = agentVersion === null ? undefined : parse(agentVersion);
  const server = parse(serverVersion);
  if (!agent || !server) return null;
  for (let i = 0; i < 3; i++) {
    if (agent.core[i] !== server.core[i]) return agent.core[i]! < server.core[i]!;
  }
  return comparePre(agent.pre, server.pre) < 0;
}

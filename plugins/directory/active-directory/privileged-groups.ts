/**
 * The built-in groups whose members Latchkey never resets or unlocks, whatever adminCount says: each of them can
 * take over the domain (or, for the operators, log on to domain controllers and get there in one step).
 * Matched against tokenGroups, which AD expands transitively and which includes the primary group, so nested
 * membership and a primaryGroupID of 512 are caught too.
 */
const BUILTIN_GROUPS: Record<string, string> = {
  'S-1-5-32-544': 'Administrators',
  'S-1-5-32-548': 'Account Operators',
  'S-1-5-32-549': 'Server Operators',
  'S-1-5-32-550': 'Print Operators',
  'S-1-5-32-551': 'Backup Operators',
};

/**
 * By relative id within any domain (S-1-5-21-a-b-c-RID): Enterprise and Schema Admins live in the forest root,
 * whose SID differs from this domain's, and membership of another domain's Domain Admins is just as dangerous.
 */
const DOMAIN_GROUP_RIDS: Record<string, string> = {
  '512': 'Domain Admins',
  '518': 'Schema Admins',
  '519': 'Enterprise Admins',
};

const DOMAIN_SID = /^S-1-5-21-\d+-\d+-\d+-(\d+)$/;

/** The name of the first built-in privileged group among `sids`, for the technician's message. */
export function privilegedGroupIn(sids: readonly string[]): string | undefined {
  for (const sid of sids) {
    const builtin = BUILTIN_GROUPS[sid];
    if (builtin) return builtin;
    const rid = DOMAIN_SID.exec(sid)?.[1];
    const domainGroup = rid === undefined ? undefined : DOMAIN_GROUP_RIDS[rid];
    if (domainGroup) return domainGroup;
  }
  return undefined;
}

import type { PayloadSealedFor } from '../../common/temporal/encryption-codec';
import type { AuditStore, CodecDecodeEvent } from '../db/audit.store';
import { subjectOfSealing } from './codec-sealing-subject';

/** Who reads through the codec endpoint: a technician signed in to the console, or a caller with the token. */
export interface CodecAdmin {
  /** `technician:<id>` or `codec-token`: the audit log's actor. */
  actor: string;
  /** The address the request came from, as the per-IP limits see it. */
  address: string;
}

/**
 * One decode audit per admin, address, namespace and sealing workflow in this window. The Web UI sends a request
 * per event or two as it renders a history, so a row per request would bury the log; a row per workflow opened
 * says who read what, and when they first did in each window.
 */
export const CODEC_DECODE_AUDIT_WINDOW_MS = 5 * 60_000;
/** Bounds the memory of what was audited recently; only signed-in admins add to it. */
const MAX_REMEMBERED = 10_000;

const describe = (sealedFor: PayloadSealedFor): Record<string, string> => {
  switch (sealedFor.binding) {
    case 'workflow':
      return { namespace: sealedFor.namespace, workflowId: sealedFor.workflowId };
    case 'nexus-endpoint':
      return { namespace: sealedFor.namespace, nexusEndpoint: sealedFor.endpoint };
    case 'no-workflow':
    case 'unbound':
      return {};
  }
};

/**
 * The codec endpoint's audit trail: every sign-in, and which workflows' payloads each admin had decoded, never
 * what the payloads held. A decode is recorded before its answer is sent, so a failed write fails the decode.
 */
export class CodecAudit {
  private readonly recent = new Map<string, { until: number; written: Promise<void> }>();

  constructor(
    private readonly deps: {
      audit: AuditStore;
      /** An agent's answer names its client only through the endpoint it came by. */
      clientOfNexusEndpoint?: (endpoint: string) => string | undefined;
      windowMs?: number;
      now?: () => number;
    },
  ) {}

  /** Records the decode of payloads sealed for `sealedFor`, once per window for each distinct sealing. */
  async decoded(admin: CodecAdmin, sealedFor: PayloadSealedFor[]): Promise<void> {
    const now = (this.deps.now ?? Date.now)();
    const windowMs = this.deps.windowMs ?? CODEC_DECODE_AUDIT_WINDOW_MS;
    this.forgetExpired(now);
    const pending: Promise<void>[] = [];
    const fresh: CodecDecodeEvent[] = [];
    const freshKeys: string[] = [];
    for (const sealed of sealedFor) {
      const detail: Record<string, string> = { binding: sealed.binding, ...describe(sealed), address: admin.address };
      const key = JSON.stringify([admin.actor, detail]);
      const seen = this.recent.get(key);
      if (seen && seen.until > now) {
        // Also waits for a write still in flight from a concurrent request, so no answer leaves before its row.
        pending.push(seen.written);
        continue;
      }
      if (freshKeys.includes(key)) continue;
      freshKeys.push(key);
      fresh.push({ ...subjectOfSealing(sealed, this.deps.clientOfNexusEndpoint ?? (() => undefined)), detail });
    }
    if (fresh.length > 0) {
      const written = this.deps.audit.recordCodecDecodes(admin.actor, fresh);
      for (const key of freshKeys) this.recent.set(key, { until: now + windowMs, written });
      pending.push(written);
      void written.catch(() => {
        for (const key of freshKeys) if (this.recent.get(key)?.written === written) this.recent.delete(key);
      });
    }
    await Promise.all(pending);
  }

  private forgetExpired(now: number): void {
    if (this.recent.size < MAX_REMEMBERED) return;
    for (const [key, entry] of this.recent) if (entry.until <= now) this.recent.delete(key);
    // Still full of live entries: forget the oldest; the worst case is a second row for the same workflow.
    for (const key of this.recent.keys()) {
      if (this.recent.size < MAX_REMEMBERED) break;
      this.recent.delete(key);
    }
  }
}

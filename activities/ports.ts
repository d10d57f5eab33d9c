// The storage the central activities need, declared here rather than imported from server/db: the stores there
// satisfy these interfaces structurally, and the worker builder passes them in (server/compose/worker.ts). Only the methods
// the activities call are listed, so a test or another host can hand in something smaller.

import type { AuditAction } from '../common/domain/audit-actions';
import type { EnrollmentMethod, EnrollmentRef } from '../common/domain/enrollment';
import type { ResetOutcome } from '../common/domain/reset';
import type { EnrollmentStatus, UserStatus } from '../common/domain/statuses';

/** Never a secret or a phone number: technicians read the audit log. */
export type AuditDetail = Record<string, string | number | boolean | null>;

export interface UserAuditEvent {
  userId: string;
  /** "user" (the end user through the web pages) or "system" (a workflow). */
  actor: string;
  action: AuditAction;
  detail?: AuditDetail;
}

export interface AuditPort {
  /** Fills in the user's client and MSP in the same statement. */
  recordForUser(event: UserAuditEvent): Promise<void>;
}

/** A user, with the names that the messages to them carry. */
export interface UserContext {
  user: {
    id: string;
    clientId: string;
    username: string;
    email: string;
    displayName: string | null;
    /** Sealed with the phone field cipher; null once the user is deactivated. */
    phoneEncrypted: string | null;
  };
  mspName: string;
  clientName: string;
}

export interface TenantsPort {
  userWithOrg(userId: string): Promise<UserContext | undefined>;
}

export interface UsersPort {
  setStatus(userId: string, status: UserStatus): Promise<void>;
  markEnrolled(
    userId: string,
    enrollment: { method: EnrollmentMethod; phoneEncrypted: string; phoneLookup: string; smsPinHash: string | null },
  ): Promise<void>;
}

export interface EnrollmentsPort {
  /** Idempotent: a retried open of the same enrollment changes nothing. */
  open(ref: EnrollmentRef & { workflowId: string }): Promise<void>;
  setStatus(enrollmentId: string, status: EnrollmentStatus, ended: boolean): Promise<void>;
  /** Revokes every earlier link of the enrollment, so that only the newest email works. */
  replaceLink(enrollmentId: string, tokenHash: string, expiresAt: Date): Promise<void>;
}

export interface RateLimitPort {
  hit(subject: string, limit: number, windowMs: number): Promise<{ allowed: boolean; retryAfterSeconds: number }>;
  /** Deletes the buckets whose window started before `cutoff`; returns how many. */
  purgeBefore(cutoff: Date): Promise<number>;
}

export interface PasswordResetsPort {
  /** Idempotent: a retried record of the same reset changes nothing. */
  record(outcome: ResetOutcome): Promise<void>;
}

/** The stores whose writes must land together or not at all. */
export interface TransactionalStores {
  users: UsersPort;
  enrollments: EnrollmentsPort;
  audit: AuditPort;
}

/** Runs `work` in one database transaction, over stores bound to it; a throw rolls every write back. */
export type Transact = <T>(work: (stores: TransactionalStores) => Promise<T>) => Promise<T>;

export interface CentralStores extends TransactionalStores {
  tenants: TenantsPort;
  rateLimits: RateLimitPort;
  passwordResets: PasswordResetsPort;
}

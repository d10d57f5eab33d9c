// The storage the central activities need, declared here rather than imported from server/db: the stores there
// satisfy these interfaces structurally, and the worker builder passes them in (server/compose/worker.ts). Only the methods
// the activities call are listed, so a test or another host can hand in something smaller.

import type { AuditAction } from '../common/domain/audit-actions';
import type { EnrollmentMethod, EnrollmentRef } from '../common/domain/enrollment';
import type { ClientSettings } from '../common/domain/client-policy';
import type { DeviceProtection, DeviceStatus } from '../common/domain/device';
import type { PasswordResetResult, PendingReset, ResetStatus } from '../common/domain/reset';
import type { EnrollmentStatus, UserStatus } from '../common/domain/statuses';
import type { LockoutEnding, LockoutNotice, LockoutStatus } from '../common/domain/lockout-outcome';

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
  /** Fills in the client's MSP in the same statement. */
  recordForClient(event: Omit<UserAuditEvent, 'userId'> & { clientId: string }): Promise<void>;
}

/** A user, with the names that the messages to them carry. */
export interface UserContext {
  user: {
    id: string;
    clientId: string;
    username: string;
    email: string;
    displayName: string | null;
    status: UserStatus;
    /** Sealed with the phone field cipher; null once the user is deactivated. */
    phoneEncrypted: string | null;
    /** The user texted STOP; nothing should be texted to them. */
    smsOptedOut: boolean;
    directoryObjectGuid: string | null;
  };
  mspName: string;
  clientName: string;
  clientSettings: ClientSettings;
}

export interface TenantsPort {
  userWithOrg(userId: string): Promise<UserContext | undefined>;
}

export interface UsersPort {
  /** Moves a user to `to` only if it is in one of `from`; returns whether it moved. */
  transition(userId: string, from: readonly UserStatus[], to: UserStatus): Promise<boolean>;
  /** Only a user who is still `enrolling`; returns whether it wrote. */
  markEnrolled(
    userId: string,
    enrollment: { method: EnrollmentMethod; phoneEncrypted: string; phoneLookup: string; smsPinHash: string | null },
  ): Promise<boolean>;
  /**
   * Remembers the directory object a reset touched first; 'differs' when another one was remembered, which
   * means the account was recreated or renamed since.
   */
  bindDirectoryObject(userId: string, objectGuid: string): Promise<'bound' | 'matches' | 'differs'>;
}

/** An enrollment row with its user's standing: what the activities check before they act on an enrollment. */
export interface EnrollmentRecord extends EnrollmentRef {
  workflowId: string;
  /** The run that claimed it; null before the claim, and for rows opened before runs were recorded. */
  runId: string | null;
  status: EnrollmentStatus;
  ended: boolean;
  /** Keyed hash of the number the latest code went to. */
  codePhoneLookup: string | null;
  /** The API saw the user type that code. */
  codeVerified: boolean;
  userStatus: UserStatus;
  userPhoneLookup: string | null;
}

export interface EnrollmentsPort {
  /**
   * The run claims the enrollment the starter created for its workflow; idempotent for the same run. False when
   * there is none, or another run holds it.
   */
  claim(ref: EnrollmentRef & { workflowId: string; runId: string }): Promise<boolean>;
  /** With `lock`, the enrollment and user rows stay locked until the transaction ends. */
  find(enrollmentId: string, options?: { lock?: boolean }): Promise<EnrollmentRecord | undefined>;
  setStatus(enrollmentId: string, status: EnrollmentStatus, ended: boolean): Promise<void>;
  /** Ends an open, enrolling enrollment as enrolled; returns whether it wrote. */
  markEnrolled(enrollmentId: string, status: 'enrolled_app' | 'enrolled_sms'): Promise<boolean>;
  /** The keyed hashes of the number and code just texted; voids an earlier verification. */
  recordCodeSent(enrollmentId: string, sent: { phoneLookup: string; codeHash: string; sendBegan: Date }): Promise<void>;
  /** Revokes every earlier link of the enrollment, so that only the newest email works. */
  replaceLink(enrollmentId: string, tokenHash: string, expiresAt: Date): Promise<void>;
  /** The newest enrollment of the user. */
  latestOf(userId: string): Promise<string | undefined>;
  /** Stores a "This wasn't me" link for the owner's notice, as its keyed hash. */
  addDisownLink(enrollmentId: string, tokenHash: string, expiresAt: Date): Promise<void>;
}

export interface RateLimitPort {
  hit(subject: string, limit: number, windowMs: number): Promise<{ allowed: boolean; retryAfterSeconds: number }>;
  /** Deletes the buckets whose window started before `cutoff`; returns how many. */
  purgeBefore(cutoff: Date): Promise<number>;
}

export interface TechnicianSessionsPort {
  /** Deletes the console sessions ended, or last seen, before `cutoff`; returns how many. */
  purgeBefore(cutoff: Date): Promise<number>;
}

export interface PasswordResetsPort {
  /**
   * A reset that Latchkey asked for, with where it stands and the user it is for; undefined for an id it never
   * issued.
   */
  findWithUser(
    resetId: string,
  ): Promise<{ reset: PendingReset & { status: ResetStatus }; context: UserContext } | undefined>;
  /**
   * Ends a pending reset and audits how, in one statement; false when it was not pending (already ended, or never
   * asked for), and then nothing is written.
   */
  finish(
    resetId: string,
    ending: {
      status: 'completed' | 'failed' | 'set_not_delivered';
      failureCode: string | null;
      audit: {
        action: 'reset.completed' | 'reset.failed' | 'reset.set_not_delivered';
        detail: Record<string, string | boolean>;
      };
      /** An app reset's password, sealed to its device (JSON of a SealedSecret). */
      sealedPassword?: string;
    },
  ): Promise<boolean>;
  /** Names the device an app reset's password is sealed to, while the reset is pending. */
  assignDevice(resetId: string, deviceId: string): Promise<void>;
}

/** Hears how a reset ended, for a request in this same process that waits on it (server/services/reset-outcomes.ts). */
export interface ResetOutcomesPort {
  settle(outcome: PasswordResetResult): void;
}

/** A paired device as the activities see it: never its secret, its PIN hash or its WebAuthn credential. */
export interface DeviceRecord {
  id: string;
  userId: string;
  clientId: string;
  label: string;
  status: DeviceStatus;
  protection: DeviceProtection;
  /** SPKI, base64url: what an app reset's password is sealed to. */
  sealingKey: string;
  /** The push target, sealed with the `push-target-encryption` field cipher; null when alerts are off. */
  pushTargetEncrypted: string | null;
}

export interface DevicesPort {
  /** The user's newest active device: where an app reset's password goes. */
  activeDeviceOf(userId: string): Promise<DeviceRecord | undefined>;
  find(deviceId: string): Promise<DeviceRecord | undefined>;
  /** pending_match → active, for this user only; returns whether it moved. */
  activate(deviceId: string, userId: string): Promise<boolean>;
  /** The push service said the subscription is gone (404/410). */
  forgetPushTarget(deviceId: string): Promise<void>;
}

/** A pairing token to store: only its keyed hash (`pairing-token`) is ever written. */
export interface NewPairingToken {
  tokenHash: string;
  userId: string;
  clientId: string;
  /** The enrollment whose pairing step this is; null for a re-pairing after the enrollment ended (SMS PAIR). */
  enrollmentWorkflowId: string | null;
  /** A QR code shown on a screen needs the number match; a link texted to, or opened on, the phone does not. */
  requiresMatch: boolean;
  expiresAt: Date;
}

export interface PairingTokensPort {
  /** Stores a new token; the same user's unredeemed tokens for the same enrollment (or re-pairing) stop working. */
  issue(token: NewPairingToken): Promise<{ id: string }>;
}

/** The stores whose writes must land together or not at all. */
export interface TransactionalStores {
  users: UsersPort;
  enrollments: EnrollmentsPort;
  audit: AuditPort;
  devices: DevicesPort;
}

/** Runs `work` in one database transaction, over stores bound to it; a throw rolls every write back. */
export type Transact = <T>(work: (stores: TransactionalStores) => Promise<T>) => Promise<T>;

/** One lockout as the lockout activities check it (server/db/lockouts.store.ts). */
export interface LockoutRecord {
  id: string;
  client_id: string;
  user_id: string;
  workflow_id: string;
  locked_at: Date;
  status: LockoutStatus;
  reset_recommended: boolean;
  notice: LockoutNotice | null;
  acknowledged_at: Date | null;
}

export interface LockoutsPort {
  openOnce(lockout: {
    clientId: string;
    userId: string;
    workflowId: string;
    lockedAt: Date;
    unlocksAt: Date | null;
    resetRecommended: boolean;
  }): Promise<{ row: LockoutRecord; created: boolean }>;
  countSince(userId: string, since: Date): Promise<number>;
  byWorkflowId(workflowId: string): Promise<LockoutRecord | undefined>;
  /** The user's newest open lockout. */
  openOf(userId: string): Promise<LockoutRecord | undefined>;
  setNotice(lockoutId: string, notice: LockoutNotice): Promise<void>;
  end(lockoutId: string, ending: LockoutEnding, by: string | null): Promise<boolean>;
}

/** The users the lockout report maps accounts to: only enrolled users of the reporting client. */
export interface LockoutUsersPort {
  enrolledByUsername(
    clientId: string,
    username: string,
  ): Promise<{ id: string; directoryObjectGuid: string | null } | undefined>;
  bindDirectoryObject(userId: string, objectGuid: string): Promise<'bound' | 'matches' | 'differs'>;
}

/** An agent as the health watch sees it: its last heartbeat, and the state the MSP was last told of. */
export interface AgentHealthRecord {
  agentId: string;
  clientId: string;
  name: string;
  hostname: string | null;
  lastSeenAt: Date | null;
  /** Null for an agent the watch has not looked at yet. */
  state: AgentHealthState | null;
  changedAt: Date | null;
  /** Null while the alert for `state` is owed. */
  alertedAt: Date | null;
}

export type AgentHealthState = 'online' | 'offline';

export interface AgentHealthPort {
  /** Every agent that is not revoked, with its recorded health. */
  watched(): Promise<AgentHealthRecord[]>;
  /**
   * Moves the agent from `from` (null: never recorded) to `to`, only if it is still in `from`; the alert is owed
   * unless `alerted`. Returns whether it moved, so that two checks at once record one change.
   */
  transition(
    agent: { agentId: string; clientId: string },
    from: AgentHealthState | null,
    to: AgentHealthState,
    alerted: boolean,
  ): Promise<boolean>;
  /** The owed alert for `state` went out. */
  markAlerted(agentId: string, state: AgentHealthState): Promise<void>;
}

export interface CentralStores extends TransactionalStores {
  agentHealth: AgentHealthPort;
  tenants: TenantsPort;
  lockouts: LockoutsPort;
  lockoutUsers: LockoutUsersPort;
  rateLimits: RateLimitPort;
  technicianSessions: TechnicianSessionsPort;
  passwordResets: PasswordResetsPort;
  pairingTokens: PairingTokensPort;
}

import type { ResetStatus } from '../../../common/domain/reset';
import { ENROLLED_STATUSES, ENROLLING_STATUSES, type UserStatus } from '../../../common/domain/statuses';
import { makeEnrollmentWorkflowId, makePasswordResetWorkflowId } from '../../../common/domain/workflow-ids';
import type { Secrets } from '../../../common/crypto/secrets';
import { NotFoundError } from '../../../common/errors';
import type { DevicesStore } from '../../db/devices.store';
import type { LockoutsStore } from '../../db/lockouts.store';
import type { PasswordResetsStore } from '../../db/password-resets.store';
import type { Scope } from '../../db/scope';
import type { TechniciansStore } from '../../db/technicians.store';
import type { TenantsStore } from '../../db/tenants.store';
import type { UserHistoryEntry, UserHistoryStore } from '../../db/user-history.store';
import type { TemporalUiLinks } from '../../http/temporal-ui-links';
import { presentUser } from '../api/presenters';
import { actorNamer } from './actor-names';
import { AUDIT_WORDS, stepKindOf } from './audit-words';
import { consoleTime } from './console-time';
import { UUID } from './console-kit';

export interface UserViewDeps {
  tenants: Pick<TenantsStore, 'userWithOrg'>;
  lockoutsStore: Pick<LockoutsStore, 'openOf'>;
  devices: Pick<DevicesStore, 'ofUser'>;
  passwordResets: Pick<PasswordResetsStore, 'latestOf'>;
  userHistory: Pick<UserHistoryStore, 'of'>;
  technicians: Pick<TechniciansStore, 'list'>;
  secrets: Secrets;
  temporalUi: TemporalUiLinks;
}

const STATUS_WORDS: Record<UserStatus, string> = {
  inactive: 'Not activated',
  invited: 'Invited: activation email sent',
  enrolling: 'Enrolling',
  blocked: 'Enrollment blocked (wrong codes)',
  enrolled_app: 'Enrolled with the app',
  enrolled_sms: 'Enrolled for text resets',
  expired: 'Invitation expired',
  deactivated: 'Deactivated',
};

const RESET_WORDS: Record<ResetStatus, string> = {
  pending: 'In progress',
  completed: 'Completed',
  failed: 'Failed',
  set_not_delivered: 'Set, but the text did not arrive',
  refused: 'Refused',
};

/** Statuses an activation starts over from (the activation service's own list). */
const ACTIVATABLE: readonly UserStatus[] = ['inactive', 'expired', 'deactivated'];

export interface TimelineStep {
  id: string;
  when: string;
  label: string;
  kind: string;
  actor: string;
  /** The step's workflow in the Temporal Web UI; only for the roles that may read it decoded there. */
  workflowUrl?: string;
}

/**
 * Everything the user page shows, as one plain object: the page renders it, and the status endpoint sends it to
 * the page's script as JSON, so the two always agree. Never a phone number beyond its last two digits.
 */
export interface UserView {
  user: ReturnType<typeof presentUser> & {
    clientName: string;
    statusLabel: string;
    methodLabel: string;
    enrolledText?: string;
  };
  lockout: { since: string; unlocksAt?: string; resetRecommended: boolean; workflowUrl?: string } | null;
  reset: { status: ResetStatus; label: string; at: string; inProgress: boolean; workflowUrl?: string } | null;
  enrolling: boolean;
  /** Something is under way that the page should watch: an enrollment or a reset. */
  live: boolean;
  /** Which actions apply to the user as they stand; whether the technician may take them is the role's. */
  actions: { reset: boolean; unlock: boolean; activate: boolean; resend: boolean; any: boolean };
  devices: Array<{
    id: string;
    label: string;
    status: string;
    protection: string;
    paired?: string;
    lastSeen?: string;
    revocable: boolean;
  }>;
  timeline: TimelineStep[];
}

const withAny = <T extends Record<string, boolean>>(actions: T) => ({
  ...actions,
  any: Object.values(actions).some(Boolean),
});

/** Loads a user of the scope's MSP, as the page and the status endpoint show it; another MSP's is not found. */
export async function loadUserView(
  deps: UserViewDeps,
  scope: Scope,
  ids: { clientId: string; userId: string },
  mayDecode: boolean,
): Promise<UserView> {
  if (!UUID.test(ids.clientId) || !UUID.test(ids.userId)) throw new NotFoundError('User');
  const found = await deps.tenants.userWithOrg(ids.userId, { scope, clientId: ids.clientId });
  if (!found) throw new NotFoundError('User');
  const { user } = found;
  const [lockout, devices, reset, history, nameOf] = await Promise.all([
    deps.lockoutsStore.openOf(user.id),
    deps.devices.ofUser(user.id),
    deps.passwordResets.latestOf(user.id),
    deps.userHistory.of(user.id),
    actorNamer(deps.technicians, scope.mspId),
  ]);
  const link = (workflowId: string | null | undefined) =>
    mayDecode && workflowId ? deps.temporalUi.workflow(workflowId) : undefined;
  const resetWorkflowId = makePasswordResetWorkflowId(user.clientId, user.id);
  const phoneLast2 = user.phoneEncrypted
    ? deps.secrets.phoneCipher.decrypt(user.phoneEncrypted, 'users.phone_encrypted').slice(-2)
    : null;
  const enrolling = ENROLLING_STATUSES.includes(user.status);
  const resetInProgress = reset?.status === 'pending';
  const workflowOf = (step: UserHistoryEntry): string | null | undefined => {
    switch (stepKindOf(step.action)) {
      case 'enrollment':
        return step.action === 'user.created' ? undefined : makeEnrollmentWorkflowId(user.id);
      case 'reset':
        return resetWorkflowId;
      case 'lockout':
        return step.lockoutWorkflowId;
      default:
        return undefined;
    }
  };
  return {
    user: {
      ...presentUser(user, phoneLast2),
      clientName: found.clientName,
      statusLabel: STATUS_WORDS[user.status],
      methodLabel:
        user.enrollmentMethod === 'app' ? 'App' : user.enrollmentMethod === 'sms' ? 'Text (SMS)' : 'None yet',
      enrolledText: consoleTime(user.enrolledAt),
    },
    lockout: lockout
      ? {
          since: consoleTime(lockout.locked_at)!,
          unlocksAt: consoleTime(lockout.unlocks_at),
          resetRecommended: lockout.reset_recommended,
          workflowUrl: link(lockout.workflow_id),
        }
      : null,
    reset: reset
      ? {
          status: reset.status,
          label: RESET_WORDS[reset.status],
          at: consoleTime(reset.ended_at ?? reset.created_at)!,
          inProgress: resetInProgress,
          workflowUrl: reset.status === 'refused' ? undefined : link(resetWorkflowId),
        }
      : null,
    enrolling,
    live: enrolling || resetInProgress,
    actions: withAny({
      reset: ENROLLED_STATUSES.includes(user.status) && !resetInProgress,
      unlock: !!lockout,
      activate: ACTIVATABLE.includes(user.status),
      resend: user.status === 'invited',
    }),
    devices: devices.map((device) => ({
      id: device.id,
      label: device.label,
      status: device.status === 'pending_match' ? 'pairing' : device.status,
      protection: device.protection === 'biometric' ? 'Fingerprint or face' : 'PIN',
      paired: consoleTime(device.activated_at),
      lastSeen: consoleTime(device.last_seen_at),
      revocable: device.status !== 'revoked',
    })),
    timeline: history.map((step) => ({
      id: step.id,
      when: consoleTime(step.at)!,
      label: AUDIT_WORDS[step.action] ?? step.action,
      kind: stepKindOf(step.action),
      actor: nameOf(step.actor),
      workflowUrl: link(workflowOf(step)),
    })),
  };
}

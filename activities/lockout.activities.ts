import { createPublicKey, randomBytes } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { clientSubkey } from '../common/crypto/client-keys';
import { checkDirectoryResultProof, readOwnCommand, signDirectoryCommand } from '../common/crypto/directory-command';
import { resolveClientPolicy } from '../common/domain/client-policy';
import {
  COMMAND_LIFETIME_MS,
  type DirectoryCommand,
  type DirectoryCommandResult,
  type SignedDirectoryCommand,
} from '../common/domain/directory-command';
import { FailureType } from '../common/domain/failure-types';
import type { LockoutChange, LockoutReportActivities } from '../common/domain/lockout';
import {
  REPEATED_LOCKOUTS,
  type LockoutEnding,
  type LockoutNotice,
  type LockoutActor,
} from '../common/domain/lockout-outcome';
import { ENROLLED_STATUSES } from '../common/domain/statuses';
import { clientIdOfWorkflowId, makeLockoutWorkflowId } from '../common/domain/workflow-ids';
import { createClientSmsBudget } from './client-sms-budget';
import type { ActivityDeps } from './deps';
import { createDevicePush } from './device-push';
import type { LockoutRecord, UserContext } from './ports';
import type { IssuedCommand } from './reset.activities';
import { sendSms, sendTemplatedEmail } from './send-message';

/** A lockout is worth waking the phone for only while it lasts; the app finds it on open anyway. */
const LOCKOUT_PUSH_TTL_SECONDS = 15 * 60;

const OUTCOME_TEXT: Record<LockoutEnding, string> = {
  unlocked: 'It was unlocked',
  reset: 'A new password was asked for',
  expired: 'The lock ended by itself',
  cleared: 'It was unlocked outside Latchkey (by your IT provider or in the directory)',
  timed_out: 'Nothing was done about it through Latchkey',
};

function refuse(type: FailureType, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

/** The workflow id of the activity's caller, or undefined when called as a plain function (a test, a script). */
function callerWorkflowId(): string | undefined {
  try {
    return Context.current().info.workflowExecution?.workflowId;
  } catch {
    return undefined;
  }
}

/**
 * The central half of lockouts: the watch's reports, and the steps of each lockout's workflow. As with resets,
 * each step finds its lockout in the database by the workflow id that names it, never by anything in the input,
 * so a workflow started by anyone else finds no lockout and nothing is sent, signed or written.
 */
export function createLockoutActivities(deps: ActivityDeps) {
  const { stores, secrets, render, commands } = deps;
  const publicKey = createPublicKey(commands.signingKey);
  const pushToDevice = createDevicePush(deps);
  const budget = createClientSmsBudget({
    rateLimits: stores.rateLimits,
    alerts: deps.alerts,
    smsPerClientPerDay: deps.limits.smsPerClientPerDay,
  });

  /** The open lockout this workflow is for, and its user, or a refusal. */
  async function authorised(): Promise<{ lockout: LockoutRecord; found: UserContext }> {
    const workflowId = Context.current().info.workflowExecution?.workflowId ?? '';
    const lockout = await stores.lockouts.byWorkflowId(workflowId);
    if (!lockout || lockout.workflow_id !== workflowId) {
      refuse(FailureType.ResetNotAuthorized, 'no lockout in the database matches this workflow');
    }
    const found = await stores.tenants.userWithOrg(lockout.user_id);
    if (!found || found.user.clientId !== lockout.client_id) {
      refuse(FailureType.ResetNotAuthorized, 'the user no longer belongs to the client of this lockout');
    }
    return { lockout, found };
  }

  const phoneOf = (found: UserContext): string | undefined =>
    ENROLLED_STATUSES.includes(found.user.status) && found.user.phoneEncrypted && !found.user.smsOptedOut
      ? secrets.phoneCipher.decrypt(found.user.phoneEncrypted, 'users.phone_encrypted')
      : undefined;

  /** True when the push went to the push service; a lost push costs the alert only, since the app finds it on open. */
  async function pushLockout(userId: string, lockoutId: string): Promise<boolean> {
    if (!deps.push) return false;
    const device = await stores.devices.activeDeviceOf(userId);
    if (!device) return false;
    const outcome = await pushToDevice(device, {
      event: { type: 'lockout', id: lockoutId },
      urgency: 'high',
      ttlSeconds: LOCKOUT_PUSH_TTL_SECONDS,
      topic: 'lockout',
    });
    return outcome === 'sent';
  }

  /**
   * True when the text went out. A text that cannot go (the client's daily budget spent, a number the provider
   * refuses) is no reason to end the lockout's workflow: the app, a technician or the lock's expiry still end it.
   */
  async function textNotice(lockout: LockoutRecord, found: UserContext): Promise<boolean> {
    const phone = phoneOf(found);
    if (!phone) return false;
    try {
      await budget.spend({
        clientId: lockout.client_id,
        clientSettings: found.clientSettings,
        userId: lockout.user_id,
      });
      await sendSms(
        deps.sms,
        phone,
        render('sms-lockout-notice', { mspName: found.mspName, resetRecommended: lockout.reset_recommended }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof ApplicationFailure) || !error.nonRetryable) throw error;
      Context.current().log.warn('The lockout notice could not be texted', {
        lockoutId: lockout.id,
        error: error.type ?? 'unknown',
      });
      return false;
    }
  }

  async function audit(
    userId: string,
    actor: string,
    action: Parameters<typeof stores.audit.recordForUser>[0]['action'],
    detail: Record<string, string | boolean | number>,
  ) {
    await stores.audit.recordForUser({ userId, actor, action, detail });
  }

  /** One change of the watch: the lockout's row and workflow, or the clearing of one. */
  async function reportOne(clientId: string, change: LockoutChange): Promise<'started' | 'cleared' | 'ignored'> {
    if (typeof change?.account !== 'string' || !Number.isSafeInteger(change.lockedAtMs) || change.lockedAtMs < 0) {
      return 'ignored';
    }
    if (change.locked && change.lockedAtMs === 0) return 'ignored';
    const unlocksAtMs = Number.isSafeInteger(change.unlocksAtMs) ? (change.unlocksAtMs as number) : null;
    const user = await stores.lockoutUsers.enrolledByUsername(clientId, change.account);
    // Not enrolled (or not this client's): nobody to tell, and nothing user-facing is written.
    if (!user) return 'ignored';
    if (user.directoryObjectGuid && change.objectGuid && user.directoryObjectGuid !== change.objectGuid) {
      // Same name, another object: the account was recreated, and this lockout is not our user's.
      return 'ignored';
    }
    const workflowId = makeLockoutWorkflowId(clientId, user.id, change.lockedAtMs);
    if (!change.locked) {
      // The lock that ended, by its time; a report that no longer knows the time (lockoutTime already 0) ends
      // whichever lockout of the user is open.
      const row =
        change.lockedAtMs > 0 ? await stores.lockouts.byWorkflowId(workflowId) : await stores.lockouts.openOf(user.id);
      if (!row || row.status !== 'open') return 'ignored';
      await deps.lockoutWorkflows?.signalCleared(row.workflow_id);
      return 'cleared';
    }
    if (!user.directoryObjectGuid && change.objectGuid) {
      await stores.lockoutUsers.bindDirectoryObject(user.id, change.objectGuid);
    }
    const lockedAt = new Date(change.lockedAtMs);
    const earlier = await stores.lockouts.countSince(user.id, new Date(change.lockedAtMs - REPEATED_LOCKOUTS.windowMs));
    const { row, created } = await stores.lockouts.openOnce({
      clientId,
      userId: user.id,
      workflowId,
      lockedAt,
      unlocksAt: unlocksAtMs === null ? null : new Date(unlocksAtMs),
      resetRecommended: earlier + 1 >= REPEATED_LOCKOUTS.count,
    });
    if (created) {
      await audit(user.id, 'system', 'lockout.detected', {
        lockoutId: row.id,
        lockedAt: lockedAt.toISOString(),
        resetRecommended: row.reset_recommended,
      });
      if (row.reset_recommended) {
        await deps.alerts
          .alert({
            clientId,
            userId: user.id,
            kind: 'repeated_lockouts',
            summary: `An account was locked ${earlier + 1} times within ${REPEATED_LOCKOUTS.windowMs / 60_000} minutes: someone may be guessing its password. Unlock is disabled for it and a reset is recommended.`,
          })
          .catch(() => undefined);
      }
    }
    // Started even when the row was there already: a report retried after a crash between the two still starts
    // the workflow, and a running one is joined, not duplicated.
    await deps.lockoutWorkflows?.start(workflowId, {
      clientId,
      userId: user.id,
      lockedAtMs: change.lockedAtMs,
      unlocksAtMs,
      detectedAtMs: Date.now(),
    });
    return created ? 'started' : 'ignored';
  }

  const report: LockoutReportActivities = {
    async reportLockoutChanges({ clientId, changes }) {
      const caller = callerWorkflowId();
      // Only the client's own watch reports for it: another client's workflow cannot start lockouts here.
      if (caller !== undefined && clientIdOfWorkflowId(caller) !== clientId) {
        refuse(FailureType.ResetNotAuthorized, 'a lockout report must come from the watch of the same client');
      }
      let started = 0;
      let cleared = 0;
      for (const change of Array.isArray(changes) ? changes : []) {
        const outcome = await reportOne(clientId, change);
        if (outcome === 'started') started++;
        if (outcome === 'cleared') cleared++;
      }
      return { started, cleared };
    },
  };

  return {
    ...report,

    /**
     * Tells the user: a push for an app user with alerts on (the app's fetch acknowledges it), a text otherwise.
     * Undefined when the lockout is no longer open (it ended before the workflow got here).
     */
    async sendLockoutNotice(): Promise<{ lockoutId: string; notice: LockoutNotice } | undefined> {
      const { lockout, found } = await authorised();
      if (lockout.status !== 'open') return undefined;
      let notice: LockoutNotice = 'none';
      if (found.user.status === 'enrolled_app' && (await pushLockout(lockout.user_id, lockout.id))) notice = 'push';
      else if (await textNotice(lockout, found)) notice = 'sms';
      await stores.lockouts.setNotice(lockout.id, notice);
      await audit(lockout.user_id, 'system', 'lockout.notice_sent', { lockoutId: lockout.id, via: notice });
      return { lockoutId: lockout.id, notice };
    },

    /** The push was not picked up in time: a text, unless the app has fetched the lockout or it has ended. */
    async sendLockoutTextFallback(): Promise<boolean> {
      const { lockout, found } = await authorised();
      if (lockout.status !== 'open' || lockout.acknowledged_at) return false;
      if (!(await textNotice(lockout, found))) return false;
      await stores.lockouts.setNotice(lockout.id, 'push_then_sms');
      await audit(lockout.user_id, 'system', 'lockout.notice_sent', { lockoutId: lockout.id, via: 'sms_fallback' });
      return true;
    },

    /** Signs the one unlock command the agent will accept for this open lockout. */
    async issueUnlockCommand(): Promise<IssuedCommand> {
      const { lockout, found } = await authorised();
      if (lockout.status !== 'open') refuse(FailureType.ResetNotAuthorized, 'this lockout has ended');
      const generation = await commands.clientKeys.current(lockout.client_id);
      const policy = resolveClientPolicy(found.clientSettings);
      const issuedAt = Date.now();
      const command: DirectoryCommand = {
        v: 1,
        requestId: lockout.id,
        clientId: lockout.client_id,
        operation: 'unlock',
        account: found.user.username,
        objectGuid: found.user.directoryObjectGuid,
        generation: generation.generation,
        nonce: randomBytes(32).toString('base64url'),
        issuedAt,
        expiresAt: issuedAt + COMMAND_LIFETIME_MS,
        passwordLength: policy.passwordLength,
        mustChangeAtNextLogon: false,
        unlock: true,
      };
      const target = commands.agentTarget(lockout.client_id);
      await commands.provisionAgentTarget(target);
      return { signed: signDirectoryCommand(commands.signingKey, command), agentEndpoint: target.endpoint };
    },

    /** Ends the lockout as unlocked once the agent's result proves that this client's agent ran this command. */
    async completeUnlock(input: {
      signed: SignedDirectoryCommand;
      result: DirectoryCommandResult;
      by: LockoutActor;
    }): Promise<void> {
      const { lockout, found } = await authorised();
      const { signed } = input;
      const command = readOwnCommand(publicKey, signed);
      if (!command || command.requestId !== lockout.id || command.operation !== 'unlock') {
        refuse(FailureType.AgentResultRejected, 'the directory command is not the one issued for this lockout');
      }
      const generation = await commands.clientKeys.get(lockout.client_id, command.generation);
      if (
        !generation ||
        !checkDirectoryResultProof(clientSubkey(generation.secret, 'agent-result'), signed, input.result)
      ) {
        refuse(FailureType.AgentResultRejected, "the agent's result does not carry this client's proof");
      }
      if (
        found.user.directoryObjectGuid !== input.result.objectGuid &&
        (await stores.users.bindDirectoryObject(lockout.user_id, input.result.objectGuid)) === 'differs'
      ) {
        refuse(FailureType.AgentResultRejected, 'the agent unlocked a different directory object than the one on file');
      }
      if (await stores.lockouts.end(lockout.id, 'unlocked', input.by.actor)) {
        await audit(lockout.user_id, input.by.actor, 'lockout.unlocked', {
          lockoutId: lockout.id,
          channel: input.by.channel,
        });
      }
      // A text unlock is answered by text: the neutral reply said nothing of the outcome.
      const phone = input.by.channel === 'sms' ? phoneOf(found) : undefined;
      if (phone) await sendSms(deps.sms, phone, render('sms-unlock-done', { mspName: found.mspName })).catch(() => {});
    },

    /** Records an unlock the agent could not carry out; the lockout stays open for another try or a reset. */
    async recordUnlockFailure(input: { by: LockoutActor; code: string }): Promise<void> {
      const { lockout } = await authorised();
      await audit(lockout.user_id, 'system', 'lockout.unlock_failed', {
        lockoutId: lockout.id,
        code: input.code,
        requestedBy: input.by.actor,
      });
    },

    /** Records how the lockout ended (an unlock has ended it already) and who ended it. */
    async endLockout(input: { ending: LockoutEnding; by: string | null }): Promise<void> {
      const { lockout } = await authorised();
      // An unlock ended the row already, with its own event; the ending is still told once, here.
      const ended = await stores.lockouts.end(lockout.id, input.ending, input.by);
      if (ended || input.ending === 'unlocked') {
        await audit(lockout.user_id, input.by ?? 'system', 'lockout.ended', {
          lockoutId: lockout.id,
          ending: input.ending,
        });
      }
    },

    /** The owner's email: a lockout they did not cause means someone is guessing their password. */
    async notifyOwnerOfLockout(input: { ending: LockoutEnding }): Promise<void> {
      const { lockout, found } = await authorised();
      await sendTemplatedEmail(deps.email, render, 'lockout-notice-email', found.user.email, {
        displayName: found.user.displayName ?? found.user.username,
        username: found.user.username,
        clientName: found.clientName,
        mspName: found.mspName,
        lockedAt: lockout.locked_at.toUTCString(),
        outcome: `${OUTCOME_TEXT[input.ending]}.`,
      });
    },
  };
}

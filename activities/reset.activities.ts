import { createPublicKey } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { clientSubkey } from '../common/crypto/client-keys';
import { checkDirectoryResultProof, readOwnCommand, signDirectoryCommand } from '../common/crypto/directory-command';
import {
  COMMAND_LIFETIME_MS,
  type DirectoryCommand,
  type DirectoryCommandResult,
  type SignedDirectoryCommand,
} from '../common/domain/directory-command';
import { resolveClientPolicy } from '../common/domain/client-policy';
import { FailureType } from '../common/domain/failure-types';
import { SET_NOT_DELIVERED_CODE, type PendingReset, type ResetStatus } from '../common/domain/reset';
import { ENROLLED_STATUSES } from '../common/domain/statuses';
import { parsePasswordResetWorkflowId } from '../common/domain/workflow-ids';
import { generatePassword } from '../common/secrets/password-generator';
import { within } from '../common/within';
import type { ActivityDeps } from './deps';
import { isSealedSecret } from '../common/crypto/device-seal';
import type { DeviceRecord, UserContext } from './ports';
import { createClientSmsBudget } from './client-sms-budget';
import { createDevicePush } from './device-push';
import { sendSms, sendTemplatedEmail } from './send-message';

/** What the workflow hands over; every other fact is read from the database, never taken from the input. */
export interface ResetStep {
  resetId: string;
}

export interface IssuedCommand {
  signed: SignedDirectoryCommand;
  /**
   * The Nexus endpoint of the client named in the workflow id, whatever the workflow's input said: it leads to
   * that client's own namespace, where only its agents poll.
   */
  agentEndpoint: string;
}

/**
 * How long delivery waits for the owner's notice before leaving it to the durable step: SMTP may stall for far
 * longer than the step may take, and the password has gone out already.
 */
const NOTICE_TRY_MS = 3_000;

/** A waiting password is worth waking the phone for, and stale after the few minutes a user waits on screen. */
const RESET_PUSH_TTL_SECONDS = 10 * 60;
/** The column a push target is sealed into: the field cipher's associated data. */

function refuse(type: FailureType, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

/**
 * The central half of a password reset: it authorises the directory command, then delivers and records. Each
 * step first finds, in the database, the pending reset that Latchkey's own starter wrote for the client and
 * user that the workflow id names; a workflow started by anyone else finds none, and nothing is signed, sent
 * or written.
 */
export function createResetActivities(deps: ActivityDeps) {
  const { stores, secrets, render, commands } = deps;
  const publicKey = createPublicKey(commands.signingKey);
  const pushToDevice = createDevicePush(deps);
  const budget = createClientSmsBudget({
    rateLimits: stores.rateLimits,
    alerts: deps.alerts,
    smsPerClientPerDay: deps.limits.smsPerClientPerDay,
  });

  /** The reset the database holds for the client and user this workflow's id names, in the expected state. */
  async function authorised(
    resetId: string,
    status: ResetStatus = 'pending',
  ): Promise<{ pending: PendingReset; found: UserContext }> {
    const workflowId = Context.current().info.workflowExecution?.workflowId ?? '';
    const ids = parsePasswordResetWorkflowId(workflowId);
    const found = await stores.passwordResets.findWithUser(resetId);
    if (
      !ids ||
      !found ||
      found.reset.status !== status ||
      found.reset.clientId !== ids.clientId ||
      found.reset.userId !== ids.userId
    ) {
      refuse(FailureType.ResetNotAuthorized, `no ${status} reset in the database matches this workflow`);
    }
    if (found.context.user.clientId !== found.reset.clientId) {
      refuse(FailureType.ResetNotAuthorized, 'the user no longer belongs to the client of this reset');
    }
    return { pending: found.reset, found: found.context };
  }

  function phoneOf(found: UserContext): string {
    const { user } = found;
    if (!ENROLLED_STATUSES.includes(user.status) || !user.phoneEncrypted) {
      refuse(FailureType.NotEnrolled, 'the user has no enrolled phone any more');
    }
    return secrets.phoneCipher.decrypt(user.phoneEncrypted, 'users.phone_encrypted');
  }

  /**
   * Where an app reset's password goes: the user's active paired device, when the user enrolled for the app.
   * A reset asked for from the app must come from that very device; any other reset of such a user goes to it
   * too, with a push, instead of a text. Undefined: the password is texted as before.
   */
  async function appDeviceOf(pending: PendingReset, found: UserContext): Promise<DeviceRecord | undefined> {
    const device =
      found.user.status === 'enrolled_app' ? await stores.devices.activeDeviceOf(pending.userId) : undefined;
    const asked = pending.channel === 'app' ? pending.requestedBy.replace(/^device:/, '') : undefined;
    if (pending.channel === 'app' && (!device || device.id !== asked || device.userId !== pending.userId)) {
      refuse(FailureType.NotEnrolled, 'the device that asked for this reset is not the active one any more');
    }
    if (pending.deviceId && device && pending.deviceId !== device.id) {
      refuse(FailureType.NotEnrolled, 'the device this reset was sealed to is not the active one any more');
    }
    return device;
  }

  /** Tells the device its password waits; the app also finds it on open, so a lost push costs only the alert. */
  async function pushResetReady(device: DeviceRecord, resetId: string): Promise<void> {
    const outcome = await pushToDevice(device, {
      event: { type: 'reset_ready', id: resetId },
      urgency: 'high',
      ttlSeconds: RESET_PUSH_TTL_SECONDS,
      topic: 'reset-ready',
    });
    if (outcome === 'unreadable' || outcome === 'failed')
      Context.current().log.warn('The reset push could not be sent', { resetId, deviceId: device.id, outcome });
  }

  /** Our own signature, checked again: the command came back through Temporal, which we do not trust. */
  function commandOf(signed: SignedDirectoryCommand, pending: PendingReset): DirectoryCommand {
    const command = readOwnCommand(publicKey, signed);
    if (!command || command.requestId !== pending.resetId || command.clientId !== pending.clientId) {
      refuse(FailureType.AgentResultRejected, 'the directory command is not the one issued for this reset');
    }
    return command;
  }

  /** The owner's notice of a reset: a reset they did not ask for must not go unnoticed. */
  const noticeToOwner = (pending: PendingReset, found: UserContext) =>
    sendTemplatedEmail(deps.email, render, 'reset-notice-email', found.user.email, {
      displayName: found.user.displayName ?? found.user.username,
      username: found.user.username,
      clientName: found.clientName,
      mspName: found.mspName,
      when: new Date().toUTCString(),
      how:
        pending.channel === 'sms'
          ? 'from your phone by text message'
          : pending.channel === 'app'
            ? 'from the Latchkey app on your phone'
            : `by ${found.mspName}'s help desk`,
    });

  /**
   * An app reset's delivery: the agent made the password, set it and sealed it to the device; the proof checked
   * by the caller covers the sealed value. It is stored as it came (only the device's key opens it) with the
   * ending, the device is pushed, and nothing is texted. The central worker never sees the password.
   */
  async function deliverSealed(
    pending: PendingReset,
    found: UserContext,
    command: DirectoryCommand,
    result: DirectoryCommandResult,
  ): Promise<{ unlocked: boolean; ownerNotified: boolean }> {
    if (!isSealedSecret(result.sealed)) {
      refuse(FailureType.AgentResultRejected, 'the agent did not seal the password to the device (is it up to date?)');
    }
    const device = pending.deviceId ? await stores.devices.find(pending.deviceId) : undefined;
    if (!device || device.sealingKey !== command.sealTo || device.userId !== pending.userId) {
      refuse(FailureType.AgentResultRejected, "the password was sealed to another key than the reset's device");
    }
    const unlocked = result.wasLocked && command.unlock;
    const ending = {
      action: 'reset.completed',
      detail: { resetId: pending.resetId, unlocked, delivery: 'app' },
    } as const;
    const { v, epk, iv, ct } = result.sealed;
    const sealedPassword = JSON.stringify({ v, epk, iv, ct });
    if (
      await stores.passwordResets.finish(pending.resetId, {
        status: 'completed',
        failureCode: null,
        audit: ending,
        sealedPassword,
      })
    ) {
      deps.resetOutcomes?.settle({ status: 'completed', resetId: pending.resetId, unlocked });
    }
    await pushResetReady(device, pending.resetId);
    const tried = noticeToOwner(pending, found).then(
      () => true,
      () => false,
    );
    const ownerNotified = (await within(tried, NOTICE_TRY_MS))?.value === true;
    return { unlocked, ownerNotified };
  }

  return {
    /** Signs the one command the agent will accept for this reset, with the client's newest key generation. */
    async issueResetCommand(input: ResetStep & { nonce: string }): Promise<IssuedCommand> {
      const { pending, found } = await authorised(input.resetId);
      phoneOf(found);
      const device = await appDeviceOf(pending, found);
      // The password's text is counted here, before the directory write: a ceiling reached after it would leave a
      // password set that nobody can be told. The app's password is no text.
      if (!device)
        await budget.spend({
          clientId: pending.clientId,
          clientSettings: found.clientSettings,
          userId: pending.userId,
        });
      const policy = resolveClientPolicy(found.clientSettings);
      const generation = await commands.clientKeys.current(pending.clientId);
      const issuedAt = Date.now();
      const command: DirectoryCommand = {
        v: 1,
        requestId: pending.resetId,
        clientId: pending.clientId,
        operation: 'reset-password',
        account: found.user.username,
        objectGuid: found.user.directoryObjectGuid,
        generation: generation.generation,
        nonce: input.nonce,
        issuedAt,
        expiresAt: issuedAt + COMMAND_LIFETIME_MS,
        passwordLength: policy.passwordLength,
        mustChangeAtNextLogon: policy.mustChangeAtNextLogon,
        unlock: policy.unlockOnReset,
        ...(device ? { sealTo: device.sealingKey, sealContext: `reset:${pending.resetId}` } : {}),
      };
      if (device) await stores.passwordResets.assignDevice(pending.resetId, device.id);
      // At the latest here, before the client's first command goes out: an endpoint that does not exist yet would
      // fail the operation at once. Once per process and client; an agent that starts before it waits for it.
      const target = commands.agentTarget(pending.clientId);
      await commands.provisionAgentTarget(target);
      return { signed: signDirectoryCommand(commands.signingKey, command), agentEndpoint: target.endpoint };
    },

    /**
     * Texts the password, which it derives here from the command's nonce with a key that neither Temporal nor
     * the codec endpoint holds, and only once the agent's result proves that this client's agent set it. Then it
     * tries the owner's notice, which the workflow sends durably only when this try did not get it out: a step
     * of its own on every reset would cost a round of bookkeeping that almost never buys anything.
     */
    async deliverResetPassword(
      input: ResetStep & { signed: SignedDirectoryCommand; result: DirectoryCommandResult },
    ): Promise<{ unlocked: boolean; ownerNotified: boolean }> {
      const { pending, found } = await authorised(input.resetId);
      const command = commandOf(input.signed, pending);
      const generation = await commands.clientKeys.get(pending.clientId, command.generation);
      if (
        !generation ||
        !checkDirectoryResultProof(clientSubkey(generation.secret, 'agent-result'), input.signed, input.result)
      ) {
        refuse(FailureType.AgentResultRejected, "the agent's result does not carry this client's proof");
      }
      // Bound already to this very object (every reset after the first): nothing to write.
      const known = found.user.directoryObjectGuid === input.result.objectGuid;
      if (!known && (await stores.users.bindDirectoryObject(pending.userId, input.result.objectGuid)) === 'differs') {
        refuse(FailureType.AgentResultRejected, 'the agent changed a different directory object than the one on file');
      }
      const phone = phoneOf(found);
      if (command.sealTo !== undefined) return deliverSealed(pending, found, command, input.result);
      const password = generatePassword(
        command.passwordLength,
        clientSubkey(generation.secret, 'reset-password'),
        command.nonce,
      );
      const unlocked = input.result.wasLocked && command.unlock;
      await sendSms(
        deps.sms,
        phone,
        render('sms-reset-password', {
          mspName: found.mspName,
          password,
          mustChange: command.mustChangeAtNextLogon,
          unlocked,
        }),
      );
      const ending = { action: 'reset.completed', detail: { resetId: pending.resetId, unlocked } } as const;
      if (
        await stores.passwordResets.finish(pending.resetId, { status: 'completed', failureCode: null, audit: ending })
      ) {
        deps.resetOutcomes?.settle({ status: 'completed', resetId: pending.resetId, unlocked });
      }
      const tried = noticeToOwner(pending, found).then(
        () => true,
        () => false,
      );
      // A notice that goes out after the deadline is sent again by the durable step: twice is better than never.
      const ownerNotified = (await within(tried, NOTICE_TRY_MS))?.value === true;
      return { unlocked, ownerNotified };
    },

    /**
     * Records how a reset failed, then tells the user by text if that can still reach them. A password that was
     * set but could not be texted is recorded as such (`set_not_delivered`), and the MSP is alerted instead of
     * texting the user again: the number just failed, and the user, unlike a technician, cannot act on it.
     */
    async failPasswordReset(input: ResetStep & { code: string; userMessage: string }): Promise<void> {
      const { pending, found } = await authorised(input.resetId);
      const setNotDelivered = input.code === SET_NOT_DELIVERED_CODE;
      const detail = { resetId: pending.resetId, code: input.code };
      if (
        !(await stores.passwordResets.finish(pending.resetId, {
          status: setNotDelivered ? 'set_not_delivered' : 'failed',
          failureCode: input.code,
          audit: { action: setNotDelivered ? 'reset.set_not_delivered' : 'reset.failed', detail },
        }))
      ) {
        return;
      }
      deps.resetOutcomes?.settle({
        status: 'failed',
        resetId: pending.resetId,
        code: input.code,
        userMessage: input.userMessage,
      });
      const { user } = found;
      if (setNotDelivered) {
        await deps.alerts.alert({
          clientId: pending.clientId,
          userId: pending.userId,
          kind: 'reset_not_delivered',
          summary: `A new password was set for ${user.username} in the directory but could not be texted to them, so nobody knows it. Check the phone (an opt-out or a dead number) and reset again, or give them a password in person.`,
        });
        return;
      }
      // The app shows its own reset's failure; a text would only repeat it.
      if (
        pending.channel !== 'app' &&
        ENROLLED_STATUSES.includes(user.status) &&
        user.phoneEncrypted &&
        !user.smsOptedOut
      ) {
        const phone = secrets.phoneCipher.decrypt(user.phoneEncrypted, 'users.phone_encrypted');
        try {
          await budget.spend({ clientId: pending.clientId, clientSettings: found.clientSettings, userId: user.id });
          await sendSms(
            deps.sms,
            phone,
            render('sms-reset-failed', { mspName: found.mspName, reason: input.userMessage }),
          );
        } catch (error) {
          // The failure is recorded already; a retry would find the reset ended and fail the workflow after it.
          Context.current().log.warn('Could not text the user that the reset failed', {
            resetId: pending.resetId,
            error: error instanceof Error ? error.name : 'unknown',
          });
        }
      }
    },

    /** The owner's notice, durably, for a reset whose delivery step could not get it out. */
    async notifyOwnerOfReset(input: ResetStep): Promise<void> {
      const { pending, found } = await authorised(input.resetId, 'completed');
      await noticeToOwner(pending, found);
    },
  };
}

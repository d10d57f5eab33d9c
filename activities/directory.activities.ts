import type { DirectoryProvider } from '../plugins/directory/directory-provider';
import { generatePassword } from '../common/secrets/password-generator';
import { toActivityFailure } from './provider-failure';

export interface DirectoryActivityDeps {
  directory: DirectoryProvider;
  /** Derives reset passwords; held by the agent only (and derivable centrally from the master key). */
  passwordKey: Buffer;
  /** Passed by tests only (the agent's test hooks); production builds these activities without it. */
  testHooks?: DirectoryTestHooks;
}

/** Fault injection for the tests that kill an agent mid-reset. */
export interface DirectoryTestHooks {
  /** Runs after the directory accepted the new password and before the activity completes. */
  afterPasswordWrite?: () => Promise<void>;
}

export interface ResetDirectoryPasswordInput {
  username: string;
  /** Random, chosen once per reset before the workflow starts; every retry derives the same password from it. */
  nonce: string;
  length: number;
  mustChangeAtNextLogon: boolean;
  unlock: boolean;
}

/** The activities an on-premises agent runs against its client's directory. */
export function createDirectoryActivities(deps: DirectoryActivityDeps) {
  const { directory } = deps;
  return {
    async resetDirectoryPassword(
      input: ResetDirectoryPasswordInput,
    ): Promise<{ password: string; wasLocked: boolean }> {
      const password = generatePassword(input.length, deps.passwordKey, input.nonce);
      try {
        const result = await directory.setPassword({
          username: input.username,
          password,
          mustChangeAtNextLogon: input.mustChangeAtNextLogon,
          unlock: input.unlock,
        });
        await deps.testHooks?.afterPasswordWrite?.();
        return { password, wasLocked: result.wasLocked };
      } catch (error) {
        return toActivityFailure(error);
      }
    },

    async unlockDirectoryAccount(input: { username: string }): Promise<{ wasLocked: boolean }> {
      try {
        return { wasLocked: (await directory.unlock(input.username)).wasLocked };
      } catch (error) {
        return toActivityFailure(error);
      }
    },

    async readDirectoryLockout(input: { username: string }): Promise<{ locked: boolean; badPwdCount: number }> {
      try {
        const state = await directory.getLockoutState(input.username);
        return { locked: state.locked, badPwdCount: state.badPwdCount };
      } catch (error) {
        return toActivityFailure(error);
      }
    },
  };
}

export type DirectoryActivities = ReturnType<typeof createDirectoryActivities>;

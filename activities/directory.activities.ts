import type { DirectoryProvider } from '../plugins/directory/directory-provider';
import { generatePassword } from './password-generator';
import { toActivityFailure } from './provider-failure';

export interface DirectoryActivityDeps {
  directory: DirectoryProvider;
  /** Derives reset passwords; held by the agent only (and derivable centrally from the master key). */
  passwordKey: Buffer;
  /** Test-only fault injection: a pause after the directory write, to kill the agent mid-reset. */
  pauseAfterWriteMs?: number;
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
        if (deps.pauseAfterWriteMs) await new Promise((resolve) => setTimeout(resolve, deps.pauseAfterWriteMs));
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

import * as nexus from 'nexus-rpc';
import type { DirectoryCommandResult, LockoutWatchCommandResult, SignedDirectoryCommand } from './directory-command';

/**
 * What an agent serves in its client's own namespace, reached by the central worker through that client's Nexus
 * endpoint. Each operation takes a command signed by the Latchkey server and answers at once (synchronously):
 * its result proves which command it carried out, and never carries the password.
 */
export const directoryService = nexus.service('latchkey-directory', {
  resetPassword: nexus.operation<SignedDirectoryCommand, DirectoryCommandResult>(),
  unlock: nexus.operation<SignedDirectoryCommand, DirectoryCommandResult>(),
  /** A long poll: it answers at the first lock change or when the command's wait ends (docs/lockout.md). */
  watchLockouts: nexus.operation<SignedDirectoryCommand, LockoutWatchCommandResult>(),
});

/**
 * The type of the failure an agent returns for a directory command it ran and that failed, or refused: the
 * SDK wraps it as an ApplicationFailure of this type, whose cause is the agent's own failure (its type, whether
 * it may be retried, and its details).
 */
export const NEXUS_OPERATION_ERROR = 'OperationError';

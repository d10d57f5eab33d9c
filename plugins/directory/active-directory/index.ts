export { ActiveDirectoryProvider, type ActiveDirectoryProviderDeps } from './active-directory.provider';
export {
  activeDirectoryConfigSchema,
  activeDirectoryEnv,
  parseActiveDirectoryConfig,
  type ActiveDirectoryConfig,
  type ActiveDirectoryConfigInput,
} from './active-directory.config';
export {
  toProviderError,
  bindSubCode,
  passwordPolicyReason,
  type DirectoryErrorContext,
  type DirectoryOperation,
} from './to-provider-error';
export { escapeDnValue, escapeFilterValue, filter } from './ldap-escape';
export type { CreateLdapClient } from './ldap-connection';

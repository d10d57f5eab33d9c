import { ConfigError } from '../common/errors';
import type { DirectoryProvider } from './directory/directory-provider';
import { ActiveDirectoryProvider, activeDirectoryEnv } from './directory/active-directory';
import { kindSettings, providerKind, type ConfigOf } from './provider-config';

/**
 * The directory providers, apart from plugins/registry.ts: the agent ships alone to client sites (dist/agent-package),
 * and importing the central registry would pull every email, SMS and push SDK into it.
 */
export const directoryKind = providerKind({
  selector: 'DIRECTORY_PROVIDER',
  settings: kindSettings({}, () => ({})),
  providers: [activeDirectoryEnv],
  fallback: 'active-directory',
});

export type DirectoryConfig = ConfigOf<typeof directoryKind>;

/** Directory providers run on a client's agent, next to the directory, never centrally. */
export function createDirectoryProvider(config: DirectoryConfig): DirectoryProvider {
  switch (config.provider) {
    case 'active-directory':
      return new ActiveDirectoryProvider(config);
    default: {
      // With one directory provider `config` itself does not narrow to never; its discriminant does.
      const unknown: never = config.provider;
      throw new ConfigError([`unknown provider ${JSON.stringify(unknown)}`]);
    }
  }
}

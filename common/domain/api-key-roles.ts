/**
 * What an API key may do inside its scope (docs/api.md "Roles"). The table of which role may do what is
 * `server/http/api-permissions.ts`; this list is shared by the store, the API's schemas and the CLI.
 */
export const API_KEY_ROLES = ['admin', 'helpdesk', 'read_only'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

export const isApiKeyRole = (value: string): value is ApiKeyRole =>
  (API_KEY_ROLES as readonly string[]).includes(value);

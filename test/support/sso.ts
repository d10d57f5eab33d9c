import assert from 'node:assert/strict';
import { SsoSettingsService } from '../../server/services/sso/sso-settings.service';
import type { TestIdp } from './oidc-provider';
import type { TestStack } from './stack';

/** The settings service over the stack's stores, as the CLI builds it. */
export const ssoSettingsOf = (stack: TestStack) =>
  new SsoSettingsService({
    configs: stack.runtime.stores.ssoConfigs,
    audit: stack.runtime.stores.audit,
    secrets: stack.runtime.secrets,
  });

/** Turns single sign-on on for the MSP, through one of the test IdP's clients, for the given domains. */
export async function turnOnSso(stack: TestStack, mspId: string, idp: TestIdp, clientId: string, domains: string[]) {
  const saved = await ssoSettingsOf(stack).save(
    mspId,
    { issuer: idp.issuer, clientId, clientSecret: idp.client(clientId).clientSecret, domains },
    'test',
  );
  assert.deepEqual(saved, { status: 'saved' });
}

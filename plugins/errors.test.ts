import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FailureType,
  NON_RETRYABLE_DIRECTORY_ERRORS,
  NON_RETRYABLE_PROVIDER_ERRORS,
} from '../common/domain/failure-types';
import * as directoryErrors from './directory/errors';
import * as providerErrors from './errors';

/** One of each concrete error class, so that the check below sees their runtime name and `retryable`. */
const messageErrors = [
  new providerErrors.InvalidRecipientError('m', 'p'),
  new providerErrors.ProviderConfigurationError('m', 'p'),
  new providerErrors.ProviderRateLimitedError('m', 'p', undefined),
  new providerErrors.ProviderUnavailableError('m', 'p'),
];
const directoryRefusals = [
  new directoryErrors.PasswordPolicyError('p', { reason: 'unknown' }),
  new directoryErrors.ProtectedAccountError('p', { username: 'u', dn: 'd' }),
  new directoryErrors.AccountChangedError('p', { username: 'u', dn: 'd', expectedObjectGuid: 'g', objectGuid: 'h' }),
  new directoryErrors.UserNotFoundError('p', { username: 'u' }),
  new directoryErrors.AccountDisabledError('p', { username: 'u', dn: 'd' }),
  new directoryErrors.InsufficientRightsError('p', { operation: 'o' }),
  new directoryErrors.DirectoryUnavailableError('p', { detail: 'd' }),
  new directoryErrors.DirectoryConfigurationError('p', { detail: 'd' }),
  new directoryErrors.DirectoryOperationError('p', { operation: 'o', detail: 'd' }),
];

const exportedClasses = (module: Record<string, unknown>) =>
  Object.entries(module)
    .filter(([, value]) => typeof value === 'function' && value.prototype instanceof providerErrors.ProviderError)
    .map(([name]) => name)
    .filter((name) => name !== 'DirectoryError')
    .sort();

const nonRetryable = (errors: providerErrors.ProviderError[]) =>
  errors
    .filter((error) => !error.retryable)
    .map((error) => error.name)
    .sort();

/**
 * Provider errors become ApplicationFailures of their class name (activities/provider-failure.ts), and
 * workflows match those names from common/domain. A class renamed or added here must be named there too.
 */
describe('provider error classes against common/domain/failure-types', () => {
  it('covers every exported error class in this test', () => {
    assert.deepEqual(exportedClasses(providerErrors), messageErrors.map((error) => error.name).sort());
    assert.deepEqual(exportedClasses(directoryErrors), directoryRefusals.map((error) => error.name).sort());
  });

  it('finds every class name among the FailureType values', () => {
    const types: readonly string[] = Object.values(FailureType);
    for (const error of [...messageErrors, ...directoryRefusals]) {
      assert.ok(types.includes(error.name), `${error.name} is missing from FailureType`);
    }
  });

  it('lists exactly the classes that say they are not retryable', () => {
    assert.deepEqual([...NON_RETRYABLE_PROVIDER_ERRORS].sort(), nonRetryable(messageErrors));
    assert.deepEqual([...NON_RETRYABLE_DIRECTORY_ERRORS].sort(), nonRetryable(directoryRefusals));
  });
});

export { FcmPushProvider, fcmMessage, type FcmProviderOptions } from './fcm.provider';
export { readServiceAccount, type ServiceAccount } from './service-account';
export { toProviderError } from './to-provider-error';

export { WebPushProvider, type WebPushProviderOptions } from './web-push.provider';
export {
  webPushConfigSchema,
  webPushEnv,
  parseWebPushConfig,
  defaultVapidSubject,
  type WebPushConfig,
  type WebPushConfigInput,
} from './web-push.config';
export { loadOrCreateVapidKeys, vapidKeysProblem, VAPID_KEY_FILE, type VapidKeys } from './vapid-keys';
export { webPushEndpointProblem } from './endpoint-policy';
export { toProviderError } from './to-provider-error';

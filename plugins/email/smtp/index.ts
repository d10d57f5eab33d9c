export { SmtpEmailProvider, type SmtpProviderOptions } from './smtp.provider';
export {
  smtpConfigSchema,
  smtpEnv,
  parseSmtpConfig,
  type SmtpEmailConfig,
  type SmtpEmailConfigInput,
} from './smtp.config';
export { toProviderError } from './to-provider-error';

export { SmtpEmailProvider, type SmtpEmailConfig, type SmtpProviderOptions } from './smtp.provider';
export { toProviderError } from './to-provider-error';

import {
  InvalidRecipientError,
  ProviderConfigurationError,
  ProviderError,
  ProviderUnavailableError,
} from '../../errors';

const PROVIDER_ID = 'smtp';

/** TLS could not be set up the way the settings demand (requireTls, certificate checks). */
const TLS_CODES = new Set(['ETLS', 'EREQUIRETLS']);

/** 530 auth required, 534 mechanism too weak, 535 bad credentials, 538 encryption required for auth. */
const AUTH_REPLY_CODES = new Set([530, 534, 535, 538]);

interface SmtpFailure {
  code?: string;
  responseCode?: number;
  command?: string;
  message: string;
}

/**
 * Messages carry nodemailer's error code, the SMTP command and reply code only: the server's reply text usually
 * quotes the recipient address, and that should not end up in plain-text failure records.
 */
export function toProviderError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  const failure = asSmtpFailure(error);
  const detail = describe(failure);
  const { code, responseCode } = failure;

  // 4xx is the server saying "not now", whichever command it answered (454 is even a temporary AUTH failure).
  if (responseCode !== undefined && responseCode >= 400 && responseCode < 500) {
    return new ProviderUnavailableError(`SMTP server deferred the message ${detail}`, PROVIDER_ID);
  }
  if (code === 'EAUTH' || (responseCode !== undefined && AUTH_REPLY_CODES.has(responseCode))) {
    return new ProviderConfigurationError(`SMTP authentication failed ${detail}`, PROVIDER_ID);
  }
  if (code && TLS_CODES.has(code)) {
    return new ProviderConfigurationError(`SMTP TLS could not be established as configured ${detail}`, PROVIDER_ID);
  }
  if (code === 'EENVELOPE' && isRecipientProblem(failure)) {
    return new InvalidRecipientError(`SMTP server refused the recipient ${detail}`, PROVIDER_ID);
  }
  if (code === 'EENVELOPE' || code === 'EMESSAGE' || (responseCode !== undefined && responseCode >= 500)) {
    // A permanent refusal of our sender or of the message itself: the same mail would be refused again.
    return new ProviderConfigurationError(`SMTP server refused the message ${detail}`, PROVIDER_ID);
  }
  // Connection trouble and anything unrecognised alike: let the activity's retry policy have the last word.
  return new ProviderUnavailableError(`SMTP server could not be reached or failed ${detail}`, PROVIDER_ID);
}

function isRecipientProblem({ command, message }: SmtpFailure): boolean {
  if (command === 'RCPT TO') return true;
  // nodemailer's own pre-flight checks ("No recipients defined", "Invalid recipient ...") run before any command.
  return command === 'API' && /recipient/i.test(message);
}

function asSmtpFailure(error: unknown): SmtpFailure {
  if (!(error instanceof Error)) return { message: String(error) };
  const { code, responseCode, command } = error as Error & Record<string, unknown>;
  return {
    code: typeof code === 'string' ? code : undefined,
    responseCode: typeof responseCode === 'number' ? responseCode : undefined,
    command: typeof command === 'string' ? command : undefined,
    message: error.message,
  };
}

function describe({ code, responseCode, command }: SmtpFailure): string {
  const parts = [code ?? 'no error code'];
  if (command) parts.push(`during ${command}`);
  if (responseCode !== undefined) parts.push(`reply ${responseCode}`);
  return `(${parts.join(', ')})`;
}

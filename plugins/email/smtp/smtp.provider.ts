import type { ConnectionOptions } from 'node:tls';
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import type { EmailProvider, OutgoingEmail, SentMessage } from '../../types';
import { parseSmtpConfig, type SmtpEmailConfig, type SmtpEmailConfigInput } from './smtp.config';
import { toProviderError } from './to-provider-error';

export interface SmtpProviderOptions {
  /** Extra TLS settings, e.g. `ca` for a relay with a private CA. Certificate checks stay on. */
  tls?: ConnectionOptions;
}

/** Bounds for one SMTP exchange; the activity's own timeout and retry policy sit above these. */
const CONNECTION_TIMEOUT_MS = 10_000;
const SOCKET_TIMEOUT_MS = 30_000;
const MAX_CONNECTIONS = 3;

export class SmtpEmailProvider implements EmailProvider {
  readonly kind = 'email' as const;
  readonly id = 'smtp';
  private readonly config: SmtpEmailConfig;
  private readonly transporter: Transporter<SMTPPool.SentMessageInfo>;

  constructor(input: SmtpEmailConfigInput, options: SmtpProviderOptions = {}) {
    const config = parseSmtpConfig(input);
    this.config = config;
    const transport: SMTPPool.Options = {
      pool: true,
      maxConnections: MAX_CONNECTIONS,
      host: config.host,
      port: config.port,
      secure: config.secure,
      requireTLS: config.requireTls,
      auth: config.auth ? { user: config.auth.user, pass: config.auth.pass } : undefined,
      tls: options.tls,
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      greetingTimeout: CONNECTION_TIMEOUT_MS,
      socketTimeout: SOCKET_TIMEOUT_MS,
      // nodemailer's logger would write the SMTP dialogue, reset links included, past our own logger.
      logger: false,
      debug: false,
    };
    this.transporter = nodemailer.createTransport(transport);
  }

  async send(message: OutgoingEmail): Promise<SentMessage> {
    try {
      const info = await this.transporter.sendMail({
        from: this.config.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
      });
      return { providerMessageId: info.messageId };
    } catch (error) {
      throw toProviderError(error);
    }
  }

  async healthCheck(): Promise<void> {
    try {
      await this.transporter.verify();
    } catch (error) {
      throw toProviderError(error);
    }
  }

  async close(): Promise<void> {
    this.transporter.close();
  }
}

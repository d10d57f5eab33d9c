import type { EmailProvider, SmsProvider } from '../plugins/types';
import type { RenderTemplate } from './message-templates';
import { toActivityFailure } from './provider-failure';

/** Sends one text, turning a provider error into the activity failure Temporal retries on (or not). */
export async function sendSms(sms: SmsProvider, to: string, body: string): Promise<void> {
  try {
    await sms.send({ to, body });
  } catch (error) {
    toActivityFailure(error);
  }
}

/** Renders `<template>.subject/.html/.text` and sends it, turning provider errors into activity failures. */
export async function sendTemplatedEmail(
  email: EmailProvider,
  render: RenderTemplate,
  template:
    | 'activation-email'
    | 'reset-notice-email'
    | 'msp-alert-email'
    | 'enrollment-notice-email'
    | 'sms-reset-locked-email'
    | 'device-notice-email'
    | 'lockout-notice-email',
  to: string,
  context: Record<string, unknown>,
): Promise<void> {
  try {
    await email.send({
      to,
      subject: render(`${template}.subject`, context),
      html: render(`${template}.html`, context),
      text: render(`${template}.text`, context),
    });
  } catch (error) {
    toActivityFailure(error);
  }
}

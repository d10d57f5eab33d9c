import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';

const TEMPLATE_NAMES = [
  'activation-email.subject',
  'activation-email.html',
  'activation-email.text',
  'sms-verification-code',
  'sms-app-link',
  'sms-app-paired',
  'sms-reset-instructions',
  'sms-reset-password',
  'sms-reset-failed',
  'sms-reset-neutral',
  'sms-reset-unavailable',
  'sms-pair-link',
  'sms-pair-neutral',
  'sms-help',
  'reset-notice-email.subject',
  'reset-notice-email.html',
  'reset-notice-email.text',
  'msp-alert-email.subject',
  'msp-alert-email.html',
  'msp-alert-email.text',
  'sms-reset-locked-email.subject',
  'sms-reset-locked-email.html',
  'sms-reset-locked-email.text',
  'enrollment-notice-email.subject',
  'enrollment-notice-email.html',
  'enrollment-notice-email.text',
  'device-notice-email.subject',
  'device-notice-email.html',
  'device-notice-email.text',
  'sms-lockout-notice',
  'sms-unlock-neutral',
  'sms-unlock-done',
  'lockout-notice-email.subject',
  'lockout-notice-email.html',
  'lockout-notice-email.text',
] as const;

export type TemplateName = (typeof TEMPLATE_NAMES)[number];
export type RenderTemplate = (name: TemplateName, context: Record<string, unknown>) => string;

/**
 * Compiled once at start-up, so that a broken template stops the worker at boot rather than failing an
 * activity at 3 a.m. Only the .html template escapes HTML; plain-text templates must not turn "&" into "&amp;".
 */
export function loadMessageTemplates(directory = join(__dirname, 'templates')): RenderTemplate {
  const compiled = new Map(
    TEMPLATE_NAMES.map((name) => {
      const source = readFileSync(join(directory, `${name}.hbs`), 'utf8');
      return [name, Handlebars.compile(source, { noEscape: !name.endsWith('.html'), strict: true })] as const;
    }),
  );
  return (name, context) => compiled.get(name)!(context).trim();
}

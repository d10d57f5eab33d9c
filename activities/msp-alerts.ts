import type { EmailProvider } from '../plugins/types';
import type { RenderTemplate } from './message-templates';
import type { AuditPort } from './ports';
import { sendTemplatedEmail } from './send-message';

/**
 * Something a technician at the MSP should look at soon. `kind` is a stable name the audit log can be filtered
 * by; `summary` is one sentence for a person, and never holds a secret or a phone number.
 */
export interface MspAlert {
  clientId: string;
  /** The user it concerns, when there is one. */
  userId?: string;
  kind: string;
  summary: string;
}

export interface MspAlerter {
  /** Audits the alert, then emails it to the MSP's alert address when one is set; an email failure throws. */
  alert(alert: MspAlert): Promise<void>;
}

export interface MspAlerterDeps {
  audit: AuditPort;
  email: EmailProvider;
  render: RenderTemplate;
  /** LATCHKEY_ALERT_EMAIL: the MSP's help-desk or NOC mailbox. Without it, alerts live in the audit log only. */
  alertEmail: string | undefined;
  /** The client's name, and the user's username, for the email. */
  names(alert: MspAlert): Promise<{ clientName: string; username?: string } | undefined>;
}

/** The one way Latchkey tells the MSP that something needs a person: an audit event first, then an email. */
export function createMspAlerter(deps: MspAlerterDeps): MspAlerter {
  return {
    async alert(alert) {
      const detail = { kind: alert.kind, summary: alert.summary };
      if (alert.userId) {
        await deps.audit.recordForUser({ userId: alert.userId, actor: 'system', action: 'msp.alerted', detail });
      } else {
        await deps.audit.recordForClient({ clientId: alert.clientId, actor: 'system', action: 'msp.alerted', detail });
      }
      if (!deps.alertEmail) return;
      const names = await deps.names(alert);
      await sendTemplatedEmail(deps.email, deps.render, 'msp-alert-email', deps.alertEmail, {
        clientName: names?.clientName ?? alert.clientId,
        username: names?.username ?? '',
        summary: alert.summary,
        kind: alert.kind,
        when: new Date().toUTCString(),
      });
    },
  };
}

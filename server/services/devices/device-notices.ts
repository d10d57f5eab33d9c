import type { RenderTemplate } from '../../../activities/message-templates';
import { sendTemplatedEmail } from '../../../activities/send-message';
import type { DeviceRevocation } from '../../../common/domain/device';
import { errorFields, type Logger } from '../../../common/logger';
import type { EmailProvider } from '../../../plugins/types';
import type { TenantsStore } from '../../db/tenants.store';

export interface DeviceNoticesDeps {
  tenants: Pick<TenantsStore, 'userWithOrg'>;
  email: EmailProvider;
  render: RenderTemplate;
  logger: Logger;
}

const REASONS: Record<DeviceRevocation, string> = {
  unpaired: 'it was unpaired from the app',
  pin_failures: 'a wrong PIN was entered on it too many times in a row',
  technician: 'your IT provider removed it',
  wrong_match: 'the wrong number was picked on the enrollment page',
  replaced: 'another phone was paired in its place',
};

/**
 * The account owner's email when a phone starts or stops resetting their password: a thief pairing their own
 * phone, or unpairing the owner's, is told to the one person who can tell it was not them. Sending fails softly
 * (logged): the pairing or revocation it reports has happened either way.
 */
export class DeviceNotices {
  constructor(private readonly deps: DeviceNoticesDeps) {}

  paired(userId: string, label: string): Promise<void> {
    return this.send(userId, { paired: true, label });
  }

  removed(userId: string, label: string, reason: DeviceRevocation): Promise<void> {
    return this.send(userId, { paired: false, label, reason: REASONS[reason] });
  }

  private async send(userId: string, context: Record<string, unknown>): Promise<void> {
    try {
      const found = await this.deps.tenants.userWithOrg(userId);
      if (!found) return;
      const { user } = found;
      await sendTemplatedEmail(this.deps.email, this.deps.render, 'device-notice-email', user.email, {
        ...context,
        displayName: user.displayName ?? user.username,
        username: user.username,
        clientName: found.clientName,
        mspName: found.mspName,
        when: new Date().toUTCString(),
      });
    } catch (error) {
      this.deps.logger.error('Could not email the owner about their app device', { userId, ...errorFields(error) });
    }
  }
}

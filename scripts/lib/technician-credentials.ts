import QRCode from 'qrcode';
import type { CreatedTechnician } from '../../server/services/technician-accounts.service';

/** The one-time text that hands a new technician their credentials: password, TOTP URI and its QR code. */
export async function printTechnicianCredentials(created: CreatedTechnician): Promise<string> {
  const qr = await QRCode.toString(created.otpauthUri, { type: 'terminal', small: true });
  return [
    `Technician ${created.technician.id} (${created.technician.role}) created for ${created.technician.email}.`,
    'Shown once; nothing here can be read back later:',
    `  Password     ${created.password}`,
    `  TOTP secret  ${created.totpSecret}`,
    `  TOTP URI     ${created.otpauthUri}`,
    'Scan this with an authenticator app (or paste the URI or the secret into it):',
    qr,
  ].join('\n');
}

import type { Request, Response } from 'express';
import type { Secrets } from '../../common/crypto/secrets';
import { constantTimeEqual } from '../../common/crypto/keys';
import type { EnrollmentParticipant } from '../services/enrollment.service';
import { readCookie } from './cookies';

const COOKIE = 'lk_enroll';
const LIFETIME_MS = 2 * 3_600_000;

/** The browser's side of an enrollment: the ids the enrollment service acts on, nothing more. */
export type EnrollmentSession = EnrollmentParticipant;

/**
 * After the single-use link is spent, this signed cookie is what ties the browser to that one enrollment. It
 * names the enrollment and user ids and nothing secret; the signature stops a user from editing it to act on
 * someone else's enrollment (the token-not-bound-to-user trap of PWM #556).
 */
export class EnrollmentSessions {
  constructor(
    private readonly secrets: Secrets,
    private readonly secureCookies: boolean,
  ) {}

  private sign(payload: string): string {
    return this.secrets.hash('session-signing', `enroll:${payload}`);
  }

  start(response: Response, session: EnrollmentSession, now = Date.now()): void {
    const payload = `${session.enrollmentId}.${session.userId}.${now + LIFETIME_MS}`;
    response.cookie(COOKIE, `${payload}.${this.sign(payload)}`, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.secureCookies,
      path: '/enroll',
      maxAge: LIFETIME_MS,
    });
  }

  read(request: Request, now = Date.now()): EnrollmentSession | undefined {
    const value = readCookie(request, COOKIE);
    const parts = value?.split('.');
    if (!parts || parts.length !== 4) return undefined;
    const [enrollmentId, userId, expiresAt, signature] = parts as [string, string, string, string];
    if (!constantTimeEqual(signature, this.sign(`${enrollmentId}.${userId}.${expiresAt}`))) return undefined;
    if (!(Number(expiresAt) > now)) return undefined;
    return { enrollmentId, userId };
  }

  end(response: Response): void {
    response.clearCookie(COOKIE, { path: '/enroll' });
  }
}

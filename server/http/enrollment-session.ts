import type { Request, Response } from 'express';
import type { Secrets } from '../../common/crypto/secrets';
import { constantTimeEqual } from '../../common/crypto/keys';
import type { EnrollmentParticipant } from '../services/enrollment.service';
import { cookieName, readCookie } from './cookies';

const LIFETIME_MS = 2 * 3_600_000;

/** The browser's side of an enrollment: the ids the enrollment service acts on, nothing more. */
export type EnrollmentSession = EnrollmentParticipant;

/**
 * After the single-use link is spent, this signed cookie is what ties the browser to that one enrollment. It
 * names the enrollment and user ids and nothing secret; the signature stops a user from editing it to act on
 * someone else's enrollment (the token-not-bound-to-user trap of PWM #556).
 */
export class EnrollmentSessions {
  private readonly cookie: string;

  constructor(
    private readonly secrets: Secrets,
    private readonly secureCookies: boolean,
  ) {
    this.cookie = cookieName('lk_enroll', secureCookies);
  }

  private sign(payload: string): string {
    return this.secrets.hash('session-signing', `enroll:${payload}`);
  }

  start(response: Response, session: EnrollmentSession, now = Date.now()): void {
    const payload = `${session.enrollmentId}.${session.userId}.${now + LIFETIME_MS}`;
    // Path / because a __Host- cookie must have it; the landing page's form binds to no session, so seeing this
    // cookie there changes nothing.
    response.cookie(this.cookie, `${payload}.${this.sign(payload)}`, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.secureCookies,
      path: '/',
      maxAge: LIFETIME_MS,
    });
  }

  read(request: Request, now = Date.now()): EnrollmentSession | undefined {
    const value = readCookie(request, this.cookie);
    const parts = value?.split('.');
    if (!parts || parts.length !== 4) return undefined;
    const [enrollmentId, userId, expiresAt, signature] = parts as [string, string, string, string];
    if (!constantTimeEqual(signature, this.sign(`${enrollmentId}.${userId}.${expiresAt}`))) return undefined;
    if (!(Number(expiresAt) > now)) return undefined;
    return { enrollmentId, userId };
  }

  end(response: Response): void {
    response.clearCookie(this.cookie, { path: '/', secure: this.secureCookies });
  }
}

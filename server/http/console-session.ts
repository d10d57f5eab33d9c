import type { Request, Response } from 'express';
import type { Secrets } from '../../common/crypto/secrets';
import { randomToken } from '../../common/crypto/keys';
import type { SessionStage, TechnicianSessionView, TechnicianSessionsStore } from '../db/technician-sessions.store';
import { cookieName, readCookie } from './cookies';
import type { TechnicianPrincipal } from './request-context';

export const CONSOLE_IDLE_MS = 30 * 60_000;
export const CONSOLE_ABSOLUTE_MS = 12 * 3_600_000;
/** Between the password and the code: long enough to open an authenticator app, no longer. */
export const CONSOLE_SECOND_STEP_MS = 5 * 60_000;

/**
 * A technician's console session: the cookie holds a random value and the server a row named by its keyed hash,
 * so a database dump yields no usable cookie, and signing out (or disabling the account) ends it at once. The
 * server enforces both lifetimes, whatever the browser keeps: 30 minutes idle, 12 hours in all.
 */
/** A signed-in technician acts MSP-wide, with their role: the principal the permission table judges. */
export const technicianPrincipalOf = (session: TechnicianSessionView): TechnicianPrincipal => ({
  mspId: session.mspId,
  clientId: null,
  technicianId: session.technicianId,
  role: session.role,
});

export class ConsoleSessions {
  private readonly cookie: string;

  constructor(
    private readonly store: TechnicianSessionsStore,
    private readonly secrets: Secrets,
    private readonly https: boolean,
  ) {
    this.cookie = cookieName('lk_console', https);
  }

  private hashOf(token: string): string {
    return this.secrets.hash('console-session', token);
  }

  private setCookie(response: Response, token: string): void {
    response.cookie(this.cookie, token, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.https,
      path: '/',
      maxAge: CONSOLE_ABSOLUTE_MS,
    });
  }

  async start(response: Response, technicianId: string, stage: SessionStage): Promise<void> {
    const token = randomToken(32);
    await this.store.start(technicianId, this.hashOf(token), stage);
    this.setCookie(response, token);
  }

  /** The session the request names, if it is still within its lifetimes; an expired one is ended on the way. */
  async read(request: Request, now = Date.now()): Promise<TechnicianSessionView | undefined> {
    const token = readCookie(request, this.cookie);
    if (!token || !/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
    const session = await this.store.find(this.hashOf(token));
    if (!session) return undefined;
    const expired =
      session.disabled ||
      (session.stage === 'password'
        ? now - session.createdAt.getTime() >= CONSOLE_SECOND_STEP_MS
        : now - session.createdAt.getTime() >= CONSOLE_ABSOLUTE_MS ||
          now - session.lastSeenAt.getTime() >= CONSOLE_IDLE_MS);
    if (expired) {
      await this.store.end(session.sessionId);
      return undefined;
    }
    if (session.stage === 'active') await this.store.touch(session.sessionId);
    return session;
  }

  /** After the second factor: the same row, under a new cookie value. */
  async promote(response: Response, session: TechnicianSessionView): Promise<boolean> {
    const token = randomToken(32);
    if (!(await this.store.promote(session.sessionId, this.hashOf(token)))) return false;
    this.setCookie(response, token);
    return true;
  }

  async end(response: Response, session: TechnicianSessionView | undefined): Promise<void> {
    if (session) await this.store.end(session.sessionId);
    response.clearCookie(this.cookie, { path: '/', secure: this.https, httpOnly: true, sameSite: 'lax' });
  }
}

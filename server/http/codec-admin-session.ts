import type { Request, Response } from 'express';
import type { Secrets } from '../../common/crypto/secrets';
import { constantTimeEqual, randomToken } from '../../common/crypto/keys';
import { cookieName, readCookie } from './cookies';

/**
 * A codec admin's sign-in, held by the browser as `<id>.<issued at>.<signature>`. The signature covers the admin
 * token itself (through a keyed hash of it), so rotating LATCHKEY_CODEC_ADMIN_TOKEN ends every session at once,
 * and the issue time, which the server checks against the lifetime it has now: a copied cookie stops working
 * when the lifetime is up, whatever the browser's Max-Age, and lowering the lifetime shortens open sessions too
 * (F7). Nothing is stored, so every replica that shares the master key and the token accepts the same sessions.
 */
export class CodecAdminSessions {
  private readonly tokenBinding: string;
  private readonly cookie: string;

  constructor(
    private readonly secrets: Secrets,
    adminToken: string,
    private readonly lifetimeMs: number,
    private readonly secureCookies: boolean,
  ) {
    this.tokenBinding = secrets.hash('codec-admin-session', `token:${adminToken}`);
    this.cookie = cookieName('lk_codec', secureCookies);
  }

  private sign(id: string, issuedAt: string): string {
    return this.secrets.hash('codec-admin-session', `session:${id}.${issuedAt}.${this.tokenBinding}`);
  }

  /** Signs the browser in; the id it returns names this session in the audit log. */
  start(response: Response, now = Date.now()): { sessionId: string; expiresAt: Date } {
    const sessionId = randomToken(12);
    const issuedAt = String(now);
    response.cookie(this.cookie, `${sessionId}.${issuedAt}.${this.sign(sessionId, issuedAt)}`, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.secureCookies,
      // Path / because a __Host- cookie must have it; the cookie is HttpOnly and only /codec reads it.
      path: '/',
      maxAge: this.lifetimeMs,
    });
    return { sessionId, expiresAt: new Date(now + this.lifetimeMs) };
  }

  /** The session id, if the request carries a session signed under the current token and still within its lifetime. */
  read(request: Request, now = Date.now()): string | undefined {
    const parts = readCookie(request, this.cookie)?.split('.');
    if (!parts || parts.length !== 3) return undefined;
    const [sessionId, issuedAt, signature] = parts as [string, string, string];
    if (!constantTimeEqual(signature, this.sign(sessionId, issuedAt))) return undefined;
    const issued = Number(issuedAt);
    if (!(issued <= now && now < issued + this.lifetimeMs)) return undefined;
    return sessionId;
  }
}

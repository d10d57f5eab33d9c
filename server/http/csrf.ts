import type { Request, Response } from 'express';
import type { Secrets } from '../../common/crypto/secrets';
import { constantTimeEqual, randomToken } from '../../common/crypto/keys';
import { ForbiddenError } from '../../common/errors';
import { cookieName, readCookie } from './cookies';
import type { EnrollmentSession } from './enrollment-session';
import { isCrossSite } from './same-origin';

/** What a form's token is bound to: an enrollment's session, a technician's console session, or nothing yet. */
export type CsrfBinding = EnrollmentSession | { consoleSessionId: string } | null;

/**
 * Signed double-submit, bound to the session: a random seed in a SameSite=Strict cookie, and in every form the
 * keyed hash of that seed together with the enrollment the browser's session names. A page on another site can
 * neither read the cookie nor forge the hash; and a token someone got on their own visit does not work in
 * another person's session even if they plant their seed in that person's browser, since it names their own
 * enrollment. Forms shown before a session exists (the link's landing page, the outbox) bind to no session.
 * Console forms bind to the technician's session the same way.
 */
export class Csrf {
  private readonly cookie: string;

  constructor(
    private readonly secrets: Secrets,
    private readonly site: { https: boolean; publicOrigin: string },
  ) {
    this.cookie = cookieName('lk_csrf', site.https);
  }

  private token(seed: string, session: CsrfBinding): string {
    const bound = !session
      ? ''
      : 'consoleSessionId' in session
        ? `console:${session.consoleSessionId}`
        : `${session.enrollmentId}.${session.userId}`;
    return this.secrets.hash('session-signing', `csrf:${seed}:${bound}`);
  }

  /** Returns the value to put in the form's hidden _csrf field, setting the cookie if the browser lacks one. */
  issue(request: Request, response: Response, session: CsrfBinding): string {
    let seed = readCookie(request, this.cookie);
    if (!seed || !/^[A-Za-z0-9_-]{43}$/.test(seed)) {
      seed = randomToken(32);
      response.cookie(this.cookie, seed, { httpOnly: true, sameSite: 'strict', secure: this.site.https, path: '/' });
    }
    return this.token(seed, session);
  }

  verify(request: Request, session: CsrfBinding): void {
    if (isCrossSite(request, this.site.publicOrigin)) {
      throw new ForbiddenError(
        'This form was sent from another site, so it was not accepted. Open this page yourself and try again.',
      );
    }
    const seed = readCookie(request, this.cookie);
    const submitted = typeof request.body?._csrf === 'string' ? (request.body._csrf as string) : '';
    if (!seed || !submitted || !constantTimeEqual(submitted, this.token(seed, session))) {
      throw new ForbiddenError(
        'This form has expired or was not sent from this site. Go back, reload the page and try again.',
      );
    }
  }
}

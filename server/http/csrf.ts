import type { Request, Response } from 'express';
import type { Secrets } from '../../common/crypto/secrets';
import { constantTimeEqual, randomToken } from '../../common/crypto/keys';
import { ForbiddenError } from '../../common/errors';
import { readCookie } from './cookies';

const COOKIE = 'lk_csrf';

/**
 * Signed double-submit: a random value in a SameSite=Strict cookie, and its keyed hash in every form. A page
 * on another site can neither read the cookie nor forge the hash, so it cannot post a form as the user.
 */
export class Csrf {
  constructor(
    private readonly secrets: Secrets,
    private readonly secureCookies: boolean,
  ) {}

  /** Returns the value to put in the form's hidden _csrf field, setting the cookie if the browser lacks one. */
  issue(request: Request, response: Response): string {
    let seed = readCookie(request, COOKIE);
    if (!seed || !/^[A-Za-z0-9_-]{43}$/.test(seed)) {
      seed = randomToken(32);
      response.cookie(COOKIE, seed, { httpOnly: true, sameSite: 'strict', secure: this.secureCookies, path: '/' });
    }
    return this.secrets.hash('session-signing', `csrf:${seed}`);
  }

  verify(request: Request): void {
    const seed = readCookie(request, COOKIE);
    const submitted = typeof request.body?._csrf === 'string' ? (request.body._csrf as string) : '';
    if (!seed || !submitted || !constantTimeEqual(submitted, this.secrets.hash('session-signing', `csrf:${seed}`))) {
      throw new ForbiddenError(
        'This form has expired or was not sent from this site. Go back, reload the page and try again.',
      );
    }
  }
}

import type { Request, RequestHandler, Response } from 'express';
import type { TechnicianSessionView } from '../../db/technician-sessions.store';
import { ForbiddenError } from '../../../common/errors';
import { assertPermitted, type ApiAction } from '../../http/api-permissions';
import type { Csrf } from '../../http/csrf';
import type { TechnicianPrincipal } from '../../http/request-context';
import type { TemporalUiLinks } from '../../http/temporal-ui-links';

/** What the sign-in gate leaves on `response.locals.console` for every signed-in console request. */
export interface ConsoleLocals {
  session: TechnicianSessionView;
  principal: TechnicianPrincipal;
  actor: string;
}
export const consoleOf = (response: Response) => response.locals.console as ConsoleLocals;

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The pieces every signed-in console page uses: the permission check, the CSRF check, the page chrome. */
export interface ConsoleKit {
  /** The permission table's verdict for a console action, checked before anything is read or parsed. */
  permit(action: ApiAction): RequestHandler;
  withCsrf: RequestHandler;
  /** The layout's locals: the technician's name and role, and a CSRF token bound to their session. */
  chrome(
    request: Request,
    response: Response,
  ): {
    wide: true;
    csrf: string;
    technician: { displayName: string; role: string };
    /** The Web UI's workflow list, for the roles whose sign-in decodes payloads there; absent for the others. */
    workflowsUrl?: string;
  };
}

export const csrfBindingOf = (session: TechnicianSessionView) => ({ consoleSessionId: session.sessionId });

/** Whether the signed-in technician may do `action`: a page shows only the buttons its reader may press. */
export function mayDo(response: Response, action: ApiAction): boolean {
  try {
    assertPermitted(consoleOf(response).principal, action);
    return true;
  } catch (error) {
    if (error instanceof ForbiddenError) return false;
    throw error;
  }
}

export function consoleKit(csrf: Csrf, temporalUi: TemporalUiLinks): ConsoleKit {
  const mayDecode = (response: Response) => mayDo(response, 'workflows.decode');
  return {
    permit: (action) => (_request, response, next) => {
      assertPermitted(consoleOf(response).principal, action);
      next();
    },
    withCsrf: (request, response, next) => {
      csrf.verify(request, csrfBindingOf(consoleOf(response).session));
      next();
    },
    chrome: (request, response) => {
      const { session } = consoleOf(response);
      return {
        wide: true,
        csrf: csrf.issue(request, response, csrfBindingOf(session)),
        technician: { displayName: session.displayName, role: session.role },
        workflowsUrl: mayDecode(response) ? temporalUi.workflows : undefined,
      };
    },
  };
}

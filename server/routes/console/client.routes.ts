import express, { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import { z } from 'zod';
import { ENROLLMENT_METHODS } from '../../../common/domain/enrollment';
import { LatchkeyError, NotFoundError } from '../../../common/errors';
import type { AgentsStore } from '../../db/agents.store';
import type { LockoutsStore } from '../../db/lockouts.store';
import type { ClientRow, TenantsStore } from '../../db/tenants.store';
import type { UserFilter, UsersStore } from '../../db/users.store';
import { multipartForm } from '../../http/multipart-form';
import type { RenderPage } from '../../http/page-renderer';
import { parseInput } from '../../http/validate';
import type { ActivationService } from '../../services/activation.service';
import type { AgentCredentialsService } from '../../services/agent-credentials.service';
import type { ClientPolicyService } from '../../services/client-policy.service';
import { mapLimit } from '../../services/map-limit';
import type { UserImportService } from '../../services/user-import.service';
import { presentAgent } from '../api/presenters';
import { newAgent, userStatus } from '../api/schemas';
import { consoleOf, mayDo as may, UUID, type ConsoleKit } from './console-kit';
import { consoleTime } from './console-time';
import { policyFieldsOf, policyFromForm, policyValuesOf } from './policy-form';
import { IMPORT_COLUMNS, usersFromCsv, type ImportRowError } from './user-import-csv';

export interface ConsoleClientDeps {
  tenants: Pick<TenantsStore, 'getClient'>;
  users: Pick<UsersStore, 'list' | 'getMany'>;
  lockouts: Pick<LockoutsStore, 'openOfMany'>;
  agents: Pick<AgentsStore, 'list'>;
  activation: ActivationService;
  userImport: UserImportService;
  policy: ClientPolicyService;
  agentCredentials: AgentCredentialsService;
  /** The interval agents are told to beat at; their health is read against it (common/domain/agent-health.ts). */
  agentHeartbeatIntervalMs: number;
  /** What a new agent's config needs besides its token: where it reaches Latchkey and Temporal, and the key it pins. */
  agentSetup: { serverUrl: string; temporalAddress: string; commandPublicKey: string };
}

const PAGE_SIZE = 50;
/** A CSV of 1,000 users (the API's per-request cap) is well under this; more is refused before it is parsed. */
export const IMPORT_LIMIT = '1mb';
const IMPORT_LIMIT_TEXT = '1 MB';

const form = express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 500 });
const blankToUndefined = (value: unknown) => (value === '' ? undefined : value);

const listQuery = z.object({
  q: z.preprocess(blankToUndefined, z.string().trim().max(200).optional()),
  status: z.preprocess(blankToUndefined, userStatus.optional()),
  method: z.preprocess(blankToUndefined, z.enum(ENROLLMENT_METHODS).optional()),
  locked: z.preprocess(blankToUndefined, z.enum(['yes', 'no']).optional()),
  cursor: z.preprocess(blankToUndefined, z.string().max(500).optional()),
  /** Set by this module's own redirects, so a page can say what was just done; never echoed as given. */
  done: z.preprocess(blankToUndefined, z.enum(['policy', 'revoked']).optional()),
  imported: z.preprocess(blankToUndefined, z.coerce.number().int().min(0).max(100_000).optional()),
});
type ListQuery = z.infer<typeof listQuery>;

const bulkAction = z.object({
  action: z.enum(['activate', 'resend', 'deactivate'], { message: 'choose Activate, Resend or Deactivate' }),
  userId: z.preprocess(
    (value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]),
    z
      .array(z.string().regex(UUID, 'is not a user id'))
      .min(1, 'select at least one user')
      .max(PAGE_SIZE * 4, `select at most ${PAGE_SIZE * 4} users at a time`),
  ),
});

const ACTION_WORDS = { activate: 'Activate', resend: 'Resend activation', deactivate: 'Deactivate' } as const;
const OUTCOME_WORDS: Record<string, string> = {
  activated: 'Activation email sent',
  already_activated: 'Already invited; no second email',
  already_enrolled: 'Already enrolled; nothing sent',
  not_found: 'Not found',
  resent: 'Activation email sent again',
  deactivated: 'Deactivated',
};
const NOTICES = { policy: 'The policy was saved.', revoked: 'The agent was revoked; its credential no longer works.' };

/**
 * A client's page in the console: its users (search, filters, paging), bulk activate/resend/deactivate, a CSV
 * import, the policy editor and the agents. Every write goes through the service the API uses, under the
 * permission table's action for it; another MSP's client id is a 404 like one that does not exist.
 */
export function consoleClientRoutes(deps: ConsoleClientDeps & { kit: ConsoleKit; render: RenderPage }): Router {
  const router = Router();
  const { permit, withCsrf, chrome } = deps.kit;

  async function clientOf(request: Request, response: Response): Promise<ClientRow> {
    const clientId = request.params.clientId as string;
    const client = UUID.test(clientId)
      ? await deps.tenants.getClient(consoleOf(response).principal, clientId)
      : undefined;
    if (!client) throw new NotFoundError('Client');
    return client;
  }

  const pathOf = (client: ClientRow) => `/console/clients/${client.id}`;

  /** The whole client page; a refused import or policy comes back on it, with its errors at its section. */
  async function clientPage(
    request: Request,
    response: Response,
    client: ClientRow,
    extras: {
      query?: ListQuery;
      importErrors?: ImportRowError[];
      policy?: ReturnType<typeof policyFieldsOf>;
      policyRefused?: boolean;
    } = {},
  ) {
    const { principal } = consoleOf(response);
    const query = extras.query ?? {};
    const filter: UserFilter = {
      search: query.q,
      status: query.status,
      method: query.method,
      locked: query.locked === undefined ? undefined : query.locked === 'yes',
    };
    const page = await deps.users.list(principal, client.id, filter, { limit: PAGE_SIZE, cursor: query.cursor });
    const locked = await deps.lockouts.openOfMany(page.items.map((user) => user.id));
    const filterParams = new URLSearchParams(
      Object.entries({ q: query.q, status: query.status, method: query.method, locked: query.locked }).filter(
        (entry): entry is [string, string] => entry[1] !== undefined,
      ),
    );
    const withCursor = (cursor: string) => {
      const params = new URLSearchParams(filterParams);
      params.set('cursor', cursor);
      return `${pathOf(client)}?${params}#users`;
    };
    const agents = (await deps.agents.list(client.id)).map((row) => {
      const agent = presentAgent(row, deps.agentHeartbeatIntervalMs);
      return { ...agent, lastSeen: consoleTime(agent.lastSeenAt) ?? 'never', isOnline: agent.status === 'online' };
    });
    const notice =
      query.done !== undefined
        ? NOTICES[query.done]
        : query.imported !== undefined
          ? `Imported ${query.imported} user(s). Select them below to send their activation emails.`
          : undefined;
    return deps.render('console-client', {
      title: client.name,
      ...chrome(request, response),
      client,
      clientPath: pathOf(client),
      notice,
      can: {
        operate: may(response, 'users.operate'),
        import: may(response, 'users.create'),
        policy: may(response, 'clients.change_policy'),
        issueAgents: may(response, 'agents.issue'),
        revokeAgents: may(response, 'agents.revoke'),
      },
      filter: {
        q: query.q ?? '',
        statuses: userStatus.options.map((value) => ({ value, selected: value === query.status })),
        methods: ENROLLMENT_METHODS.map((value) => ({ value, selected: value === query.method })),
        lockedYes: query.locked === 'yes',
        lockedNo: query.locked === 'no',
        active: filterParams.size > 0,
      },
      users: page.items.map((user) => {
        const lockout = locked.get(user.id);
        return {
          id: user.id,
          name: user.display_name ?? user.username,
          username: user.username,
          email: user.email,
          status: user.status.replace('_', ' '),
          method: user.enrollment_method ?? '—',
          lockedSince: lockout ? consoleTime(lockout.locked_at) : undefined,
          href: `${pathOf(client)}/users/${user.id}`,
        };
      }),
      nextPage: page.nextCursor ? withCursor(page.nextCursor) : undefined,
      firstPage: query.cursor ? `${pathOf(client)}${filterParams.size ? `?${filterParams}` : ''}#users` : undefined,
      importColumns: IMPORT_COLUMNS,
      importLimit: IMPORT_LIMIT_TEXT,
      importErrors: extras.importErrors,
      policyFields: extras.policy ?? policyFieldsOf(policyValuesOf(client.settings)),
      policyRefused: extras.policyRefused,
      agents,
    });
  }

  router.get('/clients/:clientId', permit('read'), async (request, response) => {
    const client = await clientOf(request, response);
    const query = parseInput(listQuery, request.query, 'query');
    response.type('html').send(await clientPage(request, response, client, { query }));
  });

  // One form for one user or a selection; each user's outcome is shown, and each change is audited by the service.
  router.post(
    '/clients/:clientId/users/actions',
    permit('users.operate'),
    form,
    withCsrf,
    async (request, response) => {
      const client = await clientOf(request, response);
      const { principal, actor } = consoleOf(response);
      const body = parseInput(bulkAction, request.body, 'form');
      const userIds = [...new Set(body.userId)];
      const found = new Map((await deps.users.getMany(principal, client.id, userIds)).map((user) => [user.id, user]));
      const outcomes = await mapLimit(userIds, 8, async (userId) => {
        const user = found.get(userId);
        if (!user) return { userId, name: userId, outcome: OUTCOME_WORDS.not_found!, failed: true };
        const name = user.display_name ? `${user.display_name} (${user.username})` : user.username;
        try {
          let outcome: string;
          if (body.action === 'activate')
            outcome = (await deps.activation.activateOne(principal, client.id, userId, actor)).outcome;
          else if (body.action === 'resend') {
            await deps.activation.resend(principal, client.id, userId, actor);
            outcome = 'resent';
          } else {
            await deps.activation.deactivate(principal, client.id, userId, actor);
            outcome = 'deactivated';
          }
          return { userId, name, outcome: OUTCOME_WORDS[outcome] ?? outcome, failed: false };
        } catch (error) {
          // One user's refusal (already enrolling, too many resends) is that row's outcome, not the whole page's.
          if (!(error instanceof LatchkeyError)) throw error;
          return { userId, name, outcome: error.message, failed: true };
        }
      });
      response.type('html').send(
        deps.render('console-client-actions', {
          title: `${ACTION_WORDS[body.action]}: ${client.name}`,
          ...chrome(request, response),
          client,
          clientPath: pathOf(client),
          heading: ACTION_WORDS[body.action],
          outcomes: outcomes.map((row) => ({ ...row, href: `${pathOf(client)}/users/${row.userId}` })),
        }),
      );
    },
  );

  // users.create is admin-only in the permission table (an import creates users), so the console's import is too.
  router.post(
    '/clients/:clientId/users/import',
    permit('users.create'),
    ...multipartForm(IMPORT_LIMIT),
    withCsrf,
    async (request, response) => {
      const client = await clientOf(request, response);
      const { principal, actor } = consoleOf(response);
      const body = request.body as Record<string, string | undefined>;
      const text = body.file?.trim() ? body.file : (body.csv ?? '');
      const refuse = (importErrors: ImportRowError[]) =>
        clientPage(request, response, client, { importErrors }).then((html) =>
          response.status(400).type('html').send(html),
        );
      if (!text.trim()) return void (await refuse([{ row: 0, column: '', message: 'Choose a CSV file to import' }]));
      const parsed = usersFromCsv(text);
      if ('errors' in parsed) return void (await refuse(parsed.errors));
      const result = await deps.userImport.create(principal, client.id, parsed.users, actor);
      if ('conflicts' in result) {
        return void (await refuse(
          result.conflicts.map((conflict) => ({
            row: parsed.rows[conflict.index] ?? 0,
            column: 'username',
            message: `${conflict.username}: ${conflict.reason}`,
          })),
        ));
      }
      response.redirect(303, `${pathOf(client)}?imported=${result.created.length}#users`);
    },
  );

  router.post(
    '/clients/:clientId/policy',
    permit('clients.change_policy'),
    form,
    withCsrf,
    async (request, response) => {
      const client = await clientOf(request, response);
      const edited = policyFromForm(request.body as Record<string, unknown>);
      if ('errors' in edited) {
        const html = await clientPage(request, response, client, {
          policy: policyFieldsOf(edited.values, edited.errors),
          policyRefused: true,
        });
        return void response.status(400).type('html').send(html);
      }
      await deps.policy.replace(client, edited.settings, consoleOf(response).actor);
      response.redirect(303, `${pathOf(client)}?done=policy#policy`);
    },
  );

  router.post('/clients/:clientId/agents', permit('agents.issue'), form, withCsrf, async (request, response) => {
    const client = await clientOf(request, response);
    const { name } = parseInput(newAgent, { name: (request.body as { name?: unknown }).name }, 'form');
    const { agent, token } = await deps.agentCredentials.issue(client, name, consoleOf(response).actor);
    // What the agent's config file needs, filled in; the directory settings are the client's to fill.
    const config = JSON.stringify(
      {
        LATCHKEY_SERVER_URL: deps.agentSetup.serverUrl,
        LATCHKEY_AGENT_TOKEN: token,
        LATCHKEY_AGENT_COMMAND_KEY: deps.agentSetup.commandPublicKey,
        LATCHKEY_AGENT_TEMPORAL_ADDRESS: deps.agentSetup.temporalAddress,
        LATCHKEY_AGENT_NAME: agent.name,
        AD_URL: 'ldaps://dc01.corp.example.com',
        AD_BIND_DN: 'CN=svc-latchkey,OU=Service Accounts,DC=corp,DC=example,DC=com',
        AD_BIND_PASSWORD: '…the service account’s password',
        AD_BASE_DN: 'OU=Staff,DC=corp,DC=example,DC=com',
        AD_CA_FILE: 'dc-ca.pem',
      },
      null,
      2,
    );
    response.type('html').send(
      deps.render('console-client-agent', {
        title: `New agent: ${client.name}`,
        ...chrome(request, response),
        client,
        clientPath: pathOf(client),
        agent,
        token,
        commandPublicKey: deps.agentSetup.commandPublicKey,
        config,
      }),
    );
  });

  router.post(
    '/clients/:clientId/agents/:agentId/revoke',
    permit('agents.revoke'),
    form,
    withCsrf,
    async (request, response) => {
      const client = await clientOf(request, response);
      const agentId = request.params.agentId as string;
      const agent = UUID.test(agentId)
        ? await deps.agentCredentials.revoke(client, agentId, consoleOf(response).actor)
        : undefined;
      if (!agent) throw new NotFoundError('Agent');
      response.redirect(303, `${pathOf(client)}?done=revoked#agents`);
    },
  );

  // An upload over the limit is refused by the body parser before any of it is read: say so in words.
  const tooLarge: ErrorRequestHandler = (error, _request, response, next) => {
    if ((error as { type?: string }).type !== 'entity.too.large') return next(error);
    response
      .status(413)
      .type('html')
      .send(
        deps.render('message', {
          title: 'File too large',
          heading: 'That file is too large',
          message: `An import file may be at most ${IMPORT_LIMIT_TEXT}: split it into smaller files and import each.`,
          isError: true,
        }),
      );
  };
  router.use(tooLarge);
  return router;
}

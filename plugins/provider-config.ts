import { z } from 'zod';
import { readVariables, type Env, type Problems } from '../common/env';

/**
 * How one provider is configured from the environment. The provider's folder owns its variables and the zod
 * schema of the config its constructor takes; a process's config only composes these (see plugins/registry.ts).
 */
export interface ProviderEnv<Id extends string, Shared, Config> {
  readonly provider: Id;
  /** The variables this provider owns. They are validated whichever provider is chosen: a typo is a typo. */
  readonly variables: z.ZodRawShape;
  /** When the kind's selector is unset, this variable being set means this provider is meant (SMTP_HOST: smtp). */
  readonly detectedBy?: string;
  /** Records problems (named by variable) and returns undefined instead of throwing. */
  read(env: Env, shared: Shared, problems: Problems): Config | undefined;
}

export function providerEnv<Id extends string, Vars extends z.ZodRawShape, Shared, Schema extends z.ZodTypeAny>(spec: {
  provider: Id;
  variables: Vars;
  detectedBy?: keyof Vars & string;
  /** The provider's config schema: the one place its settings are checked, from the environment or not. */
  schema: Schema;
  /** Which variable each config field comes from, so that a problem names what the operator sets. */
  sources: Partial<Record<keyof z.input<Schema> & string, string>>;
  toInput(vars: z.output<z.ZodObject<Vars>>, shared: Shared, problems: Problems): Partial<z.input<Schema>>;
}): ProviderEnv<Id, Shared, z.output<Schema>> {
  const sources: Partial<Record<string, string>> = spec.sources;
  return {
    provider: spec.provider,
    variables: spec.variables,
    detectedBy: spec.detectedBy,
    read(env, shared, problems) {
      const vars = readVariables(spec.variables, env, problems);
      if (!vars) return undefined;
      const parsed = spec.schema.safeParse(spec.toInput(vars, shared, problems));
      if (parsed.success) return parsed.data as z.output<Schema>;
      problems.addIssues(
        parsed.error.issues,
        (path) => sources[String(path[0])] ?? `${spec.provider} ${path.join('.')}`,
      );
      return undefined;
    },
  };
}

/** Settings every provider of a kind takes (the sender address for email), read once from their own variables. */
export interface KindSettings<Shared> {
  readonly variables: z.ZodRawShape;
  read(env: Env, problems: Problems): Shared | undefined;
}

export function kindSettings<Vars extends z.ZodRawShape, Shared>(
  variables: Vars,
  toShared: (vars: z.output<z.ZodObject<Vars>>) => Shared,
): KindSettings<Shared> {
  return {
    variables,
    read(env, problems) {
      const vars = readVariables(variables, env, problems);
      return vars && toShared(vars);
    },
  };
}

export interface ProviderKind<Shared, P extends ProviderEnv<string, Shared, unknown>> {
  /** The variable that names the provider, e.g. EMAIL_PROVIDER. */
  readonly selector: string;
  readonly settings: KindSettings<Shared>;
  readonly providers: readonly P[];
  /** Chosen when the selector is unset and no provider is detected; the process decides whether that is allowed. */
  readonly fallback?: P['provider'];
}

export function providerKind<Shared, P extends ProviderEnv<string, Shared, unknown>>(
  kind: ProviderKind<Shared, P>,
): ProviderKind<Shared, P> {
  return kind;
}

/** The union of the configs of a kind's providers: what its `create…Provider` switch takes. */
export type ConfigOf<Kind> = Kind extends { readonly providers: readonly (infer P extends { read: AnyRead })[] }
  ? Exclude<ReturnType<P['read']>, undefined>
  : never;

type AnyRead = (env: Env, shared: never, problems: Problems) => unknown;

/** Every variable a kind reads, for a process to list (and a test to find in .env.example or a README). */
export function variablesOf(kind: {
  selector: string;
  settings: { variables: z.ZodRawShape };
  providers: readonly { variables: z.ZodRawShape }[];
}): string[] {
  return [
    kind.selector,
    ...Object.keys(kind.settings.variables),
    ...kind.providers.flatMap((provider) => Object.keys(provider.variables)),
  ];
}

export interface FallbackPolicy {
  /** False where the fallback must be asked for explicitly (the dev outbox anywhere but on this machine). */
  allowed: boolean;
  /** Ends the problem reported when it is not allowed, e.g. "when LATCHKEY_PUBLIC_URL is not localhost". */
  refusedBecause?: string;
}

/**
 * Picks a kind's provider (the selector, else a detected provider, else the fallback if the policy allows it)
 * and reads its config. Problems go to `problems`; the result is undefined when there were any.
 */
export function readProviderConfig<Shared, P extends ProviderEnv<string, Shared, unknown>>(
  kind: ProviderKind<Shared, P>,
  env: Env,
  problems: Problems,
  fallback: FallbackPolicy = { allowed: true },
): ConfigOf<ProviderKind<Shared, P>> | undefined {
  const ids = kind.providers.map((provider) => provider.provider);
  const selector = readVariables(
    {
      [kind.selector]: z
        .enum(ids as [string, ...string[]], { errorMap: () => ({ message: `must be one of ${ids.join(', ')}` }) })
        .optional(),
    },
    env,
    problems,
  );
  const shared = kind.settings.read(env, problems);
  // A bad value in an unchosen provider's variables is still reported, along with everything else.
  for (const provider of kind.providers) readVariables(provider.variables, env, problems);
  if (!selector) return undefined;

  // The selector, once it parsed, names a listed provider or nothing.
  const chosen =
    kind.providers.find((provider) => provider.provider === selector[kind.selector]) ??
    kind.providers.find((provider) => provider.detectedBy && env[provider.detectedBy]) ??
    fallbackOf(kind, fallback, problems);
  if (!chosen || shared === undefined) return undefined;
  return chosen.read(env, shared, problems) as ConfigOf<ProviderKind<Shared, P>> | undefined;
}

function fallbackOf<Shared, P extends ProviderEnv<string, Shared, unknown>>(
  kind: ProviderKind<Shared, P>,
  policy: FallbackPolicy,
  problems: Problems,
): P | undefined {
  const fallback = kind.providers.find((provider) => provider.provider === kind.fallback);
  if (fallback && policy.allowed) return fallback;
  const detectors = kind.providers.flatMap((provider) => (provider.detectedBy ? [provider.detectedBy] : []));
  const explicit = fallback ? ` (or ${kind.selector}=${fallback.provider} explicitly, for a test instance)` : '';
  problems.add(
    `${kind.selector}: set ${detectors.join(' or ') || 'it'}${explicit}${policy.refusedBecause ? ` ${policy.refusedBecause}` : ''}`,
  );
  return undefined;
}

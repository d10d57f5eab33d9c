// The layer rules, written once. `npm test` runs them (scripts/lint.ts); `npm run lint` runs them alone.
// Each rule's comment says why the boundary exists; a violation prints the rule's name and both files.

/** Files that only tests, benches and scripts load: they may reach across layers to set a stack up. */
const TOOLING = '(^test/|^bench/|^scripts/|\\.test\\.ts$|/__fixtures__/)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'common-is-the-ground-floor',
      comment: 'common/ is shared by every process and the workflow bundle; it may not depend on what sits above it.',
      severity: 'error',
      from: { path: '^common/', pathNot: TOOLING },
      to: { path: '^(workflows|activities|plugins|server|agent|scripts|bench|test)/' },
    },
    {
      name: 'domain-is-plain-vocabulary',
      comment:
        'common/domain/ is shared by every layer and the workflow bundle: plain constants, types and zod, no I/O.',
      severity: 'error',
      from: { path: '^common/domain/', pathNot: TOOLING },
      // nexus-rpc: the Nexus service definition (common/domain/directory-service.ts) is plain data, shared by the
      // workflow that calls it and the agent that serves it.
      to: { pathNot: '^(common/domain/|node_modules/(zod|nexus-rpc)/)' },
    },
    {
      name: 'plugins-are-leaves',
      comment:
        'A provider knows its SDK and common/, never the app that hosts it, so it can be moved or replaced alone.',
      severity: 'error',
      from: { path: '^plugins/', pathNot: TOOLING },
      to: { path: '^(workflows|activities|server|agent|scripts|bench|test)/' },
    },
    {
      name: 'providers-stay-in-their-folder',
      comment: "plugins/<kind>/<name>/ may use its kind's contract and plugins/ shared files, not another provider.",
      severity: 'error',
      from: { path: '^plugins/([^/]+)/([^/]+)/', pathNot: TOOLING },
      to: { path: '^plugins/[^/]+/[^/]+/', pathNot: '^plugins/$1/$2/' },
    },
    {
      name: 'workflows-import-only-the-workflow-sdk-common-and-activity-types',
      comment: 'Workflow code is replayed in a sandbox: it may use @temporalio/workflow, common/ and activity *types*.',
      severity: 'error',
      from: { path: '^workflows/', pathNot: TOOLING },
      to: { path: '^(server|plugins|agent|scripts|bench|test)/' },
    },
    {
      name: 'workflows-take-only-types-from-activities',
      comment: "proxyActivities needs the activities' types; their code runs on a worker, never in the bundle.",
      severity: 'error',
      from: { path: '^workflows/', pathNot: TOOLING },
      to: { path: '^activities/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'workflows-use-no-npm-package-but-the-workflow-sdk',
      comment:
        'Only @temporalio/workflow (and the types of @temporalio/common) is safe inside the deterministic sandbox.',
      severity: 'error',
      from: { path: '^workflows/', pathNot: TOOLING },
      to: {
        dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'],
        dependencyTypesNot: ['type-only'],
        path: 'node_modules',
        // nexus-rpc only for the service definition createNexusServiceClient takes (plain data, no I/O).
        pathNot: 'node_modules/(@temporalio/(workflow|common)|nexus-rpc)/',
      },
    },
    {
      name: 'workflows-take-code-from-common-domain-only',
      comment:
        'The rest of common/ (crypto, config, Temporal settings) uses Node; domain/ is plain, so the bundle stays so.',
      severity: 'error',
      from: { path: '^workflows/', pathNot: TOOLING },
      to: { path: '^common/', pathNot: '^common/domain/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'workflow-bundle-reaches-no-node-built-in',
      comment: 'A Node built-in anywhere below a workflow breaks determinism or the bundle, even through common/.',
      severity: 'error',
      from: { path: '^workflows/', pathNot: TOOLING },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'activities-never-import-the-server',
      comment:
        'Activities declare the ports they need (activities/ports.ts); the server satisfies them, not the reverse.',
      severity: 'error',
      from: { path: '^activities/', pathNot: TOOLING },
      to: { path: '^server/' },
    },
    {
      name: 'agent-never-imports-the-server',
      comment: 'The agent ships to client sites on its own; nothing of the central server may come with it.',
      severity: 'error',
      from: { path: '^agent/', pathNot: TOOLING },
      to: { path: '^server/' },
    },
    {
      name: 'services-know-no-http',
      comment:
        'The application layer is called by pages, the JSON APIs and the console alike; HTTP stays in routes/ and http/.',
      severity: 'error',
      from: { path: '^server/services/', pathNot: TOOLING },
      to: { path: '(^server/(http|routes)/|node_modules/express/)' },
    },
    {
      name: 'production-code-never-imports-tests',
      comment: 'Test support starts fakes and throwaway services; it must never be reachable from a shipped process.',
      severity: 'error',
      from: { path: '^(common|plugins|workflows|activities|server|agent)/', pathNot: TOOLING },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'no-circular',
      comment: 'A cycle means two modules are one module; split out what they share instead.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-unresolvable',
      comment: 'An import the cruiser cannot resolve hides its target from every other rule.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^node_modules/|^data/)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};

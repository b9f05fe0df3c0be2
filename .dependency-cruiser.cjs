// Layering rules of docs/architecture.md, checked by `npm run lint` (and so by CI).
const NON_HTTP =
  '^src/(changes|db|dedupe|validation|errors|auth|config\\.ts|ids\\.ts)|^src/resources/.+\\.(queries|service|read)\\.ts$|^src/resources/contacts/(derived|derived\\.verify|blocking|props\\.validation|ref-ids)\\.ts$';

// Resource folders form a DAG (route files, the HTTP adapters on top, may import any of them).
// A folder may import only folders listed before it here.
const RESOURCE_ORDER = [
  'common',
  'namespaces',
  'contacts',
  'addresses',
  'banks',
  'relations',
  'history',
  'events',
  'webhooks',
  'dedupe',
  'duplicates',
  'imports',
  'views',
];
const later = (i) => RESOURCE_ORDER.slice(i + 1).join('|');

module.exports = {
  forbidden: [
    {
      name: 'services-without-http',
      severity: 'error',
      comment: 'Services, queries and domain modules run from jobs and the CLI too: no src/http/, no fastify.',
      from: { path: NON_HTTP },
      to: { path: ['^src/http/', '^node_modules/(fastify|@fastify)/'] },
    },
    {
      name: 'resource-schemas-use-only-shared-schemas',
      severity: 'error',
      comment: 'A resource schema may use the shared TypeBox schemas of src/http/schemas.ts, nothing else of http/.',
      from: { path: '^src/resources/.+\\.schema\\.ts$' },
      to: { path: '^src/http/', pathNot: '^src/http/schemas\\.ts$' },
    },
    {
      name: 'only-adapters-import-drivers',
      severity: 'error',
      comment:
        "One executor interface over both engines: only the two adapters (and the pg adapter's pipelined query) import a database driver.",
      from: { pathNot: '^src/db/(pg|pg-pipeline|pglite)\\.ts$' },
      to: { path: '^node_modules/(pg|pg-pool|pg-protocol|@electric-sql/pglite)/' },
    },
    ...RESOURCE_ORDER.slice(0, -1).map((folder, i) => ({
      name: `resource-order-${folder}`,
      severity: 'error',
      comment: `Resource folders form a DAG: ${folder}/ may not import ${later(i)} (route files excepted).`,
      from: { path: `^src/resources/${folder}/`, pathNot: '\\.routes\\.ts$' },
      to: { path: `^src/resources/(${later(i)})/` },
    })),
    {
      name: 'resources-below-worker',
      severity: 'error',
      comment: 'The worker runs resource services; resources never depend on the worker.',
      from: { path: '^src/resources/' },
      to: { path: '^src/worker/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles anywhere in src.',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    // Packages are leaves of the graph: their own imports are not followed.
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};

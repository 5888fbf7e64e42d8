import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { CatalogDeps } from '#functions/deployments/catalog-deps.ts';
import { environmentView, stackView, targetView } from '#functions/deployments/catalog-views.ts';
import type {
  Application,
  Environment,
  Organization,
  Stack,
  StackVersion,
  Target,
} from '#functions/deployments/domain/model.ts';
import type { CatalogStore, PageRequest } from '#functions/deployments/store/catalog.ts';
import { uncachedStackReads } from '#functions/deployments/store/catalog-cache.ts';
import {
  createApplication,
  getApplication,
  listApplications,
} from '#functions/deployments/use-cases/applications.ts';
import {
  createEnvironment,
  getEnvironment,
  listEnvironments,
} from '#functions/deployments/use-cases/environments.ts';
import {
  createOrganization,
  getOrganization,
  updateOrganization,
} from '#functions/deployments/use-cases/organizations.ts';
import {
  createStack,
  getStack,
  listStackVersions,
  updateStack,
} from '#functions/deployments/use-cases/stacks.ts';
import {
  createTarget,
  getTarget,
  listTargets,
  updateTarget,
} from '#functions/deployments/use-cases/targets.ts';
import { DomainError, InvalidInputError } from '#shared/domain-errors.ts';
import { ifMatchRevisions } from '#shared/http/concurrency.ts';
import { decodeCursor, encodeCursor, type Page } from '#shared/http/pagination.ts';
import type { Principal } from '#shared/http/principal.ts';

/** The catalog in memory, paged like the table: a cursor names the last item of its collection. */
function memoryStore(): CatalogStore & { failNextUpdate: boolean } {
  const orgs = new Map<string, Organization>();
  const envs = new Map<string, Environment>();
  const targets = new Map<string, Target>();
  const stacks = new Map<string, Stack>();
  const versions = new Map<string, StackVersion>();
  const apps = new Map<string, Application>();
  function page<T extends { id: string }>(parent: string, all: T[], request: PageRequest): Page<T> {
    const start = decodeCursor(
      request.cursor,
      (key) => key.parent === parent && typeof key.after === 'string',
    );
    const sorted = all.sort((a, b) => a.id.localeCompare(b.id));
    const from = start === undefined ? 0 : sorted.findIndex((item) => item.id > (start.after as string));
    const items = from < 0 ? [] : sorted.slice(from, from + request.limit);
    const last = items.at(-1);
    const more = last !== undefined && sorted.indexOf(last) < sorted.length - 1;
    return { items, cursor: more && last ? encodeCursor({ parent, after: last.id }) : null };
  }
  function update<T extends { revision: number }>(
    map: Map<string, T>,
    id: string,
    expected: number,
    change: object,
    updatedAt: string,
  ): T | undefined {
    const current = map.get(id);
    if (current === undefined || current.revision !== expected || store.failNextUpdate) {
      store.failNextUpdate = false;
      return undefined;
    }
    const defined = Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined));
    const next = { ...current, ...defined, updatedAt, revision: expected + 1 };
    map.set(id, next);
    return next;
  }
  const store = {
    failNextUpdate: false,
    async createOrganization(org: Organization) {
      if (orgs.has(org.id)) return false;
      orgs.set(org.id, org);
      return true;
    },
    getOrganization: async (id: string) => orgs.get(id),
    updateOrganization: async (id: string, e: number, c: object, at: string) => update(orgs, id, e, c, at),
    createEnvironment: async (env: Environment) => void envs.set(env.id, env),
    getEnvironment: async (id: string) => envs.get(id),
    listEnvironments: async (orgId: string, p: PageRequest) =>
      page(
        `org:${orgId}`,
        [...envs.values()].filter((e) => e.orgId === orgId),
        p,
      ),
    createTarget: async (t: Target) => void targets.set(t.id, t),
    getTarget: async (id: string) => targets.get(id),
    listTargets: async (envId: string, p: PageRequest) =>
      page(
        `env:${envId}`,
        [...targets.values()].filter((t) => t.environmentId === envId),
        p,
      ),
    updateTarget: async (id: string, e: number, c: object, at: string) => update(targets, id, e, c, at),
    deleteTarget: async (id: string) => void targets.delete(id),
    async createStack(stack: Stack, first: StackVersion) {
      stacks.set(stack.id, stack);
      versions.set(`${stack.id}#${first.version}`, first);
    },
    getStack: async (id: string) => stacks.get(id),
    listStacks: async (orgId: string, p: PageRequest) =>
      page(
        `org:${orgId}`,
        [...stacks.values()].filter((s) => s.orgId === orgId),
        p,
      ),
    async addStackVersion(id: string, e: number, version: StackVersion, change: object) {
      const stack = update(stacks, id, e, { ...change, latestVersion: version.version }, version.createdAt);
      if (stack) versions.set(`${id}#${version.version}`, version);
      return stack;
    },
    getVersion: async (id: string, n: number) => versions.get(`${id}#${n}`),
    async listVersions(id: string, p: PageRequest) {
      const all = [...versions.values()]
        .filter((v) => v.stackId === id)
        .sort((a, b) => b.version - a.version);
      return { items: all.slice(0, p.limit), cursor: null };
    },
    createApplication: async (a: Application) => void apps.set(a.id, a),
    getApplication: async (id: string) => apps.get(id),
    listApplications: async (stackId: string, p: PageRequest) =>
      page(
        `stack:${stackId}`,
        [...apps.values()].filter((a) => a.stackId === stackId),
        p,
      ),
    deleteApplication: async (id: string) => void apps.delete(id),
  };
  return store;
}

const PREFIX = 'nimbus/test/deployments/';

function world(
  settings: { allowLoopbackHttp: boolean; allowDryRun: boolean; credentialsPrefix?: string } = {
    allowLoopbackHttp: false,
    allowDryRun: false,
  },
) {
  const store = memoryStore();
  const deps: CatalogDeps & { circuitOf: (id: string) => Promise<never> } = {
    store,
    stackReads: uncachedStackReads(store),
    settings: { credentialsPrefix: PREFIX, ...settings },
    actorOf: async (p) => `user:~pseudonym-of-${p.id.length}`,
    now: () => new Date('2026-03-01T10:00:00Z'),
    newId: randomUUID,
    circuitOf: async () => ({ state: 'closed', failures: 0, openUntil: null }) as never,
  };
  return { store, deps };
}

const principal = (
  orgId: string | null,
  permissions = ['deployments:read', 'deployments:write'],
): Principal => ({
  id: randomUUID(),
  kind: 'user',
  roles: ['developer'],
  permissions,
  sessionId: null,
  orgId,
  authTime: null,
});

const ORG_A = 'org-a';
const alice = principal(ORG_A);
const bob = principal('org-b');
const viewer = principal(ORG_A, ['deployments:read']);
const webhook = {
  name: 'edge',
  kind: 'docker' as const,
  driver: 'webhook' as const,
  endpoint: 'https://agent.example.com/deploy',
  credentialsSecret:
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:nimbus/test/deployments/agent-hmac-AbCdEf',
};

/** Asserts `work` rejects with a domain error of `kind`; returns it. */
async function rejects(work: Promise<unknown>, kind: string): Promise<DomainError> {
  try {
    await work;
  } catch (error) {
    assert.ok(error instanceof DomainError, `expected a domain error, got ${String(error)}`);
    assert.equal(error.kind, kind, error.message);
    return error;
  }
  assert.fail(`expected ${kind}, but it succeeded`);
}

async function seeded(settings?: { allowLoopbackHttp: boolean; allowDryRun: boolean }) {
  const { store, deps } = world(settings);
  await createOrganization(deps, alice, { name: 'Org A' });
  const env = await createEnvironment(deps, alice, ORG_A, { name: 'prod', type: 'prod' });
  const target = await createTarget(deps, alice, env.id, webhook);
  const { stack } = await createStack(deps, alice, ORG_A, {
    name: 'web',
    description: '',
    template: 'image: {{image}}',
    configuration: { image: 'nginx' },
  });
  const app = await createApplication(deps, alice, stack.id, { name: 'api', image: 'nginx:1', replicas: 2 });
  return { store, deps, env, target, stack, app };
}

describe('catalog: validation', () => {
  it('refuses a webhook target without endpoint or secret, naming both fields', async () => {
    const { deps, env } = await seeded();

    const error = await rejects(
      createTarget(deps, alice, env.id, { name: 't', kind: 'vm', driver: 'webhook' }),
      'invalid-input',
    );

    assert.ok(error instanceof InvalidInputError);
    assert.deepEqual(error.fields.map((f) => f.path).sort(), ['body.credentialsSecret', 'body.endpoint']);
  });

  it('refuses a malformed secret reference and a template over 64 KB (UTF-8 bytes)', async () => {
    const { deps, env, stack } = await seeded();

    const secret = await rejects(
      createTarget(deps, alice, env.id, { ...webhook, credentialsSecret: 'arn:aws:s3:::bucket' }),
      'invalid-input',
    );
    const big = await rejects(
      updateStack(deps, alice, stack.id, { template: 'é'.repeat(40_000), configuration: {} }, undefined),
      'invalid-input',
    );

    assert.deepEqual(
      (secret as InvalidInputError).fields.map((f) => f.path),
      ['body.credentialsSecret'],
    );
    assert.deepEqual(
      (big as InvalidInputError).fields.map((f) => f.path),
      ['body.template'],
    );
  });

  it('refuses a secret outside the stage credentials prefix, by name or by ARN', async () => {
    const { deps, env } = await seeded();
    for (const credentialsSecret of [
      'prod/database-password',
      'nimbus/test/deployments/',
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/database-password-AbCdEf',
    ]) {
      const error = await rejects(
        createTarget(deps, alice, env.id, { ...webhook, credentialsSecret }),
        'invalid-input',
      );
      assert.deepEqual(
        (error as InvalidInputError).fields.map((f) => f.path),
        ['body.credentialsSecret'],
        credentialsSecret,
      );
    }
    await createTarget(deps, alice, env.id, { ...webhook, credentialsSecret: `${PREFIX}agent` });
  });

  it('requires a notification secret with a notification URL', async () => {
    const { deps } = world();

    const error = await rejects(
      createOrganization(deps, alice, { name: 'A', notificationUrl: 'https://hooks.example.com/x' }),
      'invalid-input',
    );

    assert.deepEqual(
      (error as InvalidInputError).fields.map((f) => f.path),
      ['body.notificationSecret'],
    );
  });

  it('refuses a caller without an organization with not-permitted', async () => {
    const { deps } = world();

    await rejects(createOrganization(deps, principal(null), { name: 'none' }), 'not-permitted');
  });

  it('creates the caller’s own organization once: a second create is a conflict', async () => {
    const { deps } = world();

    const org = await createOrganization(deps, alice, { name: 'A' });
    await rejects(createOrganization(deps, alice, { name: 'A again' }), 'conflict');

    assert.equal(org.id, ORG_A);
    assert.match(org.createdBy, /^user:~/);
  });
});

describe('catalog: target endpoint rules', () => {
  const endpointError = async (
    endpoint: string,
    settings = { allowLoopbackHttp: false, allowDryRun: false },
  ) => {
    const { deps, env } = await seeded(settings);
    try {
      await createTarget(deps, alice, env.id, { ...webhook, endpoint });
      return undefined;
    } catch (error) {
      assert.ok(error instanceof InvalidInputError);
      return error.fields.map((f) => f.path);
    }
  };

  it('accepts https', async () => {
    assert.equal(await endpointError('https://agent.example.com:8443/x'), undefined);
  });

  it('accepts http to a loopback host only where the stage allows it', async () => {
    const allowed = { allowLoopbackHttp: true, allowDryRun: false };
    for (const url of ['http://127.0.0.1:9000/x', 'http://localhost/x', 'http://[::1]:9000/x']) {
      assert.equal(await endpointError(url, allowed), undefined, url);
      assert.deepEqual(await endpointError(url), ['body.endpoint'], url);
    }
  });

  it('refuses http to any other host, even where loopback http is allowed', async () => {
    const allowed = { allowLoopbackHttp: true, allowDryRun: false };
    for (const url of ['http://agent.example.com/x', 'http://127.0.0.2/x', 'ftp://localhost/x']) {
      assert.deepEqual(await endpointError(url, allowed), ['body.endpoint'], url);
    }
  });

  it('refuses credentials inside the URL', async () => {
    assert.deepEqual(await endpointError('https://user:pw@agent.example.com/'), ['body.endpoint']);
  });

  it('refuses the dry-run driver unless the stage allows it', async () => {
    const refused = await seeded();
    const allowed = await seeded({ allowLoopbackHttp: false, allowDryRun: true });
    const dryRun = { name: 'demo', kind: 'vm', driver: 'dry-run' } as const;

    const error = await rejects(createTarget(refused.deps, alice, refused.env.id, dryRun), 'invalid-input');
    const made = await createTarget(allowed.deps, alice, allowed.env.id, dryRun);

    assert.deepEqual(
      (error as InvalidInputError).fields.map((f) => f.path),
      ['body.driver'],
    );
    assert.equal(made.driver, 'dry-run');
  });

  it('checks an update against the merged target: switching to webhook needs its fields', async () => {
    const { deps, env } = await seeded({ allowLoopbackHttp: false, allowDryRun: true });
    const demo = await createTarget(deps, alice, env.id, { name: 'demo', kind: 'vm', driver: 'dry-run' });

    await rejects(updateTarget(deps, alice, demo.id, { driver: 'webhook' }, undefined), 'invalid-input');
  });
});

describe('catalog: org scoping', () => {
  it('answers every read and write of org A’s resources to an org B caller with not-found', async () => {
    const { deps, env, target, stack, app } = await seeded();
    const page = { limit: 10 };
    const attempts: Array<[string, Promise<unknown>]> = [
      ['get org', getOrganization(deps, bob, ORG_A)],
      ['update org', updateOrganization(deps, bob, ORG_A, { name: 'x' }, undefined)],
      ['create env', createEnvironment(deps, bob, ORG_A, { name: 'x', type: 'dev' })],
      ['list envs', listEnvironments(deps, bob, ORG_A, page)],
      ['get env', getEnvironment(deps, bob, env.id)],
      ['create target', createTarget(deps, bob, env.id, webhook)],
      ['list targets', listTargets(deps, bob, env.id, page)],
      ['get target', getTarget(deps, bob, target.id)],
      ['update target', updateTarget(deps, bob, target.id, { name: 'x' }, undefined)],
      [
        'create stack',
        createStack(deps, bob, ORG_A, { name: 'x', description: '', template: 't', configuration: {} }),
      ],
      ['get stack', getStack(deps, bob, stack.id)],
      ['update stack', updateStack(deps, bob, stack.id, { template: 't', configuration: {} }, undefined)],
      ['list versions', listStackVersions(deps, bob, stack.id, page)],
      ['create app', createApplication(deps, bob, stack.id, { name: 'x', image: 'x', replicas: 1 })],
      ['list apps', listApplications(deps, bob, stack.id, page)],
      ['get app', getApplication(deps, bob, app.id)],
    ];

    for (const [what, attempt] of attempts) {
      const error = await rejects(attempt, 'not-found');
      assert.doesNotMatch(error.message, /org-a|another/i, what);
    }
  });

  it('answers a resource of another org exactly like a missing one', async () => {
    const { deps, stack } = await seeded();

    const foreign = await rejects(getStack(deps, bob, stack.id), 'not-found');
    const missing = await rejects(getStack(deps, bob, randomUUID()), 'not-found');

    assert.equal(foreign.message, missing.message);
  });
});

describe('catalog: optimistic concurrency', () => {
  it('answers an If-Match naming an old revision with precondition-failed and changes nothing', async () => {
    const { deps, stack } = await seeded();
    await updateStack(deps, alice, stack.id, { template: 'v2', configuration: {} }, ifMatchRevisions('"1"'));

    await rejects(
      updateStack(deps, alice, stack.id, { template: 'v3', configuration: {} }, ifMatchRevisions('"1"')),
      'precondition-failed',
    );
    const { stack: now, latest } = await getStack(deps, alice, stack.id);

    assert.deepEqual([now.revision, now.latestVersion, latest.template], [2, 2, 'v2']);
  });

  it('answers a lost race without If-Match with a retryable conflict, with If-Match with 412', async () => {
    const { store, deps, target } = await seeded();

    store.failNextUpdate = true;
    await rejects(updateTarget(deps, alice, target.id, { name: 'x' }, undefined), 'conflict');
    store.failNextUpdate = true;
    await rejects(
      updateTarget(deps, alice, target.id, { name: 'x' }, ifMatchRevisions('"1"')),
      'precondition-failed',
    );
  });

  it('writes version n + 1 on a stack update and lists versions newest first', async () => {
    const { deps, stack } = await seeded();

    const { stack: updated, latest } = await updateStack(
      deps,
      alice,
      stack.id,
      { template: 'v2', configuration: { a: 'b' } },
      ifMatchRevisions('"1"'),
    );
    const versions = await listStackVersions(deps, alice, stack.id, { limit: 10 });

    assert.deepEqual([updated.revision, updated.latestVersion, latest.version], [2, 2, 2]);
    assert.deepEqual(
      versions.items.map((v) => v.version),
      [2, 1],
    );
  });

  it('reads If-Match: quoted revisions, * and absence mean no precondition, weak or junk match nothing', () => {
    assert.deepEqual(ifMatchRevisions('"3", "4"'), [3, 4]);
    assert.equal(ifMatchRevisions(undefined), undefined);
    assert.equal(ifMatchRevisions('*'), undefined);
    assert.deepEqual(ifMatchRevisions('W/"3"'), []);
    assert.deepEqual(ifMatchRevisions('"abc"'), []);
  });
});

describe('catalog: pagination', () => {
  it('pages a collection and refuses a tampered or malformed cursor with invalid-input', async () => {
    const { deps, env } = await seeded();
    for (let i = 0; i < 4; i++) await createTarget(deps, alice, env.id, { ...webhook, name: `t${i}` });

    const first = await listTargets(deps, alice, env.id, { limit: 3 });
    assert.ok(first.cursor !== null);
    const second = await listTargets(deps, alice, env.id, { limit: 3, cursor: first.cursor });
    const decoded = JSON.parse(Buffer.from(first.cursor, 'base64url').toString()) as Record<string, string>;
    const tampered = encodeCursor({ ...decoded, parent: 'env:someone-elses' });

    assert.equal(first.items.length + second.items.length, 5);
    assert.equal(second.cursor, null);
    for (const cursor of [tampered ?? '', 'not*base64', 'bm90IGpzb24', encodeCursor({ parent: 1 }) ?? '']) {
      const error = await rejects(listTargets(deps, alice, env.id, { limit: 3, cursor }), 'invalid-input');
      assert.deepEqual(
        (error as InvalidInputError).fields.map((f) => f.path),
        ['query.cursor'],
      );
    }
  });

  it('decodes only cursors whose key the collection accepts', () => {
    const cursor = encodeCursor({ gsi1pk: 'ORG#a', gsi1sk: 'ENV#1' });
    const accepts = (key: Readonly<Record<string, string>>) => key.gsi1pk === 'ORG#a';

    assert.deepEqual(decodeCursor(cursor ?? '', accepts), { gsi1pk: 'ORG#a', gsi1sk: 'ENV#1' });
    assert.equal(decodeCursor(undefined, accepts), undefined);
    assert.throws(() => decodeCursor(encodeCursor({ gsi1pk: 'ORG#b' }) ?? '', accepts), InvalidInputError);
    assert.throws(() => decodeCursor(Buffer.from('["x"]').toString('base64url'), accepts), InvalidInputError);
  });
});

describe('catalog: HATEOAS', () => {
  it('offers changes only to a caller holding deployments:write', async () => {
    const { deps, env, target, stack } = await seeded();
    const { latest } = await getStack(deps, viewer, stack.id);
    const names = (view: { _actions: Array<{ name: string }> }) => view._actions.map((a) => a.name);

    assert.deepEqual(names(stackView(alice, stack, latest)), ['update', 'create-application', 'deploy']);
    assert.deepEqual(names(stackView(viewer, stack, latest)), []);
    assert.deepEqual(names(targetView(alice, target)), ['update']);
    assert.deepEqual(names(targetView(viewer, target)), []);
    assert.deepEqual(names(environmentView(viewer, env)), []);
  });

  it('links a stack to itself, its parent and its collections, with input schemas on actions', async () => {
    const { stack } = await seeded();

    const view = stackView(alice, stack);
    const update = view._actions.find((a) => a.name === 'update');

    assert.deepEqual(view._links.self, { href: `/v1/stacks/${stack.id}` });
    assert.deepEqual(view._links.parent, { href: `/v1/organizations/${ORG_A}` });
    assert.deepEqual(view._links.versions, { href: `/v1/stacks/${stack.id}/versions` });
    assert.equal(update?.method, 'PUT');
    const schema = update?.schema as { required?: string[] } | undefined;
    assert.deepEqual([...(schema?.required ?? [])].sort(), ['configuration', 'template']);
  });
});

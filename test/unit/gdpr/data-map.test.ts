import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { App } from 'aws-cdk-lib';
import { Table } from 'aws-cdk-lib/aws-dynamodb';
import { DATA_MAP, ERASED_STORES, NON_PERSONAL_KEY_BUILDERS } from '#functions/gdpr/domain/data-map.ts';
import { STAGE_CONFIGS } from '#lib/config/stages.ts';
import { StatefulStack } from '#lib/stacks/stateful-stack.ts';
import * as tableKeys from '#shared/store/table-keys.ts';
import { functionEnvironment } from '../../support/function-env.ts';

describe('the GDPR data map', () => {
  it('claims every item kind of the single-table layout, or declares it free of personal data', () => {
    const claimed = new Set([
      ...DATA_MAP.flatMap((entry) => entry.keyBuilders ?? []),
      ...NON_PERSONAL_KEY_BUILDERS,
    ]);
    // Partition constants of index items travel with their builders (the key builders claim them).
    const builders = Object.keys(tableKeys).filter((name) => !/^[A-Z0-9_]+_PK$/.test(name));

    const unclaimed = builders.filter((name) => !claimed.has(name));

    assert.deepEqual(unclaimed, [], 'a table-keys export no data-map entry claims');
    const stale = [...claimed].filter((name) => !builders.includes(name));
    assert.deepEqual(stale, [], 'a data-map entry names a key builder that no longer exists');
  });

  it('has a location for every table the stateful stack creates', () => {
    const stack = new StatefulStack(new App(), 'DataMapCheck', { config: STAGE_CONFIGS.local });
    const tables = stack.node
      .findAll()
      .filter((c) => c instanceof Table)
      .map((t) => t.node.id);
    const locationOf: Record<string, string> = {
      AppTable: 'app-table',
      EventsTable: 'events-table',
      PersonalKeysTable: 'personal-keys-table',
    };

    for (const table of tables) {
      const location = locationOf[table];
      assert.ok(location, `table ${table} has no data-map location: declare what it holds`);
      assert.ok(
        DATA_MAP.some((entry) => entry.location === location),
        `no data-map entry for ${table}`,
      );
    }
  });

  it('gives every erased store an adapter, and no adapter lacks an entry', async () => {
    Object.assign(process.env, functionEnvironment());
    const { personalDataStores } = await import('#functions/compose/gdpr.ts');

    const adapters = [...personalDataStores().keys()].sort();

    assert.deepEqual(adapters, [...ERASED_STORES].sort());
  });

  it('erases the personal keys last: once they are gone the trail and the ledger read as erased', () => {
    assert.equal(ERASED_STORES.at(-1), 'personal-keys');
  });

  it('names a rule and a retention class for every entry, and the fields an anonymisation rewrites', () => {
    for (const entry of DATA_MAP) {
      assert.ok(entry.fields.length > 0, `${entry.id} lists its personal fields`);
      if (entry.rule.kind === 'anonymise') assert.ok(Object.keys(entry.rule.fields).length > 0, entry.id);
      assert.equal(entry.erasedBy === 'masking', entry.rule.kind === 'mask', entry.id);
    }
  });
});

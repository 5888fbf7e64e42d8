import { randomUUID } from 'node:crypto';
import { after } from 'node:test';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { deriveKey } from '#shared/crypto-box.ts';
import {
  dynamoPersonalKeys,
  PERSONAL_KEYS_CONTEXT,
  type PersonalKeys,
} from '#shared/privacy/personal-keys.ts';
import { PSEUDONYM_CONTEXT } from '#shared/privacy/pseudonym.ts';

/**
 * A personal-keys table of this test process on the emulator (the deployed stack may not have one
 * yet): uniquely named, created on first use, deleted when the process's tests are done. Keys are
 * derived from a fresh material each process, as the functions derive theirs from the data-key secret.
 */
export interface TestPersonalKeys {
  readonly tableName: string;
  readonly keys: PersonalKeys;
  /** The pseudonym key, for tests that look at raw items. */
  readonly pseudonymKey: Buffer;
}

const client = new DynamoDBClient({});
const tableName = `nimbus-it-personal-keys-${randomUUID()}`;
const material = `integration-${randomUUID()}`;
const masterKey = deriveKey(material, PERSONAL_KEYS_CONTEXT);
const pseudonymKey = deriveKey(material, PSEUDONYM_CONTEXT);
let created: Promise<void> | undefined;

async function create(): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  for (let attempt = 0; attempt < 50; attempt++) {
    const out = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (out.Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${tableName} did not become active`);
}

after(async () => {
  if (created !== undefined) {
    await created.catch(() => undefined);
    await client.send(new DeleteTableCommand({ TableName: tableName }));
  }
});

const ready = () => {
  created ??= create();
  return created;
};

/** Each call waits for the table, then runs on it. */
function onTable(keys: PersonalKeys): PersonalKeys {
  const whenReady =
    <A extends unknown[], T>(run: (...args: A) => Promise<T>) =>
    async (...args: A): Promise<T> => {
      await ready();
      return run(...args);
    };
  return {
    pseudonymOf: keys.pseudonymOf,
    keyFor: whenReady(keys.keyFor),
    open: whenReady(keys.open),
    destroyAll: whenReady(keys.destroyAll),
    count: whenReady(keys.count),
  };
}

/** The process's personal keys (one table), with the clock `now` deciding what has expired. */
export function testPersonalKeys(now: () => Date = () => new Date()): TestPersonalKeys {
  const keys = dynamoPersonalKeys({
    tableName,
    masterKey: async () => masterKey,
    pseudonymKey: async () => pseudonymKey,
    retentionDays: 365,
    now,
  });
  return { tableName, keys: onTable(keys), pseudonymKey };
}

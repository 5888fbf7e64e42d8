#!/usr/bin/env node
/**
 * Creates the first administrator of a deployed stage, talking to its tables with the operator's
 * AWS credentials:
 *
 *   npm run admin:create -- --stage dev --email ops@example.com [--name "Ops"] [--password ...]
 *
 * Without --password a strong one is generated and printed once. `--output FILE` writes
 * { email, password, userId } (mode 600) instead of printing; `npm start` uses it for the local admin.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { authEnvironment } from '../functions/auth/config.ts';
import { bindingsEnvironment } from '../functions/shared/config/bindings.ts';
import { stackName } from '../lib/config/names.ts';
import { resolveStage } from '../lib/config/resolve-stage.ts';

const { values } = parseArgs({
  options: {
    stage: { type: 'string' },
    email: { type: 'string' },
    name: { type: 'string', default: 'Administrator' },
    password: { type: 'string' },
    output: { type: 'string' },
  },
});
if (!values.stage || !values.email) {
  process.stderr.write(
    'usage: admin-create --stage <stage> --email <email> [--name N] [--password P] [--output FILE]\n',
  );
  process.exit(2);
}
const config = resolveStage(values.stage);

// A previous run's credentials are kept if that account still exists (npm start runs this each time).
if (values.output && existsSync(values.output)) {
  const previous = JSON.parse(readFileSync(values.output, 'utf8')) as { email?: string; password?: string };
  if (previous.email === values.email && previous.password) values.password ??= previous.password;
}

const cfn = new CloudFormationClient({});
const statefulStack = stackName(config.stage, 'Stateful');
const stack = (await cfn.send(new DescribeStacksCommand({ StackName: statefulStack }))).Stacks?.[0];
const output = (key: string): string => {
  const value = stack?.Outputs?.find((o) => o.OutputKey === key)?.OutputValue;
  if (!value) throw new Error(`${statefulStack} has no output ${key}: is the stage deployed?`);
  return value;
};

Object.assign(process.env, {
  // The audit trail seals the admin's personal fields with their data key (0011).
  ...bindingsEnvironment({
    appTable: output('AppTableName'),
    eventsTable: output('EventsTableName'),
    personalKeysTable: output('PersonalKeysTableName'),
    dataKeySecret: output('DataKeySecretArn'),
  }),
  ...authEnvironment(config.auth),
  POWERTOOLS_LOG_LEVEL: 'ERROR',
});
// Imported after the environment is set: the stores read it when they are created.
const { authDeps } = await import('../functions/auth/deps.ts');
const { ensureAdmin } = await import('../functions/auth/use-cases/credentials.ts');

const password = values.password ?? randomBytes(18).toString('base64url');
if (password.length < 12) throw new Error('the password must have at least 12 characters');
const { user, created } = await ensureAdmin(authDeps(), { email: values.email, password, name: values.name });

if (!created && !values.password) {
  process.stdout.write(`admin ${user.email} already exists (${user.id}); password unchanged\n`);
} else if (values.output) {
  writeFileSync(
    values.output,
    `${JSON.stringify({ email: user.email, password, userId: user.id }, null, 2)}\n`,
    {
      mode: 0o600,
    },
  );
  process.stdout.write(
    `admin ${user.email} ${created ? 'created' : 'exists'}; credentials in ${values.output}\n`,
  );
} else {
  process.stdout.write(`admin ${user.email} created (${user.id})\npassword (shown once): ${password}\n`);
}

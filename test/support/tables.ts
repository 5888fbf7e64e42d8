/**
 * The deployed tables of the local stack, read once at module scope. `npm test` sets these; by hand,
 * export them from `.local/outputs.json` (AppTableName, EventsTableName) with the AWS_* variables.
 */
function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(
      `${name} must be set for the integration tests: run them through \`npm test\`, or export it by hand ` +
        '(table names from .local/outputs.json, AWS_ENDPOINT_URL=http://127.0.0.1:4566)',
    );
  }
  return value;
}

// Without an endpoint the SDK would go to real AWS with whatever credentials it finds.
required('AWS_ENDPOINT_URL');

export const APP_TABLE = required('APP_TABLE_NAME');
export const EVENTS_TABLE = required('EVENTS_TABLE_NAME');
export const PERSONAL_KEYS_TABLE = required('PERSONAL_KEYS_TABLE_NAME');

import { readSecretString } from '../../../functions/shared/clients/secrets.ts';

/**
 * Bundled as a function by `test/cdk/feature-function.test.ts`: one signed SDK call, so the test
 * can see which credentials a function bundle signs with.
 */
export const handler = async (): Promise<string> => readSecretString('credentials-probe');

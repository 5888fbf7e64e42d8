import { optionalEnv } from '#shared/env.ts';
import { httpHandler } from '#shared/http/pipeline.ts';
import { version } from '../routes.ts';

const info = {
  name: 'nimbus',
  version: optionalEnv('NIMBUS_VERSION', '0.0.0'),
  commit: optionalEnv('NIMBUS_COMMIT', 'unknown'),
  stage: optionalEnv('NIMBUS_STAGE', 'unknown'),
  buildTime: optionalEnv('NIMBUS_BUILD_TIME', 'unknown'),
};

export const handler = httpHandler(version, async () => ({ body: info }));

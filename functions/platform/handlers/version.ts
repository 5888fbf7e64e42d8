import { buildInfoFromEnv } from '#shared/config/build.ts';
import { httpHandler } from '#shared/http/pipeline.ts';
import { version } from '../routes.ts';

const { version: semver, commit, stage, buildTime } = buildInfoFromEnv();
const info = { name: 'nimbus', version: semver, commit, stage, buildTime };

export const handler = httpHandler(version, async () => ({ body: info }));

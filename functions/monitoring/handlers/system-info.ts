import { httpHandler } from '#shared/http/pipeline.ts';
import { systemInfoDeps } from '../deps.ts';
import { systemInfo as route } from '../routes.ts';
import { systemInfo } from '../use-cases/health.ts';

const deps = await systemInfoDeps();

export const handler = httpHandler(route, async () => ({ body: await systemInfo(deps) }));

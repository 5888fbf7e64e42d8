import { httpHandler } from '#shared/http/pipeline.ts';
import { signingKeyRotationDeps } from '../deps.ts';
import { signingKeysStatus as route } from '../routes.ts';
import { signingKeyStatus } from '../use-cases/signing-key-rotation.ts';

const deps = signingKeyRotationDeps();

export const handler = httpHandler(route, async () => ({ body: await signingKeyStatus(deps, deps.now()) }));

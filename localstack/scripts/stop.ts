import { log } from './local-env.ts';
import { down } from './up.ts';

// Stops every process the local tooling started (a redis-server that was already running stays).
await down(['ministack', 'redis', 'bridge']);
log('stopped');

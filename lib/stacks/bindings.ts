import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { authEnvironment } from '../../functions/auth/config.ts';
import { jobsEnvironment } from '../../functions/jobs/config.ts';
import { apiKeyRotationEnvironment } from '../../functions/shared/config/api-keys.ts';
import { BINDING_ENV } from '../../functions/shared/config/bindings.ts';
import { rateLimitEnvironment } from '../../functions/shared/config/rate-limits.ts';
import { redisEnvironment } from '../../functions/shared/config/redis.ts';
import type { ResourceNeed } from '../../functions/shared/http/route.ts';
import type { StageConfig } from '../config/stages.ts';
import type { FeatureFunction } from '../constructs/feature-function.ts';
import type { StatefulStack } from './stateful-stack.ts';

export type Bind = (fn: FeatureFunction, needs: readonly ResourceNeed[]) => void;

/**
 * Each `needs` entry of a route or a job becomes exactly one binding: env var + narrowest grant.
 * The variables' names and formats come from the modules the functions read them with. Routes
 * and jobs share this one map, so a need means the same grant wherever it is declared.
 */
export function needBinder(
  config: StageConfig,
  stateful: StatefulStack,
  resources: { readonly alertTopic: ITopic },
): Bind {
  const { appTable, eventsTable, appTableIndexes } = stateful;
  const setEnvironment = (fn: FeatureFunction, environment: Record<string, string>) => {
    for (const [name, value] of Object.entries(environment)) fn.addEnvironment(name, value);
  };
  const bindings: Record<ResourceNeed, (fn: FeatureFunction) => void> = {
    'app:read': (fn) => fn.bindTable(appTable, BINDING_ENV.appTable, 'read', appTableIndexes),
    'app:readWrite': (fn) => fn.bindTable(appTable, BINDING_ENV.appTable, 'readWrite', appTableIndexes),
    'events:append': (fn) => fn.bindTable(eventsTable, BINDING_ENV.eventsTable, 'append'),
    'events:read': (fn) => fn.bindTable(eventsTable, BINDING_ENV.eventsTable, 'read'),
    redis: (fn) => {
      setEnvironment(fn, redisEnvironment(config.redis));
      fn.bindSecret(stateful.upstashSecret, BINDING_ENV.upstashTokenSecret);
      setEnvironment(fn, rateLimitEnvironment({ overrides: config.rateLimits }));
    },
    'signingKeys:read': (fn) => fn.bindSecret(stateful.signingKeysSecret, BINDING_ENV.signingKeysSecret),
    'signingKeys:rotate': (fn) =>
      fn.bindSecret(stateful.signingKeysSecret, BINDING_ENV.signingKeysSecret, 'rotate'),
    'dataKey:read': (fn) => fn.bindSecret(stateful.dataKeySecret, BINDING_ENV.dataKeySecret),
    auth: (fn) => setEnvironment(fn, authEnvironment(config.auth)),
    'alerts:publish': (fn) => fn.bindTopic(resources.alertTopic, BINDING_ENV.alertTopic),
    jobs: (fn) => setEnvironment(fn, jobsEnvironment(config.jobs)),
    apiKeyRotation: (fn) => setEnvironment(fn, apiKeyRotationEnvironment(config.apiKeyRotation)),
  };
  return (fn, needs) => {
    for (const need of new Set(needs)) bindings[need](fn);
  };
}

/**
 * §2's pipeline as a function ships it: `pipeline.ts` bundles this entry with `bundleEntry` and the
 * bench route's profile, as FeatureFunction bundles a route's handler, and times the bundle.
 */
import { httpHandler } from '#shared/http/pipeline.ts';
import { benchImpl, benchRoute } from './support.ts';

export const handler = httpHandler(benchRoute, benchImpl);

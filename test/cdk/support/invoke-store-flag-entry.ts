/** A bundle entry for bundle-plugins.test.ts: Powertools' invoke-store flag, as function bundles carry it. */
export { shouldUseInvokeStore } from '@aws-lambda-powertools/commons/utils/env';

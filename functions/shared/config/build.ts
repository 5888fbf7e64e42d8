import { optionalEnv } from '../env.ts';

/** Build facts baked into every function (reported by GET /version, the stage also tags metrics). */
export interface BuildInfo {
  readonly stage: string;
  readonly version: string;
  readonly commit: string;
  readonly buildTime: string;
}

/**
 * The version of the code being built (npm sets `npm_package_version` for its scripts). Read
 * where functions are built: FeatureFunction's build facts and build-time modules.
 */
export function packageVersion(): string {
  return process.env.npm_package_version ?? '0.1.0';
}

export function buildEnvironment(info: BuildInfo): Record<string, string> {
  return {
    NIMBUS_STAGE: info.stage,
    NIMBUS_VERSION: info.version,
    NIMBUS_COMMIT: info.commit,
    NIMBUS_BUILD_TIME: info.buildTime,
  };
}

/** Defaults say "unknown" rather than fail: code run outside a deployed function has no build facts. */
export function buildInfoFromEnv(): BuildInfo {
  return {
    stage: optionalEnv('NIMBUS_STAGE', 'unknown'),
    version: optionalEnv('NIMBUS_VERSION', '0.0.0'),
    commit: optionalEnv('NIMBUS_COMMIT', 'unknown'),
    buildTime: optionalEnv('NIMBUS_BUILD_TIME', 'unknown'),
  };
}

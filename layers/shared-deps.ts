import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { REPO_ROOT } from '../lib/config/names.ts';

/**
 * The heavy third-party dependencies every handler shares: what the shared-dependencies layer
 * holds, and what functions are bundled without when it is on. esbuild `external` patterns; a
 * package pattern also covers its subpaths.
 */
export const SHARED_DEP_PATTERNS: readonly string[] = [
  '@aws-lambda-powertools/*',
  '@middy/*',
  '@aws-sdk/*',
  '@smithy/*',
  '@upstash/*',
  'zod',
  'jose',
];

/** Package name of a bare specifier: `@scope/name/sub` → `@scope/name`, `zod/v4` → `zod`. */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

export function isSharedDep(specifier: string): boolean {
  const pkg = packageName(specifier);
  return SHARED_DEP_PATTERNS.some((pattern) =>
    pattern.endsWith('/*') ? pkg.startsWith(pattern.slice(0, -1)) : pkg === pattern,
  );
}

/**
 * Every Lambda entry file, `functions/<feature>/handlers/*.ts`, relative to the repository root:
 * the handlers whose imports the layer serves.
 */
export function findHandlers(root = REPO_ROOT): string[] {
  const functionsDir = join(root, 'functions');
  const entries: string[] = [];
  for (const feature of readdirSync(functionsDir, { withFileTypes: true })) {
    if (!feature.isDirectory()) continue;
    const handlersDir = join(functionsDir, feature.name, 'handlers');
    let files: string[];
    try {
      files = readdirSync(handlersDir);
    } catch {
      continue;
    }
    for (const file of files.sort()) {
      if (file.endsWith('.ts') && !file.endsWith('.d.ts')) {
        entries.push(relative(root, join(handlersDir, file)).split(sep).join('/'));
      }
    }
  }
  return entries;
}

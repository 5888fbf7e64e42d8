import { randomUUID } from 'node:crypto';
import type { SigningKeyRotationSettings } from '#functions/auth/config.ts';
import type { LogAttributes, SigningKeyMetric, SigningKeyRotationDeps } from '#functions/auth/deps.ts';
import { generateSigningKey } from '#functions/auth/domain/jwt.ts';
import { serializeStoredKey, type VersionStage } from '#functions/auth/domain/signing-key-versions.ts';
import type { SecretDescription, SigningKeySecret } from '#functions/auth/store/signing-keys.ts';
import type { NewAuditEvent } from '#shared/audit/event-store.ts';

/**
 * An in-memory signing-key secret with Secrets Manager's label rules (as AWS documents them, which
 * the local emulator does not all enforce): a label is on one version at most; moving `AWSCURRENT`
 * puts `AWSPREVIOUS` on the version it left; a token reused with another value is refused; removing
 * a label the version does not carry is refused.
 */
export class FakeSigningKeySecret implements SigningKeySecret {
  readonly versions = new Map<string, { value: string; stages: Set<string> }>();
  rotationEnabled = false;
  nextRotationAt: Date | null = null;
  readonly rotateCalls: string[] = [];

  private label(stage: string, versionId: string | undefined): void {
    for (const version of this.versions.values()) version.stages.delete(stage);
    if (versionId !== undefined) this.versions.get(versionId)?.stages.add(stage);
  }

  async describe(): Promise<SecretDescription> {
    return {
      rotationEnabled: this.rotationEnabled,
      nextRotationAt: this.nextRotationAt,
      versions: Object.fromEntries([...this.versions].map(([id, version]) => [id, [...version.stages]])),
    };
  }

  async readVersion(versionId: string, stage: VersionStage): Promise<string | undefined> {
    const version = this.versions.get(versionId);
    return version?.stages.has(stage) ? version.value : undefined;
  }

  async readStage(stage: VersionStage): Promise<{ versionId: string; value: string } | undefined> {
    for (const [versionId, version] of this.versions) {
      if (version.stages.has(stage)) return { versionId, value: version.value };
    }
    return undefined;
  }

  async putPending(token: string, value: string): Promise<void> {
    const existing = this.versions.get(token);
    if (existing !== undefined && existing.value !== value) {
      throw Object.assign(new Error('version exists with another value'), {
        name: 'ResourceExistsException',
      });
    }
    if (existing === undefined) this.versions.set(token, { value, stages: new Set() });
    this.label('AWSPENDING', token);
  }

  async moveCurrent(toVersionId: string, fromVersionId: string): Promise<void> {
    if (!this.versions.get(fromVersionId)?.stages.has('AWSCURRENT')) {
      throw Object.assign(new Error('AWSCURRENT is not on that version'), {
        name: 'InvalidParameterException',
      });
    }
    if (!this.versions.has(toVersionId)) throw new Error(`no version ${toVersionId}`);
    this.label('AWSCURRENT', toVersionId);
    this.label('AWSPREVIOUS', fromVersionId);
  }

  async removePending(versionId: string): Promise<void> {
    const version = this.versions.get(versionId);
    if (!version?.stages.has('AWSPENDING')) {
      throw Object.assign(new Error('AWSPENDING is not on that version'), {
        name: 'InvalidParameterException',
      });
    }
    version.stages.delete('AWSPENDING');
  }

  async putCurrent(value: string): Promise<void> {
    const previous = (await this.readStage('AWSCURRENT'))?.versionId;
    const versionId = randomUUID();
    this.versions.set(versionId, { value, stages: new Set() });
    this.label('AWSCURRENT', versionId);
    if (previous !== undefined) this.label('AWSPREVIOUS', previous);
  }

  async rotate(token: string): Promise<{ versionId: string }> {
    this.rotateCalls.push(token);
    return { versionId: token };
  }

  /** Labels of every version still labelled, by version id. */
  labels(): Record<string, string[]> {
    return Object.fromEntries(
      [...this.versions].filter(([, v]) => v.stages.size > 0).map(([id, v]) => [id, [...v.stages].sort()]),
    );
  }
}

/** A fake secret holding one current key created at `createdAt`. */
export async function secretWithCurrentKey(createdAt: Date): Promise<FakeSigningKeySecret> {
  const secret = new FakeSigningKeySecret();
  const { status: _status, ...key } = await generateSigningKey(createdAt, 'current');
  await secret.putCurrent(serializeStoredKey(key));
  return secret;
}

export interface CapturedLog {
  readonly level: 'info' | 'error';
  readonly message: string;
  readonly attributes: LogAttributes;
}

/** Rotation deps over `secret`, recording audit events, invalidations, metrics and log lines. */
export function rotationDeps(
  secret: SigningKeySecret,
  options: { readonly settings?: Partial<SigningKeyRotationSettings>; readonly now?: () => Date } = {},
) {
  const recorded = {
    events: [] as NewAuditEvent[],
    invalidations: [] as (readonly string[])[],
    metrics: [] as SigningKeyMetric[],
    logs: [] as CapturedLog[],
  };
  const deps: SigningKeyRotationDeps = {
    secret,
    events: {
      async append(event) {
        recorded.events.push(event);
        return { ...event, version: recorded.events.length, at: '', correlationId: null, data: {}, id: '' };
      },
    },
    invalidateTags: async (tags) => {
      recorded.invalidations.push(tags);
    },
    countMetric: (name) => recorded.metrics.push(name),
    log: {
      info: (message, attributes) => recorded.logs.push({ level: 'info', message, attributes }),
      error: (message, attributes) => recorded.logs.push({ level: 'error', message, attributes }),
    },
    settings: { everyDays: 30, rotatedBy: 'nimbus', ...options.settings },
    now: options.now ?? (() => new Date()),
    newToken: () => randomUUID(),
  };
  return { deps, recorded };
}

/**
 * Whether any captured text holds private key material: a JWK `d` member, or the `d` value of one
 * of `keys`. Log scans call it on everything a test captured.
 */
export function holdsKeyMaterial(captured: unknown, privateDs: readonly string[]): boolean {
  const text = JSON.stringify(captured);
  return /"d"\s*:/.test(text) || privateDs.some((d) => text.includes(d));
}

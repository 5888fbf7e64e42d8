import type { ResourceNeed } from '#shared/http/route.ts';
import type { JobName } from './config.ts';

/** One scheduled job: a Lambda of its own fired by an EventBridge rule on the stage's schedule. */
export interface JobDef {
  /** Key of its schedule in the stage config (`jobs.schedules`). */
  readonly name: JobName;
  /** Kebab-case id: names the audit subject of its runs (`job:<id>`) and its metrics' `job` dimension. */
  readonly id: string;
  readonly handler: string;
  readonly description: string;
  /** What the function reads and writes, bound as a route's `needs` are (and nothing more). */
  readonly needs: readonly ResourceNeed[];
  /** The stack that deploys it: the API stack, or the GDPR stack beside the workflows it serves. */
  readonly stack: 'Api' | 'Gdpr' | 'Observability';
}

/**
 * The job table, as `functions/routes.ts` is the route table: the API stack makes a Job construct
 * (function + rule) of each row, the CDK tests check each one's schedule and grants, and the
 * README and docs/decisions/0009-scheduled-jobs.md describe them.
 */
export const jobs: readonly JobDef[] = [
  {
    name: 'rotateDue',
    id: 'rotate-due',
    handler: 'functions/jobs/handlers/rotate-due.ts',
    description: 'Scheduled: rotates the signing keys and API keys whose rotation is due',
    // Identity's rotation writes the key set and audits; the keys feature rewrites due keys in the
    // app table and audits; both drop cached verdicts through Redis.
    needs: [
      'app:readWrite',
      'events:append',
      'signingKeys:steps',
      'auth',
      'redis',
      'dataKey:read',
      'apiKeyRotation',
    ],
    stack: 'Api',
  },
  {
    name: 'expiryWatch',
    id: 'expiry-watch',
    handler: 'functions/jobs/handlers/expiry-watch.ts',
    description: 'Scheduled: warns about keys expiring or overdue for rotation (metrics, alarm topic, audit)',
    // The keys feature's job deps also seal rotated secrets (data key) and know the overlap.
    needs: [
      'app:read',
      'events:append',
      'signingKeys:read',
      'auth',
      'alerts:publish',
      'jobs',
      'dataKey:read',
      'apiKeyRotation',
    ],
    stack: 'Api',
  },
  {
    name: 'retentionCleanup',
    id: 'retention-cleanup',
    handler: 'functions/jobs/handlers/retention-cleanup.ts',
    description:
      'Scheduled: deletes personal data past its retention class (sessions, exports, receipts, audit data keys) and raises overdue erasures',
    // Scans and deletes in the app and personal-keys tables; audits its run; alerts on overdue erasures.
    needs: ['app:readWrite', 'personalKeys:shred', 'events:append', 'gdpr', 'alerts:publish'],
    stack: 'Gdpr',
  },
  {
    name: 'healthCanary',
    id: 'health-canary',
    handler: 'functions/monitoring/handlers/health-canary.ts',
    description:
      'Scheduled: calls GET /health/ready through the front door; the canary alarm fires on a failure or a silence',
    // It calls the API over HTTPS like any client: no table, secret or Redis.
    needs: [],
    stack: 'Observability',
  },
];

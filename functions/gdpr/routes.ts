import * as z from 'zod';
import { routeBuilders } from '#shared/http/route.ts';
import { ERASURE_REASONS } from './domain/requests.ts';

/**
 * The right of access (exports) and the right to erasure. Any signed-in person (`gdpr:own`)
 * may act on themselves; acting on anyone else needs `gdpr:admin` (checked in the use cases). API
 * keys hold neither: a machine caller never exports or erases a person.
 */
const { principalRoute } = routeBuilders({ tags: ['gdpr'], needs: ['app:readWrite', 'redis', 'gdpr'] });

const userId = z.uuid();
const storeReport = z.object({
  store: z.string(),
  items: z.number(),
  fields: z.object({
    erased: z.array(z.string()),
    anonymised: z.array(z.string()),
    shredded: z.array(z.string()),
  }),
});
const erasure = z.object({
  erasureId: z.string(),
  status: z.enum(['pending', 'running', 'completed', 'failed', 'cancelled']),
  reason: z.enum(ERASURE_REASONS),
  requestedAt: z.string(),
  notBefore: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  failedStore: z.string().nullable(),
  stores: z.array(storeReport.extend({ status: z.string(), at: z.string() })),
  receipt: z.record(z.string(), z.unknown()).nullable(),
});

export const createExport = principalRoute({
  id: 'gdpr.export-create',
  method: 'POST',
  path: '/v1/gdpr/exports',
  handler: 'functions/gdpr/handlers/export-create.ts',
  summary:
    'Ask for a machine-readable export of everything Nimbus holds about a person (assembled in the background)',
  permission: 'gdpr:own',
  needs: ['app:readWrite', 'events:append', 'redis', 'gdpr', 'gdpr:exports'],
  request: { body: z.strictObject({ userId }) },
  responses: {
    202: {
      description: 'Queued: poll the export',
      schema: z.object({ exportId: z.string(), status: z.literal('queued'), expiresAt: z.string() }),
    },
    403: { description: 'Another person, without `gdpr:admin`' },
    404: { description: 'No such user' },
  },
});

export const getExport = principalRoute({
  id: 'gdpr.export-get',
  method: 'GET',
  path: '/v1/gdpr/exports/{exportId}',
  handler: 'functions/gdpr/handlers/export-get.ts',
  summary: 'An export: its status and, once ready, the document (until it expires)',
  permission: 'gdpr:own',
  request: { params: z.object({ exportId: z.uuid() }) },
  responses: {
    200: {
      description: 'The export',
      schema: z.object({
        exportId: z.string(),
        status: z.enum(['queued', 'running', 'ready', 'failed']),
        requestedAt: z.string(),
        readyAt: z.string().nullable(),
        expiresAt: z.string(),
        document: z.record(z.string(), z.unknown()).nullable(),
      }),
    },
    404: { description: 'No such export, or it expired, or it is not yours' },
  },
});

export const createErasure = principalRoute({
  id: 'gdpr.erasure-create',
  method: 'POST',
  path: '/v1/gdpr/erasures',
  handler: 'functions/gdpr/handlers/erasure-create.ts',
  summary:
    'Ask for the erasure of a person: the account is locked at once and erased by the workflow after the grace period',
  permission: 'gdpr:own',
  needs: ['app:readWrite', 'events:append', 'redis', 'gdpr', 'gdpr:erasures'],
  request: { body: z.strictObject({ userId, reason: z.enum(ERASURE_REASONS) }) },
  responses: {
    202: { description: 'Accepted: pending until its grace period ends', schema: erasure },
    403: { description: 'Another person, without `gdpr:admin`' },
    404: { description: 'No such user' },
    409: { description: 'An erasure of this person is already open (`erasure-open`, its id in `erasureId`)' },
  },
});

export const getErasure = principalRoute({
  id: 'gdpr.erasure-get',
  method: 'GET',
  path: '/v1/gdpr/erasures/{erasureId}',
  handler: 'functions/gdpr/handlers/erasure-get.ts',
  summary: 'An erasure: status, per-store progress and, once completed, its receipt',
  permission: 'gdpr:own',
  request: { params: z.object({ erasureId: z.uuid() }) },
  responses: {
    200: { description: 'The erasure', schema: erasure },
    404: { description: 'No such erasure, or not yours' },
  },
});

export const cancelErasure = principalRoute({
  id: 'gdpr.erasure-cancel',
  method: 'DELETE',
  path: '/v1/gdpr/erasures/{erasureId}',
  handler: 'functions/gdpr/handlers/erasure-cancel.ts',
  summary: 'Cancel an erasure still in its grace period: the account is unlocked, nothing was erased',
  permission: 'gdpr:own',
  needs: ['app:readWrite', 'events:append', 'redis', 'gdpr', 'gdpr:erasures'],
  request: { params: z.object({ erasureId: z.uuid() }) },
  responses: {
    200: { description: 'Cancelled', schema: erasure },
    404: { description: 'No such erasure, or not yours' },
    409: { description: 'Past its point of no return (`erasure-not-cancellable`)' },
  },
});

export const gdprRequestRoutes = [createExport, getExport, createErasure, getErasure, cancelErasure] as const;

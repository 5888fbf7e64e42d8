import { workflowDeps } from '#functions/compose/gdpr.ts';
import { sqsBatchHandler } from '#shared/workers.ts';
import { assembleExport } from '../use-cases/exports.ts';

const deps = workflowDeps();

/** SQS (export queue): one export per message; a failed one is reported alone (partial batch failure). */
export const handler = sqsBatchHandler('gdpr-export', async (message: { exportId?: unknown }) => {
  if (typeof message.exportId !== 'string') throw new Error('message without exportId');
  await assembleExport(deps, message.exportId);
});

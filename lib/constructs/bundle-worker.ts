import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { build } from 'esbuild';
import { type FunctionBundleJob, functionBuildOptions } from './bundling.ts';

/** The worker of `bundle-sync.ts`: one build per message, reply first, then wake the caller. */
const { replies } = workerData as { replies: MessagePort };

parentPort?.on('message', async ({ job, done }: { job: FunctionBundleJob; done: Int32Array }) => {
  try {
    await build(functionBuildOptions(job));
    replies.postMessage({});
  } catch (error) {
    replies.postMessage({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  } finally {
    Atomics.store(done, 0, 1);
    Atomics.notify(done, 0);
  }
});

import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { FunctionBundleJob } from './bundling.ts';

/**
 * Builds a function synchronously, as CDK's asset bundling asks (`ILocalBundling.tryBundle` may
 * not return a promise), with esbuild's JavaScript API, which plugins need and which is async:
 * one worker thread per process runs the builds (esbuild's service stays warm across functions)
 * while the caller waits on a shared flag. The worker inherits the process's `--import tsx`, so
 * the plugins can evaluate our TypeScript modules at build time.
 */
interface Reply {
  readonly error?: string;
}

let worker: { readonly thread: Worker; readonly replies: MessageChannel['port1'] } | undefined;

function started() {
  if (worker) return worker;
  const channel = new MessageChannel();
  const thread = new Worker(new URL('./bundle-worker.ts', import.meta.url), {
    workerData: { replies: channel.port2 },
    transferList: [channel.port2],
  });
  // Idle between builds; it must not keep a finished synth (or test run) alive.
  thread.unref();
  worker = { thread, replies: channel.port1 };
  return worker;
}

/** Writes `job.outfile` and its source map; throws esbuild's errors. */
export function bundleFunctionSync(job: FunctionBundleJob): void {
  const { thread, replies } = started();
  const done = new Int32Array(new SharedArrayBuffer(4));
  thread.postMessage({ job, done });
  // Builds take seconds at most; a wedged worker should fail the synth, not hang it.
  if (Atomics.wait(done, 0, 0, 120_000) === 'timed-out') {
    throw new Error(`Bundling ${job.entry} timed out after 120 s`);
  }
  const reply = receiveMessageOnPort(replies)?.message as Reply | undefined;
  if (reply === undefined) throw new Error(`Bundling ${job.entry}: the worker sent no reply`);
  if (reply.error !== undefined) throw new Error(`Bundling ${job.entry} failed:\n${reply.error}`);
}

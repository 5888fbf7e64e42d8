import type { Driver, DriverAction, DriverCall, DriverResult } from './driver.ts';

/**
 * For demos, on stages that allow it (`allowDryRun`): touches nothing, records what it would have
 * done (the caller's `record`, e.g. the deployment's log) and succeeds.
 */
export function dryRunDriver(
  record: (action: DriverAction, call: DriverCall) => Promise<void> = async () => {},
): Driver {
  const act =
    (action: DriverAction) =>
    async (call: DriverCall): Promise<DriverResult> => {
      await record(action, call);
      return {
        status: 'succeeded',
        message: `dry run: ${action} of version ${call.deployment.version} (${call.rendered.length} characters rendered) not sent to the target`,
      };
    };
  return { deploy: act('deploy'), undo: act('undo'), health: act('health') };
}

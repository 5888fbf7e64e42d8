import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

/** Sends a custom resource's outcome to the pre-signed ResponseURL CloudFormation waits on. */
export async function sendCfnResponse(
  event: CloudFormationCustomResourceEvent,
  outcome: {
    status: 'SUCCESS' | 'FAILED';
    physicalResourceId: string;
    reason?: string;
    data?: Record<string, string>;
  },
): Promise<void> {
  const body = JSON.stringify({
    Status: outcome.status,
    Reason: outcome.reason ?? 'see the function logs',
    PhysicalResourceId: outcome.physicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    Data: outcome.data ?? {},
  });
  const res = await fetch(event.ResponseURL, {
    method: 'PUT',
    // CloudFormation's pre-signed S3 URL is signed for an empty content type.
    headers: { 'content-type': '', 'content-length': String(Buffer.byteLength(body)) },
    body,
  });
  if (!res.ok) throw new Error(`CloudFormation response rejected: ${res.status}`);
}

import { existsSync, readFileSync } from 'node:fs';
import { OUTPUTS_FILE } from '../../localstack/scripts/local-env.ts';

/** Base URL of the locally deployed API: NIMBUS_API_URL (set by `npm test`) or .local/outputs.json. */
export function apiUrl(): string {
  const fromEnv = process.env.NIMBUS_API_URL;
  if (fromEnv) return fromEnv.replace(/\/$/, '');
  if (existsSync(OUTPUTS_FILE))
    return (JSON.parse(readFileSync(OUTPUTS_FILE, 'utf8')) as { ApiUrl: string }).ApiUrl;
  throw new Error('No deployed API: run the e2e suite through `npm test` (or `npm start` first)');
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** Parsed body; `undefined` when it is not JSON. */
  readonly json: Record<string, unknown> | undefined;
}

/** One HTTP call to the deployed API. */
export async function call(path: string, init: RequestInit = {}): Promise<ApiResponse> {
  const res = await fetch(`${apiUrl()}${path}`, { ...init, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

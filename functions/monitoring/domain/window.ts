import { MAX_WINDOW_MINUTES, minuteOf } from '#shared/metrics/request-histogram.ts';

/** `<n>m` or `<n>h`, from 1m to 24h: the histograms are per minute and kept 25 h. */
export const WINDOW_PATTERN = /^([1-9][0-9]{0,3})([mh])$/;

/** The window's length in minutes, or undefined when it is not one the routes serve. */
export function windowMinutes(text: string): number | undefined {
  const match = WINDOW_PATTERN.exec(text);
  if (match === null) return undefined;
  const minutes = Number(match[1]) * (match[2] === 'h' ? 60 : 1);
  return minutes >= 1 && minutes <= MAX_WINDOW_MINUTES ? minutes : undefined;
}

export interface MetricsWindow {
  /** The epoch minutes read, oldest first; the last is the current, partial one. */
  readonly minutes: readonly number[];
  /** The time those minutes cover up to now: whole minutes, and the current one so far (≥ 1 s). */
  readonly seconds: number;
}

/** The last `length` minutes up to `nowMs`, the current one included. */
export function windowAt(length: number, nowMs: number): MetricsWindow {
  const current = minuteOf(nowMs);
  const minutes = Array.from({ length }, (_, i) => current - length + 1 + i);
  const intoCurrent = (nowMs - current * 60_000) / 1000;
  return { minutes, seconds: Math.max(1, (length - 1) * 60 + intoCurrent) };
}

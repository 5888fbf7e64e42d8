/**
 * `npm run bench:check`: compares a run with test/bench/budgets.json and says what regressed;
 * exits 1 when anything did (or when a budgeted metric is missing from the run). Not part of
 * `npm test`: timings depend on the machine and its load.
 *
 *   node --import tsx test/bench/check.ts                 # runs the bench (writes nothing), then compares
 *   node --import tsx test/bench/check.ts --from-latest   # compares the newest test/bench/results/*.json
 *   node --import tsx test/bench/check.ts --results <file> [--budgets <file>] [--write]
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Metric } from './metrics.ts';
import { table } from './report.ts';
import {
  type BenchResults,
  latestResultsFile,
  RESULTS_DIR,
  reexecOnPinnedNode,
  runBench,
  writeResults,
} from './run.ts';

export interface Budget {
  /** Regression when the value is above (for lower-is-better metrics). */
  readonly max?: number;
  /** Regression when the value is below (for higher-is-better metrics). */
  readonly min?: number;
  readonly why?: string;
}

export interface BudgetFile {
  readonly description?: string;
  readonly budgets: Readonly<Record<string, Budget>>;
}

export interface Verdict {
  readonly metric: string;
  readonly value: number | undefined;
  readonly unit: string;
  readonly budget: string;
  readonly status: 'ok' | 'REGRESSED' | 'MISSING';
}

export function compare(metrics: Readonly<Record<string, Metric>>, budgets: BudgetFile): Verdict[] {
  return Object.entries(budgets.budgets).map(([metric, budget]): Verdict => {
    const measured = metrics[metric];
    const limits = [
      ...(budget.max !== undefined ? [`≤ ${budget.max}`] : []),
      ...(budget.min !== undefined ? [`≥ ${budget.min}`] : []),
    ].join(', ');
    if (measured === undefined || !Number.isFinite(measured.value)) {
      return { metric, value: undefined, unit: '', budget: limits, status: 'MISSING' };
    }
    const over = budget.max !== undefined && measured.value > budget.max;
    const under = budget.min !== undefined && measured.value < budget.min;
    return {
      metric,
      value: measured.value,
      unit: measured.unit,
      budget: limits,
      status: over || under ? 'REGRESSED' : 'ok',
    };
  });
}

async function main(): Promise<void> {
  if (reexecOnPinnedNode(resolve(process.argv[1] as string))) return;
  const { values } = parseArgs({
    options: {
      'from-latest': { type: 'boolean', default: false },
      results: { type: 'string' },
      budgets: { type: 'string', default: join(RESULTS_DIR, '..', 'budgets.json') },
      write: { type: 'boolean', default: false },
    },
  });
  let results: BenchResults;
  let source: string;
  if (values.results || values['from-latest']) {
    source = resolve(values.results ?? latestResultsFile());
    results = JSON.parse(readFileSync(source, 'utf8')) as BenchResults;
  } else {
    results = await runBench();
    source = 'this run';
    if (values.write) source = writeResults(results).json;
  }
  const budgets = JSON.parse(readFileSync(resolve(values.budgets), 'utf8')) as BudgetFile;
  const verdicts = compare(results.metrics, budgets);
  const failed = verdicts.filter((v) => v.status !== 'ok');

  const lines = [
    `bench:check — ${source} (${results.date}, ${results.commit}) against ${values.budgets}`,
    '',
    table(
      ['metric', 'value', 'budget', 'status'],
      verdicts.map((v) => [
        v.metric,
        v.value === undefined ? '—' : `${v.value} ${v.unit}`,
        v.budget,
        v.status,
      ]),
    ),
    '',
    `Issue targets (reported, not enforced): ${results.targets.filter((t) => t.met).length} of ${results.targets.length} met` +
      (results.targets.some((t) => !t.met)
        ? `; not met: ${results.targets
            .filter((t) => !t.met)
            .map((t) => `${t.description} ${t.value} (target ${t.target})`)
            .join('; ')}`
        : ''),
    '',
    failed.length === 0
      ? `OK: ${verdicts.length} budgets held.`
      : `${failed.length} of ${verdicts.length} budgets regressed or missing: ${failed.map((v) => v.metric).join(', ')}`,
    ...(failed.some((v) => v.status === 'MISSING' && v.metric.startsWith('coldPath.'))
      ? [
          '§8 (the cold path) measures against the running local stack: `npm start`, then `npm run bench` again.',
        ]
      : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  process.exit(failed.length === 0 ? 0 : 1);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}

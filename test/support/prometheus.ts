import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { VENV } from '../../localstack/scripts/local-env.ts';

/**
 * The Prometheus text format, parsed by the reference parser: the official Python client's
 * `text_string_to_metric_families`, installed pinned in the project venv by `npm start` / `npm
 * test` (localstack/scripts/up.ts). Samples come back grouped per label set (without `le`), in
 * prom2json's shape: buckets keyed by `le`, values as strings.
 */
export interface PromSample {
  readonly labels?: Readonly<Record<string, string>>;
  readonly value?: string;
  readonly buckets?: Readonly<Record<string, string>>;
  readonly count?: string;
  readonly sum?: string;
}

export interface PromFamily {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly metrics: readonly PromSample[];
}

const SCRIPT = `
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for family in text_string_to_metric_families(sys.stdin.read()):
    groups = {}
    for sample in family.samples:
        labels = {k: v for k, v in sample.labels.items() if k != 'le'}
        group = groups.setdefault(json.dumps(labels, sort_keys=True), {'labels': labels})
        value = repr(sample.value)
        if sample.name.endswith('_bucket'):
            group.setdefault('buckets', {})[sample.labels['le']] = value
        elif sample.name.endswith('_count') and family.type == 'histogram':
            group['count'] = value
        elif sample.name.endswith('_sum') and family.type == 'histogram':
            group['sum'] = value
        else:
            group['value'] = value
    # The client names a counter family without its _total suffix; the exposition's name has it.
    name = family.name + '_total' if family.type == 'counter' else family.name
    out.append({'name': name, 'help': family.documentation, 'type': family.type.upper(), 'metrics': list(groups.values())})
print(json.dumps(out))
`;

export async function parsePrometheus(text: string): Promise<PromFamily[]> {
  const python = join(VENV, 'bin', 'python');
  if (!existsSync(python))
    throw new Error(`${python} is missing: run npm start (or npm test) once to create the venv`);
  const result = spawnSync(python, ['-c', SCRIPT], { input: text, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`the Prometheus parser refused the text: ${result.stderr}`);
  return JSON.parse(result.stdout) as PromFamily[];
}

/**
 * The Prometheus text parser the tests check the exposition with (`parse-prometheus-text-format`,
 * prom2json's shape: values as strings, a histogram's buckets keyed by `le`). Imported by name at
 * run time and typed here, whether or not the package ships declarations.
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

const PARSER = 'parse-prometheus-text-format';

export async function parsePrometheus(text: string): Promise<PromFamily[]> {
  const module = (await import(PARSER)) as { default: (text: string) => PromFamily[] };
  return module.default(text);
}

import { DEPLOYED_NODE_OPTIONS } from './import-time.ts';
import type { Report } from './measure.ts';
import { SAMPLE_HANDLERS } from './variants.ts';

const kb = (bytes: number): string => (bytes / 1024).toFixed(1);

/** Markdown tables of a report (what the decision record quotes). */
export function formatReport(report: Report): string {
  const { machine, baseline, layers } = report;
  const of = (variant: string, handler: string) =>
    report.results.find((r) => r.variant === variant && r.handler === handler);
  const handlers = [...new Set(report.results.map((r) => r.handler))];
  const name = (handler: string) =>
    handler
      .replace(/^functions\//, '')
      .replace('/handlers/', '/')
      .replace(/\.ts$/, '');
  type Row = NonNullable<ReturnType<typeof of>>;
  const ms = (r: Row) =>
    r.importError ? `fails: ${r.importError}` : `${r.timedAs === r.handler ? '' : '≈ '}${r.importMs.median}`;
  const delta = (r: Row) => {
    const d = r.vsBundleMs?.median;
    return d === undefined || r.importError ? '' : `${d > 0 ? '+' : ''}${d}`;
  };
  const lines = [
    `Node ${machine.node} (${machine.nodeBinary}), ${machine.nproc} × ${machine.cpu}, esbuild ${machine.esbuild}; ` +
      `import time = median of ${report.runs} fresh processes with NODE_OPTIONS=${DEPLOYED_NODE_OPTIONS}; ` +
      `empty handler ${baseline.importMs.median} ms; run took ${report.totalSeconds} s.`,
    '',
    '| handler | bundle KB (gz) | bundle import ms | layer mode: handler KB (gz) | + layer code loaded KB (gz) | layer import ms | layer − bundle ms |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  const deployGz = { bundle: 0, layer: 0 };
  const timed = { bundle: [] as number[], layer: [] as number[], delta: [] as number[] };
  for (const handler of handlers) {
    const a = of('bundle', handler);
    const b = of('layer', handler);
    if (!a || !b) continue;
    deployGz.bundle += a.deployed.gzip + a.deployed.mapGzip;
    deployGz.layer += b.deployed.gzip + b.deployed.mapGzip;
    if (!a.importError && !b.importError && a.timedAs === handler) {
      timed.bundle.push(a.importMs.median);
      timed.layer.push(b.importMs.median);
      if (b.vsBundleMs) timed.delta.push(b.vsBundleMs.median);
    }
    lines.push(
      `| ${name(handler)} | ${kb(a.loaded.bytes)} (${kb(a.loaded.gzip)}) | ${ms(a)} | ` +
        `${kb(b.loaded.bytes)} (${kb(b.loaded.gzip)}) | ${kb(b.layerLoaded.bytes)} (${kb(b.layerLoaded.gzip)}) | ` +
        `${ms(b)} | ${delta(b)} |`,
    );
  }
  const mean = (values: readonly number[]) =>
    values.length === 0 ? 'n/a' : (values.reduce((x, y) => x + y, 0) / values.length).toFixed(1);
  const layerGz = layers.trimmed.gzip + layers.trimmed.mapGzip;
  lines.push(
    `| **mean over the ${timed.bundle.length} timed handlers** | | ${mean(timed.bundle)} | | | ` +
      `${mean(timed.layer)} | ${mean(timed.delta)} |`,
    '',
    'layer − bundle: median of the run-by-run differences (paired runs, taken moments apart). ' +
      '≈: not timed itself; it bundles the same packages as the largest handler of its set, whose time is shown.',
    '',
    `Deployed (gzip, code + source maps) for all ${handlers.length} functions: per-function bundles ` +
      `${kb(deployGz.bundle)} KB; layer mode ${kb(deployGz.layer)} KB of handlers + ${kb(layerGz)} KB layer = ` +
      `${kb(deployGz.layer + layerGz)} KB. Layer: ${layers.trimmed.files} files, ${kb(layers.trimmed.bytes)} KB ` +
      `minified${layers.full ? ` (whole-package layer ${kb(layers.full.bytes)} KB)` : ''}.`,
  );
  const [first, second] = SAMPLE_HANDLERS.map((h) => name(h));
  const variantRows = report.variants.flatMap((variant) => {
    const v = of(variant.id, SAMPLE_HANDLERS[0] ?? '');
    const h = of(variant.id, SAMPLE_HANDLERS[1] ?? '');
    if (!v || !h) return [];
    const size = (r: Row) => kb(r.loaded.bytes + r.layerLoaded.bytes);
    const cells = (r: Row) => `${size(r)} | ${ms(r)} | ${delta(r)}`;
    return [`| ${variant.description} | ${cells(v)} | ${cells(h)} |`];
  });
  if (report.variants.length > 2 && variantRows.length > 0) {
    lines.push(
      '',
      `| variant | ${first}: KB loaded | ms | Δ ms | ${second}: KB loaded | ms | Δ ms |`,
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...variantRows,
      '',
      'Δ: paired median difference to the per-function bundle of the same handler.',
    );
  }
  if (report.probes.length > 0) {
    lines.push('', '| dependency alone | KB (gz) | import ms over empty handler |', '| --- | --- | --- |');
    for (const probe of report.probes) {
      lines.push(`| ${probe.name} | ${kb(probe.bytes)} (${kb(probe.gzip)}) | ${probe.overBaselineMs} |`);
    }
  }
  const tracerProbe = report.probes.find((p) => p.name === '@aws-lambda-powertools/tracer');
  const tracerChain = new Set(
    (tracerProbe?.packages ?? [])
      .map(([pkg]) => pkg)
      .filter((pkg) => pkg !== '(app)' && !pkg.endsWith('/commons')),
  );
  // Handlers with the same six largest packages share one line (sizes of the first of them).
  const byTop = new Map<string, { line: string; names: string[] }>();
  for (const result of report.results.filter((r) => r.variant === 'bundle')) {
    const packages = result.packages ?? [];
    const key = packages
      .slice(0, 6)
      .map(([pkg]) => pkg)
      .join();
    const group = byTop.get(key);
    if (group) {
      group.names.push(name(result.handler));
      continue;
    }
    const chain = packages.reduce((sum, [pkg, bytes]) => sum + (tracerChain.has(pkg) ? bytes : 0), 0);
    const top = packages.slice(0, 6).map(([pkg, bytes]) => `${pkg} ${kb(bytes)}`);
    const line = `${top.join(', ')}${chain ? `; Tracer + X-Ray SDK chain ${kb(chain)}` : ''}`;
    byTop.set(key, { line, names: [name(result.handler)] });
  }
  lines.push('', 'Largest packages in the per-function bundles (KB of minified output):', '');
  for (const { line, names } of byTop.values()) lines.push(`- ${names.join(', ')}: ${line}`);
  lines.push('', 'Checks:', '');
  for (const [check, outcome] of Object.entries(report.resolution)) lines.push(`- ${check}: ${outcome}`);
  for (const [handler, outcome] of Object.entries(report.smoke)) {
    lines.push(`- invoke ${name(handler)}: bundle vs layer ${outcome}`);
  }
  return lines.join('\n');
}

/**
 * Fills a stack template's `{{name}}` placeholders (spaces inside the braces allowed) from its
 * configuration. A placeholder without a value is an error naming every missing one, never an
 * empty string deployed by accident.
 */
export type RenderResult =
  | { readonly ok: true; readonly rendered: string }
  | { readonly ok: false; readonly missing: readonly string[] };

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;

export function renderTemplate(
  template: string,
  configuration: Readonly<Record<string, string>>,
): RenderResult {
  const missing = new Set<string>();
  const rendered = template.replace(PLACEHOLDER, (_match, name: string) => {
    const value = Object.hasOwn(configuration, name) ? configuration[name] : undefined;
    if (value === undefined) {
      missing.add(name);
      return '';
    }
    return value;
  });
  return missing.size === 0 ? { ok: true, rendered } : { ok: false, missing: [...missing] };
}

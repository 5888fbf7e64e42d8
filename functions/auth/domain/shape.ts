/**
 * The few checks token claims and key material need, written out so the authorizer and the
 * key-handling functions carry no schema library (decision 0018). Each check records what failed,
 * at which path, in the words and layout the zod schemas they replace used. As there, a value of
 * the wrong type aborts (the check returns undefined and the checks of the object holding it do not
 * run); a value of the right type that breaks a rule (a pattern, a length, a bound) is returned and
 * its issue still fails the whole.
 */

export type Path = readonly (string | number)[];

export class Issues {
  readonly #list: { readonly path: Path; readonly message: string }[] = [];
  #aborted = 0;

  /** Records an issue; `aborts` unless the value's type was right and only a rule was broken. */
  add(path: Path, message: string, aborts = true): void {
    this.#list.push({ path, message });
    if (aborts) this.#aborted++;
  }

  /** Every issue so far: the value is refused unless it stays 0. */
  get count(): number {
    return this.#list.length;
  }

  /** The issues so far that keep checks of the whole (a key's pair, a set's kids) from running. */
  get aborted(): number {
    return this.#aborted;
  }

  /** `✖ message`, then `  → at path` when there is one; shallower paths first. */
  toString(): string {
    return [...this.#list]
      .sort((a, b) => a.path.length - b.path.length)
      .flatMap(({ path, message }) =>
        path.length === 0 ? [`✖ ${message}`] : [`✖ ${message}`, `  → at ${dotPath(path)}`],
      )
      .join('\n');
  }
}

function dotPath(path: Path): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('');
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  return typeof value;
}

export function wrongType(issues: Issues, path: Path, expected: string, value: unknown): undefined {
  issues.add(path, `Invalid input: expected ${expected}, received ${typeName(value)}`);
  return undefined;
}

export type Fields = Readonly<Record<string, unknown>>;

/** A plain JSON object (not null, not an array), or undefined with an issue. */
export function object(issues: Issues, path: Path, value: unknown): Fields | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return wrongType(issues, path, 'object', value);
  }
  return value as Fields;
}

/** The object's own property: an inherited one (a polluted prototype's) reads as absent. */
export function field(fields: Fields, key: string): unknown {
  return Object.hasOwn(fields, key) ? fields[key] : undefined;
}

/**
 * A copy of the object's own keys, the known ones first; `__proto__` is left out so the copy's
 * prototype stays `Object.prototype`.
 */
export function passThrough(
  fields: Fields,
  known: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...known };
  for (const key of Object.keys(fields)) {
    if (key !== '__proto__' && !Object.hasOwn(copy, key)) copy[key] = fields[key];
  }
  return copy;
}

export interface StringRules {
  readonly min?: number;
  readonly pattern?: RegExp;
}

export function string(
  issues: Issues,
  path: Path,
  value: unknown,
  rules: StringRules = {},
): string | undefined {
  if (typeof value !== 'string') return wrongType(issues, path, 'string', value);
  if (rules.min !== undefined && value.length < rules.min) {
    issues.add(path, `Too small: expected string to have >=${rules.min} characters`, false);
  }
  if (rules.pattern !== undefined && !rules.pattern.test(value)) {
    issues.add(path, `Invalid string: must match pattern ${String(rules.pattern)}`, false);
  }
  return value;
}

export function literal<T extends string>(
  issues: Issues,
  path: Path,
  value: unknown,
  expected: T,
): T | undefined {
  if (value === expected) return expected;
  issues.add(path, `Invalid input: expected "${expected}"`);
  return undefined;
}

export function oneOf<T extends string>(
  issues: Issues,
  path: Path,
  value: unknown,
  options: readonly T[],
): T | undefined {
  const found = options.find((option) => option === value);
  if (found === undefined) {
    issues.add(path, `Invalid option: expected one of ${options.map((o) => `"${o}"`).join('|')}`);
  }
  return found;
}

/** A safe integer, at least 0 (`'nonnegative'`) or above 0 (`'positive'`). Infinity and NaN fail. */
export function integer(
  issues: Issues,
  path: Path,
  value: unknown,
  sign: 'nonnegative' | 'positive',
): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return wrongType(issues, path, 'number', value);
  if (!Number.isSafeInteger(value)) issues.add(path, 'Invalid input: expected int, received number', false);
  if (sign === 'nonnegative' ? value < 0 : value <= 0) {
    issues.add(path, `Too small: expected number to be ${sign === 'nonnegative' ? '>=0' : '>0'}`, false);
  }
  return value;
}

/** An array of strings, copied. */
export function strings(issues: Issues, path: Path, value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return wrongType(issues, path, 'array', value);
  const before = issues.aborted;
  const items = value.map((item: unknown, i) => string(issues, [...path, i], item));
  return issues.aborted === before ? (items as string[]) : undefined;
}

// RFC 3339 date-time in UTC (`Z`), seconds required, any fraction; the calendar (leap days too) is checked.
const ISO_DATETIME =
  /^(?:(?:\d\d[2468][048]|\d\d[13579][26]|\d\d0[48]|[02468][048]00|[13579][26]00)-02-29|\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)|(?:02)-(?:0[1-9]|1\d|2[0-8])))T(?:(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:Z))$/;

export function isoDatetime(issues: Issues, path: Path, value: unknown): string | undefined {
  if (typeof value !== 'string') return wrongType(issues, path, 'string', value);
  if (!ISO_DATETIME.test(value)) issues.add(path, 'Invalid ISO datetime', false);
  return value;
}

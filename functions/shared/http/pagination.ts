import * as z from 'zod';
import { InvalidInputError } from '../domain-errors.ts';
import { type Action, actionSchema, linkSchema } from './hateoas.ts';

/**
 * Cursor pagination: a page's `nextCursor` is the opaque base64url form of DynamoDB's
 * `LastEvaluatedKey` (JSON). A cursor comes back from the client, so it is untrusted: one that does
 * not decode, or names a key outside the collection being read, is the caller's mistake (400),
 * never a 500 from DynamoDB rejecting the start key.
 */
export type CursorKey = Readonly<Record<string, string>>;

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** The query of every paged collection: `limit` (1..100, default 20) and `cursor`. */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
  cursor: z
    .string()
    .max(2048)
    .regex(/^[A-Za-z0-9_-]+$/, 'an opaque cursor from a previous page')
    .optional(),
});
export type PageQuery = z.infer<typeof pageQuery>;

/** One page as a store returns it: the items and the cursor of the next page, `null` at the end. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly cursor: string | null;
}

export function encodeCursor(key: Readonly<Record<string, unknown>> | undefined): string | null {
  return key === undefined ? null : Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

const badCursor = () =>
  new InvalidInputError('The cursor is not one this collection handed out.', [
    { path: 'query.cursor', message: 'not a cursor of this collection' },
  ]);

/**
 * The start key a cursor stands for, or `undefined` without one. `accepts` checks the decoded key
 * belongs to the collection being read (its attribute names, its partition, its prefix); anything
 * else, or anything that is not base64url JSON of string attributes, throws `InvalidInputError`.
 */
export function decodeCursor(
  cursor: string | undefined,
  accepts: (key: CursorKey) => boolean,
): CursorKey | undefined {
  if (cursor === undefined) return undefined;
  let key: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw badCursor();
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  if (typeof key !== 'object' || key === null || Array.isArray(key)) throw badCursor();
  const values = Object.values(key);
  if (values.length === 0 || values.some((value) => typeof value !== 'string')) throw badCursor();
  const checked = key as CursorKey;
  if (!accepts(checked)) throw badCursor();
  return checked;
}

/** The href of a page of `basePath`: `?limit=` and, past the first page, `&cursor=`. */
export function pageHref(basePath: string, limit: number, cursor?: string | null): string {
  const query = new URLSearchParams({ limit: String(limit) });
  if (cursor !== undefined && cursor !== null) query.set('cursor', cursor);
  return `${basePath}?${query.toString()}`;
}

/**
 * A collection's response body: `{ items, nextCursor, _links: { self, next? }, _actions }`, `self`
 * being the page that was asked for and `next` the one after it.
 */
export function pageBody<T>(
  basePath: string,
  query: PageQuery,
  page: { readonly items: readonly T[]; readonly cursor: string | null },
  extra: { readonly links?: Readonly<Record<string, string>>; readonly actions?: readonly Action[] } = {},
) {
  return {
    items: page.items,
    nextCursor: page.cursor,
    _links: {
      self: { href: pageHref(basePath, query.limit, query.cursor) },
      ...(page.cursor === null ? {} : { next: { href: pageHref(basePath, query.limit, page.cursor) } }),
      ...Object.fromEntries(Object.entries(extra.links ?? {}).map(([rel, href]) => [rel, { href }])),
    },
    _actions: extra.actions ?? [],
  };
}

/** The response schema of a collection of `item`. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    nextCursor: z.string().nullable(),
    _links: z.object({ self: linkSchema, next: linkSchema.optional() }).catchall(linkSchema),
    _actions: z.array(actionSchema),
  });
}

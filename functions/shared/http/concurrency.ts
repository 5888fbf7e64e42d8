/**
 * Optimistic concurrency over HTTP: a single resource's response carries `ETag: "<revision>"`; an
 * update may send it back in `If-Match`, and a resource that changed since answers 412. Strong
 * validators only (a revision names exactly one state), so `W/"3"` never matches.
 */

/** The `ETag` header of a resource at `revision`. */
export function etagHeader(revision: number): { ETag: string } {
  return { ETag: `"${revision}"` };
}

/**
 * The revisions an `If-Match` header accepts: `undefined` when there is no precondition (no
 * header, or `*`: the resource exists, which the update checks anyway); otherwise the revisions it
 * names, possibly none (`"abc"`, `W/"3"`: nothing can match, the update answers 412).
 */
export function ifMatchRevisions(header: string | undefined): readonly number[] | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const tags = header.split(',').map((tag) => tag.trim());
  if (tags.includes('*')) return undefined;
  const revisions: number[] = [];
  for (const tag of tags) {
    const match = /^"([1-9]\d{0,14})"$/.exec(tag);
    if (match?.[1] !== undefined) revisions.push(Number(match[1]));
  }
  return revisions;
}

import { useState } from "react";

/**
 * Where a list paged by cursors stands: the cursor of each page up to the current one (undefined
 * for the first), so Previous walks back without the server paging backwards. Kept per
 * `filterKey`: a new filter starts again at page 1.
 */
export function useCursorPages(filterKey: string) {
  const [cursors, setCursors] = useState<{ filterKey: string; stack: Array<string | undefined> }>({
    filterKey,
    stack: [undefined],
  });
  const stack = cursors.filterKey === filterKey ? cursors.stack : [undefined];
  return {
    /** The cursor to ask for the current page with. */
    after: stack[stack.length - 1],
    page: stack.length,
    hasPrevious: stack.length > 1,
    previous: () => setCursors({ filterKey, stack: stack.slice(0, -1) }),
    /** Moves on to the page after `cursor` (the current page's end). */
    next: (cursor: string | null | undefined) =>
      setCursors({ filterKey, stack: [...stack, cursor ?? undefined] }),
  };
}

import { z } from "zod";
import type { Page } from "./db/store.ts";

// Lists page with ?limit= (default 100, max 1000) and an opaque ?cursor= (API.md, Conventions).

export const pageQuery = {
  limit: z.coerce.number({ error: "limit must be a number" }).int("limit must be an integer").min(1, "limit must be at least 1").max(1000, "limit must be at most 1000").default(100),
  cursor: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined;
      const decoded = decodeCursor(value);
      if (!decoded) {
        ctx.addIssue({ code: "custom", message: "cursor is not one this API returned" });
        return z.NEVER;
      }
      return decoded;
    }),
};

type SortKey = readonly [number | string, string];

export function encodeCursor(key: SortKey): string {
  return btoa(JSON.stringify(key)).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

function decodeCursor(value: string): SortKey | null {
  try {
    const parsed: unknown = JSON.parse(atob(value.replaceAll("-", "+").replaceAll("_", "/")));
    if (Array.isArray(parsed) && parsed.length === 2 && (typeof parsed[0] === "number" || typeof parsed[0] === "string") && typeof parsed[1] === "string") {
      return [parsed[0], parsed[1]];
    }
  } catch {
    // fall through: not ours
  }
  return null;
}

/** Cuts the extra row a query fetched to learn whether another page exists. */
export function pageOf<Row, Out>(rows: Row[], page: Page, sortKey: (row: Row) => SortKey, present: (row: Row) => Out) {
  const more = rows.length > page.limit;
  const kept = more ? rows.slice(0, page.limit) : rows;
  const last = kept[kept.length - 1];
  return { data: kept.map(present), next_cursor: more && last ? encodeCursor(sortKey(last)) : null };
}

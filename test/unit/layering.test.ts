import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// src/ is pure domain code: it must run in Node and in workerd alike.
const FORBIDDEN = [/from\s+["']cloudflare:/, /from\s+["']hono/, /from\s+["']drizzle-orm/, /from\s+["']node:/, /from\s+["']\.\.\/\.\.\/(workers|durable-objects)\//, /from\s+["']\.\.\/(workers|durable-objects)\//];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith(".ts") ? [path] : [];
  });
}

describe("layering", () => {
  it("src/ imports nothing from Workers, Hono, Drizzle, Node or the plumbing", () => {
    const offenders = files("src").flatMap((file) =>
      readFileSync(file, "utf8")
        .split("\n")
        .filter((line) => FORBIDDEN.some((re) => re.test(line)))
        .map((line) => `${file}: ${line.trim()}`),
    );
    expect(offenders).toEqual([]);
  });

  it("only workers/db imports drizzle", () => {
    const offenders = [...files("workers"), ...files("durable-objects")].filter((f) => !f.startsWith(join("workers", "db")) && /from\s+["']drizzle-orm/.test(readFileSync(f, "utf8")));
    expect(offenders).toEqual([]);
  });
});

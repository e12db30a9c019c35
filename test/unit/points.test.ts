import { describe, expect, it } from "vitest";
import { canonicalTagKey, groupByMetric, MAX_POINTS, parseTimestamp, validateBatch } from "../../src/ingest/points.ts";

const NOW = Date.UTC(2026, 5, 1);

describe("validateBatch", () => {
  it("accepts an array and { points }", () => {
    const point = { metric: "a", value: 1, timestamp: NOW };
    for (const body of [[point], { points: [point] }]) {
      const r = validateBatch(body, NOW);
      expect(r.ok && r.points).toEqual([{ index: 0, metric: "a", tags: {}, tagKey: "{}", timestamp: NOW, value: 1 }]);
    }
  });

  it.each([null, 1, "x", {}, { points: 1 }])("rejects a body shaped %j", (body) => {
    const r = validateBatch(body, NOW);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toBe("shape");
  });

  it("rejects empty and oversized batches", () => {
    expect(validateBatch([], NOW)).toMatchObject({ ok: false, reason: "empty" });
    const many = Array.from({ length: MAX_POINTS + 1 }, (_, i) => ({ metric: "a", value: i, timestamp: NOW - i }));
    expect(validateBatch(many, NOW)).toMatchObject({ ok: false, reason: "too_many" });
    expect(validateBatch(many.slice(1), NOW).ok).toBe(true);
  });

  it("reports every problem of every point with index and path", () => {
    const r = validateBatch(
      [
        { metric: "ok", value: 1 },
        { metric: "bad name", value: "1", tags: { "": "x", k: "" } },
        { metric: "ok", value: 2, timestamp: 3 },
      ],
      NOW,
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.points.map((p) => p.index)).toEqual([0]);
    const where = r.problems.map((p) => `${p.index}:${p.path}`).sort();
    // The empty tag name is reported at its own (empty) key.
    expect(where).toEqual(["1:metric", "1:tags.", "1:tags.k", "1:value", "2:timestamp"]);
  });

  it("treats tag order as irrelevant to series identity and flags duplicates", () => {
    const r = validateBatch(
      [
        { metric: "m", value: 1, timestamp: NOW, tags: { a: "1", b: "2" } },
        { metric: "m", value: 2, timestamp: NOW, tags: { b: "2", a: "1" } },
        { metric: "m", value: 3, timestamp: NOW, tags: { a: "1" } },
        { metric: "n", value: 4, timestamp: NOW, tags: { a: "1", b: "2" } },
      ],
      NOW,
    );
    expect(r.ok && r.problems).toEqual([{ index: 1, path: "timestamp", message: "duplicate timestamp for this series (same as point 0)" }]);
    expect(r.ok && r.points.map((p) => p.index)).toEqual([0, 2, 3]);
  });

  it("accepts exactly 16 tags and 200-character names, not more", () => {
    const tags = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, "v"]));
    expect(validateBatch([{ metric: "m".repeat(200), value: 1, tags: tags(16) }], NOW)).toMatchObject({ ok: true, problems: [] });
    const r = validateBatch([{ metric: "m".repeat(201), value: 1, tags: tags(17) }], NOW);
    expect(r.ok && r.problems.map((p) => p.path).sort()).toEqual(["metric", "tags"]);
  });

  it("never throws, whatever the JSON", () => {
    // Property-style: random JSON-ish values never make the validator throw,
    // and every input point ends up either accepted or listed as a problem.
    let seed = 42;
    const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
    const values = [0, -1, 1e308, -1e-308, "1", "", null, true, [], {}, NOW, "2026-01-01T00:00:00Z", "nope", 1e10];
    for (let run = 0; run < 300; run++) {
      const points = Array.from({ length: 1 + Math.floor(rand() * 5) }, () => {
        const p: Record<string, unknown> = {};
        if (rand() < 0.9) p.metric = pick(["m", "x.y", "", "a b", 5, "é"]);
        if (rand() < 0.9) p.value = pick(values);
        if (rand() < 0.5) p.timestamp = pick(values);
        if (rand() < 0.3) p.tags = pick([{}, { a: "b" }, { a: 1 }, [], null, "t"]);
        return rand() < 0.05 ? pick(values) : p;
      });
      const r = validateBatch(points, NOW);
      expect(r.ok).toBe(true);
      if (!r.ok) continue;
      const covered = new Set([...r.points.map((p) => p.index), ...r.problems.map((p) => p.index)]);
      expect(covered.size).toBe(points.length);
      for (const p of r.points) expect(Number.isFinite(p.value)).toBe(true);
    }
  });
});

describe("parseTimestamp", () => {
  it("defaults to now and accepts epoch ms and ISO with a zone", () => {
    expect(parseTimestamp(undefined, NOW)).toBe(NOW);
    expect(parseTimestamp(NOW - 5, NOW)).toBe(NOW - 5);
    expect(parseTimestamp("2026-06-01T00:00:00Z", NOW)).toBe(NOW);
    expect(parseTimestamp("2026-06-01T02:00:00+02:00", NOW)).toBe(NOW);
    expect(parseTimestamp("2026-05-31T23:59:59.5Z", NOW)).toBe(NOW - 500);
  });

  it.each([
    [1_750_000_000, /looks like seconds/],
    [0, /before 2000/],
    ["1999-01-01T00:00:00Z", /before 2000/],
    [NOW + 11 * 60_000, /future/],
    ["2026-06-01", /ISO-8601 with a time zone/],
    ["2026-06-01T00:00:00", /ISO-8601 with a time zone/],
    ["2026-13-45T00:00:00Z", /not a valid date/],
  ])("refuses %j", (input, message) => {
    expect(parseTimestamp(input, NOW)).toMatch(message);
  });

  it("allows ten minutes of clock skew", () => {
    expect(parseTimestamp(NOW + 10 * 60_000, NOW)).toBe(NOW + 10 * 60_000);
  });
});

describe("canonicalTagKey and groupByMetric", () => {
  it("gives one key per tag set whatever the order", () => {
    expect(canonicalTagKey({ b: "2", a: "1" })).toBe(canonicalTagKey({ a: "1", b: "2" }));
    expect(canonicalTagKey({ a: "1" })).not.toBe(canonicalTagKey({ a: "1", b: "2" }));
    // No ambiguity from separators inside values.
    expect(canonicalTagKey({ a: "1,b=2" })).not.toBe(canonicalTagKey({ a: "1", b: "2" }));
  });

  it("groups points by metric in arrival order", () => {
    const r = validateBatch([{ metric: "a", value: 1, timestamp: 1e12 }, { metric: "b", value: 2, timestamp: 1e12 }, { metric: "a", value: 3, timestamp: 1e12 + 1 }], NOW);
    const groups = groupByMetric(r.ok ? r.points : []);
    expect([...groups.keys()]).toEqual(["a", "b"]);
    expect(groups.get("a")!.map((p) => p.value)).toEqual([1, 3]);
  });
});

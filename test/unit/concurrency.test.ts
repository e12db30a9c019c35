import { describe, expect, it } from "vitest";
import { mapWithLimit } from "../../src/concurrency.ts";

/** A task whose completion the test controls, to observe what is in flight. */
function gate() {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("mapWithLimit", () => {
  it("returns results in the order of the items, whatever order they finish in", async () => {
    const delays = [5, 0, 3, 1, 4, 2];
    const out = await mapWithLimit(delays, 3, async (d, i) => {
      await new Promise((r) => setTimeout(r, d));
      return `${i}:${d}`;
    });
    expect(out).toEqual(delays.map((d, i) => `${i}:${d}`));
  });

  for (const [n, limit] of [[0, 1], [1, 4], [7, 1], [7, 3], [9, 9], [4, 10]] as const) {
    it(`never has more than ${limit} in flight over ${n} items, and uses the limit`, async () => {
      const gates = Array.from({ length: n }, gate);
      let inFlight = 0;
      let most = 0;
      const started: number[] = [];
      const run = mapWithLimit(gates, limit, async (g, i) => {
        started.push(i);
        inFlight += 1;
        most = Math.max(most, inFlight);
        await g.promise;
        inFlight -= 1;
        return i * 2;
      });
      await tick();
      expect(started.length).toBe(Math.min(n, limit));
      // Finish them newest first: a freed slot is taken at once by the next item.
      for (let k = 0; k < n; k++) {
        const running = started.filter((i) => !(gates[i] as { done?: boolean }).done);
        const last = running[running.length - 1]!;
        (gates[last] as { done?: boolean }).done = true;
        gates[last]!.open();
        await tick();
        await tick();
        expect(inFlight).toBeLessThanOrEqual(limit);
      }
      expect(await run).toEqual(Array.from({ length: n }, (_, i) => i * 2));
      expect(most).toBe(Math.min(n, limit));
      expect([...started].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    });
  }

  it("rejects with the first error and starts nothing after it", async () => {
    const started: number[] = [];
    const run = mapWithLimit([0, 1, 2, 3, 4, 5], 2, async (i) => {
      started.push(i);
      await tick();
      if (i === 1) throw new Error("boom 1");
      if (i === 2) throw new Error("boom 2");
      return i;
    });
    await expect(run).rejects.toThrow("boom 1");
    expect(started).toEqual([0, 1, 2]);
  });

  it("refuses a limit that is not a positive integer", async () => {
    for (const limit of [0, -1, 1.5, Number.NaN]) await expect(mapWithLimit([1], limit, async (x) => x)).rejects.toThrow(RangeError);
  });
});

import { describe, expect, it } from "vitest";
import { createKnn, KNN_MIN_CALIBRATION, knnDistance, knnScore, learnKnn, restoreKnn, type KnnParams, type KnnState } from "../../../src/detect/knn.ts";
import { createWindow, pushWindow, type WindowState } from "../../../src/detect/window.ts";
import { gaussian } from "./helpers.ts";

const P: KnnParams = { dim: 6, k: 4, refs: 64, cal: 256 };

/** Streams values through a window and a KNN calibration set, as the ensemble would; returns each point's surprise. */
function run(values: number[], p = P, win: WindowState = createWindow(1024), st: KnnState = createKnn()): { surprise: number[]; win: WindowState; st: KnnState } {
  const buf = new Float64Array(1024 + 2 * p.dim + 1);
  const surprise: number[] = [];
  for (const v of values) {
    const r = win.ring.length > 0 ? knnScore(st, win, v, 1, p, buf) : { surprise: 0, alpha: Number.NaN };
    surprise.push(r.surprise);
    learnKnn(st, r.alpha, p.cal);
    pushWindow(win, v);
  }
  return { surprise, win, st };
}

describe("KNN conformal member", () => {
  it("finds close neighbours for a repeating pattern and none for a spike", () => {
    const win = createWindow(1024);
    for (let i = 0; i < 600; i++) pushWindow(win, Math.sin((2 * Math.PI * i) / 50));
    const buf = new Float64Array(1100);
    const P8 = { ...P, dim: 8, refs: 256 };
    const next = Math.sin((2 * Math.PI * 600) / 50);
    expect(knnDistance(win, next, P8, buf)).toBeLessThan(1e-9);
    expect(knnDistance(win, next + 3, P8, buf)).toBeGreaterThan(0.5);
  });

  it("is NaN until the window holds enough lagged vectors", () => {
    const win = createWindow(64);
    for (let i = 0; i < 10; i++) pushWindow(win, i);
    expect(knnDistance(win, 1, P, new Float64Array(300))).toBeNaN();
  });

  it("measures non-conformity against the calibration set's median, silent until it holds enough scores", () => {
    const win = createWindow(256);
    for (let i = 0; i < 200; i++) pushWindow(win, i % 2);
    const buf = new Float64Array(300);
    const st = createKnn();
    expect(knnScore(st, win, 5, 1, P, buf).surprise).toBe(0);
    for (let i = 0; i < KNN_MIN_CALIBRATION; i++) learnKnn(st, 0.5, P.cal);
    const r = knnScore(st, win, 5, 1, P, buf);
    expect(r.surprise).toBeCloseTo(r.alpha / 0.5, 12);
    expect(r.sign).toBe(1);
    // A calibration set of exact repeats leaves a strict but finite normaliser.
    const flat = createKnn();
    for (let i = 0; i < 64; i++) learnKnn(flat, 0, P.cal);
    expect(Number.isFinite(knnScore(flat, win, 5, 1, P, buf).surprise)).toBe(true);
    expect(knnScore(flat, win, 5, 1, P, buf).surprise).toBeGreaterThan(1e3);
  });

  it("keeps a bounded calibration set, sorted", () => {
    const st = createKnn();
    const g = gaussian(4);
    for (let i = 0; i < 1000; i++) learnKnn(st, Math.abs(g()), 64);
    expect(st.ring.length).toBe(64);
    expect(st.sorted.length).toBe(64);
    expect([...st.ring].sort((a, b) => a - b)).toEqual(st.sorted);
  });

  it("scores a spike in noise far above ordinary points, and above its own calibration", () => {
    const g = gaussian(7);
    const values = Array.from({ length: 1500 }, () => 10 + g());
    values[1200] = 18;
    const { surprise } = run(values);
    const ordinary = surprise.slice(600, 1190);
    const q99 = [...ordinary].sort((a, b) => a - b)[Math.floor(0.99 * ordinary.length)]!;
    expect(surprise[1200]!).toBeGreaterThan(2 * q99);
    expect(surprise[1200]!).toBeGreaterThan(3);
  });

  it("recognises a repeated shape: the tenth occurrence of a burst scores lower than the first", () => {
    const g = gaussian(11);
    const values = Array.from({ length: 1400 }, (_, i) => g() * 0.2 + (i >= 400 && (i - 400) % 80 < 3 ? 6 : 0));
    const { surprise } = run(values);
    expect(surprise[400 + 9 * 80]!).toBeLessThan(surprise[400]! - 1);
  });

  it("restores from a JSON snapshot to identical scores", () => {
    const g = gaussian(21);
    const values = Array.from({ length: 1200 }, (_, i) => Math.sin(i / 20) + 0.3 * g() + (i === 1000 ? 5 : 0));
    const whole = run(values).surprise;
    const first = run(values.slice(0, 700));
    const json = JSON.parse(JSON.stringify({ win: { ...first.win, sorted: [] }, st: { ...first.st, sorted: [] } })) as { win: WindowState; st: KnnState };
    json.win.sorted = [...json.win.ring].sort((a, b) => a - b);
    restoreKnn(json.st);
    const rest = run(values.slice(700), P, json.win, json.st).surprise;
    expect([...first.surprise, ...rest]).toEqual(whole);
  });
});

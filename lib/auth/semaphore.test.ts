import { describe, expect, it } from "vitest";
import { Semaphore, SemaphoreFullError } from "./semaphore";

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("Semaphore", () => {
  it("runs at most `limit` tasks at once, queues up to `queueLimit`, and refuses the rest without running them", async () => {
    const gate = new Semaphore(2, 3);
    const release = deferred();
    let active = 0;
    let peak = 0;
    let started = 0;
    const task = async () => {
      started++;
      active++;
      peak = Math.max(peak, active);
      await release.promise;
      active--;
      return "done";
    };
    const accepted = Array.from({ length: 5 }, () => gate.run(task));
    expect(gate.load).toEqual({ running: 2, waiting: 3 });
    await expect(gate.run(task)).rejects.toBeInstanceOf(SemaphoreFullError);
    await expect(gate.run(task)).rejects.toBeInstanceOf(SemaphoreFullError);
    release.resolve();
    expect(await Promise.all(accepted)).toEqual(["done", "done", "done", "done", "done"]);
    expect(started).toBe(5);
    expect(peak).toBe(2);
    expect(gate.load).toEqual({ running: 0, waiting: 0 });
  });

  it("frees the slot when a task fails, in order of arrival", async () => {
    const gate = new Semaphore(1, 2);
    const order: number[] = [];
    const failing = gate.run(async () => {
      order.push(1);
      throw new Error("boom");
    });
    const second = gate.run(async () => void order.push(2));
    const third = gate.run(async () => void order.push(3));
    await expect(failing).rejects.toThrow("boom");
    await Promise.all([second, third]);
    expect(order).toEqual([1, 2, 3]);
    expect(gate.load).toEqual({ running: 0, waiting: 0 });
    await expect(gate.run(async () => 42)).resolves.toBe(42);
  });

  it("refuses nonsense limits", () => {
    expect(() => new Semaphore(0, 1)).toThrow();
    expect(() => new Semaphore(1, -1)).toThrow();
  });
});

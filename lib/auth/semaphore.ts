import "server-only";

/** Thrown by Semaphore.run when every slot is taken and the queue is full. */
export class SemaphoreFullError extends Error {
  constructor() {
    super("Too many operations waiting");
    this.name = "SemaphoreFullError";
  }
}

/**
 * At most `limit` tasks at a time, at most `queueLimit` more waiting (first come, first
 * served); beyond that a task is refused at once rather than queued without bound.
 */
export class Semaphore {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly limit: number,
    readonly queueLimit: number,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error("Semaphore limit must be a positive integer");
    if (!Number.isInteger(queueLimit) || queueLimit < 0) throw new Error("Semaphore queue limit must be a non-negative integer");
  }

  /** Tasks running now and tasks waiting for a slot. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  /** Runs `task` when a slot is free; throws SemaphoreFullError without running it when the queue is full. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) {
      if (this.waiting.length >= this.queueLimit) throw new SemaphoreFullError();
      // The slot is handed over by release(), so running never exceeds the limit.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}

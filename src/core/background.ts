/**
 * Work that runs after the answer was sent (mail delivery, flows whose duration must not
 * show in the answer). Shutdown waits for it, so nothing is cut off half-way.
 */
export function createBackground(onError: (err: unknown) => void) {
  const pending = new Set<Promise<void>>();
  return {
    run(work: () => Promise<void>): void {
      const task: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
        .then(work)
        .catch(onError)
        .finally(() => pending.delete(task));
      pending.add(task);
    },
    async drain(): Promise<void> {
      while (pending.size) await Promise.allSettled([...pending]);
    },
  };
}

export type Background = ReturnType<typeof createBackground>;

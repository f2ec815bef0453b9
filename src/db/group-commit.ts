// Group commit: many concurrent callers each ask for one write; the requests that arrive while a
// write is in flight go together in the next one. Ten senders finishing together cost one or two
// round trips, not ten, and a lone sender is never kept waiting for company.
export function groupCommit<T, R>(flush: (items: T[]) => Promise<R[]>): (item: T) => Promise<R> {
  let waiting: { item: T; resolve: (result: R) => void; reject: (error: unknown) => void }[] = [];
  let flushing = false;
  async function drain(): Promise<void> {
    flushing = true;
    while (waiting.length > 0) {
      const group = waiting;
      waiting = [];
      try {
        const results = await flush(group.map((w) => w.item));
        group.forEach((w, i) => w.resolve(results[i]!));
      } catch (error) {
        for (const w of group) w.reject(error);
      }
    }
    flushing = false;
  }
  return (item) => new Promise<R>((resolve, reject) => {
    waiting.push({ item, resolve, reject });
    if (!flushing) void drain();
  });
}

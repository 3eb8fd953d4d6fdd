/** A value made by its first use; `peek()` gives it only if it was made. */
export interface Lazy<T> {
  (): T;
  peek(): T | undefined;
}

/**
 * Defers `make` to the first call. The caches the services create (sessions, access tokens, rate limits)
 * allocate their whole bound at creation; a CLI call, which creates the services but fills none of them,
 * then pays nothing for them.
 */
export function lazy<T>(make: () => T): Lazy<T> {
  let value: T | undefined;
  let made = false;
  const get = () => {
    if (!made) {
      value = make();
      made = true;
    }
    return value as T;
  };
  return Object.assign(get, { peek: () => (made ? value : undefined) });
}

import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError } from './api';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` when `deps` change; keeps the previous data while reloading. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the caller names the inputs of `load`
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

export const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** An error, or, for a route this server does not have yet, a plain statement that the feature is missing. */
export function Problem({ error, what }: { error: unknown; what?: string }) {
  if (!error) return null;
  if (error instanceof ApiError && error.unavailable) {
    return (
      <p class="unavailable" role="status">
        {what ?? 'This feature'} is not available on this server. <small>({error.message})</small>
      </p>
    );
  }
  return (
    <p class="problem" role="alert">
      {messageOf(error)}
    </p>
  );
}

/** Runs an action, showing it busy, then its error or its success message. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const run = async (action: () => Promise<unknown>, success?: string) => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      await action();
      setDone(success ?? null);
      return true;
    } catch (err) {
      setError(err);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, done, run };
}

export function Status({ done }: { done: string | null }) {
  return done ? (
    <p class="done" role="status">
      {done}
    </p>
  ) : null;
}

export function Page({
  title,
  children,
  actions,
}: {
  title: string;
  children: ComponentChildren;
  actions?: ComponentChildren;
}) {
  useEffect(() => {
    document.title = `${title} · Gatehouse console`;
    document.querySelector<HTMLElement>('main h1')?.focus();
  }, [title]);
  return (
    <>
      <header class="page-head">
        <h1 tabIndex={-1}>{title}</h1>
        {actions}
      </header>
      {children}
    </>
  );
}

export const when = (iso: string | null | undefined) =>
  iso ? new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' }) : '—';

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) (n /= 1024), i++;
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

/** A secret the server shows once (a token, a link): a read-only field to copy from, a copy button, and Done. */
export function SecretOnce({
  label,
  name,
  value,
  onDone,
  children,
}: {
  label: string;
  name: string;
  value: string;
  onDone?: () => void;
  children?: ComponentChildren;
}) {
  const [copied, setCopied] = useState(false);
  useEffect(() => setCopied(false), [value]);
  return (
    <div class="secret-once" role="status">
      <label>
        {label}
        <input readOnly name={name} value={value} onFocus={(e) => e.currentTarget.select()} />
      </label>
      {children}
      <button
        type="button"
        class="small"
        onClick={() =>
          void navigator.clipboard?.writeText(value).then(
            () => setCopied(true),
            () => setCopied(false),
          )
        }
      >
        {copied ? 'Copied' : 'Copy'}
      </button>
      {onDone ? (
        <button type="button" class="small outline secondary" onClick={onDone}>
          Done
        </button>
      ) : null}
    </div>
  );
}

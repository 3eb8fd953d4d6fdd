import { useState } from 'preact/hooks';
import { api } from '../api';
import type { AdminUser } from '../types';
import { Problem, Status, useAction } from '../ui';

/** The text of a metadata object as the editor shows it; what the server would refuse is said before sending. */
function parseMetadata(text: string): { value?: Record<string, unknown>; problem?: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { problem: `Not JSON: ${(err as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return { problem: 'The metadata must be a JSON object: {"key": value, …}' };
  return { value: value as Record<string, unknown> };
}

/** A user's JSON metadata: shown, and edited as a whole (the server audits which keys changed). */
export function Metadata({ u, reload }: { u: AdminUser; reload: () => void }) {
  const current = JSON.stringify(u.metadata ?? {}, null, 2);
  const [text, setText] = useState(current);
  const [problem, setProblem] = useState<string | undefined>();
  const action = useAction();
  if (u.metadata === undefined) return null; // a server that does not show metadata yet
  const save = (e: Event) => {
    e.preventDefault();
    const parsed = parseMetadata(text);
    setProblem(parsed.problem);
    if (!parsed.value) return;
    const body = { metadata: parsed.value };
    void action
      .run(() => api('PATCH', `/admin/users/${u.id}`, body), 'Metadata saved.')
      .then((ok) => {
        if (!ok) return;
        setText(JSON.stringify(parsed.value, null, 2));
        reload();
      });
  };
  return (
    <details>
      <summary>Metadata</summary>
      <form aria-label="Edit the metadata" onSubmit={save}>
        <label>
          Metadata (a JSON object)
          <textarea
            name="metadata"
            rows={Math.min(16, Math.max(4, text.split('\n').length + 1))}
            spellcheck={false}
            aria-invalid={problem ? true : undefined}
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
        </label>
        {problem ? (
          <p class="problem" role="alert">
            {problem}
          </p>
        ) : null}
        <Problem error={action.error} what="Editing metadata" />
        <Status done={action.done} />
        <button type="submit" aria-busy={action.busy} disabled={action.busy || text === current}>
          Save the metadata
        </button>
      </form>
    </details>
  );
}

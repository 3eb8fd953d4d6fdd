import type { ComponentChildren } from 'preact';

/** One column: its header (visually hidden for an actions column) and how a row fills its cell. */
export interface Column<T> {
  head: string;
  hideHead?: boolean;
  cell: (row: T) => ComponentChildren;
  class?: string;
  /** A header that sorts the list: where it leads, and whether the list is sorted by it now. */
  sort?: { href: string; now?: 'ascending' | 'descending' };
}

function Head<T>({ c }: { c: Column<T> }) {
  if (c.hideHead) return <span class="visually-hidden">{c.head}</span>;
  if (!c.sort) return <>{c.head}</>;
  const arrow = c.sort.now === 'ascending' ? ' ▲' : c.sort.now === 'descending' ? ' ▼' : '';
  return (
    <a href={c.sort.href} class="sort">
      {c.head}
      <span aria-hidden="true">{arrow}</span>
    </a>
  );
}

export interface TableProps<T> {
  rows: T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  caption?: ComponentChildren;
  hideCaption?: boolean;
  striped?: boolean;
  busy?: boolean;
  /** Shown below the header when there is no row. */
  empty?: string;
}

/** Every table of the console: headers with their scope, a caption, and sideways scrolling in its own box on phones. */
export function Table<T>({ rows, columns, rowKey, caption, hideCaption, striped, busy, empty }: TableProps<T>) {
  return (
    <div class="table-wrap" aria-busy={busy}>
      <table class={striped ? 'striped' : undefined}>
        {caption ? <caption class={hideCaption ? 'visually-hidden' : undefined}>{caption}</caption> : null}
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col" key={c.head} aria-sort={c.sort?.now}>
                <Head c={c} />
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={rowKey(r)}>
              {columns.map((c) => (
                <td key={c.head} class={c.class}>
                  {c.cell(r)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 && empty ? <p>{empty}</p> : null}
    </div>
  );
}

/** A definition list of facts (a profile, a mail's headers): label above value, in a responsive grid. */
export function Facts({ rows }: { rows: [label: string, value: ComponentChildren][] }) {
  return (
    <dl class="facts">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

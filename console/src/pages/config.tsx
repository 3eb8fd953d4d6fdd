import { useState } from 'preact/hooks';
import { api } from '../api';
import { Table } from '../table';
import { Page, Problem, useLoad } from '../ui';

interface Setting {
  name: string;
  value: string | null;
  explicit: boolean;
  secret: boolean;
  doc: string;
}

/** The configuration in force (GET /admin/config); the server masks secrets before they leave it. */
export function ConfigPage() {
  const config = useLoad(() => api<{ settings: Setting[] }>('GET', '/admin/config'), []);
  const [filter, setFilter] = useState('');
  const [onlySet, setOnlySet] = useState(false);
  const f = filter.toLowerCase();
  const shown = (config.data?.settings ?? []).filter(
    (s) => (!onlySet || s.explicit) && (s.name.toLowerCase().includes(f) || s.doc.toLowerCase().includes(f)),
  );
  return (
    <Page title="Configuration">
      <div class="filters">
        <label>
          Filter
          <input type="search" name="config-filter" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
        </label>
        <label class="check">
          <input
            type="checkbox"
            name="only-set"
            role="switch"
            checked={onlySet}
            onChange={(e) => setOnlySet(e.currentTarget.checked)}
          />
          Only variables set in the environment
        </label>
      </div>
      <Problem error={config.error} what="The configuration view" />
      <Table
        striped
        rows={shown}
        rowKey={(s) => s.name}
        columns={[
          {
            head: 'Variable',
            cell: (s) => (
              <>
                <code>{s.name}</code>
                {s.explicit ? <small class="muted"> set</small> : null}
              </>
            ),
          },
          {
            head: 'Value',
            class: 'value',
            cell: (s) =>
              s.value === null ? (
                <span class="muted">unset</span>
              ) : s.secret ? (
                <span class="badge secret">{s.value}</span>
              ) : (
                s.value
              ),
          },
          { head: 'Meaning', cell: (s) => <small>{s.doc}</small> },
        ]}
      />
    </Page>
  );
}

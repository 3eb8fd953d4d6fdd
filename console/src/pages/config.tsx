import { useState } from 'preact/hooks';
import { api } from '../api';
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
  const shown = (config.data?.settings ?? []).filter((s) => (!onlySet || s.explicit) && (s.name.toLowerCase().includes(f) || s.doc.toLowerCase().includes(f)));
  return (
    <Page title="Configuration">
      <div class="filters">
        <label>
          Filter
          <input type="search" name="config-filter" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
        </label>
        <label class="check">
          <input type="checkbox" name="only-set" role="switch" checked={onlySet} onChange={(e) => setOnlySet(e.currentTarget.checked)} />
          Only variables set in the environment
        </label>
      </div>
      <Problem error={config.error} what="The configuration view" />
      <div class="table-wrap">
        <table class="striped">
          <thead>
            <tr>
              <th scope="col">Variable</th>
              <th scope="col">Value</th>
              <th scope="col">Meaning</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((s) => (
              <tr key={s.name}>
                <td>
                  <code>{s.name}</code>
                  {s.explicit ? <small class="muted"> set</small> : null}
                </td>
                <td class="value">{s.value === null ? <span class="muted">unset</span> : s.secret ? <span class="badge secret">{s.value}</span> : s.value}</td>
                <td>
                  <small>{s.doc}</small>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Page>
  );
}

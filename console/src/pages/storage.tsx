import { useEffect, useState } from 'preact/hooks';
import { api, blobUrl } from '../api';
import { go, href } from '../router';
import type { FileMeta } from '../types';
import { Table } from '../table';
import { UploadForm } from './storage-upload';
import { bytes, Page, Problem, SecretOnce, Status, useAction, useLoad, when } from '../ui';

/** Folders the default storage rules know; the storage API lists a folder, never the root. */
const START = ['public', 'user'];
const enc = (key: string) => key.split('/').map(encodeURIComponent).join('/');
const isImage = (f: FileMeta) => /^image\/(png|jpeg|webp|gif|avif|tiff)$/.test(f.ContentType);

/** A row of a folder's listing: a sub-folder (with what is below it) or a file. */
type Entry =
  | { kind: 'folder'; name: string; size: number; count: number }
  | { kind: 'file'; name: string; file: FileMeta };

/** The direct children of `folder` in a listing of everything below it. */
function children(folder: string, files: FileMeta[]) {
  const folders = new Map<string, { size: number; count: number }>();
  const direct: FileMeta[] = [];
  for (const f of files) {
    const rest = f.key.slice(folder.length + 1);
    const slash = rest.indexOf('/');
    if (slash < 0) direct.push(f);
    else {
      const name = rest.slice(0, slash);
      const s = folders.get(name) ?? { size: 0, count: 0 };
      folders.set(name, { size: s.size + f.ContentLength, count: s.count + 1 });
    }
  }
  return { folders: [...folders.entries()].sort(([a], [b]) => a.localeCompare(b)), direct };
}

export function StoragePage({ folder }: { folder: string }) {
  const [text, setText] = useState(folder);
  useEffect(() => setText(folder), [folder]);
  const listing = useLoad(
    async () => (folder ? api<FileMeta[]>('GET', `/storage/m/${enc(folder)}/`) : undefined),
    [folder],
  );
  const [preview, setPreview] = useState<FileMeta | null>(null);
  const action = useAction();
  const [token, setToken] = useState<{ key: string; token: string } | null>(null);
  const view = listing.data ? children(folder, listing.data) : undefined;
  const crumbs = folder ? folder.split('/') : [];

  return (
    <Page title="Storage">
      <form
        class="filters"
        aria-label="Open a folder"
        onSubmit={(e) => (e.preventDefault(), go(['storage'], { path: text.replace(/^\/+|\/+$/g, '') }))}
      >
        <label>
          Folder
          <input name="folder" placeholder="public" value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </label>
        <button type="submit">Open</button>
      </form>
      <nav aria-label="Folder path" class="crumbs">
        <ul>
          {START.map((s) => (
            <li key={s}>
              <a href={href(['storage'], { path: s })}>{s}/</a>
            </li>
          ))}
          {crumbs.map((c, i) => (
            <li key={i}>
              <a href={href(['storage'], { path: crumbs.slice(0, i + 1).join('/') })}>{c}</a>
            </li>
          ))}
        </ul>
      </nav>
      <Problem error={listing.error} />
      <UploadForm folder={folder} uploaded={listing.reload} />
      <Problem error={action.error} />
      <Status done={action.done} />
      {token ? (
        <SecretOnce
          label={`New read link for ${token.key} (shown once)`}
          name="read-link"
          value={`${location.origin}/storage/o/${enc(token.key)}?token=${token.token}`}
          onDone={() => setToken(null)}
        />
      ) : null}
      {view ? (
        <Table
          striped
          caption={`${listing.data!.length} file(s), ${bytes(listing.data!.reduce((n, f) => n + f.ContentLength, 0))} below ${folder}/`}
          rows={[
            ...view.folders.map(([name, s]): Entry => ({ kind: 'folder', name, ...s })),
            ...view.direct.map((f): Entry => ({ kind: 'file', name: f.key.slice(folder.length + 1), file: f })),
          ]}
          rowKey={(e) => `${e.kind}:${e.name}`}
          columns={[
            {
              head: 'Name',
              cell: (e) =>
                e.kind === 'folder' ? (
                  <a href={href(['storage'], { path: `${folder}/${e.name}` })}>{e.name}/</a>
                ) : isImage(e.file) ? (
                  <button
                    type="button"
                    class="linkish"
                    aria-label={`Preview ${e.name}`}
                    onClick={() => setPreview(e.file)}
                  >
                    <Thumb file={e.file} /> {e.name}
                  </button>
                ) : (
                  e.name
                ),
            },
            { head: 'Size', cell: (e) => bytes(e.kind === 'folder' ? e.size : e.file.ContentLength) },
            { head: 'Type', cell: (e) => (e.kind === 'folder' ? `folder, ${e.count} file(s)` : e.file.ContentType) },
            { head: 'Modified', cell: (e) => (e.kind === 'folder' ? null : when(e.file.LastModified)) },
            {
              head: 'Actions',
              hideHead: true,
              class: 'row',
              cell: (e) =>
                e.kind === 'folder' ? null : (
                  <>
                    <button
                      type="button"
                      class="outline small"
                      aria-label={`New read token for ${e.name}`}
                      onClick={() =>
                        void action.run(
                          async () =>
                            setToken({
                              key: e.file.key,
                              token: (await api<FileMeta>('DELETE', `/storage/m/${enc(e.file.key)}`)).Metadata.token!,
                            }),
                          'Read token rotated: old links stop working.',
                        )
                      }
                    >
                      New link
                    </button>
                    <button
                      type="button"
                      class="outline secondary small"
                      aria-label={`Delete ${e.name}`}
                      onClick={() =>
                        confirm(`Delete ${e.file.key}?`) &&
                        void action
                          .run(() => api('DELETE', `/storage/o/${enc(e.file.key)}`), `${e.name} deleted.`)
                          .then(listing.reload)
                      }
                    >
                      Delete
                    </button>
                  </>
                ),
            },
          ]}
        />
      ) : folder ? null : (
        <p>Choose a folder: the storage API lists a folder and what is below it.</p>
      )}
      {preview ? <Preview file={preview} onClose={() => setPreview(null)} /> : null}
    </Page>
  );
}

/** Images are fetched with the bearer header (an <img src> could not send it) through the transform API. */
function useImage(path: string) {
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let made: string | null = null;
    blobUrl(path).then((u) => setUrl((made = u)), setError);
    return () => made && URL.revokeObjectURL(made);
  }, [path]);
  return { url, error };
}

function Thumb({ file }: { file: FileMeta }) {
  const { url } = useImage(`/storage/o/${enc(file.key)}?w=48&h=48&f=webp`);
  return url ? <img class="thumb" src={url} alt="" width={48} height={48} /> : <span class="thumb" />;
}

function Preview({ file, onClose }: { file: FileMeta; onClose: () => void }) {
  const { url, error } = useImage(`/storage/o/${enc(file.key)}?w=640&f=webp`);
  return (
    <dialog open aria-labelledby="preview-title" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <article>
        <header>
          <h2 id="preview-title">{file.key}</h2>
        </header>
        <Problem error={error} />
        {url ? <img class="preview" src={url} alt={`Preview of ${file.key}`} /> : <p aria-busy="true">Loading…</p>}
        <footer>
          <button type="button" autoFocus onClick={onClose}>
            Close
          </button>
        </footer>
      </article>
    </dialog>
  );
}

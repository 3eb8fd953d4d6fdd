import { useState } from 'preact/hooks';
import { uploadFile } from '../api';
import { Problem, Status, useAction } from '../ui';

const enc = (key: string) => key.split('/').map(encodeURIComponent).join('/');

/** Uploads one file into the folder on screen (under its own name, or another typed in). */
export function UploadForm({ folder, uploaded }: { folder: string; uploaded: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const action = useAction();
  if (!folder) return null;
  const submit = (e: Event) => {
    e.preventDefault();
    if (!file) return;
    const key = `${folder}/${name || file.name}`;
    void action
      .run(() => uploadFile(`/storage/o/${enc(key)}`, file), `Uploaded ${key}.`)
      .then((ok) => {
        if (!ok) return;
        setName('');
        uploaded();
      });
  };
  return (
    <form class="filters" aria-label="Upload a file" onSubmit={submit}>
      <label>
        File
        <input type="file" name="file" required onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
      </label>
      <label>
        Name <small>(default: the file's)</small>
        <input name="name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <button type="submit" aria-busy={action.busy} disabled={action.busy || !file}>
        Upload to {folder}/
      </button>
      <Problem error={action.error} />
      <Status done={action.done} />
    </form>
  );
}

import { checkUrl } from './checks.js';
import { bool, int, optionalStr, str, type Field } from './fields.js';

/** File storage, and the admin API's shared secret. */
export const STORAGE_FIELDS = {
  // Storage
  STORAGE_RULES: optionalStr({
    doc:
      'YAML or JSON file of storage access rules (default: /user/{userId}/** private, /public/** readable by all, ' +
      'the rest admin only).',
  }),
  STORAGE_MAX_FILE_SIZE: int({ doc: 'Largest upload, bytes.', default: 52428800, min: 1, max: 1099511627776 }),
  STORAGE_QUOTA: int({
    doc: 'Bytes a user may store in all (0: no quota).',
    default: 1073741824,
    min: 0,
    max: 1125899906842624,
  }),
  S3_BUCKET: optionalStr({ doc: 'Store files in this S3-compatible bucket instead of DATA_DIR/storage.' }),
  S3_ENDPOINT: optionalStr({ doc: 'S3 endpoint URL (MinIO, Ceph, R2…); unset for AWS.', check: checkUrl }),
  S3_REGION: str({ doc: 'S3 region.', default: 'us-east-1' }),
  S3_ACCESS_KEY_ID: optionalStr({ doc: 'S3 access key id (default: the AWS credential chain).' }),
  S3_SECRET_ACCESS_KEY: optionalStr({ doc: 'S3 secret access key.', secret: true }),
  STORAGE_IMAGE_MAX_PIXELS: int({
    doc: 'Largest image (width × height) that transforms will decode or produce (also with `r`).',
    default: 40000000,
    min: 1,
    max: 1000000000,
  }),
  STORAGE_IMAGE_TIMEOUT: int({ doc: 'Seconds one image transform may take.', default: 10, min: 1, max: 300 }),
  STORAGE_IMAGE_CONCURRENCY: int({
    doc: 'Image transforms run at once (0: one per CPU core). Each holds its source and output in memory.',
    default: 0,
    min: 0,
    max: 256,
  }),
  STORAGE_IMAGE_QUEUE: int({
    doc: 'Image transforms that may wait for a free slot; beyond that the answer is `503` with `Retry-After`.',
    default: 64,
    min: 0,
    max: 100000,
  }),
  STORAGE_METADATA_CACHE_MS: int({
    doc:
      'How long an instance trusts what it read of a file (its object, ETag and read token) when serving it: the ' +
      'bound within which a replace, delete or token rotation on one instance holds on every other (at once on ' +
      'the instance that made it). 0 reads the database on every download.',
    default: 1000,
    min: 0,
    max: 60000,
  }),
  STORAGE_UPLOAD_TIMEOUT: int({
    doc: 'Seconds one upload may take; slower ones are refused (408). Temporary files older than this are swept.',
    default: 3600,
    min: 1,
    max: 604800,
  }),
  STORAGE_ORPHAN_GRACE: int({
    doc:
      'Seconds, beyond STORAGE_UPLOAD_TIMEOUT, after which a stored object that no file points to is swept ' +
      '(covers the metadata commit and clock skew between instances).',
    default: 900,
    min: 0,
    max: 604800,
  }),
  STORAGE_SWEEP_INTERVAL: int({
    doc: 'Minutes between storage sweeps by `serve` (one also runs at start); 0: only `gatehouse storage gc`.',
    default: 60,
    min: 0,
    max: 10080,
  }),
  STORAGE_PUBLIC_URL: optionalStr({
    doc:
      'A second origin serving this same server, on another site than SERVER_URL (e.g. ' +
      'https://files.example.net): share links (`?token=`) are redirected there, so shared files open where no ' +
      'Gatehouse cookie lives.',
    check: checkUrl,
  }),
  ADMIN_SECRET: optionalStr({
    doc: 'Value of the `x-admin-secret` header that bypasses storage rules (at least 32 characters).',
    secret: true,
  }),
} satisfies Record<string, Field<unknown>>;

/** The admin console. */
export const CONSOLE_FIELDS = {
  // Admin console
  CONSOLE_ENABLED: bool({
    doc: 'Serve the admin console (a browser app over the admin API) at /console.',
    default: true,
  }),
} satisfies Record<string, Field<unknown>>;

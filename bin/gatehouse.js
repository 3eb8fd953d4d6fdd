#!/usr/bin/env node
// Thin launcher so `npx gatehouse` works after `npm run build`.
import('../dist/main.js')
  .then((m) => m.main(process.argv))
  .catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });

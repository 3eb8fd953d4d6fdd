import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The admin console: Preact (JSX through esbuild, no framework plugin) and Pico CSS, built to console/dist. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  logLevel: 'warn',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Everything as files: the CSP allows no inline script, and data: only for images.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});

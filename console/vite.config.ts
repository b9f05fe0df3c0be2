import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The console is built into dist/console/ and served by the service at /console/
// (src/http/console.ts). File names carry content hashes, so the server caches them for good.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    // No inline scripts or data: modules: the page's CSP allows scripts from 'self' only.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
  },
});

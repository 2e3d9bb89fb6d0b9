/**
 * Build of the iframe app: frame.html at the out root, hashed assets under assets/.
 * The backend serves /widget/frame (frame.html) and /widget/assets/*, hence base.
 * The loader (widget.js) is a separate IIFE build: vite.loader.config.ts.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export const outDir = fileURLToPath(new URL('../src/otklik/static/widget', import.meta.url));

export default defineConfig({
  base: '/widget/',
  publicDir: false,
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2020',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    rollupOptions: {
      input: { frame: fileURLToPath(new URL('./frame.html', import.meta.url)) },
    },
  },
});

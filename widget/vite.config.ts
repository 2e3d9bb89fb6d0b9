/**
 * Build of the iframe app: frame.html at the out root, hashed assets under assets/.
 * The backend serves /widget/frame (frame.html) and /widget/assets/*, hence base.
 * The loader (widget.js) is a separate IIFE build: vite.loader.config.ts.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { compression } from 'vite-plugin-compression2';

export const outDir = fileURLToPath(new URL('../src/otklik/static/widget', import.meta.url));

export default defineConfig({
  base: '/widget/',
  publicDir: false,
  // gzip and brotli copies next to each file (src/otklik/web/static_files.py sends them)
  plugins: [compression({ algorithms: ['gzip', 'brotliCompress'], threshold: 1024 })],
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

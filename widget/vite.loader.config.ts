/** Build of the loader: one classic script (IIFE), widget.js at the out root, no hash. */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { compression } from 'vite-plugin-compression2';
import { outDir } from './vite.config';

export default defineConfig({
  publicDir: false,
  // gzip and brotli copies next to each file (src/otklik/web/static_files.py sends them)
  plugins: [compression({ algorithms: ['gzip', 'brotliCompress'], threshold: 1024 })],
  build: {
    outDir,
    emptyOutDir: false,
    target: 'es2018',
    lib: {
      entry: fileURLToPath(new URL('./src/loader/main.ts', import.meta.url)),
      formats: ['iife'],
      name: 'OtklikLoader',
      fileName: () => 'widget.js',
    },
  },
});

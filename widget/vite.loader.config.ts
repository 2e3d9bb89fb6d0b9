/** Build of the loader: one classic script (IIFE), widget.js at the out root, no hash. */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { outDir } from './vite.config';

export default defineConfig({
  publicDir: false,
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

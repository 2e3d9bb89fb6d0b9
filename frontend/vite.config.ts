/// <reference types="vitest/config" />
import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import { compression } from 'vite-plugin-compression2'

// The backend serves the built workspace at /app with an SPA fallback to index.html.
const backend = process.env.OTKLIK_DEV_BACKEND ?? 'http://127.0.0.1:8100'

export default defineConfig({
  base: '/app/',
  // gzip and brotli copies of every text file next to it (the server sends the one the
  // browser accepts: src/otklik/web/static_files.py)
  plugins: [vue(), compression({ algorithms: ['gzip', 'brotliCompress'], threshold: 1024 })],
  define: {
    // vue-i18n feature flags: composition API only, no devtools in production
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  build: {
    outDir: fileURLToPath(new URL('../src/otklik/static/app/', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
  },
  server: {
    port: 5173,
    proxy: {
      '/api': { target: backend, ws: true, changeOrigin: false },
      '/widget.js': { target: backend },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['tests/unit/**/*.spec.ts'],
    restoreMocks: true,
  },
})

import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

// Served by Flask at `/` (local and self-hosted) or as a static site (hosted), so assets are
// absolute from the root. `npm run dev` proxies the API to a locally running `tokenoptimizer serve`.
export default defineConfig({
  base: '/',
  plugins: [react()],
  server: {
    proxy: {
      '/api': process.env.TOKENOPTIMIZER_DEV_API ?? 'http://127.0.0.1:8000',
    },
  },
  build: {
    outDir: 'dist',
    sourcemap: false,
    // The budget that matters is total gzip JS (≤ 300 KB), checked by `npm run size`.
    chunkSizeWarningLimit: 900,
  },
})

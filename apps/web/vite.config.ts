import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The dashboard is served by the Sightline server at `/` (apps/server serves apps/web/dist). In
// development, `npm run dev -w apps/web` proxies the API to a server on 127.0.0.1:8080.
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    target: 'es2022',
  },
  server: {
    proxy: {
      '/v1': { target: 'http://127.0.0.1:8080', ws: true },
    },
  },
});

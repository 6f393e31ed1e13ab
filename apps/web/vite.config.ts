import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/**
 * Writes `.br` and `.gz` beside every text asset of the build, compressed once at the highest
 * levels; the server sends them to browsers that accept them (@fastify/static `preCompressed`), so
 * no request pays for compression.
 */
function precompress(): Plugin {
  return {
    name: 'sightline-precompress',
    apply: 'build',
    async writeBundle(options, bundle) {
      const dir = options.dir ?? 'dist';
      const files = [...Object.keys(bundle), 'index.html'].filter((f, i, all) => /\.(js|css|html|svg|json)$/.test(f) && all.indexOf(f) === i);
      await Promise.all(
        files.map(async (file) => {
          const full = path.join(dir, file);
          const body = await readFile(full).catch(() => undefined);
          if (body === undefined || body.length < 1024) return;
          await writeFile(`${full}.gz`, await gzipAsync(body, { level: 9 }));
          await writeFile(`${full}.br`, await brotliAsync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
        }),
      );
    },
  };
}

// The dashboard is served by the Sightline server at `/` (apps/server serves apps/web/dist). In
// development, `npm run dev:web` proxies the API to a server on 127.0.0.1:8080.
export default defineConfig({
  plugins: [react(), precompress()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    target: 'es2022',
    rolldownOptions: {
      output: {
        // ECharts is imported part by part (components/charts/echarts-loader.ts) so that only what a
        // dashboard draws is loaded; left alone, the bundler makes ~60 tiny chunks of it, and a cold
        // page then waits on their round trips. Grouped: zrender and the ECharts core in one chunk,
        // the chart types and components in another.
        codeSplitting: {
          groups: [
            { name: 'echarts-core', test: /node_modules[\\/](zrender|echarts[\\/]lib[\\/](core|model|data|util|scale|label|legacy|animation|coord|view|visual|layout|processor|preprocessor|i18n|theme|loading|export|renderer))[\\/]/, priority: 2 },
            { name: 'echarts-parts', test: /node_modules[\\/]echarts[\\/]/, priority: 1 },
          ],
        },
      },
    },
  },
  server: {
    proxy: {
      '/v1': { target: 'http://127.0.0.1:8080', ws: true },
    },
  },
});

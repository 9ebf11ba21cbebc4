import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

// The built files go to dist/, which the Go package web embeds (embed.go).
// The npm "build" script re-creates dist/.gitkeep after Vite empties the
// directory, so `go build` keeps working from a clean checkout.
export default defineConfig({
  base: '/',
  plugins: [vue()],
  server: {
    // `npm run dev` proxies the API to a running `gridline serve` or `gridline demo`.
    proxy: {
      '/api': process.env.GRIDLINE_API || 'http://127.0.0.1:8080',
      '/healthz': process.env.GRIDLINE_API || 'http://127.0.0.1:8080',
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    // MapLibre alone is close to 1 MB minified; split it and ECharts into
    // their own long-cached chunks rather than warn about the size. The other
    // libraries are grouped by the pages that use them (entriesAware), so the
    // map page doesn't load the workforce table's components, nor the reverse.
    chunkSizeWarningLimit: 1200,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            { name: 'maplibre', test: /node_modules[\\/]maplibre-gl/ },
            { name: 'echarts', test: /node_modules[\\/](echarts|zrender)/ },
            { name: 'vendor', test: /node_modules/, entriesAware: true },
          ],
        },
      },
    },
  },
});

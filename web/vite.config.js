import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

// The built files go to dist/, which the Go package web embeds (embed.go).
// The npm "build" script re-creates dist/.gitkeep after Vite empties the
// directory, so `go build` keeps working from a clean checkout.
// routePreload names, in index.html, the chunks (and their stylesheets) each
// heavy page needs beyond the entry's (<meta name="gridline-preload">), and public/preload.js,
// run first, has the browser fetch them at once for the page being opened:
// the command centre's chunk and MapLibre's megabyte then download beside
// the entry, not after it has run and the router has asked for them.
// (A file, not an inline script: the server's CSP allows scripts from
// 'self' only.)
const PRELOAD_PAGES = { '/command': 'views/CommandPage.vue' };
function routePreload() {
  return {
    name: 'gridline-route-preload',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        if (!ctx.bundle) return html;
        const chunks = Object.values(ctx.bundle).filter((c) => c.type === 'chunk');
        const closure = (c, seen = new Set()) => {
          if (!c || seen.has(c.fileName)) return seen;
          seen.add(c.fileName);
          c.imports.forEach((f) => closure(ctx.bundle[f], seen));
          return seen;
        };
        const entry = closure(chunks.find((c) => c.isEntry));
        const pages = {};
        for (const [route, mod] of Object.entries(PRELOAD_PAGES)) {
          const page = chunks.find((c) => c.facadeModuleId && c.facadeModuleId.endsWith(`/${mod}`));
          if (!page) continue;
          const files = [...closure(page)].filter((f) => !entry.has(f));
          // And their stylesheets: the router runs the page's chunk only
          // once they have loaded, and asked for late they wait behind the
          // page's first reads for one of the browser's six connections.
          const css = files.flatMap((f) => [...(ctx.bundle[f].viteMetadata?.importedCss || [])]);
          pages[route] = [...files, ...css].map((f) => `/${f}`);
        }
        // Before the entry's script and stylesheets: a classic script
        // after a stylesheet would wait for it.
        const content = JSON.stringify(pages).replace(/"/g, '&quot;');
        const tags = `<meta name="gridline-preload" content="${content}">\n    <script src="/preload.js"></script>\n    `;
        return html.replace(/<script type="module"/, (m) => tags + m);
      },
    },
  };
}

export default defineConfig({
  base: '/',
  plugins: [vue(), routePreload()],
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

import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";
import { compression } from "vite-plugin-compression2";

// The gateway serves the built app under /dashboard/ (hashed asset names, so they can be cached
// for good). In development Vite serves it and passes GraphQL, HTTP and WebSocket, to a gateway
// already running on the default port.
export default defineConfig({
  base: "/dashboard/",
  plugins: [
    react(),
    // .gz beside each text asset, made once at build time: the gateway sends it to browsers that
    // accept gzip (sirv) instead of compressing on every request. Not brotli: browsers offer it
    // only over HTTPS, and a third copy of every asset would double the package's dashboard.
    compression({
      algorithms: ["gzip"],
      include: /\.(js|css|html|svg)$/,
      threshold: 1024,
    }),
  ],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    rolldownOptions: {
      output: {
        // Libraries change less often than the app: their own chunks stay cached across releases.
        codeSplitting: {
          groups: [
            {
              name: "react",
              test: /node_modules[\\/](react|react-dom|scheduler|react-router|@tanstack)[\\/]/,
            },
            { name: "graphql", test: /node_modules[\\/](graphql|graphql-ws|graphql-sse)[\\/]/ },
            // recharts and what it brings (d3 scales, its redux store): only the pages with charts load it.
            {
              name: "charts",
              test: /node_modules[\\/](recharts|d3-[a-z-]+|internmap|victory-vendor|@reduxjs|react-redux|redux|immer|reselect|es-toolkit|decimal\.js-light|eventemitter3|tiny-invariant|use-sync-external-store)[\\/]/,
            },
          ],
        },
      },
    },
  },
  server: {
    proxy: {
      "/graphql": { target: "http://127.0.0.1:4000", ws: true },
    },
  },
});

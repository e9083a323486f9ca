import { defineConfig } from 'vite';

// Built by `npm run build` from the package root: the page is served by `createServer` at
// /console/, so every asset URL carries that base.
export default defineConfig({
  root: 'console',
  base: '/console/',
  build: {
    outDir: '../dist/console',
    emptyOutDir: true,
    target: 'es2022',
    // The lane diagram's renderer is loaded only on a lane page; the inbox stays small.
    chunkSizeWarningLimit: 1_500,
  },
});

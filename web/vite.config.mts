import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The web app is built by Vite into web/dist, which the API serves at `/`. JSX goes through Vite's
// own transform (no React plugin: its Babel peer range did not install beside Vite 8).
const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig(({ command }) => ({
  root,
  base: '/',
  oxc: { jsx: { runtime: 'automatic', development: command !== 'build' } },
  // A build is always the production one (React's checks off), even when run under Jest's NODE_ENV=test.
  define: command === 'build' ? { 'process.env.NODE_ENV': JSON.stringify('production') } : {},
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The CSP forbids inline scripts and styles: everything ships as files.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    rolldownOptions: {
      // Libraries' "use client" directives mean nothing without server components.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  server: {
    // `npx vite --config web/vite.config.mts` during development, with the API on :3000.
    proxy: Object.fromEntries(['/auth', '/handoffs', '/inbox', '/metrics', '/openapi.json'].map((p) => [p, 'http://127.0.0.1:3000'])),
  },
}));

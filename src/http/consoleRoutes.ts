import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * Where `vite build` puts the console: `dist/console` under the package root, found by
 * walking up to package.json so the same answer holds from `src/` (tsx, tests) and `dist/`.
 */
export function consoleAssetsDir(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'console');
}

const notBuilt = (_request: unknown, reply: FastifyReply) =>
  reply
    .code(503)
    .type('text/plain; charset=utf-8')
    .send('The console is not built: run `npm run build`, which writes dist/console.\n');

/**
 * The approver's console under `/console/`: public static files, because the page carries
 * no data; every call it makes uses the bearer token the person signs in with. Without a
 * build (running from source) it answers 503 saying what to do, not a bare 404.
 */
export async function consoleRoutes(
  app: FastifyInstance,
  root = consoleAssetsDir(),
): Promise<void> {
  // `/` may serve something else one day, so its redirect is not one browsers keep.
  app.get('/', { schema: { hide: true } }, (_request, reply) => reply.redirect('/console/', 302));
  app.get('/console', { schema: { hide: true } }, (_request, reply) =>
    reply.redirect('/console/', 301),
  );
  if (!existsSync(join(root, 'index.html'))) {
    app.get('/console/*', { schema: { hide: true } }, notBuilt);
    return;
  }
  // Loaded here, not at the top: it costs every CLI command a few hundred milliseconds of
  // start-up, and only a server with a built console needs it.
  const { default: fastifyStatic } = await import('@fastify/static');
  await app.register(fastifyStatic, {
    root,
    prefix: '/console/',
    decorateReply: false,
    cacheControl: false,
    // Vite fingerprints everything under assets/, so those may be kept for good; the page
    // itself is revalidated so a new build is picked up.
    setHeaders: (reply, path) => {
      reply.header(
        'cache-control',
        path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
}

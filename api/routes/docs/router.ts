/**
 * `/openapi.json` (generated from the route declarations) and `/docs`, an interactive Swagger UI
 * served from the swagger-ui-dist package on disk: no CDN, works offline.
 */
import fs from 'node:fs';
import path from 'node:path';
import Router from '@koa/router';
// The path helper alone: the package's main module loads the whole UI bundle into the API.
import getAbsoluteFSPath from 'swagger-ui-dist/absolute-path';
import { version } from '../../../package.json';
import { buildOpenApiDocument } from '../../openapi';
import type { RouteDefinition } from '../../route';

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>OSINT platform API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/swagger-ui-standalone-preset.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`;

const INIT_JS = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: 'StandaloneLayout',
});
`;

/** The documentation routes for `routes`. */
export function docsRouter(routes: readonly RouteDefinition[]): Router {
  const document = buildOpenApiDocument(routes, { version });
  const assetDir = getAbsoluteFSPath();
  const router = new Router();
  router.get('/openapi.json', (ctx) => {
    ctx.body = document;
  });
  router.get('/docs', (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = INDEX_HTML;
  });
  router.get('/docs/init.js', (ctx) => {
    ctx.type = 'application/javascript; charset=utf-8';
    ctx.body = INIT_JS;
  });
  router.get('/docs/:asset', (ctx) => {
    const type = ASSETS[ctx.params.asset ?? ''];
    if (!type) return; // unknown names fall through to the 404 of the error handler
    ctx.type = type;
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.body = fs.createReadStream(path.join(assetDir, ctx.params.asset!));
  });
  return router;
}

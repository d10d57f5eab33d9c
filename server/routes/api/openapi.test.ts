import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Router } from 'express';
import { apiRoutes, type ApiRoutesDeps } from '.';
import { buildOpenApiDocument } from './openapi';

/** The parts of an express 5 (router 2) layer this walk reads. */
interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  rawPath?: unknown;
  slash?: boolean;
}

/**
 * Every "method path" the router answers, found by walking express's own router stack rather than a table kept
 * beside it: a route added with router.get() shows up here whether or not anyone remembered to list it.
 */
function routesOf(stack: Layer[], prefix = ''): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      const path = openApiPath(prefix + layer.route.path);
      return Object.keys(layer.route.methods).map((method) => `${method} ${path}`);
    }
    const inner = layer.handle?.stack;
    if (!inner) return [];
    if (layer.slash) return routesOf(inner, prefix);
    if (typeof layer.rawPath !== 'string') throw new Error(`A sub-router is mounted at ${String(layer.rawPath)}`);
    return routesOf(inner, prefix + layer.rawPath);
  });
}

function openApiPath(expressPath: string): string {
  if (/[*{}()?]/.test(expressPath)) throw new Error(`Teach openApiPath the syntax of ${expressPath}`);
  return expressPath.replace(/:(\w+)/g, '{$1}');
}

describe('OpenAPI document', () => {
  it('documents every route of the API router, and only those', () => {
    // Building the router only wires handlers; none runs here, so its dependencies are never touched.
    const router: Router = apiRoutes({ publicUrl: 'http://latchkey.test' } as ApiRoutesDeps);
    const served = routesOf((router as unknown as { stack: Layer[] }).stack);
    assert.ok(served.length > 10, `the walk found only ${served.length} routes; has express changed its internals?`);

    const document = buildOpenApiDocument('http://latchkey.test');
    const documented = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
      ['get', 'put', 'post', 'patch', 'delete'].filter((method) => method in item).map((method) => `${method} ${path}`),
    );
    assert.deepEqual([...documented].sort(), [...new Set(served)].sort());
  });

  it('names the schemas that the routes refer to, and every $ref resolves', () => {
    const document = buildOpenApiDocument('http://latchkey.test');
    const text = JSON.stringify(document);
    const refs = new Set([...text.matchAll(/"\$ref":"#\/components\/(\w+)\/(\w+)"/g)].map((m) => `${m[1]}/${m[2]}`));
    const components = document.components as Record<string, Record<string, unknown>>;
    for (const ref of refs) {
      const [kind, name] = ref.split('/') as [string, string];
      assert.ok(components[kind]?.[name], `${ref} is referenced but not defined`);
    }
    assert.ok(refs.has('schemas/User') && refs.has('responses/Error'));
    assert.deepEqual(document.security, [{ bearer: [] }]);
  });
});

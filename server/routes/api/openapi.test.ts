import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Router } from 'express';
import { apiRoutes, type ApiRoutesDeps } from '.';
import { API_PERMISSIONS } from '../../http/api-permissions';
import { buildOpenApiDocument, documentedActions } from './openapi';

/** The parts of an express 5 (router 2) layer this walk reads. */
interface Layer {
  route?: {
    path: string;
    methods: Record<string, boolean>;
    stack: Array<{ handle: { apiActions?: readonly string[] } }>;
  };
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

/** The actions of api-permissions.ts that gate each route, from the permit handlers in its own stack. */
function gatesOf(stack: Layer[], prefix = ''): Array<[string, string[]]> {
  return stack.flatMap((layer): Array<[string, string[]]> => {
    if (layer.route) {
      const path = openApiPath(prefix + layer.route.path);
      const actions = layer.route.stack.flatMap((inner) => inner.handle.apiActions ?? []);
      return Object.keys(layer.route.methods).map((method) => [`${method} ${path}`, actions]);
    }
    const inner = layer.handle?.stack;
    if (!inner) return [];
    return gatesOf(inner, layer.slash ? prefix : prefix + String(layer.rawPath));
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

  it('gates every route but the document itself by the permission table, as the document says', () => {
    const router: Router = apiRoutes({ publicUrl: 'http://latchkey.test' } as ApiRoutesDeps);
    const gates = gatesOf((router as unknown as { stack: Layer[] }).stack);
    const documented = documentedActions();
    for (const [route, actions] of gates) {
      if (route === 'get /openapi.json') {
        assert.deepEqual(actions, [], 'the document is public');
        continue;
      }
      assert.ok(actions.length > 0, `${route} has no permit() gate`);
      assert.deepEqual(actions, [...(documented.get(route) ?? [])], `${route}: the router and the document differ`);
      for (const action of actions) assert.ok(action in API_PERMISSIONS, `${route}: unknown action ${action}`);
      // A GET changes nothing, so every role may; and anything else must name a narrower action than read.
      if (route.startsWith('get ')) assert.deepEqual(actions, ['read'], route);
      else assert.ok(!actions.includes('read'), `${route} changes something, so it cannot be gated by read`);
    }
    const document = buildOpenApiDocument('http://latchkey.test');
    const patch = document.paths?.['/clients/{clientId}']?.patch;
    assert.match(String(patch?.description), /change a client's policy: the admin role, on an MSP-wide key/);
    assert.ok(patch?.responses?.['403'], 'a route some keys may not call documents its 403');
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

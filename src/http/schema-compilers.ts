import { AjvCompiler } from '@fastify/ajv-compiler';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

// Building an app compiles a validator for every request schema and a serializer for every
// response schema of every route: about a second of CPU, most of it in fast-json-stringify. A
// process that builds more than one app (each test suite builds its own) compiles each distinct
// schema once: Fastify's own compilers, behind a cache keyed by the schema's JSON and the shared
// schemas and options it was compiled with. Equal JSON compiles to the same function, and the
// compiled functions keep no state between calls, so sharing them changes nothing but the cost.

type RouteSchema = { schema: unknown };
type Factory<F> = (externalSchemas: unknown, options: unknown) => (route: RouteSchema) => F;

function memoized<F>(factory: Factory<F>): Factory<F> {
  const contexts = new Map<string, number>();
  const compiled = new Map<string, F>();
  return (externalSchemas, options) => {
    const compile = factory(externalSchemas, options);
    const contextKey = `${JSON.stringify(externalSchemas)}\0${JSON.stringify(options ?? null)}`;
    let context = contexts.get(contextKey);
    if (context === undefined) contexts.set(contextKey, (context = contexts.size));
    return (route) => {
      const key = `${context}\0${JSON.stringify(route.schema)}`;
      let fn = compiled.get(key);
      if (fn === undefined) compiled.set(key, (fn = compile(route)));
      return fn;
    };
  };
}

// One of each per process: AjvCompiler also keeps one Ajv instance per set of shared schemas.
const compilersFactory = {
  buildValidator: memoized(AjvCompiler() as unknown as Factory<unknown>),
  buildSerializer: memoized(SerializerSelector() as unknown as Factory<unknown>),
};

export const schemaController = { compilersFactory } as unknown as NonNullable<FastifyServerOptions['schemaController']>;

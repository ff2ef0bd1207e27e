import { RequestMethod, type INestApplication } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ModulesContainer } from '@nestjs/core';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface NestRoute {
  method: HttpMethod;
  /** Express-style pattern: `/events/:id/edit`. */
  path: string;
  /** `Controller.handler`, to name the route in failures. */
  handler: string;
  /** Names of the route's `:params`. */
  params: string[];
  /** Params the handler declares as `number` (record ids: the global RecordIdPipe bounds them). */
  numericParams: string[];
}

const METHODS: Partial<Record<RequestMethod, HttpMethod>> = {
  [RequestMethod.GET]: 'get',
  [RequestMethod.POST]: 'post',
  [RequestMethod.PUT]: 'put',
  [RequestMethod.PATCH]: 'patch',
  [RequestMethod.DELETE]: 'delete',
};

function join(...parts: string[]): string {
  const path = `/${parts.join('/')}`.replace(/\/{2,}/g, '/').replace(/(.)\/$/, '$1');
  return path;
}

type ParamMetadata = Record<string, { index: number; data?: unknown }>;

/**
 * Every route the application serves, read from the metadata Nest's router registers routes from
 * (controllers of every module, their paths, methods and parameters): no hand-kept list, so a route
 * added tomorrow is covered by whatever test walks these.
 */
export function nestRoutes(app: INestApplication): NestRoute[] {
  const routes = new Map<string, NestRoute>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!controller) continue;
      const prefixes = [Reflect.getMetadata(PATH_METADATA, controller) as string | string[] | undefined]
        .flat()
        .map((prefix) => prefix ?? '');
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const paths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        const requestMethod = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        const method = requestMethod === undefined ? undefined : METHODS[requestMethod];
        if (paths === undefined || !method) continue;
        const types = (Reflect.getMetadata('design:paramtypes', prototype, name) ?? []) as unknown[];
        const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {}) as ParamMetadata;
        const numeric = Object.entries(args)
          .filter(([key, arg]) => key.startsWith(`${RouteParamtypes.PARAM}:`) && types[arg.index] === Number)
          .map(([, arg]) => String(arg.data));
        for (const prefix of prefixes) {
          for (const path of [paths].flat()) {
            const full = join(prefix, path);
            const params = [...full.matchAll(/:(\w+)/g)].map((match) => match[1]);
            routes.set(`${method} ${full}`, {
              method,
              path: full,
              handler: `${controller.name}.${name}`,
              params,
              numericParams: numeric.filter((param) => params.includes(param)),
            });
          }
        }
      }
    }
  }
  return [...routes.values()].sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
}

/** `/events/:id/edit` with its params filled in (values are inserted as given: escape them first). */
export function fillPath(pattern: string, values: Record<string, string>): string {
  return pattern.replace(/:(\w+)/g, (_match, name: string) => values[name] ?? 'x');
}

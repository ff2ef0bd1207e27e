import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from './processes';

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; target?: string };
  profiles?: string[];
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  expose?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[]; disable?: boolean };
  restart?: string;
  stop_grace_period?: string;
  deploy?: { replicas?: number };
  stdin_open?: boolean;
  tty?: boolean;
  init?: boolean;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** A compose file as Compose reads it (YAML merge keys resolved). */
export function loadCompose(file: string): ComposeFile {
  return parse(readFileSync(join(PROJECT_ROOT, file), 'utf8'), { merge: true }) as ComposeFile;
}

/**
 * Values an operator puts in the environment / env file (a `${VAR:?…}` without one here fails,
 * so every required variable is known and documented).
 */
export const OPERATOR_ENV: Record<string, string> = {
  APP_URL: 'https://events.example.com',
  POSTGRES_PASSWORD: 'a-database-password',
  SMTP_URL: 'smtp://user:password@smtp.example.com:587',
  MAIL_FROM: 'Event Planner <events@example.com>',
  SESSION_SECRET: 'an-operator-chosen-secret-of-at-least-32-characters',
};

/** Compose's variable interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}. */
export function interpolate(value: string, env: Record<string, string> = OPERATOR_ENV): string {
  return value.replace(
    /\$\{(\w+)(?:(:?[-?])([^}]*))?\}/g,
    (_match, name: string, operator?: string, arg?: string) => {
      if (env[name] !== undefined && env[name] !== '') return env[name];
      if (operator?.endsWith('-')) return arg ?? '';
      if (operator?.endsWith('?')) throw new Error(`${name} is required: ${arg}`);
      return '';
    },
  );
}

/** A service's environment after interpolation, as its container would get it. */
export function serviceEnvironment(service: ComposeService): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([key, value]) => [key, interpolate(String(value))]),
  );
}

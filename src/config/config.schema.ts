import { z } from 'zod';

/** The development secret; production refuses to start with it (and `check --deploy` flags it). */
export const DEVELOPMENT_SESSION_SECRET = 'development-only-secret-change-me-in-production';

const url = (protocols: string[], what: string) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a ${what} URL (${protocols.map((p) => `${p}//`).join(' or ')}…)` },
  );

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], {
    message: 'must be true or false',
  })
  .transform((value) => ['true', '1', 'yes', 'on'].includes(value));

/**
 * Every environment variable the app reads, with its development default. Parsed once at boot
 * (loadConfig); nothing else in the app reads process.env.
 */
export const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    APP_URL: url(['http:', 'https:'], 'http(s)').default('http://localhost:3000'),
    DATABASE_URL: url(['postgresql:', 'postgres:'], 'PostgreSQL').default(
      'postgresql://postgres:postgres@localhost:5432/event_planner',
    ),
    /**
     * Replaces the password in DATABASE_URL: lets the app read the same secret file as the
     * postgres image (POSTGRES_PASSWORD_FILE) through DATABASE_PASSWORD_FILE.
     */
    DATABASE_PASSWORD: z.string().min(1).optional(),
    /** Connections each process's pool opens at most (docs/scaling.md sizes max_connections by it). */
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1_000).default(10),
    /**
     * How long a pool connection may sit unused before it is closed. node-postgres' own 10 s closed
     * every connection after any lull, and the next burst paid for new server backends (fork, auth,
     * catalog caches, re-preparing statements); 10 minutes is psycopg_pool's max_idle (Django 5.1's pool).
     */
    DATABASE_POOL_IDLE_SECONDS: z.coerce.number().min(0.1).default(600),
    REDIS_URL: url(['redis:', 'rediss:'], 'Redis').default('redis://localhost:6379/0'),
    SMTP_URL: url(['smtp:', 'smtps:'], 'SMTP').default('smtp://localhost:1025'),
    MAIL_FROM: z.string().min(3).default('Event Planner <no-reply@localhost>'),
    SESSION_SECRET: z
      .string()
      .min(32, { message: 'must be at least 32 characters' })
      .default(DEVELOPMENT_SESSION_SECRET),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    LOG_FILE: z.string().min(1).optional(),
    LOG_PRETTY: booleanFlag.optional(),
    CACHE_TTL_SECONDS: z.coerce.number().int().min(1).default(60),
    /** JSON API requests allowed per token per minute (Redis-backed, across web replicas). */
    API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(120),
    /**
     * Bearer token Prometheus must send to GET /metrics. Unset, the route is open in development
     * and test, and answers 404 in production unless METRICS_PUBLIC opts in.
     */
    METRICS_TOKEN: z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
    /** Production only: serve /metrics without METRICS_TOKEN (the proxy must block it). */
    METRICS_PUBLIC: booleanFlag.default(false),
    /**
     * Where uploaded media (event cover images) are kept by the local-disk storage: a folder the
     * web processes share (a volume under Docker). Relative paths are from the working directory.
     */
    MEDIA_ROOT: z.string().min(1).default('media'),
    /**
     * Whether the app itself serves MEDIA_ROOT under /media/ (default: everywhere but production,
     * where the proxy serves the volume: docker/Caddyfile).
     */
    MEDIA_SERVE: booleanFlag.optional(),
    /** The largest cover image accepted, in megabytes (bigger: a message at the field). */
    COVER_IMAGE_MAX_MB: z.coerce.number().min(0.1).max(50).default(5),
    /** The Redis cache of the public event list and event pages (off only to measure without it). */
    EVENTS_PAGE_CACHE: booleanFlag.default(true),
    WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(5),
    /**
     * How long a worker's claim on a job lasts without renewal (renewed every half of it while the
     * job runs). A killed worker's jobs go to another worker once it lapses: within this plus
     * QUEUE_STALLED_INTERVAL_MS. Shorter is faster recovery, but an event loop blocked for longer
     * than half of it loses the claim and the job may run twice.
     */
    QUEUE_LOCK_DURATION_MS: z.coerce.number().int().min(1_000).default(30_000),
    /** How often workers look for jobs whose claim lapsed (stalled jobs). */
    QUEUE_STALLED_INTERVAL_MS: z.coerce.number().int().min(500).default(15_000),
    /**
     * Temporary delivery failures (4xx, refused, reset, timeouts) are retried like a mail server
     * does: first after MAIL_RETRY_DELAY_MS, each delay doubling up to MAIL_RETRY_MAX_DELAY_MS,
     * for MAIL_RETRY_WINDOW_MS (24 h); then the message is failed (retryable from the admin).
     * A permanent refusal (5xx) fails it at once.
     */
    MAIL_RETRY_DELAY_MS: z.coerce.number().int().min(10).default(30_000),
    MAIL_RETRY_MAX_DELAY_MS: z.coerce.number().int().min(10).default(3_600_000),
    MAIL_RETRY_WINDOW_MS: z.coerce.number().int().min(0).default(86_400_000),
    /** How often the worker's relay queues recorded e-mails that never reached Redis. */
    MAIL_RELAY_INTERVAL_MS: z.coerce.number().int().min(100).default(5_000),
    /** Sent e-mails older than this are purged from the log by a scheduled job. */
    MAIL_PURGE_SENT_AFTER_DAYS: z.coerce.number().int().min(1).default(30),
    /** Cron (UTC) of that purge; six fields for seconds. */
    MAIL_PURGE_CRON: z.string().min(9).default('30 3 * * *'),
    /** SIGTERM to exit: longer and the process exits 1 (in-flight requests are cut off first). */
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
    /**
     * After SIGTERM, how long the web keeps serving (readiness already 503) before it stops
     * accepting connections: the time a proxy or load balancer needs to notice. Part of
     * SHUTDOWN_TIMEOUT_MS.
     */
    SHUTDOWN_DRAIN_DELAY_MS: z.coerce.number().int().min(0).default(0),
    TRUST_PROXY: z.string().default('loopback'),
    /** Failed log-ins per account, then per client IP, allowed within LOGIN_THROTTLE_MINUTES. */
    LOGIN_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).default(5),
    LOGIN_FAILURES_PER_IP: z.coerce.number().int().min(1).default(50),
    LOGIN_THROTTLE_MINUTES: z.coerce.number().int().min(1).default(15),
    /** Invalid API tokens one client IP may present within LOGIN_THROTTLE_MINUTES (then 429). */
    API_TOKEN_FAILURES_PER_IP: z.coerce.number().int().min(1).default(20),
    /** Lifetime of the "remember me" session cookie; otherwise it ends with the browser. */
    SESSION_REMEMBER_DAYS: z.coerce.number().int().min(1).default(30),
    /**
     * Staff must set up a second factor (authenticator app or passkey) before the admin opens; they
     * are sent to the profile to enrol first.
     */
    MFA_REQUIRED_FOR_STAFF: booleanFlag.default(false),
    /** How long "trust this browser" skips the second step of log-in on that browser. */
    MFA_TRUST_DAYS: z.coerce.number().int().min(1).max(365).default(30),
    /** Where `cli dbbackup` writes its timestamped files (and `--keep` prunes). */
    BACKUP_DIR: z.string().min(1).default('./backups'),
    /**
     * The folder of pg_dump, pg_restore and psql when those on PATH are older than the server
     * (Debian: /usr/lib/postgresql/<major>/bin). Unset: PATH.
     */
    PG_BIN_DIR: z.string().min(1).optional(),
    /** The debug toolbar: on by default in development, off in test; never served in production. */
    DEBUG_TOOLBAR: booleanFlag.optional(),
  })
  .superRefine((config, context) => {
    if (config.SHUTDOWN_DRAIN_DELAY_MS >= config.SHUTDOWN_TIMEOUT_MS / 2) {
      context.addIssue({
        code: 'custom',
        path: ['SHUTDOWN_DRAIN_DELAY_MS'],
        message: 'must be less than half of SHUTDOWN_TIMEOUT_MS (the rest is for draining and closing)',
      });
    }
    if (config.NODE_ENV === 'production' && config.SESSION_SECRET === DEVELOPMENT_SESSION_SECRET) {
      context.addIssue({
        code: 'custom',
        path: ['SESSION_SECRET'],
        message: 'is the development default; set a real secret in production',
      });
    }
  });

/**
 * Variables that hold secrets. Each may instead name a file holding the value in `<NAME>_FILE`
 * (Docker and Kubernetes secrets are mounted as files; the official postgres and redis images use
 * the same convention), and none is ever echoed in a configuration error.
 */
export const SECRET_VARIABLES = [
  'SESSION_SECRET',
  'DATABASE_URL',
  'DATABASE_PASSWORD',
  'REDIS_URL',
  'SMTP_URL',
  'METRICS_TOKEN',
] as const;

export type AppConfigValues = z.output<typeof configSchema>;

import { CACHE_MANAGER } from '@nestjs/cache-manager';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import { DEFAULT_LANGUAGE, type Language } from '../i18n/languages';
import { formatDateTime, formatNumber, translate } from '../i18n/translator';
import { JobQueues } from '../jobs/queue/queue.module';
import { PrismaService } from '../prisma/prisma.service';
import type { AdminPermissions } from './admin-access';
import { AdminSite } from './admin-site';

/** Days the per-day charts cover, today (UTC) included. */
export const DASHBOARD_DAYS = 30;
/** The figures are shared by every staff member and may be this old. */
const CACHE_TTL_MS = 30_000;
const CACHE_KEY = 'admin:dashboard:v1';
/** "1 Dec 2026, 16:40:12 UTC": when the figures were read (in the reader's language). */
const GENERATED_AT: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'long' };

export const EMAIL_STATUSES = ['queued', 'sending', 'sent', 'failed'] as const;
export const JOB_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

export interface DashboardData {
  /** The days of the per-day series, oldest first (YYYY-MM-DD, UTC). */
  days: string[];
  signups: number[];
  rsvps: number[];
  /** Per status, e-mails created on each day. */
  emails: Record<(typeof EMAIL_STATUSES)[number], number[]>;
  /** Per queue, jobs in each state now (null: Redis did not answer). */
  queues: { name: string; counts: Record<(typeof JOB_STATES)[number], number> | null }[];
  generatedAt: string;
}

/**
 * The admin index's dashboard: sign-ups and RSVPs per day, e-mails per day by status (the last
 * DASHBOARD_DAYS days), and each job queue's backlog and failures. Each per-day figure is one
 * GROUP BY date_trunc over a range of an indexed created_at column; the whole set is cached in
 * Redis for CACHE_TTL_MS, so a busy admin index costs a handful of queries every half-minute.
 */
@Injectable()
export class AdminDashboardService {
  private readonly logger = new Logger(AdminDashboardService.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly queues: JobQueues,
    private readonly site: AdminSite,
    @Inject(CACHE_MANAGER) private readonly cache: Cache,
  ) {}

  /** The figures, from the cache when fresh (Redis down: computed, not cached). */
  async data(): Promise<DashboardData> {
    const cached = await this.cache.get<DashboardData>(CACHE_KEY).catch(() => undefined);
    if (cached) return cached;
    const data = await this.compute();
    await this.cache
      .set(CACHE_KEY, data, CACHE_TTL_MS)
      .catch((error: Error) => this.logger.warn(`Caching the dashboard failed: ${error.message}`));
    return data;
  }

  async compute(now = new Date()): Promise<DashboardData> {
    const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    const start = new Date(today - (DASHBOARD_DAYS - 1) * 86_400_000);
    const days = Array.from({ length: DASHBOARD_DAYS }, (_, index) =>
      new Date(start.getTime() + index * 86_400_000).toISOString().slice(0, 10),
    );
    const series = (rows: { day: string; n: number }[]) => {
      const byDay = new Map(rows.map((row) => [row.day, Number(row.n)]));
      return days.map((day) => byDay.get(day) ?? 0);
    };
    const [signups, rsvps, emails, queues] = await Promise.all([
      this.prisma.$queryRaw<{ day: string; n: number }[]>`
        SELECT to_char(date_trunc('day', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day, count(*)::int AS n
        FROM users WHERE created_at >= ${start} GROUP BY 1`,
      this.prisma.$queryRaw<{ day: string; n: number }[]>`
        SELECT to_char(date_trunc('day', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day, count(*)::int AS n
        FROM rsvps WHERE created_at >= ${start} GROUP BY 1`,
      this.prisma.$queryRaw<{ day: string; status: string; n: number }[]>`
        SELECT to_char(date_trunc('day', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day,
               status::text AS status, count(*)::int AS n
        FROM outgoing_emails WHERE created_at >= ${start} GROUP BY 1, 2`,
      Promise.all(
        this.queues.all().map(async (queue) => {
          const counts = await queue.counts().catch(() => null);
          return {
            name: queue.name,
            counts: counts && {
              waiting: counts.waiting,
              active: counts.active,
              delayed: counts.delayed,
              failed: counts.failed,
            },
          };
        }),
      ),
    ]);
    return {
      days,
      signups: series(signups),
      rsvps: series(rsvps),
      emails: Object.fromEntries(
        EMAIL_STATUSES.map((status) => [status, series(emails.filter((row) => row.status === status))]),
      ) as DashboardData['emails'],
      queues,
      generatedAt: now.toISOString(),
    };
  }

  /**
   * The charts this staff member may see (each needs the view permission of what it counts;
   * queues need `queues.view`), with the text alternative of each: a table of the same figures.
   * Titles, series and numbers in `language` (the figures are cached once for every language).
   */
  async view(permissions: AdminPermissions, language: Language = DEFAULT_LANGUAGE) {
    const can = (model: string) => {
      const info = this.site.byName(model);
      return info !== undefined && permissions.can(info, 'view');
    };
    const show = {
      signups: can('User'),
      rsvps: can('Rsvp'),
      emails: can('OutgoingEmail'),
      queues: permissions.hasCodename('queues.view'),
    };
    if (!Object.values(show).some(Boolean)) return undefined;
    const data = await this.data();
    const t = (key: string, params: Record<string, string | number> = {}) => translate(language, key, params);
    const number = (value: number) => formatNumber(value, language);
    const total = (values: number[]) => values.reduce((sum, value) => sum + value, 0);
    const charts: DashboardChart[] = [];
    if (show.signups || show.rsvps) {
      const series = [
        ...(show.signups
          ? [{ key: 'signups', label: t('admin.dashboard.signups'), values: data.signups }]
          : []),
        ...(show.rsvps ? [{ key: 'rsvps', label: t('admin.dashboard.rsvps'), values: data.rsvps }] : []),
      ];
      charts.push({
        id: 'activity',
        title: t('admin.dashboard.activityTitle', { count: DASHBOARD_DAYS }),
        summary: series
          .map((s) => {
            const sum = total(s.values);
            return t(`admin.dashboard.${s.key}Total`, { count: sum, total: number(sum) });
          })
          .join(', '),
        kind: 'line',
        labels: data.days,
        series,
      });
    }
    if (show.emails) {
      charts.push({
        id: 'emails',
        title: t('admin.dashboard.emailsTitle', { count: DASHBOARD_DAYS }),
        summary: EMAIL_STATUSES.map((status) =>
          t('admin.dashboard.statusTotal', {
            total: number(total(data.emails[status])),
            status: t(`admin.dashboard.emailStatus.${status}`),
          }),
        ).join(', '),
        kind: 'stacked-bar',
        labels: data.days,
        series: EMAIL_STATUSES.map((status) => ({
          key: status,
          label: t(`admin.dashboard.emailStatus.${status}`),
          values: data.emails[status],
        })),
      });
    }
    if (show.queues) {
      const answering = data.queues.filter((queue) => queue.counts);
      charts.push({
        id: 'queues',
        title: t('admin.dashboard.queuesTitle'),
        summary:
          answering.length === data.queues.length
            ? t('admin.dashboard.queuesSummary', {
                waiting: number(
                  answering.reduce((sum, queue) => sum + queue.counts!.waiting + queue.counts!.delayed, 0),
                ),
                failed: number(answering.reduce((sum, queue) => sum + queue.counts!.failed, 0)),
              })
            : t('admin.dashboard.queuesUnreachable'),
        kind: 'horizontal-bar',
        labels: data.queues.map((queue) => queue.name),
        series: JOB_STATES.map((state) => ({
          key: state,
          label: t(`admin.dashboard.jobState.${state}`),
          values: data.queues.map((queue) => queue.counts?.[state] ?? 0),
        })),
        link: { href: '/admin/queues', label: t('admin.index.queueDashboard') },
      });
    }
    return {
      charts: charts.map((chart) => ({
        ...chart,
        // The table the chart is drawn from, which is also its text alternative.
        table: {
          headers: chart.series.map((s) => s.label),
          rows: chart.labels.map((label, index) => ({
            label,
            values: chart.series.map((s) => number(s.values[index])),
          })),
        },
        json: JSON.stringify({ kind: chart.kind, labels: chart.labels, series: chart.series }),
      })),
      generatedAt: formatDateTime(data.generatedAt, language, 'UTC', GENERATED_AT),
    };
  }
}

export interface DashboardChart {
  id: string;
  title: string;
  /** One sentence of the totals, read before the table. */
  summary: string;
  kind: 'line' | 'stacked-bar' | 'horizontal-bar';
  labels: string[];
  /** `key`: what a series counts (a status, a state), for its colour; `label`: as the reader reads it. */
  series: { key: string; label: string; values: number[] }[];
  link?: { href: string; label: string };
}

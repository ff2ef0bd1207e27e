import { Controller, Get, Logger, Res, ServiceUnavailableException } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  PrismaHealthIndicator,
  type HealthCheckResult,
} from '@nestjs/terminus';
import type { Response } from 'express';
import { ShutdownState } from '../core/shutdown-state';
import { SchemaState } from '../database/schema-state';
import { PrismaService } from '../prisma/prisma.service';
import { RedisHealthIndicator } from './redis.health';

@Controller('health')
export class HealthController {
  private readonly logger = new Logger('Health');

  constructor(
    private readonly health: HealthCheckService,
    private readonly prismaIndicator: PrismaHealthIndicator,
    private readonly redisIndicator: RedisHealthIndicator,
    private readonly prisma: PrismaService,
    private readonly schema: SchemaState,
    private readonly indicators: HealthIndicatorService,
    private readonly shutdown: ShutdownState,
  ) {}

  /** The process is up and serving HTTP (for restart decisions: no dependency checks). */
  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /**
   * Ready to take traffic: PostgreSQL and Redis answer, every migration of this build is applied,
   * and the process is not shutting down. 503 naming what is down otherwise ("migrations pending"
   * with their names), logged as one warning (an outage or a deploy, not a bug).
   */
  @Get('ready')
  @HealthCheck()
  async ready(@Res({ passthrough: true }) res: Response): Promise<HealthCheckResult> {
    if (this.shutdown.draining) {
      res.status(503).setHeader('Connection', 'close');
      return { status: 'shutting_down', info: {}, error: {}, details: {} };
    }
    try {
      return await this.health.check([
        () => this.prismaIndicator.pingCheck('database', this.prisma, { timeout: 2_000 }),
        () => this.redisIndicator.pingCheck('redis'),
        () => {
          const indicator = this.indicators.check('migrations');
          return this.schema.isPending
            ? indicator.down({ message: 'migrations pending', pending: this.schema.pending })
            : indicator.up();
        },
      ]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const result = error.getResponse() as HealthCheckResult;
      const down = Object.entries(result.error ?? {}).map(
        ([name, detail]) => `${name} (${lastLine((detail as { message?: unknown }).message)})`,
      );
      this.logger.warn(`Not ready: ${down.join(', ') || 'a check failed'} down`);
      res.status(503);
      return result;
    }
  }
}

/** Prisma's messages span several lines (the call site, then the cause): the cause, for a log line. */
function lastLine(message: unknown): string {
  const lines = String(message ?? 'down')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return lines[lines.length - 1] ?? 'down';
}

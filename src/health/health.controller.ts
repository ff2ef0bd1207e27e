import { Controller, Get } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  PrismaHealthIndicator,
} from '@nestjs/terminus';
import { SchemaState } from '../database/schema-state';
import { PrismaService } from '../prisma/prisma.service';
import { RedisHealthIndicator } from './redis.health';

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly prismaIndicator: PrismaHealthIndicator,
    private readonly redisIndicator: RedisHealthIndicator,
    private readonly prisma: PrismaService,
    private readonly schema: SchemaState,
    private readonly indicators: HealthIndicatorService,
  ) {}

  /** The process is up and serving HTTP (for restart decisions: no dependency checks). */
  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /**
   * Ready to take traffic: PostgreSQL and Redis answer and every migration of this build is
   * applied. 503 naming the failed one otherwise ("migrations pending" with their names).
   */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.prismaIndicator.pingCheck('database', this.prisma, { timeout: 2_000 }),
      () => this.redisIndicator.pingCheck('redis'),
      () => {
        const indicator = this.indicators.check('migrations');
        return this.schema.isPending
          ? indicator.down({ message: 'migrations pending', pending: this.schema.pending })
          : indicator.up();
      },
    ]);
  }
}

import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, PrismaHealthIndicator } from '@nestjs/terminus';
import { PrismaService } from '../prisma/prisma.service';
import { RedisHealthIndicator } from './redis.health';

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly prismaIndicator: PrismaHealthIndicator,
    private readonly redisIndicator: RedisHealthIndicator,
    private readonly prisma: PrismaService,
  ) {}

  /** The process is up and serving HTTP (for restart decisions: no dependency checks). */
  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /** Ready to take traffic: PostgreSQL and Redis answer. 503 naming the failed one otherwise. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.prismaIndicator.pingCheck('database', this.prisma, { timeout: 2_000 }),
      () => this.redisIndicator.pingCheck('redis'),
    ]);
  }
}

import { timingSafeEqual } from 'node:crypto';
import { Controller, Get, Req, Res, UnauthorizedException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppConfig } from '../config/app-config';
import { MetricsService } from './metrics.service';

/**
 * `GET /metrics` in Prometheus' text format. With METRICS_TOKEN set, scrapers must send it as a
 * bearer token; without it the route is open (block it at the proxy in production).
 */
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  async scrape(@Req() req: Request, @Res() res: Response): Promise<void> {
    const token = this.config.values.METRICS_TOKEN;
    if (token && !sameSecret(/^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '', token)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      throw new UnauthorizedException('Send the metrics token: "Authorization: Bearer <METRICS_TOKEN>".');
    }
    const { contentType, body } = await this.metrics.text();
    res.type(contentType).send(body);
  }
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

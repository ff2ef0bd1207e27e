import { timingSafeEqual } from 'node:crypto';
import { Controller, Get, Logger, NotFoundException, Req, Res, UnauthorizedException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppConfig } from '../config/app-config';
import { bearerToken } from '../web/bearer-token';
import { MetricsService } from './metrics.service';

/**
 * `GET /metrics` in Prometheus' text format. With METRICS_TOKEN set, scrapers must send it as a
 * bearer token. Without it the route is open in development and test; in production it does not
 * exist (404) unless METRICS_PUBLIC=true says the proxy keeps it private (`check --deploy` names
 * that choice): route patterns, queue sizes and process figures are nobody else's business.
 */
@Controller('metrics')
export class MetricsController {
  private readonly logger = new Logger(MetricsController.name);
  private readonly served: boolean;

  constructor(
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {
    const { METRICS_TOKEN, METRICS_PUBLIC } = config.values;
    this.served = Boolean(METRICS_TOKEN) || !config.isProduction || METRICS_PUBLIC;
    if (!this.served) this.logger.log('/metrics is off: set METRICS_TOKEN to let Prometheus scrape it');
  }

  @Get()
  async scrape(@Req() req: Request, @Res() res: Response): Promise<void> {
    if (!this.served) throw new NotFoundException();
    const token = this.config.values.METRICS_TOKEN;
    if (token && !sameSecret(bearerToken(req) ?? '', token)) {
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

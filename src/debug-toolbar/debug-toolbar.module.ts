import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { DebugToolbarCollector } from './debug-toolbar.collector';
import { DebugToolbarMiddleware } from './debug-toolbar.middleware';

/**
 * The development debug toolbar. AppModule imports it only when `debugToolbarEnabled(config)`,
 * which is never in production: there, it is not mounted and nothing is instrumented.
 */
@Module({ providers: [DebugToolbarCollector] })
export class DebugToolbarModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(DebugToolbarMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }
}

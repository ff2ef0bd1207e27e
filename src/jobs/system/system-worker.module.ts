import { Module } from '@nestjs/common';
import { SystemProcessor } from './system.processor';

/** Worker side of the system queue. */
@Module({ providers: [SystemProcessor] })
export class SystemWorkerModule {}

import { Module } from '@nestjs/common';
import { SystemService } from './system.service';

/** Web side of the system queue. */
@Module({ providers: [SystemService], exports: [SystemService] })
export class SystemModule {}

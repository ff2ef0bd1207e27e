import { Module } from '@nestjs/common';
import { SchemaState } from './schema-state';

/** Database state shared by web features: whether this build's migrations are applied. */
@Module({
  providers: [SchemaState],
  exports: [SchemaState],
})
export class DatabaseModule {}

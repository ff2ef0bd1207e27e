import { Injectable, NotFoundException, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';

/** The largest value of an `integer` (int4) column: every serial primary key of the schema. */
export const INT4_MAX = 2_147_483_647;

/** A record id as the URL spells it (`1`…`2147483647`, no sign, zeros or spaces), or undefined. */
export function parseRecordId(value: unknown): number | undefined {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^[1-9]\d{0,9}$/.test(text)) return undefined;
  const id = Number(text);
  return id <= INT4_MAX ? id : undefined;
}

/**
 * Registered globally (APP_PIPE): a route parameter declared as a `number` (`@Param('id') id:
 * number`) is a record id, bounded to its int4 column, so anything else (`0`, `-1`, `1e3`,
 * `99999999999999`) is a 404 like a missing record, never a 400 or a database error. Every route
 * gets this by its parameter's type; nothing to remember per route. Other parameters pass through.
 */
@Injectable()
export class RecordIdPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'param' || metadata.metatype !== Number) return value;
    const id = parseRecordId(value);
    if (id === undefined) throw new NotFoundException('Not found');
    return id;
  }
}

/** A UUID from the URL (task ids), lower-cased; 404 when malformed. */
@Injectable()
export class UuidPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) {
      throw new NotFoundException('Not found');
    }
    return value.toLowerCase();
  }
}

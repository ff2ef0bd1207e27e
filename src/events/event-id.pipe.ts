import { Injectable, NotFoundException, type PipeTransform } from '@nestjs/common';

/** A record id from the URL: anything but a positive 32-bit integer is a 404, not a 400 or a 500. */
@Injectable()
export class IdPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    if (!/^[1-9]\d{0,9}$/.test(value) || Number(value) > 2_147_483_647) {
      throw new NotFoundException('Not found');
    }
    return Number(value);
  }
}

/** A task id (UUID) from the URL, 404 when malformed. */
@Injectable()
export class UuidPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) {
      throw new NotFoundException('Not found');
    }
    return value.toLowerCase();
  }
}

import { Controller, Get, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { EventCalendar } from './event-calendar';

/** "Add to calendar": an event as an .ics download. Thin: the file is built by EventCalendar. */
@Controller()
export class CalendarController {
  constructor(private readonly calendar: EventCalendar) {}

  @Get('/events/:id/calendar.ics')
  async download(@Param('id') id: number, @Res() res: Response) {
    const file = await this.calendar.forEvent(id);
    res
      .set({
        'Content-Type': 'text/calendar; charset=utf-8',
        'Content-Disposition': `attachment; filename="${file.filename}"`,
        // Revalidated on every download, so an edit reaches the next one.
        'Cache-Control': 'no-cache',
      })
      .send(file.body);
  }
}

import { Injectable } from '@nestjs/common';
import { LIST_PREFERENCE, type MailList } from '../mail/mail-lists';
import { PrismaService } from '../prisma/prisma.service';

export type EmailPreferences = Record<MailList, boolean>;

/** Which optional e-mails (announcements, reminders) a member gets. */
@Injectable()
export class EmailPreferencesService {
  constructor(private readonly prisma: PrismaService) {}

  async of(userId: number): Promise<EmailPreferences> {
    const user = await this.prisma.user.findUniqueOrThrow({
      where: { id: userId },
      select: { emailAnnouncements: true, emailReminders: true },
    });
    return { announcements: user.emailAnnouncements, reminders: user.emailReminders };
  }

  async update(userId: number, preferences: EmailPreferences): Promise<void> {
    await this.prisma.user.update({
      where: { id: userId },
      data: { emailAnnouncements: preferences.announcements, emailReminders: preferences.reminders },
    });
  }

  /** Turns `list` off for the member; false when there is no such member (deleted since). */
  async unsubscribe(userId: number, list: MailList): Promise<boolean> {
    const { count } = await this.prisma.user.updateMany({
      where: { id: userId },
      data: { [LIST_PREFERENCE[list]]: false },
    });
    return count === 1;
  }
}

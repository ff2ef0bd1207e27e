import { Injectable } from '@nestjs/common';
import { PermissionsService } from '../accounts/permissions.service';
import type { SessionUser } from '../accounts/session-user';
import type { Actor } from './events.service';

/** Turns the signed-in user into an Actor: staff with `event.change` may manage any event. */
@Injectable()
export class EventActors {
  constructor(private readonly permissions: PermissionsService) {}

  async of(user: SessionUser): Promise<Actor> {
    const canChangeAnyEvent = user.isStaff && (await this.permissions.hasPermission(user, 'event.change'));
    return { id: user.id, canChangeAnyEvent };
  }
}

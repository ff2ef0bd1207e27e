import { Injectable } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import type { AdminModelInfo } from './admin-site';
import { logValue } from './admin-values';

export type AdminLogAction = 'add' | 'change' | 'delete';
/** Field → [old, new]; a secret field maps to null: "changed", its values never stored. */
export type AdminChanges = Record<string, [unknown, unknown] | null>;

export interface AdminLogEntry {
  userId: number;
  info: AdminModelInfo;
  objectId: string | number;
  repr: string;
  action: AdminLogAction;
  changes?: AdminChanges;
  message?: string;
}

/** Django's LogEntry: written in the same transaction as the change it records. */
@Injectable()
export class AdminLogService {
  constructor(private readonly prisma: PrismaService) {}

  async write(tx: Prisma.TransactionClient, entries: AdminLogEntry[]): Promise<void> {
    if (!entries.length) return;
    await tx.adminLog.createMany({
      data: entries.map((entry) => ({
        userId: entry.userId,
        model: entry.info.name,
        objectId: String(entry.objectId),
        objectRepr: entry.repr.slice(0, 200),
        action: entry.action,
        changes: (entry.changes ?? {}) as Prisma.InputJsonValue,
        message: entry.message ?? '',
      })),
    });
  }

  /** Builds the changes of one object, leaving out secret values. */
  static changes(
    info: AdminModelInfo,
    before: Record<string, unknown>,
    after: Record<string, unknown>,
    fields: string[],
  ): AdminChanges {
    const changes: AdminChanges = {};
    for (const field of fields) {
      const old = logValue(before[field]);
      const next = logValue(after[field]);
      if (JSON.stringify(old) === JSON.stringify(next)) continue;
      changes[field] = info.secretFields.has(field) ? null : [old, next];
    }
    return changes;
  }

  history(info: AdminModelInfo, objectId: string) {
    return this.prisma.adminLog.findMany({
      where: { model: info.name, objectId },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: 200,
      include: { user: { select: { id: true, email: true } } },
    });
  }

  recentFor(userId: number) {
    return this.prisma.adminLog.findMany({
      where: { userId },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: 10,
    });
  }
}

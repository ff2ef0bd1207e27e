import type { PrismaService } from '../prisma/prisma.service';
import type { AdminRow } from './model-admin';

/** The Prisma client methods the admin calls on any model, seen generically. */
export interface ModelDelegate {
  findMany(args: Record<string, unknown>): Promise<AdminRow[]>;
  findUnique(args: Record<string, unknown>): Promise<AdminRow | null>;
  findFirst(args: Record<string, unknown>): Promise<AdminRow | null>;
  count(args: Record<string, unknown>): Promise<number>;
  create(args: Record<string, unknown>): Promise<AdminRow>;
  updateMany(args: Record<string, unknown>): Promise<{ count: number }>;
  delete(args: Record<string, unknown>): Promise<AdminRow>;
  deleteMany(args: Record<string, unknown>): Promise<{ count: number }>;
  createMany(args: Record<string, unknown>): Promise<{ count: number }>;
}

/** A transaction client or the client itself. */
export type PrismaLike = Pick<PrismaService, '$queryRaw'> & object;

export function delegateOf(client: PrismaLike, modelName: string): ModelDelegate {
  const key = modelName.charAt(0).toLowerCase() + modelName.slice(1);
  const delegate = (client as unknown as Record<string, ModelDelegate | undefined>)[key];
  if (!delegate) throw new Error(`Prisma client has no model ${modelName}`);
  return delegate;
}

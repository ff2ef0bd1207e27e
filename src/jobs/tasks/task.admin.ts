import { RegisterAdmin, type ModelAdmin } from '../../admin/model-admin';

@RegisterAdmin()
export class TaskAdmin implements ModelAdmin {
  readonly model = 'Task';
  readonly module = 'Events';
  readonly label = 'Background task';
  readonly listDisplay = ['id', 'kind', 'status', 'progress', 'owner', 'event', 'createdAt', 'finishedAt'];
  readonly searchFields = ['owner.email'];
  readonly listFilter = ['kind', 'status', 'createdAt'];
  readonly ordering = ['-createdAt'];
  // Started and updated by the worker; the admin looks and may delete.
  readonly disallow = ['add', 'change'] as const;
}

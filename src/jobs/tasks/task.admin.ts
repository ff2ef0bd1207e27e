import type { ModelAdmin } from '../../admin/model-admin';

export const taskAdmin: ModelAdmin = {
  model: 'Task',
  module: 'Events',
  label: 'Background task',
  listDisplay: ['id', 'kind', 'status', 'progress', 'owner', 'event', 'createdAt', 'finishedAt'],
  searchFields: ['owner.email'],
  listFilter: ['kind', 'status', 'createdAt'],
  ordering: ['-createdAt'],
  // Started and updated by the worker; the admin looks and may delete.
  disallow: ['add', 'change'],
};

// Figures over REST: no-show rates (SchedulingService NoShowStats), grouped the way a hospital
// asks for them. scheduling serves the finest buckets; the api sums them along one dimension.
import type { Router } from '../http/router';
import { noShowQuerySchema, noShowReportSchema } from '../schemas/scheduling';
import type { SchedulingUseCases } from '../use-cases/scheduling';

export function registerReportRoutes(router: Router, scheduling: SchedulingUseCases): void {
  router.route({
    method: 'GET',
    path: '/v1/reports/no-shows',
    operationId: 'noShowReport',
    summary: 'No-show rates',
    description:
      'Over appointments that started in the range and finished attended or no-show, grouped by clinic, local day, the last reminder stage sent, or confirmation. Audited (`appointment.stats_read`).',
    tags: ['appointments'],
    access: { permission: 'appointments:read' },
    upstream: true,
    query: noShowQuerySchema,
    response: { status: 200, description: 'The rates.', schema: noShowReportSchema },
    handler: ({ principal, query }) => scheduling.noShowReport(principal, query),
  });
}

import { userTag } from '@longrun/server-common';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { TaskObserver } from '../tasks/task-observer.js';
import { isFinal, type TaskRecord, type TransitionName } from '../tasks/task-state.js';
import { WORKER_LOST } from '../tasks/task-attempts.js';
import { BackendMetrics } from './metrics.js';

export const OPS_LOGGER = Symbol('OPS_LOGGER');

const ms = (iso: string | null) => (iso ? Date.parse(iso) : undefined);

/**
 * Metrics and task log lines, fed by the TaskStore (every change it applies, in the process
 * that applied it) and the status streams (every snapshot they receive). Never throws: an
 * observer must not be able to break a status change.
 */
@Injectable()
export class TaskEvents implements TaskObserver {
  private readonly log: Logger;

  constructor(
    private readonly metrics: BackendMetrics,
    @Inject(OPS_LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ context: 'Task' });
  }

  created(task: TaskRecord): void {
    this.metrics.created.inc();
    this.log.info({ taskId: task.id, user: userTag(task.owner) }, 'task created');
  }

  applied(transition: TransitionName, task: TaskRecord): void {
    try {
      this.metrics.transitions.inc({ transition, status: task.status });
      const created = ms(task.createdAt);
      const started = ms(task.startedAt);
      const finished = ms(task.finishedAt);
      if (transition === 'start' && created !== undefined && started !== undefined) {
        this.metrics.waitSeconds.observe(Math.max(0, started - created) / 1000);
      }
      const final = isFinal(task.status);
      if (final) {
        this.metrics.outcomes.inc({ status: task.status });
        if (task.status === 'ERROR' && task.error === WORKER_LOST) this.metrics.stalled.inc();
        if (started !== undefined && finished !== undefined) {
          this.metrics.runSeconds.observe({ status: task.status }, Math.max(0, finished - started) / 1000);
        }
      }
      // A task's final status is logged with how long it waited and ran (ERROR at warn, the rest
      // at info). The start and the progress steps (up to twenty a task) are at debug, since
      // every line costs the worker CPU, and fields are only built for a line that is written.
      const level = !final ? 'debug' : task.status === 'ERROR' ? 'warn' : 'info';
      if (!this.log.isLevelEnabled(level)) return;
      const fields: Record<string, unknown> = { taskId: task.id, user: userTag(task.owner), transition, status: task.status, version: task.version };
      if (created !== undefined && started !== undefined) fields.waitMs = started - created;
      if (final && started !== undefined && finished !== undefined) fields.runMs = finished - started;
      if (final && task.error) fields.reason = task.error;
      this.log[level](fields, `task ${task.status}`);
    } catch (error) {
      this.log.error({ err: error, taskId: task.id }, 'task observer failed');
    }
  }

  delivered(task: TaskRecord): void {
    const writtenAt = task.updatedAt;
    if (writtenAt === undefined || !Number.isFinite(writtenAt)) return;
    // Clocks of different hosts may disagree slightly; never record a negative latency.
    this.metrics.deliverySeconds.observe(Math.max(0, Date.now() - writtenAt) / 1000);
  }
}

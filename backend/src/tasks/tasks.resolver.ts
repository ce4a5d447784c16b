import { Args, Context, Mutation, Parent, Query, ResolveField, Resolver, Subscription } from '@nestjs/graphql';
import { userOf, type GqlContext } from '../graphql/context.js';
import type { BulkResult, CreateTaskInput, RetryPolicyInput, TaskFilter, TaskKind, TaskPriority, TaskStatusCount } from '../graphql/generated/schema-types.js';
import type { PublicEvent } from './task-events.js';
import type { KindResult } from './task-kind.js';
import type { PublicTask } from './task-state.js';
import { TaskAdmission } from './task-admission.js';
import { TasksService, type HistoryConnection } from './tasks.service.js';
import { assertTaskId } from './tasks.errors.js';

/** Thin: arguments in, service calls out. Every operation acts as the asserted user. */
@Resolver()
export class TasksResolver {
  constructor(
    private readonly tasks: TasksService,
    private readonly admission: TaskAdmission,
  ) {}

  @Query('task')
  task(@Args('id') id: unknown, @Context() ctx: GqlContext): Promise<PublicTask> {
    return this.tasks.get(assertTaskId(id), userOf(ctx));
  }

  @Query('tasks')
  list(@Args('first') first: number, @Context() ctx: GqlContext): Promise<PublicTask[]> {
    return this.tasks.list(userOf(ctx), first);
  }

  @Query('taskKinds')
  taskKinds(): TaskKind[] {
    return this.tasks.taskKinds();
  }

  @Query('taskHistory')
  taskHistory(
    @Args('filter') filter: TaskFilter | null,
    @Args('first') first: number,
    @Args('after') after: unknown,
    @Context() ctx: GqlContext,
  ): Promise<HistoryConnection> {
    return this.tasks.historyPage(userOf(ctx), filter, first, after as string | null);
  }

  @Mutation('createTask')
  create(
    @Args('input') input: CreateTaskInput | null,
    @Args('retry') retry: RetryPolicyInput | null,
    @Args('idempotencyKey') idempotencyKey: unknown,
    @Args('delayMs') delayMs: unknown,
    @Args('runAt') runAt: unknown,
    @Args('priority') priority: TaskPriority | null,
    @Context() ctx: GqlContext,
  ): Promise<PublicTask> {
    const user = userOf(ctx);
    return this.admission.run(ctx, () => this.tasks.create(user, input, retry, { idempotencyKey, delayMs, runAt, priority }));
  }

  @Mutation('retryTask')
  retry(@Args('id') id: unknown, @Context() ctx: GqlContext): Promise<PublicTask> {
    const [task, user] = [assertTaskId(id), userOf(ctx)];
    return this.admission.run(ctx, () => this.tasks.retry(task, user));
  }

  @Mutation('cancelTask')
  cancel(@Args('id') id: unknown, @Context() ctx: GqlContext): Promise<PublicTask> {
    return this.tasks.cancel(assertTaskId(id), userOf(ctx));
  }

  @Mutation('cancelTasks')
  cancelTasks(@Args('filter') filter: TaskFilter, @Args('dryRun') dryRun: boolean | null, @Context() ctx: GqlContext): Promise<BulkResult> {
    return this.tasks.cancelMany(userOf(ctx), filter, dryRun ?? false);
  }

  @Mutation('retryTasks')
  async retryTasks(@Args('filter') filter: TaskFilter, @Args('dryRun') dryRun: boolean | null, @Context() ctx: GqlContext): Promise<BulkResult> {
    const user = userOf(ctx);
    if (dryRun) return this.tasks.retryMany(user, filter, true);
    const result = await this.admission.run(ctx, () => this.tasks.retryMany(user, filter, false));
    await this.admission.charge(ctx, result.applied);
    return result;
  }

  @Subscription('taskStatus', { resolve: (task: PublicTask) => task })
  taskStatus(@Args('id') id: unknown, @Context() ctx: GqlContext): Promise<AsyncIterableIterator<PublicTask>> {
    return this.tasks.watch(assertTaskId(id), userOf(ctx));
  }

  @Subscription('taskUpdates', { resolve: (task: PublicTask) => task })
  taskUpdates(@Context() ctx: GqlContext): Promise<AsyncIterableIterator<PublicTask>> {
    return this.tasks.watchAll(userOf(ctx));
  }

  @Subscription('taskEvents', { resolve: (event: PublicEvent) => event })
  taskEvents(@Args('id') id: unknown, @Args('after') after: number, @Context() ctx: GqlContext): Promise<AsyncIterableIterator<PublicEvent>> {
    return this.tasks.watchEvents(assertTaskId(id), userOf(ctx), after ?? 0);
  }
}

/** Task's timeline: read only when asked for, of a task its caller was already allowed to see. */
@Resolver('Task')
export class TaskFieldsResolver {
  constructor(private readonly tasks: TasksService) {}

  @ResolveField('events')
  events(@Parent() task: PublicTask, @Args('after') after: number, @Args('first') first: number): Promise<PublicEvent[]> {
    return this.tasks.events(task.id, after ?? 0, first ?? 100);
  }

  /** Read only when asked for, and only for a WAITING task (one ZRANK). */
  @ResolveField('queuePosition')
  queuePosition(@Parent() task: PublicTask, @Context() ctx: GqlContext): Promise<number | null> {
    return this.tasks.queuePosition(task, userOf(ctx));
  }
}

/** A history page's counts: read only when the query selects them, and once for both. */
@Resolver('TaskConnection')
export class TaskConnectionResolver {
  @ResolveField('totalCount')
  async totalCount(@Parent() page: HistoryConnection): Promise<number> {
    return (await page.counts()).total;
  }

  @ResolveField('countsByStatus')
  async countsByStatus(@Parent() page: HistoryConnection): Promise<TaskStatusCount[]> {
    return (await page.counts()).byStatus;
  }
}

/** Each result names its type (`__typename`, set by its kind). */
@Resolver('TaskResult')
export class TaskResultResolver {
  @ResolveField('__resolveType')
  resolveType(result: KindResult): string {
    return result.__typename;
  }
}

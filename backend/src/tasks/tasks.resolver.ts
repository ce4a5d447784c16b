import { Args, Context, Mutation, Parent, Query, ResolveField, Resolver, Subscription } from '@nestjs/graphql';
import { userOf, type GqlContext } from '../graphql/context.js';
import type { CreateTaskInput, RetryPolicyInput, TaskKind } from '../graphql/generated/schema-types.js';
import type { PublicEvent } from './task-events.js';
import type { KindResult } from './task-kind.js';
import type { PublicTask } from './task-state.js';
import { TasksService } from './tasks.service.js';
import { assertTaskId } from './tasks.errors.js';

/** Thin: arguments in, service calls out. Every operation acts as the asserted user. */
@Resolver()
export class TasksResolver {
  constructor(private readonly tasks: TasksService) {}

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

  @Mutation('createTask')
  create(@Args('input') input: CreateTaskInput | null, @Args('retry') retry: RetryPolicyInput | null, @Context() ctx: GqlContext): Promise<PublicTask> {
    return this.tasks.create(userOf(ctx), input, retry);
  }

  @Mutation('retryTask')
  retry(@Args('id') id: unknown, @Context() ctx: GqlContext): Promise<PublicTask> {
    return this.tasks.retry(assertTaskId(id), userOf(ctx));
  }

  @Mutation('cancelTask')
  cancel(@Args('id') id: unknown, @Context() ctx: GqlContext): Promise<PublicTask> {
    return this.tasks.cancel(assertTaskId(id), userOf(ctx));
  }

  @Subscription('taskStatus', { resolve: (task: PublicTask) => task })
  taskStatus(@Args('id') id: unknown, @Context() ctx: GqlContext): Promise<AsyncIterableIterator<PublicTask>> {
    return this.tasks.watch(assertTaskId(id), userOf(ctx));
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
}

/** Each result names its type (`__typename`, set by its kind). */
@Resolver('TaskResult')
export class TaskResultResolver {
  @ResolveField('__resolveType')
  resolveType(result: KindResult): string {
    return result.__typename;
  }
}

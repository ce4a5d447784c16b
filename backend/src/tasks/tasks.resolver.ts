import { Args, Context, Mutation, Query, Resolver, Subscription } from '@nestjs/graphql';
import { userOf, type GqlContext } from '../graphql/context.js';
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

  @Mutation('createTask')
  create(@Context() ctx: GqlContext): Promise<PublicTask> {
    return this.tasks.create(userOf(ctx));
  }

  @Mutation('cancelTask')
  cancel(@Args('id') id: unknown, @Context() ctx: GqlContext): Promise<PublicTask> {
    return this.tasks.cancel(assertTaskId(id), userOf(ctx));
  }

  @Subscription('taskStatus', { resolve: (task: PublicTask) => task })
  taskStatus(@Args('id') id: unknown, @Context() ctx: GqlContext): Promise<AsyncIterableIterator<PublicTask>> {
    return this.tasks.watch(assertTaskId(id), userOf(ctx));
  }
}

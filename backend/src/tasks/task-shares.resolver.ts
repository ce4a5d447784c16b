import { Args, Context, Mutation, Query, Resolver, Subscription } from '@nestjs/graphql';
import { userOf, type GqlContext } from '../graphql/context.js';
import type { TaskShare } from '../graphql/generated/schema-types.js';
import type { PublicEvent } from './task-events.js';
import { TaskShares } from './task-shares.js';
import type { PublicTask } from './task-state.js';
import { assertTaskId } from './tasks.errors.js';

/** A shared stream's last value may be the refusal that ends it (SHARE_REVOKED / SHARE_EXPIRED): raised as the operation's error. */
const valueOrRefusal = <T>(value: T | Error): T => {
  if (value instanceof Error) throw value;
  return value;
};

/**
 * Share links: the owner makes and revokes them (as the asserted user); anyone with one reads
 * that task alone, by the token: the caller's identity only counts towards the rate limit.
 */
@Resolver()
export class TaskSharesResolver {
  constructor(private readonly shares: TaskShares) {}

  @Mutation('shareTask')
  share(@Args('id') id: unknown, @Args('expiresInSeconds') expiresInSeconds: number, @Context() ctx: GqlContext): Promise<TaskShare> {
    return this.shares.share(assertTaskId(id), userOf(ctx), expiresInSeconds);
  }

  @Mutation('revokeTaskShare')
  revoke(@Args('id') id: unknown, @Context() ctx: GqlContext): Promise<boolean> {
    return this.shares.revoke(assertTaskId(id), userOf(ctx));
  }

  @Query('sharedTask')
  sharedTask(@Args('token') token: unknown, @Context() ctx: GqlContext): Promise<PublicTask> {
    return this.shares.sharedTask(token, userOf(ctx));
  }

  @Subscription('sharedTaskStatus', { resolve: valueOrRefusal })
  sharedTaskStatus(@Args('token') token: unknown, @Context() ctx: GqlContext): Promise<AsyncIterableIterator<PublicTask | Error>> {
    return this.shares.watch(token, userOf(ctx));
  }

  @Subscription('sharedTaskEvents', { resolve: valueOrRefusal })
  sharedTaskEvents(
    @Args('token') token: unknown,
    @Args('after') after: number,
    @Context() ctx: GqlContext,
  ): Promise<AsyncIterableIterator<PublicEvent | Error>> {
    return this.shares.watchEvents(token, userOf(ctx), after ?? 0);
  }
}

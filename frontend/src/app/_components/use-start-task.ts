import { useMutation } from '@apollo/client/react';
import { useEffect, useState } from 'react';
import { CreateTaskMutation, TasksQuery } from '../../graphql/documents';
import { useNow } from './clock';
import { TASKS_VARIABLES } from '../../graphql/task-list';
import { describeError, errorCode, retryAfterSeconds } from './task-status';

/**
 * Starting a task: the new task goes on top of the list. RATE_LIMITED says when to try again:
 * the button counts down to it and does nothing meanwhile.
 */
export function useStartTask() {
  const [createTask, created] = useMutation(CreateTaskMutation, {
    update(cache, { data }) {
      const task = data?.createTask;
      if (!task) return;
      cache.updateQuery({ query: TasksQuery, variables: TASKS_VARIABLES }, (list) => ({
        __typename: 'Query' as const,
        tasks: [task, ...(list?.tasks ?? []).filter((t) => t.id !== task.id)],
      }));
    },
  });

  const [retryAt, setRetryAt] = useState<number | null>(null);
  const now = useNow(retryAt !== null);
  const waitS = retryAt !== null && now !== null ? Math.ceil((retryAt - now) / 1000) : 0;
  useEffect(() => {
    if (retryAt !== null && now !== null && now >= retryAt) setRetryAt(null);
  }, [retryAt, now]);

  const start = async () => {
    if (created.loading || waitS > 0) return;
    try {
      await createTask();
      setRetryAt(null);
    } catch (error) {
      const after = retryAfterSeconds(error);
      if (after !== undefined) setRetryAt(Date.now() + after * 1000);
    }
  };

  const error =
    created.error && errorCode(created.error) === 'RATE_LIMITED'
      ? waitS > 0
        ? `Too many tasks started at once: try again in ${waitS} s.`
        : null
      : created.error && describeError(created.error);

  return { start, starting: created.loading, blocked: created.loading || waitS > 0, error };
}

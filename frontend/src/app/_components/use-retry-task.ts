import { useMutation } from '@apollo/client/react';
import { RetryTaskMutation } from '../../graphql/documents';
import { addTaskOnTop } from './use-task-list';

/**
 * Running a final task again (`retryTask`): the new task goes on top of the list, and the
 * original lists it in its `retries` (a final task sends no more events, so the cache is told here).
 */
export function useRetryTask(id: string) {
  return useMutation(RetryTaskMutation, {
    variables: { id },
    update(cache, { data }) {
      const made = data?.retryTask;
      if (!made) return;
      addTaskOnTop(cache, made);
      cache.modify({
        id: cache.identify({ __typename: 'Task', id }),
        fields: { retries: (ids) => (!Array.isArray(ids) || ids.includes(made.id) ? ids : [...ids, made.id]) },
      });
    },
  });
}

import { useMutation } from '@apollo/client/react';
import { useEffect, useState } from 'react';
import { CreateTaskMutation } from '../../graphql/documents';
import type { CreateTaskMutationVariables } from '../../graphql/generated/graphql';
import { useNow } from './clock';
import { badInput, describeError, errorCode, retryAfterSeconds } from './task-status';
import { addTaskOnTop } from './use-task-list';

/**
 * Starting a task: the new task goes on top of the list. BAD_USER_INPUT naming a field is handed
 * back to the form, to show beside that field. A refusal that says when to try again (RATE_LIMITED,
 * or SERVICE_UNAVAILABLE while too many tasks are queued): the button counts down to it and does
 * nothing meanwhile.
 */
export function useStartTask() {
  const [createTask, created] = useMutation(CreateTaskMutation, {
    update(cache, { data }) {
      if (data?.createTask) addTaskOnTop(cache, data.createTask);
    },
  });

  const [retryAt, setRetryAt] = useState<number | null>(null);
  const now = useNow(retryAt !== null);
  const waitS = retryAt !== null && now !== null ? Math.ceil((retryAt - now) / 1000) : 0;
  useEffect(() => {
    if (retryAt !== null && now !== null && now >= retryAt) setRetryAt(null);
  }, [retryAt, now]);

  /** Resolves with the field the server refused and why, if it did. */
  const start = async (variables: CreateTaskMutationVariables = {}): Promise<{ field: string; message: string } | undefined> => {
    if (created.loading || waitS > 0) return;
    try {
      await createTask({ variables });
      setRetryAt(null);
    } catch (error) {
      const after = retryAfterSeconds(error);
      if (after !== undefined) setRetryAt(Date.now() + after * 1000);
      return badInput(error);
    }
  };

  const error = !created.error
    ? null
    : retryAfterSeconds(created.error) !== undefined
      ? waitS > 0
        ? errorCode(created.error) === 'RATE_LIMITED'
          ? `Too many tasks started at once: try again in ${waitS} s.`
          : `Too many tasks are waiting to run: try again in ${waitS} s.`
        : null
      : badInput(created.error)
        ? null // shown beside its field
        : describeError(created.error);

  return { start, starting: created.loading, blocked: created.loading || waitS > 0, error };
}

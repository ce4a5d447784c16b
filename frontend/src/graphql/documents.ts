import { graphql } from './generated';

/** Every field of a task the page shows; shared by the list, the mutations and the subscription. */
export const TaskFields = graphql(`
  fragment TaskFields on Task {
    id
    status
    progress
    version
    createdAt
    startedAt
    finishedAt
    error
  }
`);

export const TasksQuery = graphql(`
  query Tasks($first: Int) {
    tasks(first: $first) {
      ...TaskFields
    }
  }
`);

export const CreateTaskMutation = graphql(`
  mutation CreateTask {
    createTask {
      ...TaskFields
    }
  }
`);

export const CancelTaskMutation = graphql(`
  mutation CancelTask($id: ID!) {
    cancelTask(id: $id) {
      ...TaskFields
    }
  }
`);

export const TaskStatusSubscription = graphql(`
  subscription TaskStatus($id: ID!) {
    taskStatus(id: $id) {
      ...TaskFields
    }
  }
`);

import { graphql } from './generated';

/**
 * Every field of a task the page shows; shared by the list, the mutations and the subscription.
 * `result` is spelled out here, not spread, to stay within the depth limit (6).
 */
export const TaskFields = graphql(`
  fragment TaskFields on Task {
    id
    kind
    status
    progress
    version
    createdAt
    startedAt
    finishedAt
    error
    attempt
    maxAttempts
    nextAttemptAt
    attempts {
      number
      error
    }
    result {
      __typename
      ... on SimulatedResult {
        durationMs
      }
      ... on PrimesResult {
        count
        largest
        below
      }
      ... on ExportResult {
        url
        bytes
        rows
        format
      }
    }
    retryOf
    retries
  }
`);

export const TasksQuery = graphql(`
  query Tasks($first: Int) {
    tasks(first: $first) {
      ...TaskFields
    }
  }
`);

/** What the start form offers: the kinds this deployment runs, with their retry policies. */
export const TaskKindsQuery = graphql(`
  query TaskKinds {
    taskKinds {
      name
      title
      description
      maxAttempts
      retryDelayMs
    }
  }
`);

/** Without variables: the simulated kind with the server's defaults, at once, NORMAL (the seed's "Start a task"). */
export const CreateTaskMutation = graphql(`
  mutation CreateTask($input: CreateTaskInput, $retry: RetryPolicyInput, $priority: TaskPriority, $delayMs: Int) {
    createTask(input: $input, retry: $retry, priority: $priority, delayMs: $delayMs) {
      ...TaskFields
    }
  }
`);

export const RetryTaskMutation = graphql(`
  mutation RetryTask($id: ID!) {
    retryTask(id: $id) {
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

/** A task's timeline from the event after `after`, then live; completes after ENDED. */
export const TaskEventsSubscription = graphql(`
  subscription TaskEvents($id: ID!, $after: Int!) {
    taskEvents(id: $id, after: $after) {
      seq
      at
      type
      status
      progress
      attempt
      message
      level
    }
  }
`);

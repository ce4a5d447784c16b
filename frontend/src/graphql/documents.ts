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
    priority
    scheduledFor
    queuePosition
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

/**
 * The list: a page of the session's history, newest first, with the counts for the status
 * selector. "Load more" reads the next page with `after`; the cache appends it (apollo.ts).
 * The node spells out TaskFields' fields: a spread counts twice towards the depth limit (6), and
 * the node is already three deep. The cards read them through the fragment all the same.
 */
export const TaskHistoryQuery = graphql(`
  query TaskHistory($filter: TaskFilter, $first: Int, $after: String) {
    taskHistory(filter: $filter, first: $first, after: $after) {
      edges {
        cursor
        node {
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
          priority
          scheduledFor
          queuePosition
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
      }
      pageInfo {
        hasNextPage
        endCursor
      }
      totalCount
      countsByStatus {
        status
        count
      }
    }
  }
`);

/** The counts alone, read again (at most once a second) while tasks change status. */
export const TaskCountsQuery = graphql(`
  query TaskCounts($filter: TaskFilter) {
    taskHistory(filter: $filter, first: 1) {
      totalCount
      countsByStatus {
        status
        count
      }
    }
  }
`);

/** Every change of any of the session's tasks, made anywhere; never completes. */
export const TaskUpdatesSubscription = graphql(`
  subscription TaskUpdates {
    taskUpdates {
      ...TaskFields
    }
  }
`);

/** Bulk actions: a dry run first (what it would do), then the action. */
export const CancelTasksMutation = graphql(`
  mutation CancelTasks($filter: TaskFilter!, $dryRun: Boolean) {
    cancelTasks(filter: $filter, dryRun: $dryRun) {
      matched
      applied
      skipped
      hasMore
      retryAfterSeconds
    }
  }
`);

export const RetryTasksMutation = graphql(`
  mutation RetryTasks($filter: TaskFilter!, $dryRun: Boolean) {
    retryTasks(filter: $filter, dryRun: $dryRun) {
      matched
      applied
      skipped
      hasMore
      retryAfterSeconds
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

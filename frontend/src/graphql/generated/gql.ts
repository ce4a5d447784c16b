/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  mutation ShareTask($id: ID!) {\n    shareTask(id: $id) {\n      url\n      expiresAt\n    }\n  }\n": typeof types.ShareTaskDocument,
    "\n  mutation RevokeTaskShare($id: ID!) {\n    revokeTaskShare(id: $id)\n  }\n": typeof types.RevokeTaskShareDocument,
    "\n  subscription SharedTaskStatus($token: String!) {\n    sharedTaskStatus(token: $token) {\n      ...TaskFields\n    }\n  }\n": typeof types.SharedTaskStatusDocument,
    "\n  subscription SharedTaskEvents($token: String!, $after: Int!) {\n    sharedTaskEvents(token: $token, after: $after) {\n      seq\n      at\n      type\n      status\n      progress\n      attempt\n      message\n      level\n    }\n  }\n": typeof types.SharedTaskEventsDocument,
    "\n  fragment TaskFields on Task {\n    id\n    kind\n    status\n    progress\n    version\n    createdAt\n    startedAt\n    finishedAt\n    error\n    attempt\n    maxAttempts\n    nextAttemptAt\n    priority\n    scheduledFor\n    queuePosition\n    attempts {\n      number\n      error\n    }\n    result {\n      __typename\n      ... on SimulatedResult {\n        durationMs\n      }\n      ... on PrimesResult {\n        count\n        largest\n        below\n      }\n      ... on ExportResult {\n        url\n        bytes\n        rows\n        format\n      }\n    }\n    retryOf\n    retries\n  }\n": typeof types.TaskFieldsFragmentDoc,
    "\n  query TaskHistory($filter: TaskFilter, $first: Int, $after: String) {\n    taskHistory(filter: $filter, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          kind\n          status\n          progress\n          version\n          createdAt\n          startedAt\n          finishedAt\n          error\n          attempt\n          maxAttempts\n          nextAttemptAt\n          priority\n          scheduledFor\n          queuePosition\n          attempts {\n            number\n            error\n          }\n          result {\n            __typename\n            ... on SimulatedResult {\n              durationMs\n            }\n            ... on PrimesResult {\n              count\n              largest\n              below\n            }\n            ... on ExportResult {\n              url\n              bytes\n              rows\n              format\n            }\n          }\n          retryOf\n          retries\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      totalCount\n      countsByStatus {\n        status\n        count\n      }\n    }\n  }\n": typeof types.TaskHistoryDocument,
    "\n  query TaskCounts($filter: TaskFilter) {\n    taskHistory(filter: $filter, first: 1) {\n      totalCount\n      countsByStatus {\n        status\n        count\n      }\n    }\n  }\n": typeof types.TaskCountsDocument,
    "\n  subscription TaskUpdates {\n    taskUpdates {\n      ...TaskFields\n    }\n  }\n": typeof types.TaskUpdatesDocument,
    "\n  mutation CancelTasks($filter: TaskFilter!, $dryRun: Boolean) {\n    cancelTasks(filter: $filter, dryRun: $dryRun) {\n      matched\n      applied\n      skipped\n      hasMore\n      retryAfterSeconds\n    }\n  }\n": typeof types.CancelTasksDocument,
    "\n  mutation RetryTasks($filter: TaskFilter!, $dryRun: Boolean) {\n    retryTasks(filter: $filter, dryRun: $dryRun) {\n      matched\n      applied\n      skipped\n      hasMore\n      retryAfterSeconds\n    }\n  }\n": typeof types.RetryTasksDocument,
    "\n  query TaskKinds {\n    taskKinds {\n      name\n      title\n      description\n      maxAttempts\n      retryDelayMs\n    }\n  }\n": typeof types.TaskKindsDocument,
    "\n  mutation CreateTask($input: CreateTaskInput, $retry: RetryPolicyInput, $priority: TaskPriority, $delayMs: Int) {\n    createTask(input: $input, retry: $retry, priority: $priority, delayMs: $delayMs) {\n      ...TaskFields\n    }\n  }\n": typeof types.CreateTaskDocument,
    "\n  mutation RetryTask($id: ID!) {\n    retryTask(id: $id) {\n      ...TaskFields\n    }\n  }\n": typeof types.RetryTaskDocument,
    "\n  mutation CancelTask($id: ID!) {\n    cancelTask(id: $id) {\n      ...TaskFields\n    }\n  }\n": typeof types.CancelTaskDocument,
    "\n  subscription TaskStatus($id: ID!) {\n    taskStatus(id: $id) {\n      ...TaskFields\n    }\n  }\n": typeof types.TaskStatusDocument,
    "\n  subscription TaskEvents($id: ID!, $after: Int!) {\n    taskEvents(id: $id, after: $after) {\n      seq\n      at\n      type\n      status\n      progress\n      attempt\n      message\n      level\n    }\n  }\n": typeof types.TaskEventsDocument,
};
const documents: Documents = {
    "\n  mutation ShareTask($id: ID!) {\n    shareTask(id: $id) {\n      url\n      expiresAt\n    }\n  }\n": types.ShareTaskDocument,
    "\n  mutation RevokeTaskShare($id: ID!) {\n    revokeTaskShare(id: $id)\n  }\n": types.RevokeTaskShareDocument,
    "\n  subscription SharedTaskStatus($token: String!) {\n    sharedTaskStatus(token: $token) {\n      ...TaskFields\n    }\n  }\n": types.SharedTaskStatusDocument,
    "\n  subscription SharedTaskEvents($token: String!, $after: Int!) {\n    sharedTaskEvents(token: $token, after: $after) {\n      seq\n      at\n      type\n      status\n      progress\n      attempt\n      message\n      level\n    }\n  }\n": types.SharedTaskEventsDocument,
    "\n  fragment TaskFields on Task {\n    id\n    kind\n    status\n    progress\n    version\n    createdAt\n    startedAt\n    finishedAt\n    error\n    attempt\n    maxAttempts\n    nextAttemptAt\n    priority\n    scheduledFor\n    queuePosition\n    attempts {\n      number\n      error\n    }\n    result {\n      __typename\n      ... on SimulatedResult {\n        durationMs\n      }\n      ... on PrimesResult {\n        count\n        largest\n        below\n      }\n      ... on ExportResult {\n        url\n        bytes\n        rows\n        format\n      }\n    }\n    retryOf\n    retries\n  }\n": types.TaskFieldsFragmentDoc,
    "\n  query TaskHistory($filter: TaskFilter, $first: Int, $after: String) {\n    taskHistory(filter: $filter, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          kind\n          status\n          progress\n          version\n          createdAt\n          startedAt\n          finishedAt\n          error\n          attempt\n          maxAttempts\n          nextAttemptAt\n          priority\n          scheduledFor\n          queuePosition\n          attempts {\n            number\n            error\n          }\n          result {\n            __typename\n            ... on SimulatedResult {\n              durationMs\n            }\n            ... on PrimesResult {\n              count\n              largest\n              below\n            }\n            ... on ExportResult {\n              url\n              bytes\n              rows\n              format\n            }\n          }\n          retryOf\n          retries\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      totalCount\n      countsByStatus {\n        status\n        count\n      }\n    }\n  }\n": types.TaskHistoryDocument,
    "\n  query TaskCounts($filter: TaskFilter) {\n    taskHistory(filter: $filter, first: 1) {\n      totalCount\n      countsByStatus {\n        status\n        count\n      }\n    }\n  }\n": types.TaskCountsDocument,
    "\n  subscription TaskUpdates {\n    taskUpdates {\n      ...TaskFields\n    }\n  }\n": types.TaskUpdatesDocument,
    "\n  mutation CancelTasks($filter: TaskFilter!, $dryRun: Boolean) {\n    cancelTasks(filter: $filter, dryRun: $dryRun) {\n      matched\n      applied\n      skipped\n      hasMore\n      retryAfterSeconds\n    }\n  }\n": types.CancelTasksDocument,
    "\n  mutation RetryTasks($filter: TaskFilter!, $dryRun: Boolean) {\n    retryTasks(filter: $filter, dryRun: $dryRun) {\n      matched\n      applied\n      skipped\n      hasMore\n      retryAfterSeconds\n    }\n  }\n": types.RetryTasksDocument,
    "\n  query TaskKinds {\n    taskKinds {\n      name\n      title\n      description\n      maxAttempts\n      retryDelayMs\n    }\n  }\n": types.TaskKindsDocument,
    "\n  mutation CreateTask($input: CreateTaskInput, $retry: RetryPolicyInput, $priority: TaskPriority, $delayMs: Int) {\n    createTask(input: $input, retry: $retry, priority: $priority, delayMs: $delayMs) {\n      ...TaskFields\n    }\n  }\n": types.CreateTaskDocument,
    "\n  mutation RetryTask($id: ID!) {\n    retryTask(id: $id) {\n      ...TaskFields\n    }\n  }\n": types.RetryTaskDocument,
    "\n  mutation CancelTask($id: ID!) {\n    cancelTask(id: $id) {\n      ...TaskFields\n    }\n  }\n": types.CancelTaskDocument,
    "\n  subscription TaskStatus($id: ID!) {\n    taskStatus(id: $id) {\n      ...TaskFields\n    }\n  }\n": types.TaskStatusDocument,
    "\n  subscription TaskEvents($id: ID!, $after: Int!) {\n    taskEvents(id: $id, after: $after) {\n      seq\n      at\n      type\n      status\n      progress\n      attempt\n      message\n      level\n    }\n  }\n": types.TaskEventsDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ShareTask($id: ID!) {\n    shareTask(id: $id) {\n      url\n      expiresAt\n    }\n  }\n"): (typeof documents)["\n  mutation ShareTask($id: ID!) {\n    shareTask(id: $id) {\n      url\n      expiresAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeTaskShare($id: ID!) {\n    revokeTaskShare(id: $id)\n  }\n"): (typeof documents)["\n  mutation RevokeTaskShare($id: ID!) {\n    revokeTaskShare(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription SharedTaskStatus($token: String!) {\n    sharedTaskStatus(token: $token) {\n      ...TaskFields\n    }\n  }\n"): (typeof documents)["\n  subscription SharedTaskStatus($token: String!) {\n    sharedTaskStatus(token: $token) {\n      ...TaskFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription SharedTaskEvents($token: String!, $after: Int!) {\n    sharedTaskEvents(token: $token, after: $after) {\n      seq\n      at\n      type\n      status\n      progress\n      attempt\n      message\n      level\n    }\n  }\n"): (typeof documents)["\n  subscription SharedTaskEvents($token: String!, $after: Int!) {\n    sharedTaskEvents(token: $token, after: $after) {\n      seq\n      at\n      type\n      status\n      progress\n      attempt\n      message\n      level\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment TaskFields on Task {\n    id\n    kind\n    status\n    progress\n    version\n    createdAt\n    startedAt\n    finishedAt\n    error\n    attempt\n    maxAttempts\n    nextAttemptAt\n    priority\n    scheduledFor\n    queuePosition\n    attempts {\n      number\n      error\n    }\n    result {\n      __typename\n      ... on SimulatedResult {\n        durationMs\n      }\n      ... on PrimesResult {\n        count\n        largest\n        below\n      }\n      ... on ExportResult {\n        url\n        bytes\n        rows\n        format\n      }\n    }\n    retryOf\n    retries\n  }\n"): (typeof documents)["\n  fragment TaskFields on Task {\n    id\n    kind\n    status\n    progress\n    version\n    createdAt\n    startedAt\n    finishedAt\n    error\n    attempt\n    maxAttempts\n    nextAttemptAt\n    priority\n    scheduledFor\n    queuePosition\n    attempts {\n      number\n      error\n    }\n    result {\n      __typename\n      ... on SimulatedResult {\n        durationMs\n      }\n      ... on PrimesResult {\n        count\n        largest\n        below\n      }\n      ... on ExportResult {\n        url\n        bytes\n        rows\n        format\n      }\n    }\n    retryOf\n    retries\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TaskHistory($filter: TaskFilter, $first: Int, $after: String) {\n    taskHistory(filter: $filter, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          kind\n          status\n          progress\n          version\n          createdAt\n          startedAt\n          finishedAt\n          error\n          attempt\n          maxAttempts\n          nextAttemptAt\n          priority\n          scheduledFor\n          queuePosition\n          attempts {\n            number\n            error\n          }\n          result {\n            __typename\n            ... on SimulatedResult {\n              durationMs\n            }\n            ... on PrimesResult {\n              count\n              largest\n              below\n            }\n            ... on ExportResult {\n              url\n              bytes\n              rows\n              format\n            }\n          }\n          retryOf\n          retries\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      totalCount\n      countsByStatus {\n        status\n        count\n      }\n    }\n  }\n"): (typeof documents)["\n  query TaskHistory($filter: TaskFilter, $first: Int, $after: String) {\n    taskHistory(filter: $filter, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          kind\n          status\n          progress\n          version\n          createdAt\n          startedAt\n          finishedAt\n          error\n          attempt\n          maxAttempts\n          nextAttemptAt\n          priority\n          scheduledFor\n          queuePosition\n          attempts {\n            number\n            error\n          }\n          result {\n            __typename\n            ... on SimulatedResult {\n              durationMs\n            }\n            ... on PrimesResult {\n              count\n              largest\n              below\n            }\n            ... on ExportResult {\n              url\n              bytes\n              rows\n              format\n            }\n          }\n          retryOf\n          retries\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      totalCount\n      countsByStatus {\n        status\n        count\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TaskCounts($filter: TaskFilter) {\n    taskHistory(filter: $filter, first: 1) {\n      totalCount\n      countsByStatus {\n        status\n        count\n      }\n    }\n  }\n"): (typeof documents)["\n  query TaskCounts($filter: TaskFilter) {\n    taskHistory(filter: $filter, first: 1) {\n      totalCount\n      countsByStatus {\n        status\n        count\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription TaskUpdates {\n    taskUpdates {\n      ...TaskFields\n    }\n  }\n"): (typeof documents)["\n  subscription TaskUpdates {\n    taskUpdates {\n      ...TaskFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelTasks($filter: TaskFilter!, $dryRun: Boolean) {\n    cancelTasks(filter: $filter, dryRun: $dryRun) {\n      matched\n      applied\n      skipped\n      hasMore\n      retryAfterSeconds\n    }\n  }\n"): (typeof documents)["\n  mutation CancelTasks($filter: TaskFilter!, $dryRun: Boolean) {\n    cancelTasks(filter: $filter, dryRun: $dryRun) {\n      matched\n      applied\n      skipped\n      hasMore\n      retryAfterSeconds\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RetryTasks($filter: TaskFilter!, $dryRun: Boolean) {\n    retryTasks(filter: $filter, dryRun: $dryRun) {\n      matched\n      applied\n      skipped\n      hasMore\n      retryAfterSeconds\n    }\n  }\n"): (typeof documents)["\n  mutation RetryTasks($filter: TaskFilter!, $dryRun: Boolean) {\n    retryTasks(filter: $filter, dryRun: $dryRun) {\n      matched\n      applied\n      skipped\n      hasMore\n      retryAfterSeconds\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TaskKinds {\n    taskKinds {\n      name\n      title\n      description\n      maxAttempts\n      retryDelayMs\n    }\n  }\n"): (typeof documents)["\n  query TaskKinds {\n    taskKinds {\n      name\n      title\n      description\n      maxAttempts\n      retryDelayMs\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateTask($input: CreateTaskInput, $retry: RetryPolicyInput, $priority: TaskPriority, $delayMs: Int) {\n    createTask(input: $input, retry: $retry, priority: $priority, delayMs: $delayMs) {\n      ...TaskFields\n    }\n  }\n"): (typeof documents)["\n  mutation CreateTask($input: CreateTaskInput, $retry: RetryPolicyInput, $priority: TaskPriority, $delayMs: Int) {\n    createTask(input: $input, retry: $retry, priority: $priority, delayMs: $delayMs) {\n      ...TaskFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RetryTask($id: ID!) {\n    retryTask(id: $id) {\n      ...TaskFields\n    }\n  }\n"): (typeof documents)["\n  mutation RetryTask($id: ID!) {\n    retryTask(id: $id) {\n      ...TaskFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelTask($id: ID!) {\n    cancelTask(id: $id) {\n      ...TaskFields\n    }\n  }\n"): (typeof documents)["\n  mutation CancelTask($id: ID!) {\n    cancelTask(id: $id) {\n      ...TaskFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription TaskStatus($id: ID!) {\n    taskStatus(id: $id) {\n      ...TaskFields\n    }\n  }\n"): (typeof documents)["\n  subscription TaskStatus($id: ID!) {\n    taskStatus(id: $id) {\n      ...TaskFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription TaskEvents($id: ID!, $after: Int!) {\n    taskEvents(id: $id, after: $after) {\n      seq\n      at\n      type\n      status\n      progress\n      attempt\n      message\n      level\n    }\n  }\n"): (typeof documents)["\n  subscription TaskEvents($id: ID!, $after: Int!) {\n    taskEvents(id: $id, after: $after) {\n      seq\n      at\n      type\n      status\n      progress\n      attempt\n      message\n      level\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;
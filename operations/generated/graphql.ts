/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** Where a task is in its life. FINISHED, CANCELLED and ERROR are final. */
export type TaskStatus =
  /** Stopped at the user's request; its worker slot is free. Final. */
  | 'CANCELLED'
  /** Failed; `error` says why. Final. */
  | 'ERROR'
  /** Ran to the end. Final. */
  | 'FINISHED'
  /** A worker is running it; `progress` rises from 0 to 100. */
  | 'IN_PROGRESS'
  /** Queued; no worker has started it yet. */
  | 'WAITING';

export type BenchWatchSubscriptionVariables = Exact<{
  id: string | number;
}>;


export type BenchWatchSubscription = { taskStatus: { id: string, status: TaskStatus, progress: number, version: number } };

export type BenchCreateMutationVariables = Exact<{ [key: string]: never; }>;


export type BenchCreateMutation = { createTask: { id: string, status: TaskStatus, version: number } };

export type BenchListQueryVariables = Exact<{ [key: string]: never; }>;


export type BenchListQuery = { tasks: Array<{ id: string, status: TaskStatus, version: number }> };

export type BenchCancelMutationVariables = Exact<{
  id: string | number;
}>;


export type BenchCancelMutation = { cancelTask: { status: TaskStatus } };

export type AllTaskFieldsFragment = { id: string, status: TaskStatus, progress: number, version: number, createdAt: string, startedAt: string | null, finishedAt: string | null, error: string | null };

export type TaskQueryVariables = Exact<{
  id: string | number;
}>;


export type TaskQuery = { task: { id: string, status: TaskStatus, progress: number, version: number, createdAt: string, startedAt: string | null, finishedAt: string | null, error: string | null } | null };

export type TasksQueryVariables = Exact<{
  first?: number | null | undefined;
}>;


export type TasksQuery = { tasks: Array<{ id: string, status: TaskStatus, progress: number, version: number, createdAt: string, startedAt: string | null, finishedAt: string | null, error: string | null }> };

export type CreateTaskMutationVariables = Exact<{ [key: string]: never; }>;


export type CreateTaskMutation = { createTask: { id: string, status: TaskStatus, progress: number, version: number, createdAt: string, startedAt: string | null, finishedAt: string | null, error: string | null } };

export type CancelTaskMutationVariables = Exact<{
  id: string | number;
}>;


export type CancelTaskMutation = { cancelTask: { id: string, status: TaskStatus, progress: number, version: number, createdAt: string, startedAt: string | null, finishedAt: string | null, error: string | null } };

export type TaskStatusSubscriptionVariables = Exact<{
  id: string | number;
}>;


export type TaskStatusSubscription = { taskStatus: { id: string, status: TaskStatus, progress: number, version: number, createdAt: string, startedAt: string | null, finishedAt: string | null, error: string | null } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const AllTaskFieldsFragmentDoc = new TypedDocumentString(`
    fragment AllTaskFields on Task {
  id
  status
  progress
  version
  createdAt
  startedAt
  finishedAt
  error
}
    `, {"fragmentName":"AllTaskFields"}) as unknown as TypedDocumentString<AllTaskFieldsFragment, unknown>;
export const BenchWatchDocument = new TypedDocumentString(`
    subscription BenchWatch($id: ID!) {
  taskStatus(id: $id) {
    id
    status
    progress
    version
  }
}
    `) as unknown as TypedDocumentString<BenchWatchSubscription, BenchWatchSubscriptionVariables>;
export const BenchCreateDocument = new TypedDocumentString(`
    mutation BenchCreate {
  createTask {
    id
    status
    version
  }
}
    `) as unknown as TypedDocumentString<BenchCreateMutation, BenchCreateMutationVariables>;
export const BenchListDocument = new TypedDocumentString(`
    query BenchList {
  tasks(first: 1) {
    id
    status
    version
  }
}
    `) as unknown as TypedDocumentString<BenchListQuery, BenchListQueryVariables>;
export const BenchCancelDocument = new TypedDocumentString(`
    mutation BenchCancel($id: ID!) {
  cancelTask(id: $id) {
    status
  }
}
    `) as unknown as TypedDocumentString<BenchCancelMutation, BenchCancelMutationVariables>;
export const TaskDocument = new TypedDocumentString(`
    query Task($id: ID!) {
  task(id: $id) {
    ...AllTaskFields
  }
}
    fragment AllTaskFields on Task {
  id
  status
  progress
  version
  createdAt
  startedAt
  finishedAt
  error
}`) as unknown as TypedDocumentString<TaskQuery, TaskQueryVariables>;
export const TasksDocument = new TypedDocumentString(`
    query Tasks($first: Int) {
  tasks(first: $first) {
    ...AllTaskFields
  }
}
    fragment AllTaskFields on Task {
  id
  status
  progress
  version
  createdAt
  startedAt
  finishedAt
  error
}`) as unknown as TypedDocumentString<TasksQuery, TasksQueryVariables>;
export const CreateTaskDocument = new TypedDocumentString(`
    mutation CreateTask {
  createTask {
    ...AllTaskFields
  }
}
    fragment AllTaskFields on Task {
  id
  status
  progress
  version
  createdAt
  startedAt
  finishedAt
  error
}`) as unknown as TypedDocumentString<CreateTaskMutation, CreateTaskMutationVariables>;
export const CancelTaskDocument = new TypedDocumentString(`
    mutation CancelTask($id: ID!) {
  cancelTask(id: $id) {
    ...AllTaskFields
  }
}
    fragment AllTaskFields on Task {
  id
  status
  progress
  version
  createdAt
  startedAt
  finishedAt
  error
}`) as unknown as TypedDocumentString<CancelTaskMutation, CancelTaskMutationVariables>;
export const TaskStatusDocument = new TypedDocumentString(`
    subscription TaskStatus($id: ID!) {
  taskStatus(id: $id) {
    ...AllTaskFields
  }
}
    fragment AllTaskFields on Task {
  id
  status
  progress
  version
  createdAt
  startedAt
  finishedAt
  error
}`) as unknown as TypedDocumentString<TaskStatusSubscription, TaskStatusSubscriptionVariables>;
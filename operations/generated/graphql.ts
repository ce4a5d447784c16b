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
    `, {"hash":"sha256:35ad39f26f9756eb2ebf1d2ff55dcebaaad3e6bba055f9137eb793639c014467"}) as unknown as TypedDocumentString<BenchWatchSubscription, BenchWatchSubscriptionVariables>;
export const BenchCreateDocument = new TypedDocumentString(`
    mutation BenchCreate {
  createTask {
    id
    status
    version
  }
}
    `, {"hash":"sha256:56a6664061e70930d20089f4443dd2ccbdb10151f3dfe1a6d5247ef19e389e22"}) as unknown as TypedDocumentString<BenchCreateMutation, BenchCreateMutationVariables>;
export const BenchListDocument = new TypedDocumentString(`
    query BenchList {
  tasks(first: 1) {
    id
    status
    version
  }
}
    `, {"hash":"sha256:58f8660250c92a42ee2f97d472901b2157eaed4d59be30d1197b6295ef9f0b11"}) as unknown as TypedDocumentString<BenchListQuery, BenchListQueryVariables>;
export const BenchCancelDocument = new TypedDocumentString(`
    mutation BenchCancel($id: ID!) {
  cancelTask(id: $id) {
    status
  }
}
    `, {"hash":"sha256:0b26af2e5cec8212204bd7bf89310b8a02e611bb2ab4585a8cfb99895aa3e2ec"}) as unknown as TypedDocumentString<BenchCancelMutation, BenchCancelMutationVariables>;
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
}`, {"hash":"sha256:0e329058571304ca2c212bda49063c60ff2b6f17f49b78160fd2c13c80b8c9f1"}) as unknown as TypedDocumentString<TaskQuery, TaskQueryVariables>;
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
}`, {"hash":"sha256:f932f16ee3419b269705e552a3407401428dba0616f5f8293834552761cd25ef"}) as unknown as TypedDocumentString<TasksQuery, TasksQueryVariables>;
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
}`, {"hash":"sha256:bc24b19f5b425b8814fca30c4f7b90db45efea332091f923c6b02b4ddea02b6c"}) as unknown as TypedDocumentString<CreateTaskMutation, CreateTaskMutationVariables>;
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
}`, {"hash":"sha256:c5bf69f1f7bbd7da24c88d9ec1e98a47848f63c194556a0835099b0930f327c7"}) as unknown as TypedDocumentString<CancelTaskMutation, CancelTaskMutationVariables>;
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
}`, {"hash":"sha256:77bb11a3adf5fe3d915727be6ec9764dea8d421d6c198dddd8541843672fca76"}) as unknown as TypedDocumentString<TaskStatusSubscription, TaskStatusSubscriptionVariables>;
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
    "\n  fragment TaskFields on Task {\n    id\n    status\n    progress\n    version\n    createdAt\n    startedAt\n    finishedAt\n    error\n  }\n": typeof types.TaskFieldsFragmentDoc,
    "\n  query Tasks($first: Int) {\n    tasks(first: $first) {\n      ...TaskFields\n    }\n  }\n": typeof types.TasksDocument,
    "\n  mutation CreateTask {\n    createTask {\n      ...TaskFields\n    }\n  }\n": typeof types.CreateTaskDocument,
    "\n  mutation CancelTask($id: ID!) {\n    cancelTask(id: $id) {\n      ...TaskFields\n    }\n  }\n": typeof types.CancelTaskDocument,
    "\n  subscription TaskStatus($id: ID!) {\n    taskStatus(id: $id) {\n      ...TaskFields\n    }\n  }\n": typeof types.TaskStatusDocument,
};
const documents: Documents = {
    "\n  fragment TaskFields on Task {\n    id\n    status\n    progress\n    version\n    createdAt\n    startedAt\n    finishedAt\n    error\n  }\n": types.TaskFieldsFragmentDoc,
    "\n  query Tasks($first: Int) {\n    tasks(first: $first) {\n      ...TaskFields\n    }\n  }\n": types.TasksDocument,
    "\n  mutation CreateTask {\n    createTask {\n      ...TaskFields\n    }\n  }\n": types.CreateTaskDocument,
    "\n  mutation CancelTask($id: ID!) {\n    cancelTask(id: $id) {\n      ...TaskFields\n    }\n  }\n": types.CancelTaskDocument,
    "\n  subscription TaskStatus($id: ID!) {\n    taskStatus(id: $id) {\n      ...TaskFields\n    }\n  }\n": types.TaskStatusDocument,
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
export function graphql(source: "\n  fragment TaskFields on Task {\n    id\n    status\n    progress\n    version\n    createdAt\n    startedAt\n    finishedAt\n    error\n  }\n"): (typeof documents)["\n  fragment TaskFields on Task {\n    id\n    status\n    progress\n    version\n    createdAt\n    startedAt\n    finishedAt\n    error\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Tasks($first: Int) {\n    tasks(first: $first) {\n      ...TaskFields\n    }\n  }\n"): (typeof documents)["\n  query Tasks($first: Int) {\n    tasks(first: $first) {\n      ...TaskFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateTask {\n    createTask {\n      ...TaskFields\n    }\n  }\n"): (typeof documents)["\n  mutation CreateTask {\n    createTask {\n      ...TaskFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelTask($id: ID!) {\n    cancelTask(id: $id) {\n      ...TaskFields\n    }\n  }\n"): (typeof documents)["\n  mutation CancelTask($id: ID!) {\n    cancelTask(id: $id) {\n      ...TaskFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription TaskStatus($id: ID!) {\n    taskStatus(id: $id) {\n      ...TaskFields\n    }\n  }\n"): (typeof documents)["\n  subscription TaskStatus($id: ID!) {\n    taskStatus(id: $id) {\n      ...TaskFields\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;
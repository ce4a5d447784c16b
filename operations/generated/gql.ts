/* eslint-disable */
import * as types from './graphql.js';



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
    "subscription BenchWatch($id: ID!) {\n  taskStatus(id: $id) {\n    id\n    status\n    progress\n    version\n  }\n}\n\nmutation BenchCreate {\n  createTask {\n    id\n    status\n    version\n  }\n}\n\nquery BenchList {\n  tasks(first: 1) {\n    id\n    status\n    version\n  }\n}\n\nmutation BenchCancel($id: ID!) {\n  cancelTask(id: $id) {\n    status\n  }\n}": typeof types.BenchWatchDocument,
    "fragment AllTaskFields on Task {\n  id\n  status\n  progress\n  version\n  createdAt\n  startedAt\n  finishedAt\n  error\n}\n\nquery Task($id: ID!) {\n  task(id: $id) {\n    ...AllTaskFields\n  }\n}\n\nquery Tasks($first: Int) {\n  tasks(first: $first) {\n    ...AllTaskFields\n  }\n}\n\nmutation CreateTask {\n  createTask {\n    ...AllTaskFields\n  }\n}\n\nmutation CancelTask($id: ID!) {\n  cancelTask(id: $id) {\n    ...AllTaskFields\n  }\n}\n\nsubscription TaskStatus($id: ID!) {\n  taskStatus(id: $id) {\n    ...AllTaskFields\n  }\n}": typeof types.AllTaskFieldsFragmentDoc,
};
const documents: Documents = {
    "subscription BenchWatch($id: ID!) {\n  taskStatus(id: $id) {\n    id\n    status\n    progress\n    version\n  }\n}\n\nmutation BenchCreate {\n  createTask {\n    id\n    status\n    version\n  }\n}\n\nquery BenchList {\n  tasks(first: 1) {\n    id\n    status\n    version\n  }\n}\n\nmutation BenchCancel($id: ID!) {\n  cancelTask(id: $id) {\n    status\n  }\n}": types.BenchWatchDocument,
    "fragment AllTaskFields on Task {\n  id\n  status\n  progress\n  version\n  createdAt\n  startedAt\n  finishedAt\n  error\n}\n\nquery Task($id: ID!) {\n  task(id: $id) {\n    ...AllTaskFields\n  }\n}\n\nquery Tasks($first: Int) {\n  tasks(first: $first) {\n    ...AllTaskFields\n  }\n}\n\nmutation CreateTask {\n  createTask {\n    ...AllTaskFields\n  }\n}\n\nmutation CancelTask($id: ID!) {\n  cancelTask(id: $id) {\n    ...AllTaskFields\n  }\n}\n\nsubscription TaskStatus($id: ID!) {\n  taskStatus(id: $id) {\n    ...AllTaskFields\n  }\n}": types.AllTaskFieldsFragmentDoc,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription BenchWatch($id: ID!) {\n  taskStatus(id: $id) {\n    id\n    status\n    progress\n    version\n  }\n}\n\nmutation BenchCreate {\n  createTask {\n    id\n    status\n    version\n  }\n}\n\nquery BenchList {\n  tasks(first: 1) {\n    id\n    status\n    version\n  }\n}\n\nmutation BenchCancel($id: ID!) {\n  cancelTask(id: $id) {\n    status\n  }\n}"): typeof import('./graphql.js').BenchWatchDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment AllTaskFields on Task {\n  id\n  status\n  progress\n  version\n  createdAt\n  startedAt\n  finishedAt\n  error\n}\n\nquery Task($id: ID!) {\n  task(id: $id) {\n    ...AllTaskFields\n  }\n}\n\nquery Tasks($first: Int) {\n  tasks(first: $first) {\n    ...AllTaskFields\n  }\n}\n\nmutation CreateTask {\n  createTask {\n    ...AllTaskFields\n  }\n}\n\nmutation CancelTask($id: ID!) {\n  cancelTask(id: $id) {\n    ...AllTaskFields\n  }\n}\n\nsubscription TaskStatus($id: ID!) {\n  taskStatus(id: $id) {\n    ...AllTaskFields\n  }\n}"): typeof import('./graphql.js').AllTaskFieldsFragmentDoc;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

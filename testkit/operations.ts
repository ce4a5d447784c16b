/**
 * The suites' names for the operations in operations/tasks.graphql (typed by codegen.ts into
 * operations/generated/): each is the document's text, typed with its result and variables.
 */
import {
  CancelTaskDocument,
  CreateTaskDocument,
  TaskDocument,
  TasksDocument,
  TaskStatusDocument,
  TaskTimelineDocument,
} from '../operations/generated/graphql.js';

export type { AllTaskFieldsFragment as Task, CreateTaskMutationVariables as CreateVariables, TaskTimelineQuery } from '../operations/generated/graphql.js';
export { ErrorCode, FINAL_STATUSES, isFinal, TaskStatus } from '../operations/generated/schema-enums.js';

export const CREATE = CreateTaskDocument.toString();
export const TASK = TaskDocument.toString();
export const TASKS = TasksDocument.toString();
export const CANCEL = CancelTaskDocument.toString();
export const STATUS = TaskStatusDocument.toString();
export const TIMELINE = TaskTimelineDocument.toString();

import { GATEWAY_FILES_PATH } from '@longrun/server-common';
import type { Config } from '../config/config.js';
import type { KindServices } from './task-kind.js';
import { PermanentError } from './task-kind.js';
import { toPublic } from './task-state.js';
import { MAX_EVENTS_PAGE, type TaskStore } from './task-store.js';

/** Where the frontend serves a task's file to its owner (the gateway fetches it from FilesController). */
export const fileUrl = (taskId: string) => `${GATEWAY_FILES_PATH}/${taskId}`;

/** The core's services for kinds (see KindServices), over the task store. */
export function kindServices(store: TaskStore, config: Config): KindServices {
  return {
    maxFileBytes: config.task.fileMaxBytes,
    async *history(owner, limit) {
      const page = 100;
      for (let offset = 0; offset < limit; offset += page) {
        const tasks = await store.listByOwner(owner, Math.min(page, limit - offset), offset);
        for (const task of tasks) {
          const events = [];
          for (let after = 0; ; after += MAX_EVENTS_PAGE) {
            const chunk = await store.events(task.id, after, MAX_EVENTS_PAGE);
            events.push(...chunk);
            if (chunk.length < MAX_EVENTS_PAGE) break;
          }
          yield { task: toPublic(task), events };
        }
        if (tasks.length < page) return;
      }
    },
    async saveFile(taskId, content, meta) {
      const bytes = Buffer.byteLength(content);
      if (bytes > config.task.fileMaxBytes)
        throw new PermanentError(`The file is ${bytes} bytes, over the limit of ${config.task.fileMaxBytes} (FILE_MAX_BYTES)`);
      await store.saveFile(taskId, { content: Buffer.from(content), ...meta });
      return { url: fileUrl(taskId), bytes };
    },
  };
}

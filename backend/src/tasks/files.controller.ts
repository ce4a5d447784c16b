import { BACKEND_FILES_PATH, bearerToken, INTERNAL_TOKEN_HEADER, secretMatches, USER_HEADER } from '@longrun/server-common';
import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CONFIG, type Config } from '../config/config.js';
import { contextFor } from '../graphql/context.js';
import { isTaskId } from './tasks.errors.js';
import { TasksService } from './tasks.service.js';

/**
 * A task's file (an export) for the gateway, which serves it to the task's owner at
 * `/api/files/:id`. Like /graphql, it wants the internal credential and acts as the user the
 * gateway asserts; anything but the owner's own file is the same 404.
 */
@Controller(BACKEND_FILES_PATH)
export class FilesController {
  constructor(
    private readonly tasks: TasksService,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  @Get(':id')
  async download(@Param('id') id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    if (!secretMatches(bearerToken(req.headers[INTERNAL_TOKEN_HEADER]), this.config.internalToken)) {
      res.status(401).json({ errors: [{ message: 'Missing or invalid credentials', extensions: { code: 'UNAUTHENTICATED' } }] });
      return;
    }
    const { user } = contextFor(req.headers[USER_HEADER]);
    const taskId = isTaskId(id) ? id.toLowerCase() : null;
    const file = user && taskId ? await this.tasks.file(taskId, user).catch(() => null) : null;
    if (!file) {
      res.status(404).json({ errors: [{ message: 'File not found', extensions: { code: 'NOT_FOUND' } }] });
      return;
    }
    res
      .status(200)
      .set({
        'content-type': file.contentType,
        'content-length': String(file.content.length),
        'content-disposition': `attachment; filename="${file.filename.replace(/[^\w.-]/g, '_')}"`,
        'cache-control': 'private, no-store',
        'x-content-type-options': 'nosniff',
      })
      .end(file.content);
  }
}

import { main } from './main.js';

/** Worker-only entry point: runs tasks, serves no GraphQL. Scale these independently. */
main({ BACKEND_ROLE: 'worker' }).catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

/**
 * The list query's variables: how many tasks the page shows. The custom server renders the list
 * with them and the browser's cache keeps it under them, so both must use this one object.
 * (No imports: the server's build and the page's bundle both load this file.)
 */
export const TASKS_VARIABLES = { first: 20 } as const;

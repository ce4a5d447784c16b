import { headers } from 'next/headers';
import { NO_FILTER } from '../graphql/task-list';
import { decodePageData, PAGE_DATA_HEADER, type PageData } from '../server/page-data';
import { Providers } from './_components/apollo-provider';
import { TaskBoard } from './_components/task-board';

export default async function Home() {
  // The list's filter, its first page and the kinds as the custom server read them for this request
  // (src/server/serve-page-data.ts), so the first view shows them without a client round trip;
  // null when it could not. Reading the request makes the page dynamic: rendered per request.
  const data = decodePageData<PageData>((await headers()).get(PAGE_DATA_HEADER));
  return (
    <main>
      <header>
        <h1>longrun</h1>
        <p className="lede">Start a background task and watch it live: WAITING, IN PROGRESS, then FINISHED, ERROR or CANCELLED.</p>
      </header>
      <Providers initial={data}>
        <TaskBoard initialFilter={data?.filter ?? NO_FILTER} />
      </Providers>
    </main>
  );
}

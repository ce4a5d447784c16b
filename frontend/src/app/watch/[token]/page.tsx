import type { Metadata } from 'next';
import { Providers } from '../../_components/apollo-provider';
import { WatchView } from './watch-view';

export const metadata: Metadata = {
  title: 'longrun: a shared task',
  // The token is the key to the view: never sent on to another site, never indexed.
  referrer: 'no-referrer',
  robots: { index: false, follow: false },
};

/**
 * A share link (`shareTask`'s url): one task, read-only and live, for whoever has the link.
 * Rendered in the browser from the token alone (no first view from the server): the view's
 * access is the token, never the visitor's session.
 */
export default async function Watch({ params }: { params: Promise<{ token: string }> }) {
  // Taken as it comes: a token is plain URL-safe text, and anything else is refused by the backend.
  const { token } = await params;
  return (
    <main>
      <header>
        <h1>longrun</h1>
        <p className="lede">A task shared with you, live and read-only.</p>
      </header>
      <Providers initial={null}>
        <WatchView token={token} />
      </Providers>
    </main>
  );
}

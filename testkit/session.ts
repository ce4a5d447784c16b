import WebSocket from 'ws';
import { gqlHttpResponse, wsClient, type GqlResult, type WsClient } from './graphql.js';

const SESSION_COOKIE = 'longrun_session';

/**
 * One browser-like user of the frontend's /api/graphql: keeps the signed session cookie the
 * frontend issues and sends it back, over HTTP and on its WebSockets (with the page's Origin,
 * as a browser would). `at(otherFrontend)` is the same user, same cookie, on another frontend.
 */
export class FrontendSession {
  constructor(
    readonly baseUrl: string,
    private readonly jar: { cookie?: string } = {},
  ) {}

  get cookie(): string | undefined {
    return this.jar.cookie;
  }

  /** The same session (shared cookie) through another frontend process. */
  at(baseUrl: string): FrontendSession {
    return new FrontendSession(baseUrl, this.jar);
  }

  /** POSTs one operation; remembers a (re)issued session cookie. Throws if the body is not JSON. */
  async gql<D = any>(query: string, variables?: Record<string, unknown>): Promise<GqlResult<D>> {
    const headers: Record<string, string> = this.jar.cookie ? { cookie: this.jar.cookie } : {};
    const res = await gqlHttpResponse<D>(`${this.baseUrl}/api/graphql`, query, variables, headers);
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';')[0];
      if (pair.startsWith(`${SESSION_COOKIE}=`)) this.jar.cookie = pair;
    }
    if (res.body === undefined) throw new Error(`${this.baseUrl}: HTTP ${res.status}, body is not JSON: ${res.text.slice(0, 300)}`);
    return res.body;
  }

  /** A graphql-ws client on this frontend carrying the session cookie and the page's Origin. */
  ws(options: Parameters<typeof wsClient>[1] = {}): WsClient {
    const headers = { origin: this.baseUrl, ...(this.jar.cookie ? { cookie: this.jar.cookie } : {}) };
    class BrowserLikeSocket extends WebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols, { headers });
      }
    }
    return wsClient(`${this.baseUrl.replace(/^http/, 'ws')}/api/graphql`, { webSocketImpl: BrowserLikeSocket, ...options });
  }
}

# longrun's images, one file, one shared dependency stage. Build context: the repository root.
#   docker build --target backend  -t longrun-backend  .   # API (main.js) and workers (worker.js)
#   docker build --target frontend -t longrun-frontend .   # the page + GraphQL gateway
# docker-compose.yml builds both. The base is the Node LTS line of .nvmrc (its major).

# ── every dependency, for building ───────────────────────────────────────────────────────
FROM node:24-bookworm-slim AS deps
WORKDIR /app
ENV PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 NEXT_TELEMETRY_DISABLED=1
COPY package.json package-lock.json ./
COPY packages/server-common/package.json packages/server-common/
COPY backend/package.json backend/
COPY frontend/package.json frontend/
RUN npm ci --no-audit --no-fund
COPY schema schema
# Both tiers import the shared package's build output: built once, here.
COPY packages/server-common packages/server-common
RUN npm run build -w @longrun/server-common

FROM deps AS backend-build
COPY backend backend
RUN npm run build -w backend

FROM deps AS frontend-build
COPY frontend frontend
RUN npm run build -w frontend

# ── runtime: production dependencies of one workspace only ───────────────────────────────
FROM node:24-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1
COPY package.json package-lock.json ./
COPY packages/server-common/package.json packages/server-common/
COPY backend/package.json backend/
COPY frontend/package.json frontend/
COPY schema schema

FROM runtime AS backend
RUN npm ci --omit=dev --no-audit --no-fund --workspace=@longrun/backend && npm cache clean --force
COPY --from=backend-build /app/packages/server-common/dist packages/server-common/dist
COPY --from=backend-build /app/backend/dist backend/dist
USER node
EXPOSE 4000
# The API answers /healthz on BACKEND_PORT. A worker-only container (backend/dist/worker.js) has
# no HTTP server: it answers only when WORKER_HEALTH_PORT is set (a fixed port, not 0), which
# only worker-only processes read, so that port wins when set. The slim image has no curl.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const e = process.env; fetch(`http://127.0.0.1:${e.WORKER_HEALTH_PORT || e.BACKEND_PORT || 4000}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "backend/dist/main.js"]

FROM runtime AS frontend
RUN npm ci --omit=dev --no-audit --no-fund --workspace=@longrun/frontend && npm cache clean --force
COPY --from=frontend-build /app/packages/server-common/dist packages/server-common/dist
COPY --from=frontend-build /app/frontend/next.config.ts frontend/
COPY --from=frontend-build /app/frontend/.next frontend/.next
COPY --from=frontend-build /app/frontend/dist frontend/dist
# Trusted documents (TRUSTED_DOCUMENTS=true) are read from here at run time.
COPY --from=frontend-build /app/frontend/src/graphql/generated frontend/src/graphql/generated
COPY operations/generated/persisted-documents.json operations/generated/
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 3000}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "frontend/dist/server.js"]

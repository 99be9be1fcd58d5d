# syntax=docker/dockerfile:1
# Multi-stage build of truc. Runtime: current Node LTS (24), non-root, production dependencies only.
# Build:  docker build -t truc .
# Run:    docker run -e DATABASE_URL=... -e REDIS_URL=... -e TRUC_JWT_KEYS=k1:<secret> -p 8080:8080 truc
#         (default command `all`; `worker`, `api`, `migrate`, `audit verify` as arguments)

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY dashboard ./dashboard
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim AS runtime
# docker build --build-arg TRUC_COMMIT=$(git rev-parse --short HEAD) . → truc_build_info{commit=…}
ARG TRUC_COMMIT=unknown
ENV NODE_ENV=production PORT=8080 DATA_DIR=/var/lib/truc TRUC_BUILD_COMMIT=$TRUC_COMMIT
WORKDIR /app
RUN groupadd --system truc && useradd --system --gid truc --home-dir /app --shell /usr/sbin/nologin truc \
  && mkdir -p /var/lib/truc && chown truc:truc /var/lib/truc
COPY --from=build --chown=truc:truc /app/node_modules ./node_modules
COPY --from=build --chown=truc:truc /app/dist ./dist
COPY --chown=truc:truc package.json ./
COPY --chown=truc:truc config ./config
COPY --chown=truc:truc openapi ./openapi
USER truc
EXPOSE 8080 9464 9465
# The API port's /healthz (roles all and api). `truc worker` and `truc scheduler` serve /healthz on
# their metrics ports (TRUC_WORKER_METRICS_PORT 9464, TRUC_SCHEDULER_METRICS_PORT 9465): compose.yaml
# gives them their own health check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# The V8 old space capped (issue 7: every process under 512 MB at city scale): truc keeps ~70 MB live at
# any size, but with no cap V8 (whose default limit follows the host's memory, 4 GB on 24 GB) lets the
# old space grow to 3-4 times that between full collections (sync bench, 100 k students: peak RSS 411 MB
# uncapped, 241 MB capped). The young generation keeps the size it has uncapped (16 MB semi-spaces; a
# 256 MB cap alone would shrink it, and with it the throughput of short-lived allocations). The old space grows
# by 100 % of what a full collection left live before the next one starts (issue 7, perf32b): under a 256 MB cap V8
# grows it by 30 % at most, and a first sync's pages (each alive through two young collections, so promoted) started
# a full collection every 10-15 pages, each marking ~90 MB; about 2.6 times fewer with this. Not a NODE_OPTIONS flag.
ENTRYPOINT ["node", "--max-old-space-size=256", "--max-semi-space-size=16", "--heap-growing-percent=100", "dist/main.js"]
CMD ["all"]

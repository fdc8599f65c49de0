# syntax=docker/dockerfile:1

# One image for every process of the platform; docker-compose.yml picks the command:
#   API         node dist/api/server.js         (port 8000, the default CMD)
#   worker      node dist/worker/index.js       (metrics on port 9464)
#   migrations  node dist/db/migrate.js latest

# --- dependencies: every package, dev ones included, exactly as the lockfile says
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund

# --- build: tsc writes dist/, then the dev packages go
FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY core ./core
COPY db ./db
COPY activities ./activities
COPY workflows ./workflows
COPY worker ./worker
COPY api ./api
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# --- runtime: compiled code and production packages only, run as the image's `node` user
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and only readable by `node`: the processes cannot rewrite their own code.
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 8000 9464
CMD ["node", "dist/api/server.js"]

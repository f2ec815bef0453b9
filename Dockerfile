# syntax=docker/dockerfile:1
# Metronome's image: one image for every role (`worker`, `api`, `schedules apply`, any CLI
# command), chosen by the command: `docker run metronome worker --queues invitations`.
# Build: docker build -t metronome:local .   (docker-compose.yml does it for you)

ARG NODE_IMAGE=node:20-bookworm-slim

# --- build: all dependencies, TypeScript → dist/, the prebuilt workflow bundle ---------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# `npm install` installs exactly the versions of package-lock.json. Not `npm ci`: npm 11 writes
# locks without other platforms' optional packages (@swc/core-*), which `ci` then refuses
# (see scripts/bootstrap.mjs).
RUN npm install --no-audit --no-fund --loglevel=error
COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
# tsconfig also includes test/ and bench/; they are not copied (.dockerignore), so only src/ is built.
RUN node node_modules/typescript/bin/tsc -p tsconfig.json \
 && node dist/src/workers/workflow-bundle.js \
 && npm prune --omit=dev --no-audit --no-fund --loglevel=error

# --- runtime: production dependencies, the build, a non-root user -----------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json /app/package-lock.json ./
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/bin ./bin
COPY --from=build --chown=root:root /app/dist/src ./dist/src
COPY --from=build --chown=root:root /app/dist/workflow-bundle.js ./dist/workflow-bundle.js
# The code belongs to root and is read-only for the process; it runs as the image's `node`
# user (uid 1000), so Kubernetes can enforce runAsNonRoot and a read-only root filesystem.
USER node
# 9464: the worker's /healthz, /readyz and /metrics (WORKER_HTTP_PORT); 3000: `metronome api`.
EXPOSE 9464 3000
ENTRYPOINT ["node", "bin/metronome.js"]
CMD ["worker"]
